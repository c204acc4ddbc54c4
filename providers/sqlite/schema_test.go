package sqlite_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestSchemaKinds(t *testing.T) {
	providertest.RunSchemaKinds(t, providertest.Backend{
		Name: "sqlite",
		New: func(t *testing.T) (string, *sql.DB) {
			s := providertest.NewSQLite(t)
			return fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n}\n", s.Path), s.DB
		},
		Placeholder: func(int) string { return "?" },
		Dialect:     sqlite.Dialect{},
		Types:       providertest.Types{BigInt: "INTEGER", Timestamp: "TIMESTAMP", Text: "TEXT", Decimal: "DECIMAL(10,2)", Int: "INTEGER"},
		TimeValue:   func(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05") },
	})
}
