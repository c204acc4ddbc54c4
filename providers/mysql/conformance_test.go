package mysql_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor/conformance"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// backend is MySQL/MariaDB for the conformance suite: a throwaway database
// (with a journal schema of its own) per subtest.
func backend() conformance.Backend {
	types := conformance.Types{BigInt: "BIGINT", Timestamp: "DATETIME", Text: "VARCHAR(255)", Decimal: "DECIMAL(10,2)", Int: "INT"}
	return conformance.Backend{
		Name: "mysql",
		New: func(t *testing.T) (string, *sql.DB) {
			m := providertest.NewMySQL(t)
			return m.Source(), m.DB
		},
		Dialect:   mysql.Dialect{},
		Types:     types,
		TimeValue: func(t time.Time) any { return t.UTC() },
		Profile: &conformance.ProfileBackend{
			Name: "mysql",
			New: func(t *testing.T) (*sql.DB, providers.Settings) {
				m := providertest.NewMySQL(t)
				return m.DB, providers.Settings{Type: "mysql", Name: "test", DSN: m.DSN, JournalSchema: m.Journal}
			},
			Types:       types,
			TimeValue:   func(t time.Time) any { return t.UTC() },
			Placeholder: func(int) string { return "?" },
		},
		Rental: &conformance.RentalBackend{
			Name: "mysql",
			New: func(t *testing.T) (string, *sql.DB) {
				m := providertest.NewMySQL(t)
				return m.Source(), m.DB
			},
			Schema:      providertest.RentalMariaDB,
			Dialect:     mysql.Dialect{},
			TextType:    "VARCHAR(200)",
			SchemaQuery: conformance.RentalSchemaMySQL,
		},
	}
}

// TestConformance runs the one live suite (executor/conformance) on
// MySQL/MariaDB: every kind that runs here is applied and rolled back.
func TestConformance(t *testing.T) { conformance.Run(t, backend()) }
