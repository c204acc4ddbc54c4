package postgres_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestProfile runs providertest.RunProfile (anomgen profile's statistics).
func TestProfile(t *testing.T) {
	providertest.RunProfile(t, providertest.ProfileBackend{
		Name: "postgres",
		New: func(t *testing.T) (*sql.DB, providers.Settings) {
			pg := providertest.NewPostgres(t)
			return pg.DB, pg.Settings()
		},
		Types:       providertest.Types{BigInt: "bigint", Timestamp: "timestamp", Text: "text", Decimal: "numeric(10,2)", Int: "integer"},
		TimeValue:   func(t time.Time) any { return t.UTC() },
		Placeholder: func(n int) string { return fmt.Sprintf("$%d", n) },
	})
}
