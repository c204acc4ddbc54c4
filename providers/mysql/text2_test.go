package mysql_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestEditKinds runs encoding_corruption and typos (providertest.RunEditKinds)
// on the same backend as TestRowKinds.
func TestEditKinds(t *testing.T) {
	providertest.RunEditKinds(t, providertest.Backend{
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
