package providertest

import (
	"database/sql"
	"net/url"
	"sync"
	"testing"
)

var (
	cloneMu    sync.Mutex
	cloneNames = map[*sql.DB]string{}
)

// ClonePostgres makes a throwaway copy of the database template is open on
// (CREATE DATABASE ... TEMPLATE, a file copy: no seeding), dropped when the
// test ends. PostgreSQL copies a database only while no session is
// connected to it, so the first call closes template's connections and
// keeps none idle; template must not be used afterwards. Calls are
// serialised.
func ClonePostgres(t testing.TB, template *sql.DB) *Postgres {
	t.Helper()
	admin := PostgresAdminDSN(t)
	cloneMu.Lock()
	src, ok := cloneNames[template]
	if !ok {
		if err := template.QueryRow("SELECT current_database()").Scan(&src); err != nil {
			cloneMu.Unlock()
			t.Fatalf("template database: %v", err)
		}
		template.SetMaxIdleConns(-1) // closes the idle connection
		cloneNames[template] = src
	}
	name := "anomgen_test_" + randomSuffix()
	adb, err := sql.Open("pgx", admin)
	if err == nil {
		_, err = adb.Exec("CREATE DATABASE " + name + " TEMPLATE " + src)
	}
	cloneMu.Unlock()
	if err != nil {
		if adb != nil {
			adb.Close()
		}
		t.Fatalf("cloning the template database: %v", err)
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
