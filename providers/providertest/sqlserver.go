package providertest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers"
	_ "github.com/microsoft/go-mssqldb" // the "sqlserver" database/sql driver
)

// SQLServerEnv names the variable that holds the DSN of a SQL Server test
// server, in URL form: sqlserver://user:password@host:1433?database=master.
// The login must be allowed to create and drop databases.
const SQLServerEnv = "ANOMGEN_TEST_SQLSERVER"

var (
	msOnce sync.Once
	msErr  error
)

// SQLServerAdminDSN returns the DSN of the SQL Server test server. There is
// no default server: without ANOMGEN_TEST_SQLSERVER the test is skipped,
// in CI too. A server that is named but unreachable fails the test.
func SQLServerAdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(SQLServerEnv)
	if dsn == "" {
		t.Skipf("SQL Server tests run when %s holds a DSN (sqlserver://user:password@host:1433?database=master)", SQLServerEnv)
	}
	if !strings.HasPrefix(dsn, "sqlserver://") {
		t.Fatalf("%s must be a DSN in URL form: sqlserver://user:password@host:1433?database=master", SQLServerEnv)
	}
	msOnce.Do(func() {
		db, err := sql.Open("sqlserver", dsn)
		if err != nil {
			msErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		msErr = db.PingContext(ctx)
	})
	if msErr != nil {
		t.Fatalf("SQL Server at %s is not reachable: %v", SQLServerEnv, redact(msErr.Error(), dsn))
	}
	return dsn
}

// SQLServer is a throwaway SQL Server database.
type SQLServer struct {
	// Name is the database name.
	Name string
	// DSN connects to it (URL form).
	DSN string
	// DB is an open handle on it.
	DB *sql.DB
}

// NewSQLServer creates a fresh database on the test server and drops it
// when the test ends.
func NewSQLServer(t testing.TB) *SQLServer {
	t.Helper()
	admin := SQLServerAdminDSN(t)
	name := "anomgen_test_" + randomSuffix()
	adb, err := sql.Open("sqlserver", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adb.Exec("CREATE DATABASE [" + name + "]"); err != nil {
		adb.Close()
		t.Fatalf("creating test database: %v", redact(err.Error(), admin))
	}
	dsn, err := withDatabase(admin, name)
	if err != nil {
		adb.Close()
		t.Fatal(err)
	}
	db, err := sql.Open("sqlserver", dsn)
	if err != nil {
		adb.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		// Connections the test left open (engines, pools) would block the
		// DROP; SINGLE_USER ends them. Azure SQL Database has no
		// SINGLE_USER, and there the DROP alone is tried.
		_, _ = adb.Exec("ALTER DATABASE [" + name + "] SET SINGLE_USER WITH ROLLBACK IMMEDIATE")
		if _, err := adb.Exec("DROP DATABASE [" + name + "]"); err != nil {
			t.Logf("dropping test database %s: %v", name, redact(err.Error(), admin))
		}
		adb.Close()
	})
	return &SQLServer{Name: name, DSN: dsn, DB: db}
}

// withDatabase returns dsn connecting to database instead.
func withDatabase(dsn, database string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("%s is not a valid URL", SQLServerEnv)
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "database") {
			delete(q, k)
		}
	}
	q.Set("database", database)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Source is an HCL source block for the database, labelled sqlserver "db".
func (s *SQLServer) Source() string {
	return fmt.Sprintf("source \"sqlserver\" \"db\" {\n  dsn = %q\n}\n", s.DSN)
}

// Settings returns provider settings for the database, as a dsn.
func (s *SQLServer) Settings() providers.Settings {
	return providers.Settings{Type: "sqlserver", Name: "test", DSN: s.DSN, JournalSchema: "anomgen"}
}
