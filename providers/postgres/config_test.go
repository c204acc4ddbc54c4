package postgres

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/jackc/pgx/v5/pgconn"
)

const password = "Sup3r-s3cret/@?:pw"

func settings() providers.Settings {
	return providers.Settings{Type: "postgres", Name: "shop", Host: "db.example", Port: 6543, Database: "shop",
		Username: "anomgen", Password: password, TLS: "disable", JournalSchema: "anomgen"}
}

// noSecret fails when text holds the password or the dsn, in any form a
// URL would carry them.
func noSecret(t *testing.T, text string, s providers.Settings) {
	t.Helper()
	for _, secret := range []string{s.Password, s.DSN} {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.UserPassword("u", secret).String()[2:]} {
			if strings.Contains(text, form) {
				t.Errorf("%q holds a secret (%q)", text, form)
			}
		}
	}
}

func TestConnConfigSettings(t *testing.T) {
	s := settings()
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "db.example" || cfg.Port != 6543 || cfg.Database != "shop" || cfg.User != "anomgen" || cfg.Password != password {
		t.Errorf("connection fields: %s:%d %s %s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
	}
	if cfg.ConnectTimeout != 10*time.Second {
		t.Errorf("default connect timeout %s, want 10s", cfg.ConnectTimeout)
	}
	if cfg.TLSConfig != nil {
		t.Errorf("tls = disable has a TLS config")
	}
	if cfg.RuntimeParams["timezone"] != "UTC" || cfg.RuntimeParams["application_name"] != "anomgen" {
		t.Errorf("runtime params %v", cfg.RuntimeParams)
	}

	s.ConnectTimeout = 3
	s.Options = map[string]string{"search_path": "shop,public", "lock_timeout": "5s", "application_name": "nightly", "target_session_attrs": "read-write"}
	cfg, err = ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnectTimeout != 3*time.Second {
		t.Errorf("connect timeout %s, want 3s", cfg.ConnectTimeout)
	}
	for k, want := range map[string]string{"search_path": "shop,public", "lock_timeout": "5s", "application_name": "nightly", "timezone": "UTC"} {
		if got := cfg.RuntimeParams[k]; got != want {
			t.Errorf("runtime param %s = %q, want %q", k, got, want)
		}
	}
	if _, ok := cfg.RuntimeParams["target_session_attrs"]; ok || cfg.ValidateConnect == nil {
		t.Errorf("target_session_attrs is a connection parameter, not a runtime one: %v", cfg.RuntimeParams)
	}
}

func TestConnConfigDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://anomgen:" + url.QueryEscape(password) + "@db.example:6543/shop?sslmode=require&connect_timeout=7",
		"host=db.example port=6543 dbname=shop user=anomgen password='" + strings.ReplaceAll(password, "'", `\'`) + "' sslmode=require connect_timeout=7",
	} {
		s := providers.Settings{Type: "postgres", Name: "shop", DSN: dsn}
		cfg, err := ConnConfig(s)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if cfg.Host != "db.example" || cfg.Database != "shop" || cfg.Password != password || cfg.ConnectTimeout != 7*time.Second || cfg.TLSConfig == nil {
			t.Errorf("dsn fields: %s %s timeout %s tls %v", cfg.Host, cfg.Database, cfg.ConnectTimeout, cfg.TLSConfig != nil)
		}
		// Settings apply on top of the dsn.
		s.TLS, s.ConnectTimeout, s.Options = "disable", 2, map[string]string{"statement_timeout": "60s"}
		cfg, err = ConnConfig(s)
		if err != nil {
			t.Fatalf("%v", err)
		}
		if cfg.TLSConfig != nil || cfg.ConnectTimeout != 2*time.Second || cfg.RuntimeParams["statement_timeout"] != "60s" || cfg.Password != password {
			t.Errorf("settings over the dsn: tls %v timeout %s params %v", cfg.TLSConfig != nil, cfg.ConnectTimeout, cfg.RuntimeParams)
		}
	}
}

// TestConnConfigTLS: the pgx TLS configuration behaves as the modes say,
// checked with real handshakes against an in-process server.
func TestConnConfigTLS(t *testing.T) {
	c := providertest.NewCerts(t)
	for _, tc := range []struct {
		mode, ca, host string
		ok             bool
	}{
		{"require", c.OtherCAFile, "wrong.example", true}, // encrypts, does not verify (ca_file unused)
		{"verify-ca", c.CAFile, "wrong.example", true},    // the chain, not the name
		{"verify-ca", c.OtherCAFile, c.ServerName, false},
		{"verify-full", c.CAFile, c.ServerName, true},
		{"verify-full", c.CAFile, "wrong.example", false},
		{"verify-full", c.OtherCAFile, c.ServerName, false},
	} {
		s := settings()
		s.Host, s.TLS, s.CAFile, s.CertFile, s.KeyFile = tc.host, tc.mode, tc.ca, c.ClientCert, c.ClientKey
		cfg, err := ConnConfig(s)
		if err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if cfg.TLSConfig == nil {
			t.Fatalf("%s: no TLS config", tc.mode)
		}
		if len(cfg.TLSConfig.Certificates) != 1 {
			t.Errorf("%s: the client certificate is not configured", tc.mode)
		}
		if len(cfg.Fallbacks) != 0 {
			t.Errorf("%s: falls back to %d other configurations (plaintext?)", tc.mode, len(cfg.Fallbacks))
		}
		err = c.Handshake(cfg.TLSConfig)
		if (err == nil) != tc.ok {
			t.Errorf("tls %q, ca %s, host %s: handshake error %v, want ok=%v", tc.mode, tc.ca, tc.host, err, tc.ok)
		}
	}
	// Without a mode TLS is preferred: tried first, plaintext as fallback.
	s := settings()
	s.TLS = ""
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || len(cfg.Fallbacks) != 1 || cfg.Fallbacks[0].TLSConfig != nil {
		t.Errorf("prefer: tls %v, fallbacks %d", cfg.TLSConfig != nil, len(cfg.Fallbacks))
	}
}

// TestConnConfigErrors: bad settings fail with a message that names the
// problem and never holds the password or the dsn.
func TestConnConfigErrors(t *testing.T) {
	c := providertest.NewCerts(t)
	withDSN := func(dsn string) providers.Settings {
		return providers.Settings{Type: "postgres", Name: "shop", DSN: dsn, Password: password}
	}
	for _, tc := range []struct {
		name string
		s    providers.Settings
		want string
	}{
		{"bad port in url", withDSN("postgres://anomgen:" + url.QueryEscape(password) + "@db.example:notaport/shop"), "the connection settings are invalid"},
		{"bad sslmode in url", withDSN("postgres://anomgen:" + url.QueryEscape(password) + "@db.example/shop?sslmode=bogus"), "the connection settings are invalid"},
		{"bad keyword dsn", withDSN("host=db.example password=" + url.QueryEscape(password) + " sslmode=bogus"), "the connection settings are invalid"},
		{"unterminated keyword dsn", withDSN("host=db.example password='" + password), "the connection settings are invalid"},
		{"bad option value", func() providers.Settings {
			s := settings()
			s.Options = map[string]string{"target_session_attrs": "bogus"}
			return s
		}(), "unknown target_session_attrs value: bogus"},
		{"reserved option", func() providers.Settings {
			s := settings()
			s.Options = map[string]string{"password": password}
			return s
		}(), "options.password cannot be set: use password"},
		{"missing ca_file", func() providers.Settings {
			s := settings()
			s.TLS, s.CAFile = "verify-full", "/nonexistent/ca.pem"
			return s
		}(), "ca_file /nonexistent/ca.pem cannot be read"},
		{"key that is not a key", func() providers.Settings {
			s := settings()
			s.TLS, s.CertFile, s.KeyFile = "require", c.ClientCert, c.CAFile
			return s
		}(), "the client certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConnConfig(tc.s)
			if err == nil {
				t.Fatal("no error")
			}
			var ce *providers.ConnectError
			if !errors.As(err, &ce) {
				t.Errorf("%T is not a ConnectError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q lacks %q", err, tc.want)
			}
			t.Log(err)
			noSecret(t, err.Error(), tc.s)
			noSecret(t, fmt.Sprintf("%+v %#v", err, err), tc.s)
		})
	}
}

// TestClassifyConnect: each way a connection fails gets its class, its
// message, and a retry only where one may help.
func TestClassifyConnect(t *testing.T) {
	s := settings()
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name      string
		err       error
		class     providers.Class
		transient bool
		want      string
	}{
		{"refused", fmt.Errorf("failed to connect: dial error: %w", refused), providers.ClassUnreachable, true, "the server did not answer"},
		{"timeout", fmt.Errorf("failed to connect: %w", &net.OpError{Op: "dial", Err: timeoutErr{}}), providers.ClassUnreachable, true, "did not answer within 10s"},
		{"dns", &net.DNSError{Err: "no such host", Name: "db.example", IsNotFound: true}, providers.ClassUnreachable, false, `host "db.example" was not found`},
		{"auth", &pgconn.PgError{Code: "28P01", Message: "password authentication failed for user"}, providers.ClassAuth, false, `authentication failed for user "anomgen"`},
		{"hba", &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "1.2.3.4"`}, providers.ClassAuth, false, "pg_hba.conf"},
		{"database", &pgconn.PgError{Code: "3D000", Message: `database "shop" does not exist`}, providers.ClassDatabase, false, `database "shop" does not exist`},
		{"connect privilege", &pgconn.PgError{Code: "42501", Message: "permission denied for database shop"}, providers.ClassPermission, false, `GRANT CONNECT ON DATABASE "shop" TO "anomgen";`},
		{"too many", &pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, providers.ClassBusy, true, "too many connections"},
		{"starting", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, providers.ClassBusy, true, "starting up"},
		{"tls refused", errors.New("failed to connect: server refused TLS connection"), providers.ClassTLS, false, "the server does not offer TLS"},
		{"closed while connecting", fmt.Errorf("failed to connect: %w", errors.New("unexpected EOF")), providers.ClassBusy, true, "closed the connection"},
	} {
		got := classify(tc.err, s, cfg)
		var ce *providers.ConnectError
		if !errors.As(got, &ce) {
			t.Fatalf("%s: %T", tc.name, got)
		}
		if ce.Class != tc.class || ce.Transient != tc.transient || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%s: %s transient=%v %q; want %s transient=%v containing %q", tc.name, ce.Class, ce.Transient, got, tc.class, tc.transient, tc.want)
		}
		if !strings.HasPrefix(got.Error(), "cannot connect to source.postgres.shop (db.example:6543, database shop): ") {
			t.Errorf("%s: %q", tc.name, got)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestClassifyRun: errors of statements, by SQLSTATE.
func TestClassifyRun(t *testing.T) {
	for _, tc := range []struct {
		code, msg string
		class     providers.Class
		want      string
	}{
		{"42501", "permission denied for table orders", providers.ClassPermission, "permission denied on table orders"},
		{"55P03", "canceling statement due to lock timeout", providers.ClassLockTimeout, "lock wait timeout (canceling statement due to lock timeout). Another session holds a lock"},
		{"40001", "could not serialize access due to concurrent update", providers.ClassSerialization, "serialization failure"},
		{"40P01", "deadlock detected", providers.ClassSerialization, "deadlock"},
		{"57P01", "terminating connection due to administrator command", providers.ClassConnLost, "connection lost (terminating connection due to administrator command)"},
		{"57014", "canceling statement due to statement timeout", providers.ClassOther, "statement_timeout"},
	} {
		err := fmt.Errorf("exec: %w", &pgconn.PgError{Code: tc.code, Message: tc.msg})
		got := providers.Classify(err)
		var pe *providers.Error
		if !errors.As(got, &pe) || pe.Class != tc.class || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%s: %v (%T); want %s containing %q", tc.code, got, got, tc.class, tc.want)
		}
	}
	if got := grant("UPDATE", "public.orders", "anomgen"); got != `GRANT UPDATE ON "public"."orders" TO "anomgen";` {
		t.Errorf("grant: %s", got)
	}
	if got := grant("CREATE", "schema anomgen", `we"ird`); got != `GRANT CREATE ON SCHEMA "anomgen" TO "we""ird";` {
		t.Errorf("grant: %s", got)
	}
}

// TestConnConfigOptionValues: option values and a URL dsn's own
// parameters reach pgx as written. pgx reads a URI as libpq does (a + is a
// +), so a space must not be written as +.
func TestConnConfigOptionValues(t *testing.T) {
	const v = `a b+c, 'd' "e" & f=g%`
	s := settings()
	s.Options = map[string]string{"application_name": v, "search_path": "shop, public"}
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RuntimeParams["application_name"] != v || cfg.RuntimeParams["search_path"] != "shop, public" {
		t.Errorf("runtime params %q", cfg.RuntimeParams)
	}
	s = providers.Settings{Type: "postgres", Name: "shop", DSN: "postgres://anomgen@db.example:6543/shop?application_name=x+y%20z&search_path=old&sslmode=disable",
		Options: map[string]string{"search_path": "shop, public", "lock_timeout": "5s"}}
	cfg, err = ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"application_name": "x+y z", "search_path": "shop, public", "lock_timeout": "5s"} {
		if got := cfg.RuntimeParams[k]; got != want {
			t.Errorf("over a dsn: %s = %q, want %q", k, got, want)
		}
	}
}
