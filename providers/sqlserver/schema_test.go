package sqlserver_test

import (
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestSchemaKinds runs the schema kinds' live suite against the server
// named by ANOMGEN_TEST_SQLSERVER (see TestSuite); without it, it skips.
func TestSchemaKinds(t *testing.T) {
	if os.Getenv(providertest.SQLServerEnv) == "" {
		t.Skipf("no SQL Server: set %s to run the live schema suite", providertest.SQLServerEnv)
	}
	providertest.RunSchemaKinds(t, providertest.Backend{
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
