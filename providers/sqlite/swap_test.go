package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

// TestSwapKinds runs swapped_columns (providertest.RunSwapKinds)
// on the same backend as TestRowKinds.
func TestSwapKinds(t *testing.T) {
	providertest.RunSwapKinds(t, providertest.Backend{
		Name: "sqlite",
		New: func(t *testing.T) (string, *sql.DB) {
			s := providertest.NewSQLite(t)
			return fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n}\n", s.Path), s.DB
		},
		Clone: func(t *testing.T, template *sql.DB) (string, *sql.DB) {
			path := filepath.Join(t.TempDir(), "test.db")
			if _, err := template.Exec("VACUUM INTO ?", path); err != nil {
				t.Fatalf("cloning the template: %v", err)
			}
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n}\n", path), db
		},
		Placeholder:     func(int) string { return "?" },
		Dialect:         sqlite.Dialect{},
		Types:           providertest.Types{BigInt: "INTEGER", Timestamp: "TIMESTAMP", Text: "TEXT", Decimal: "DECIMAL(10,2)", Int: "INTEGER"},
		TimeValue:       func(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05") },
		TimeFormat:      planner.TimeFormat{Layout: "2006-01-02 15:04:05"},
		ChecksumColumns: `"id", CAST("created_at" AS TEXT) AS created_at, typeof("created_at") AS created_at_type, "email", "amount", "qty", "status"`,
	})
}
