package sqlserver_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestSuite runs the live provider suite against the server named by
// ANOMGEN_TEST_SQLSERVER, e.g.
//
//	ANOMGEN_TEST_SQLSERVER='sqlserver://sa:Secret_123@127.0.0.1:1433?database=master' go test ./providers/sqlserver
//
// Each subtest creates its own database and drops it. Without the
// variable the suite is skipped (in CI too: there is no default server).
func TestSuite(t *testing.T) {
	if os.Getenv(providertest.SQLServerEnv) == "" {
		t.Skipf("no SQL Server: set %s to a DSN (sqlserver://user:password@host:1433?database=master) to run the live suite", providertest.SQLServerEnv)
	}
	providertest.RunSuite(t, providertest.Backend{
		Name: "sqlserver",
		New: func(t *testing.T) (string, *sql.DB) {
			s := providertest.NewSQLServer(t)
			return s.Source(), s.DB
		},
		Dialect:   sqlserver.Dialect{},
		Types:     providertest.Types{BigInt: "bigint", Timestamp: "datetime2", Text: "nvarchar(255)", Decimal: "decimal(10,2)", Int: "int"},
		TimeValue: func(t time.Time) any { return t.UTC() },
	})
}
