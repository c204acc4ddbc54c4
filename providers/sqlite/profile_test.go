package sqlite_test

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
		Name: "sqlite",
		New: func(t *testing.T) (*sql.DB, providers.Settings) {
			s := providertest.NewSQLite(t)
			return s.DB, s.Settings()
		},
		Types:       providertest.Types{BigInt: "INTEGER", Timestamp: "TIMESTAMP", Text: "TEXT", Decimal: "DECIMAL(10,2)", Int: "INTEGER"},
		TimeValue:   func(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05") },
		Placeholder: func(int) string { return "?" },
	})
}
