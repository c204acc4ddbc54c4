package postgres_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestSwapKinds runs swapped_columns (providertest.RunSwapKinds)
// on the same backend as TestRowKinds.
func TestSwapKinds(t *testing.T) {
	providertest.RunSwapKinds(t, providertest.Backend{
		Name: "postgres",
		New: func(t *testing.T) (string, *sql.DB) {
			pg := providertest.NewPostgres(t)
			return fmt.Sprintf("source \"postgres\" \"db\" {\n  dsn = %q\n}\n", pg.DSN), pg.DB
		},
		// Clone copies the seeded template database, so the suite seeds
		// once instead of once per subtest.
		Clone: func(t *testing.T, template *sql.DB) (string, *sql.DB) {
			pg := providertest.ClonePostgres(t, template)
			return fmt.Sprintf("source \"postgres\" \"db\" {\n  dsn = %q\n}\n", pg.DSN), pg.DB
		},
		Dialect:   postgres.Dialect{},
		Types:     providertest.Types{BigInt: "bigint", Timestamp: "timestamp", Text: "text", Decimal: "numeric(10,2)", Int: "integer"},
		TimeValue: func(t time.Time) any { return t.UTC() },
	})
}
