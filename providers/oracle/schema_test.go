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

// TestSchemaKinds runs the schema kinds' live suite against the server
// named by ANOMGEN_TEST_ORACLE (see TestSuite); without it, it skips.
func TestSchemaKinds(t *testing.T) {
	if os.Getenv(providertest.OracleEnv) == "" {
		t.Skip(providertest.OracleEnv + " is not set: the live Oracle schema suite is skipped")
	}
	providertest.RunSchemaKinds(t, providertest.Backend{
		Name: "oracle",
		New: func(t *testing.T) (string, *sql.DB) {
			o := providertest.NewOracle(t)
			return o.Source(), o.DB
		},
		Dialect:   oracle.Dialect{},
		Types:     providertest.Types{BigInt: "NUMBER(19)", Timestamp: "TIMESTAMP", Text: "VARCHAR2(255)", Decimal: "NUMBER(10,2)", Int: "NUMBER(10)"},
		TimeValue: func(t time.Time) any { return oracle.Dialect{}.TimeArg(t, planner.TimeFormat{}) },
		BatchRows: 1, // Oracle 19c has no multi-row VALUES list
	})
}
