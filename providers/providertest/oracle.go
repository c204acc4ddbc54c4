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

	_ "github.com/sijms/go-ora/v2" // the "oracle" database/sql driver
)

// OracleEnv names the variable that holds the DSN of an Oracle account
// allowed to create and drop users (e.g. oracle://system:pw@host:1521/FREEPDB1).
// There is no default: without it the Oracle tests skip, in CI too.
const OracleEnv = "ANOMGEN_TEST_ORACLE"

var (
	oraOnce sync.Once
	oraErr  error
)

// OracleAdminDSN returns the admin DSN from ANOMGEN_TEST_ORACLE. It skips
// the test when the variable is unset, and fails it when the variable is set
// but the server does not answer (a misconfiguration, not a missing server).
// The account must be allowed to create, grant to and drop users and to
// read V$SESSION (SYSTEM on a pluggable database such as FREEPDB1 is).
func OracleAdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(OracleEnv)
	if dsn == "" {
		t.Skip(OracleEnv + " is not set (an oracle:// DSN of an account that may create users): Oracle live tests are skipped")
	}
	oraOnce.Do(func() {
		db, err := sql.Open("oracle", dsn)
		if err != nil {
			oraErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		oraErr = db.PingContext(ctx)
	})
	if oraErr != nil {
		t.Fatalf("Oracle (%s) is not reachable: %v", OracleEnv, redact(oraErr.Error(), dsn))
	}
	return dsn
}

// Oracle is a throwaway Oracle schema. A schema is a user in Oracle, so each
// test gets a user of its own, with CREATE SESSION, CREATE TABLE and
// UNLIMITED TABLESPACE, dropped with CASCADE when the test ends.
type Oracle struct {
	// User is the user (and schema) name, upper case.
	User string
	// DSN connects as the user.
	DSN string
	// DB is an open handle connected as the user.
	DB *sql.DB
}

// Source is an HCL source block for the schema, labelled oracle "db".
func (o *Oracle) Source() string {
	return fmt.Sprintf("source \"oracle\" \"db\" {\n  dsn = %q\n}\n", o.DSN)
}

// NewOracle creates a fresh user and drops it, with everything it owns,
// when the test ends.
func NewOracle(t testing.TB) *Oracle {
	t.Helper()
	adminDSN := OracleAdminDSN(t)
	admin, err := sql.Open("oracle", adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	user := "ANOMGEN_T_" + strings.ToUpper(randomSuffix())
	password := "Ag_" + randomSuffix() + "_x9"
	for _, q := range []string{
		fmt.Sprintf(`CREATE USER %s IDENTIFIED BY "%s"`, user, password),
		fmt.Sprintf("GRANT CREATE SESSION, CREATE TABLE, UNLIMITED TABLESPACE TO %s", user),
	} {
		if _, err := admin.Exec(q); err != nil {
			admin.Close()
			t.Fatalf("creating the test user: %v", redact(err.Error(), adminDSN))
		}
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatal("ANOMGEN_TEST_ORACLE is not a URL")
	}
	u.User = url.UserPassword(user, password)
	o := &Oracle{User: user, DSN: u.String()}
	t.Cleanup(func() {
		if o.DB != nil {
			o.DB.Close()
		}
		dropOracleUser(t, admin, user)
		admin.Close()
	})
	o.DB, err = sql.Open("oracle", o.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.DB.Ping(); err != nil {
		t.Fatalf("connecting as the test user: %v", err)
	}
	return o
}

// CloneOracle makes a fresh user holding a copy of table from the schema
// that template is connected to (data, column types, NOT NULL constraints),
// with its primary key on key when key is not empty. The template's user
// grants SELECT on the table; the new user copies it into its own schema.
func CloneOracle(t testing.TB, template *sql.DB, table, key string) *Oracle {
	t.Helper()
	var from string
	if err := template.QueryRow("SELECT USER FROM DUAL").Scan(&from); err != nil {
		t.Fatalf("reading the template's user: %v", err)
	}
	o := NewOracle(t)
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	if _, err := template.Exec(fmt.Sprintf("GRANT SELECT ON %s TO %s", q(table), q(o.User))); err != nil {
		t.Fatalf("cloning %s: %v", table, err)
	}
	stmts := []string{fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s.%s", q(table), q(from), q(table))}
	if key != "" {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", q(table), q(key)))
	}
	for _, s := range stmts {
		if _, err := o.DB.Exec(s); err != nil {
			t.Fatalf("cloning %s: %s: %v", table, s, err)
		}
	}
	return o
}

// dropOracleUser drops user with CASCADE, ending its sessions first when
// some are still open (ORA-01940).
func dropOracleUser(t testing.TB, admin *sql.DB, user string) {
	for try := 0; try < 5; try++ {
		_, err := admin.Exec("DROP USER " + user + " CASCADE")
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "ORA-01940") {
			t.Logf("dropping test user %s: %v", user, err)
			return
		}
		rows, qerr := admin.Query("SELECT SID, SERIAL# FROM V$SESSION WHERE USERNAME = :1", user)
		if qerr != nil {
			t.Logf("dropping test user %s: it is still connected, and its sessions cannot be listed: %v", user, qerr)
			return
		}
		var kill []string
		for rows.Next() {
			var sid, serial int64
			if rows.Scan(&sid, &serial) == nil {
				kill = append(kill, fmt.Sprintf("ALTER SYSTEM KILL SESSION '%d,%d' IMMEDIATE", sid, serial))
			}
		}
		rows.Close()
		for _, k := range kill {
			_, _ = admin.Exec(k)
		}
		time.Sleep(time.Second)
	}
	t.Logf("test user %s could not be dropped", user)
}
