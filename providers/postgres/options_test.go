package postgres_test

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestOptionsReachServer: option values reach the server as written
// (spaces, +, quotes and commas included), with and without a dsn;
// statement_timeout and lock_timeout are set through them; and every
// connection checks that anomgen is still there
// (client_connection_check_interval, PostgreSQL 14+) unless options say
// otherwise.
func TestOptionsReachServer(t *testing.T) {
	p := providertest.NewPostgres(t)
	ctx := context.Background()
	var version int
	if err := p.DB.QueryRow("SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(p.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := p.URL.User.Password()
	portN, _ := strconv.Atoi(port)
	fields := providers.Settings{Type: "postgres", Name: "test", Host: host, Port: portN, Database: p.Name,
		Username: p.URL.User.Username(), Password: pw, TLS: "disable"}
	kv := providers.Settings{Type: "postgres", Name: "test", DSN: "host=" + host + " port=" + port + " dbname=" + p.Name + " user=" + p.URL.User.Username() + " sslmode=disable"}
	if pw != "" {
		kv.DSN += " password=" + pw
	}
	const app = `nightly run+1, it's "a b"`
	for name, s := range map[string]providers.Settings{"fields": fields, "url dsn": p.Settings(), "keyword dsn": kv} {
		s.Options = map[string]string{"application_name": app, "statement_timeout": "90s", "lock_timeout": "2500ms", "search_path": "public, pg_catalog"}
		c, err := providers.Open(ctx, s)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for setting, want := range map[string]string{"application_name": app, "statement_timeout": "90s", "lock_timeout": "2500ms", "search_path": "public, pg_catalog", "TimeZone": "UTC"} {
			var got string
			if err := c.DB.QueryRowContext(ctx, "SELECT current_setting($1)", setting).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: %s = %q, want %q", name, setting, got, want)
			}
		}
		if version >= 140000 {
			var got string
			if err := c.DB.QueryRowContext(ctx, "SELECT current_setting('client_connection_check_interval')").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != postgres.ClientCheckInterval {
				t.Errorf("%s: client_connection_check_interval = %q, want %q", name, got, postgres.ClientCheckInterval)
			}
		}
		c.DB.Close()
	}
	if version < 140000 {
		return
	}
	// options replace the default.
	s := fields
	s.Options = map[string]string{"client_connection_check_interval": "0"}
	c, err := providers.Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.DB.Close()
	var got string
	if err := c.DB.QueryRowContext(ctx, "SELECT current_setting('client_connection_check_interval')").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "0" {
		t.Errorf("options.client_connection_check_interval = \"0\": the session has %q", got)
	}
}
