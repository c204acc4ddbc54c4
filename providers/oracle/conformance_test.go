package oracle_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor/conformance"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestConformance runs the one live suite (executor/conformance) against
// the Oracle server whose admin DSN is in ANOMGEN_TEST_ORACLE (e.g.
// oracle://system:password@127.0.0.1:1521/FREEPDB1); each subtest gets a
// user (schema) of its own. Without the variable it skips; with it, an
// unreachable server or a kind without a case fails, in CI as anywhere.
// .github/workflows/sqlserver-oracle.yml runs it in a service container.
func TestConformance(t *testing.T) {
	if os.Getenv(providertest.OracleEnv) == "" {
		t.Skip(providertest.OracleEnv + " is not set (e.g. oracle://system:password@127.0.0.1:1521/FREEPDB1): the live Oracle suite is skipped")
	}
	conformance.Run(t, conformance.Backend{
		Name: "oracle",
		New: func(t *testing.T) (string, *sql.DB) {
			o := providertest.NewOracle(t)
			return o.Source(), o.DB
		},
		// Clone copies the seeded template's orders table into a new user
		// (CREATE TABLE AS SELECT, then its primary key), so that a part
		// seeds once: seeding is one row per INSERT here.
		Clone: func(t *testing.T, template *sql.DB) (string, *sql.DB) {
			o := providertest.CloneOracle(t, template, "orders", "id")
			return o.Source(), o.DB
		},
		Dialect:   oracle.Dialect{},
		Types:     conformance.Types{BigInt: "NUMBER(19)", Timestamp: "TIMESTAMP", Text: "VARCHAR2(255)", Decimal: "NUMBER(10,2)", Int: "NUMBER(10)"},
		TimeValue: func(t time.Time) any { return oracle.Dialect{}.TimeArg(t, planner.TimeFormat{}) },
		// Oracle 19c has no multi-row VALUES list.
		BatchRows: 1,
	})
}
