package mysql_test

import (
	"database/sql"
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestRentalShop: the rental shop on MariaDB (see the PostgreSQL test):
// every kind × every suitable column either plans, applies and rolls back
// byte-identical, or is refused with its reason named.
func TestRentalShop(t *testing.T) {
	providertest.RunRentalShop(t, providertest.RentalBackend{
		Name: "mysql",
		New: func(t *testing.T) (string, *sql.DB) {
			m := providertest.NewMySQL(t)
			return m.Source(), m.DB
		},
		Schema:      providertest.RentalMariaDB,
		Dialect:     mysql.Dialect{},
		TextType:    "VARCHAR(200)",
		SchemaQuery: providertest.RentalSchemaMySQL,
	})
}
