package sqlserver_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor/conformance"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestConformance runs the one live suite (executor/conformance) against
// the server named by ANOMGEN_TEST_SQLSERVER, e.g.
//
//	ANOMGEN_TEST_SQLSERVER='sqlserver://sa:Secret_123@127.0.0.1:1433?database=master' go test ./providers/sqlserver
//
// Each subtest creates its own database and drops it. Without the
// variable it skips (there is no default server); with it, an unreachable
// server or a kind without a case fails, in CI as anywhere.
// .github/workflows/sqlserver-oracle.yml runs it in a service container.
func TestConformance(t *testing.T) {
	if os.Getenv(providertest.SQLServerEnv) == "" {
		t.Skipf("no SQL Server: set %s to a DSN (sqlserver://user:password@host:1433?database=master) to run the live suite", providertest.SQLServerEnv)
	}
	conformance.Run(t, conformance.Backend{
		Name: "sqlserver",
		New: func(t *testing.T) (string, *sql.DB) {
			s := providertest.NewSQLServer(t)
			return s.Source(), s.DB
		},
		Dialect:   sqlserver.Dialect{},
		Types:     conformance.Types{BigInt: "bigint", Timestamp: "datetime2", Text: "nvarchar(255)", Decimal: "decimal(10,2)", Int: "int"},
		TimeValue: func(t time.Time) any { return t.UTC() },
	})
}
