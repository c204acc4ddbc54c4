package mysql_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// liveSettings are the source settings of the test database m.
func liveSettings(t *testing.T, m *providertest.MySQL, options map[string]string) providers.Settings {
	t.Helper()
	host, port, err := net.SplitHostPort(m.Config.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return providers.Settings{Type: "mysql", Name: "db", Host: host, Port: p, Database: m.Name,
		Username: m.Config.User, Password: m.Config.Passwd, TLS: "disable", Options: options}
}

func isMariaDB(t *testing.T, m *providertest.MySQL) bool {
	t.Helper()
	var v string
	if err := m.DB.QueryRow("SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(v, "MariaDB")
}

// TestOptionsAreBound: option values reach the server as values: a value
// that holds SQL (a comma and another assignment) cannot add SET items, a
// name that is not an identifier is refused, and a value with spaces,
// quotes and + arrives intact, on every connection of the pool.
func TestOptionsAreBound(t *testing.T) {
	m := providertest.NewMySQL(t)
	ctx := context.Background()
	var baseMode string
	if err := m.DB.QueryRow("SELECT @@SESSION.sql_mode").Scan(&baseMode); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(baseMode, "ANSI_QUOTES") {
		t.Skip("the server's sql_mode already has ANSI_QUOTES")
	}

	// A value that would add SET items were it pasted into the SET.
	for _, opts := range []map[string]string{
		{"innodb_lock_wait_timeout": "1, sql_mode='ANSI_QUOTES'"},
		{"innodb_lock_wait_timeout": "1, sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')"},
		{"sql_mode": "STRICT_ALL_TABLES', sql_mode='ANSI_QUOTES"},
		{"sql_mode": `STRICT_ALL_TABLES\', sql_mode=\'ANSI_QUOTES`},
	} {
		c, err := providers.Open(ctx, liveSettings(t, m, opts))
		if err == nil {
			var mode string
			qerr := c.DB.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode)
			c.DB.Close()
			if qerr != nil {
				t.Fatal(qerr)
			}
			t.Errorf("options %q: connected, with sql_mode %q (the value was run as SQL)", opts, mode)
			continue
		}
		t.Logf("options %q: %v", opts, err)
		for k := range opts {
			if !strings.Contains(err.Error(), "'"+k+"'") {
				t.Errorf("options %q: the error does not name the variable: %v", opts, err)
			}
		}
	}

	// A name is checked before anything is sent.
	_, err := providers.Open(ctx, liveSettings(t, m, map[string]string{"sql_mode='ANSI_QUOTES', innodb_lock_wait_timeout": "1"}))
	if err == nil || !strings.Contains(err.Error(), "a session variable's name is letters, digits and _") {
		t.Errorf("a name that is not an identifier: %v", err)
	}

	// Values are set, typed: an integer, a list, and (MariaDB) a decimal and
	// a string with spaces, quotes and + kept as written.
	opts := map[string]string{"innodb_lock_wait_timeout": "7", "sql_mode": "ANSI_QUOTES,STRICT_ALL_TABLES"}
	maria := isMariaDB(t, m)
	const spaced = `it's a b+c, "d"`
	if maria {
		opts["max_statement_time"] = "2.5"
		opts["default_master_connection"] = spaced
	}
	c, err := providers.Open(ctx, liveSettings(t, m, opts))
	if err != nil {
		t.Fatal(err)
	}
	defer c.DB.Close()
	// Every connection of the pool has them: hold four at once.
	var conns []interface{ Close() error }
	for i := 0; i < 4; i++ {
		conn, err := c.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		var wait int
		var mode, tz string
		if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.innodb_lock_wait_timeout, @@SESSION.sql_mode, @@SESSION.time_zone").Scan(&wait, &mode, &tz); err != nil {
			t.Fatal(err)
		}
		if wait != 7 || mode != "ANSI_QUOTES,STRICT_ALL_TABLES" || tz != "+00:00" {
			t.Errorf("connection %d: innodb_lock_wait_timeout %d, sql_mode %q, time_zone %q", i, wait, mode, tz)
		}
		if maria {
			var mst float64
			var dmc string
			if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.max_statement_time, @@SESSION.default_master_connection").Scan(&mst, &dmc); err != nil {
				t.Fatal(err)
			}
			if mst != 2.5 || dmc != spaced {
				t.Errorf("connection %d: max_statement_time %v, default_master_connection %q, want 2.5 and %q", i, mst, dmc, spaced)
			}
		}
	}
	for _, conn := range conns {
		conn.Close()
	}
}
