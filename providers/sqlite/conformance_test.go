package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor/conformance"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

// backend is SQLite for the conformance suite: a file per subtest, copied
// from a seeded template with VACUUM INTO where the part seeds one.
func backend() conformance.Backend {
	types := conformance.Types{BigInt: "INTEGER", Timestamp: "TIMESTAMP", Text: "TEXT", Decimal: "DECIMAL(10,2)", Int: "INTEGER"}
	timeValue := func(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05") }
	source := func(path string) string { return fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n}\n", path) }
	return conformance.Backend{
		Name: "sqlite",
		New: func(t *testing.T) (string, *sql.DB) {
			s := providertest.NewSQLite(t)
			return source(s.Path), s.DB
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
			return source(path), db
		},
		// The driver binds plain ? much faster than ?NNN in long statements.
		Placeholder: func(int) string { return "?" },
		Dialect:     sqlite.Dialect{},
		Types:       types,
		TimeValue:   timeValue,
		TimeFormat:  planner.TimeFormat{Layout: "2006-01-02 15:04:05"},
		// created_at is read as its stored text (the driver would parse it
		// into a time), so that a restore that reformats a time, or stores
		// it as another type, changes the checksum; the other columns come
		// back as their storage class's Go type.
		ChecksumColumns: `"id", CAST("created_at" AS TEXT) AS created_at, typeof("created_at") AS created_at_type, "email", "amount", "qty", "status"`,
		Profile: &conformance.ProfileBackend{
			Name: "sqlite",
			New: func(t *testing.T) (*sql.DB, providers.Settings) {
				s := providertest.NewSQLite(t)
				return s.DB, s.Settings()
			},
			Types:       types,
			TimeValue:   timeValue,
			Placeholder: func(int) string { return "?" },
		},
	}
}

// TestConformance runs the one live suite (executor/conformance) on
// SQLite: every kind that runs here is applied and rolled back.
func TestConformance(t *testing.T) { conformance.Run(t, backend()) }
