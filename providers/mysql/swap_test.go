package mysql_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestSwapKinds runs swapped_columns (providertest.RunSwapKinds)
// on the same backend as TestRowKinds.
func TestSwapKinds(t *testing.T) {
	providertest.RunSwapKinds(t, providertest.Backend{
		Name: "mysql",
		New: func(t *testing.T) (string, *sql.DB) {
			m := providertest.NewMySQL(t) // with a journal schema of its own
			return m.Source(), m.DB
		},
		Dialect:   mysql.Dialect{},
		Types:     providertest.Types{BigInt: "BIGINT", Timestamp: "DATETIME", Text: "VARCHAR(255)", Decimal: "DECIMAL(10,2)", Int: "INT"},
		TimeValue: func(t time.Time) any { return t.UTC() },
	})
}
