package mysql_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestProfile runs providertest.RunProfile (anomgen profile's statistics).
func TestProfile(t *testing.T) {
	providertest.RunProfile(t, providertest.ProfileBackend{
		Name: "mysql",
		New: func(t *testing.T) (*sql.DB, providers.Settings) {
			m := providertest.NewMySQL(t)
			return m.DB, providers.Settings{Type: "mysql", Name: "test", DSN: m.DSN, JournalSchema: m.Journal}
		},
		Types:       providertest.Types{BigInt: "BIGINT", Timestamp: "DATETIME", Text: "VARCHAR(255)", Decimal: "DECIMAL(10,2)", Int: "INT"},
		TimeValue:   func(t time.Time) any { return t.UTC() },
		Placeholder: func(int) string { return "?" },
	})
}
