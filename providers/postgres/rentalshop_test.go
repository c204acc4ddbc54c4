package postgres_test

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestRentalShop: every kind × every suitable column of the rental shop
// (partitioned payments with foreign keys on the partitions, last_update
// triggers, enums and domains, a unique index across three columns, an
// unowned serial sequence, a generated column) either plans, applies and
// rolls back byte-identical, or is refused with its reason named.
func TestRentalShop(t *testing.T) {
	providertest.RunRentalShop(t, providertest.RentalBackend{
		Name: "postgres",
		New: func(t *testing.T) (string, *sql.DB) {
			pg := providertest.NewPostgres(t)
			return fmt.Sprintf("source \"postgres\" \"db\" {\n  dsn = %q\n}\n", pg.DSN), pg.DB
		},
		Schema:      providertest.RentalPostgres,
		Dialect:     postgres.Dialect{},
		Triggers:    "disable",
		TextType:    "text",
		SchemaQuery: providertest.RentalSchemaPostgres,
	})
}
