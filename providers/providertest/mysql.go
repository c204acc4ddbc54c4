package providertest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// DefaultMySQL is used when ANOMGEN_TEST_MYSQL is unset.
const DefaultMySQL = "root@tcp(127.0.0.1:3306)/"

var (
	myOnce sync.Once
	myErr  error
)

// MySQLAdminConfig returns the driver config of the test server (MariaDB or
// MySQL), skipping (or failing in CI) when the server is unreachable.
func MySQLAdminConfig(t testing.TB) *driver.Config {
	t.Helper()
	dsn := os.Getenv("ANOMGEN_TEST_MYSQL")
	if dsn == "" {
		dsn = DefaultMySQL
	}
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("ANOMGEN_TEST_MYSQL is not a go-sql-driver DSN: %v", err)
	}
	myOnce.Do(func() {
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			myErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		myErr = db.PingContext(ctx)
		if myErr != nil && !required() {
			fmt.Fprintf(os.Stderr, "anomgen tests: MariaDB/MySQL is not reachable (%v): MySQL tests are skipped; ./test.sh starts it\n", myErr)
		}
	})
	if myErr != nil {
		if required() {
			t.Fatalf("MariaDB/MySQL is required (CI or ANOMGEN_TEST_REQUIRE_SERVERS) but not reachable: %v", myErr)
		}
		t.Skip("MariaDB/MySQL not reachable")
	}
	return cfg
}

// MySQL is a throwaway MySQL/MariaDB database plus its own journal schema.
type MySQL struct {
	// Name is the database name; Journal the journal schema (a database).
	Name, Journal string
	// DSN connects to the database.
	DSN string
	DB  *sql.DB
	// Config is the parsed DSN.
	Config *driver.Config
}

// NewMySQL creates a fresh database and a journal schema for it, both
// dropped when the test ends.
func NewMySQL(t testing.TB) *MySQL {
	t.Helper()
	admin := MySQLAdminConfig(t)
	name := "anomgen_test_" + randomSuffix()
	adb, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adb.Exec("CREATE DATABASE " + name); err != nil {
		adb.Close()
		t.Fatalf("creating test database: %v", err)
	}
	cfg := admin.Clone()
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	m := &MySQL{Name: name, Journal: name + "_j", DSN: cfg.FormatDSN(), DB: db, Config: cfg}
	t.Cleanup(func() {
		db.Close()
		_, _ = adb.Exec("DROP DATABASE IF EXISTS " + m.Journal)
		_, _ = adb.Exec("DROP DATABASE IF EXISTS " + name)
		adb.Close()
	})
	return m
}

// Source is an HCL source block for the database, labelled mysql "db".
func (m *MySQL) Source() string {
	return fmt.Sprintf("source \"mysql\" \"db\" {\n  dsn            = %q\n  journal_schema = %q\n}\n", m.DSN, m.Journal)
}
