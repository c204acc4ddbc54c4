// Package providertest gives tests real, throwaway databases: a fresh
// PostgreSQL database per test (dropped afterwards) and a fresh SQLite file,
// plus helpers to seed and checksum tables.
//
// Server tests skip when no server is reachable, printing one line per test
// binary, unless ANOMGEN_TEST_REQUIRE_SERVERS or CI is set: then they fail.
package providertest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// DefaultPostgres is used when ANOMGEN_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func required() bool {
	ci := strings.ToLower(os.Getenv("CI"))
	return os.Getenv("ANOMGEN_TEST_REQUIRE_SERVERS") != "" || ci == "true" || ci == "1"
}

var (
	pgOnce sync.Once
	pgErr  error
)

// PostgresAdminDSN returns the DSN of the test server's maintenance
// database, skipping (or failing in CI) when the server is unreachable.
func PostgresAdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("ANOMGEN_TEST_POSTGRES")
	if dsn == "" {
		dsn = DefaultPostgres
	}
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
		if pgErr != nil && !required() {
			fmt.Fprintf(os.Stderr, "anomgen tests: PostgreSQL is not reachable (%v): PostgreSQL tests are skipped; ./test.sh starts it\n", redact(pgErr.Error(), dsn))
		}
	})
	if pgErr != nil {
		if required() {
			t.Fatalf("PostgreSQL is required (CI or ANOMGEN_TEST_REQUIRE_SERVERS) but not reachable: %v", redact(pgErr.Error(), dsn))
		}
		t.Skip("PostgreSQL not reachable")
	}
	return dsn
}

func redact(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
		}
	}
	return msg
}

// Postgres is a throwaway PostgreSQL database.
type Postgres struct {
	// Name is the database name.
	Name string
	// DSN connects to it.
	DSN string
	// DB is an open handle on it.
	DB *sql.DB
	// URL is the parsed DSN, for tests that need host, port and user.
	URL *url.URL
}

// Settings returns provider settings for the database, as a dsn.
func (p *Postgres) Settings() providers.Settings {
	return providers.Settings{Type: "postgres", Name: "test", DSN: p.DSN, JournalSchema: "anomgen"}
}

// NewPostgres creates a fresh database and drops it when the test ends.
func NewPostgres(t testing.TB) *Postgres {
	t.Helper()
	admin := PostgresAdminDSN(t)
	name := "anomgen_test_" + randomSuffix()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adb.Exec("CREATE DATABASE " + name); err != nil {
		adb.Close()
		t.Fatalf("creating test database: %v", err)
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		_, _ = adb.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		adb.Close()
	})
	return &Postgres{Name: name, DSN: u.String(), DB: db, URL: u}
}

// SQLite is a throwaway SQLite database file.
type SQLite struct {
	Path string
	DB   *sql.DB
}

// NewSQLite creates an empty SQLite database in the test's temp folder.
func NewSQLite(t testing.TB) *SQLite {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return &SQLite{Path: path, DB: db}
}

// Settings returns provider settings for the file.
func (s *SQLite) Settings() providers.Settings {
	return providers.Settings{Type: "sqlite", Name: "test", Path: s.Path, JournalSchema: "anomgen"}
}

// Checksum hashes every column of every row of table in key order, with
// each value's Go type, so that any changed byte, NULL or type shows.
func Checksum(t testing.TB, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("checksum query %q: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(h, "%T:%v|", v, v)
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d rows %s", n, hex.EncodeToString(h.Sum(nil))[:24])
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
