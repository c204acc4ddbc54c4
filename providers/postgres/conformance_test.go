package postgres_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor/conformance"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// backend is PostgreSQL for the conformance suite: a throwaway database
// per subtest, cloned from a seeded template where the part seeds one.
func backend() conformance.Backend {
	types := conformance.Types{BigInt: "bigint", Timestamp: "timestamp", Text: "text", Decimal: "numeric(10,2)", Int: "integer"}
	source := func(pg *providertest.Postgres) string {
		return fmt.Sprintf("source \"postgres\" \"db\" {\n  dsn = %q\n}\n", pg.DSN)
	}
	return conformance.Backend{
		Name: "postgres",
		New: func(t *testing.T) (string, *sql.DB) {
			pg := providertest.NewPostgres(t)
			return source(pg), pg.DB
		},
		Clone: func(t *testing.T, template *sql.DB) (string, *sql.DB) {
			pg := providertest.ClonePostgres(t, template)
			return source(pg), pg.DB
		},
		Dialect:   postgres.Dialect{},
		Types:     types,
		TimeValue: func(t time.Time) any { return t.UTC() },
		Profile: &conformance.ProfileBackend{
			Name: "postgres",
			New: func(t *testing.T) (*sql.DB, providers.Settings) {
				pg := providertest.NewPostgres(t)
				return pg.DB, pg.Settings()
			},
			Types:       types,
			TimeValue:   func(t time.Time) any { return t.UTC() },
			Placeholder: func(n int) string { return fmt.Sprintf("$%d", n) },
		},
		// The rental shop: partitioned payments with foreign keys on the
		// partitions, last_update triggers, enums and domains, a unique
		// index across three columns, an unowned serial sequence, a
		// generated column.
		Rental: &conformance.RentalBackend{
			Name: "postgres",
			New: func(t *testing.T) (string, *sql.DB) {
				pg := providertest.NewPostgres(t)
				return source(pg), pg.DB
			},
			Schema:      providertest.RentalPostgres,
			Dialect:     postgres.Dialect{},
			Triggers:    "disable",
			TextType:    "text",
			SchemaQuery: conformance.RentalSchemaPostgres,
		},
	}
}

// TestConformance runs the one live suite (executor/conformance) on
// PostgreSQL: every kind that runs here is applied and rolled back.
func TestConformance(t *testing.T) { conformance.Run(t, backend()) }
