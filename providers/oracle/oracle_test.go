package oracle_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestSuite runs the live provider suite against the Oracle server whose
// admin DSN is in ANOMGEN_TEST_ORACLE; each subtest gets a user (schema) of
// its own. Without the variable it skips, in CI too.
func TestSuite(t *testing.T) {
	if os.Getenv(providertest.OracleEnv) == "" {
		t.Skip(providertest.OracleEnv + " is not set (e.g. oracle://system:password@127.0.0.1:1521/FREEPDB1): the live Oracle suite is skipped")
	}
	providertest.RunSuite(t, providertest.Backend{
		Name: "oracle",
		New: func(t *testing.T) (string, *sql.DB) {
			o := providertest.NewOracle(t)
			return o.Source(), o.DB
		},
		// Clone copies the seeded template's orders table into a new user
		// (CREATE TABLE AS SELECT, then its primary key), so that the suite
		// seeds once: seeding is one row per INSERT here.
		Clone: func(t *testing.T, template *sql.DB) (string, *sql.DB) {
			o := providertest.CloneOracle(t, template, "orders", "id")
			return o.Source(), o.DB
		},
		Dialect:   oracle.Dialect{},
		Types:     providertest.Types{BigInt: "NUMBER(19)", Timestamp: "TIMESTAMP", Text: "VARCHAR2(255)", Decimal: "NUMBER(10,2)", Int: "NUMBER(10)"},
		TimeValue: func(t time.Time) any { return oracle.Dialect{}.TimeArg(t, planner.TimeFormat{}) },
		// Oracle 19c has no multi-row VALUES list.
		BatchRows: 1,
	})
}
