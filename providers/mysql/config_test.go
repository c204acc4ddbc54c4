package mysql

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
	driver "github.com/go-sql-driver/mysql"
)

const password = "Sup3r-s3cret/@?:pw"

func settings() providers.Settings {
	return providers.Settings{Type: "mysql", Name: "shop", Host: "db.example", Port: 3307, Database: "shop",
		Username: "anomgen", Password: password, TLS: "disable", JournalSchema: "anomgen"}
}

func noSecret(t *testing.T, text string, s providers.Settings) {
	t.Helper()
	for _, secret := range []string{s.Password, s.DSN} {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			if strings.Contains(text, form) {
				t.Errorf("%q holds a secret (%q)", text, form)
			}
		}
	}
}

func TestConfigSettings(t *testing.T) {
	s := settings()
	cfg, vars, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "db.example:3307" || cfg.DBName != "shop" || cfg.User != "anomgen" || cfg.Passwd != password || cfg.Net != "tcp" {
		t.Errorf("connection fields: %s %s %s", cfg.Addr, cfg.DBName, cfg.User)
	}
	if cfg.Timeout != 10*time.Second || !cfg.ParseTime || cfg.Loc != time.UTC || len(cfg.Params) != 0 || !cfg.ClientFoundRows {
		t.Errorf("defaults: timeout %s parseTime %v loc %v params %v", cfg.Timeout, cfg.ParseTime, cfg.Loc, cfg.Params)
	}
	if fmt.Sprint(vars) != "[{time_zone +00:00}]" {
		t.Errorf("session variables: %v", vars)
	}
	if cfg.TLS != nil || cfg.TLSConfig != "false" {
		t.Errorf("tls = disable: %v %q", cfg.TLS, cfg.TLSConfig)
	}

	s.ConnectTimeout = 3
	s.Options = map[string]string{"innodb_lock_wait_timeout": "5", "readTimeout": "30s", "charset": "utf8mb4", "sql_mode": "ANSI_QUOTES,STRICT_ALL_TABLES", "max_statement_time": "1.5", "note": "a b+c, d='x'"}
	cfg, vars, err = Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout != 3*time.Second || cfg.ReadTimeout != 30*time.Second {
		t.Errorf("timeouts: connect %s read %s", cfg.Timeout, cfg.ReadTimeout)
	}
	// Session variables are apart, in name order after the time zone, each
	// value typed for binding and kept as written.
	want := []SessionVar{{"time_zone", "+00:00"}, {"innodb_lock_wait_timeout", int64(5)}, {"max_statement_time", 1.5}, {"note", "a b+c, d='x'"}, {"sql_mode", "ANSI_QUOTES,STRICT_ALL_TABLES"}}
	if fmt.Sprintf("%#v", vars) != fmt.Sprintf("%#v", want) {
		t.Errorf("session variables:\n got %#v\nwant %#v", vars, want)
	}
	if len(cfg.Params) != 0 {
		t.Errorf("the driver would paste Params into SQL: %v", cfg.Params)
	}
	if got := SetStatement(vars); got != "SET SESSION time_zone = ?, innodb_lock_wait_timeout = ?, max_statement_time = ?, note = ?, sql_mode = ?" {
		t.Errorf("SET statement: %s", got)
	}
	if cfg.User != "anomgen" || cfg.Passwd != password || cfg.Addr != "db.example:3307" || cfg.DBName != "shop" {
		t.Errorf("options changed the connection fields: %s %s %s", cfg.User, cfg.Addr, cfg.DBName)
	}
	for _, v := range vars {
		if v.Name == "readTimeout" || v.Name == "charset" {
			t.Errorf("%s is a driver field, not a session variable", v.Name)
		}
	}
}

func TestConfigDSN(t *testing.T) {
	s := providers.Settings{Type: "mysql", Name: "shop", DSN: "anomgen:" + password + "@tcp(db.example:3307)/shop?timeout=7s&tls=skip-verify"}
	cfg, _, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "db.example:3307" || cfg.Passwd != password || cfg.Timeout != 7*time.Second || cfg.TLS == nil || !cfg.TLS.InsecureSkipVerify {
		t.Errorf("dsn fields: %s timeout %s tls %v", cfg.Addr, cfg.Timeout, cfg.TLS)
	}
	s.TLS, s.ConnectTimeout, s.Options = "disable", 2, map[string]string{"innodb_lock_wait_timeout": "1"}
	cfg, vars, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS != nil || cfg.Timeout != 2*time.Second || len(cfg.Params) != 0 || cfg.Passwd != password || fmt.Sprint(vars) != "[{time_zone +00:00} {innodb_lock_wait_timeout 1}]" {
		t.Errorf("settings over the dsn: tls %v timeout %s params %v vars %v", cfg.TLS, cfg.Timeout, cfg.Params, vars)
	}
	// The dsn's session variables are read as values, written the driver's
	// way; options replace them; an expression is refused, never run.
	s.DSN = "anomgen:" + password + "@tcp(db.example:3307)/shop?sql_mode=%27ANSI_QUOTES%27&innodb_lock_wait_timeout=9&autocommit=ON&lc_time_names=%27it''s%27"
	_, vars, err = Config(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []SessionVar{{"time_zone", "+00:00"}, {"autocommit", "ON"}, {"lc_time_names", "it's"}, {"sql_mode", "ANSI_QUOTES"}, {"innodb_lock_wait_timeout", int64(1)}}
	if fmt.Sprintf("%#v", vars) != fmt.Sprintf("%#v", want) {
		t.Errorf("dsn session variables:\n got %#v\nwant %#v", vars, want)
	}
	for _, v := range []string{"1,sql_mode=%27x%27", "CONCAT(@@sql_mode,%27,ANSI%27)", "%27a%27,b=%27c%27"} {
		s.DSN = "anomgen:" + password + "@tcp(db.example:3307)/shop?innodb_lock_wait_timeout=" + v
		if _, _, err := Config(s); err == nil || !strings.Contains(err.Error(), "innodb_lock_wait_timeout") {
			t.Errorf("dsn value %s: %v", v, err)
		} else {
			noSecret(t, err.Error(), s)
		}
	}
}

func TestConfigTLS(t *testing.T) {
	c := providertest.NewCerts(t)
	for _, tc := range []struct {
		mode, ca, host string
		ok             bool
	}{
		{"require", c.OtherCAFile, "wrong.example", true},
		{"verify-ca", c.CAFile, "wrong.example", true},
		{"verify-ca", c.OtherCAFile, c.ServerName, false},
		{"verify-full", c.CAFile, c.ServerName, true},
		{"verify-full", c.CAFile, "wrong.example", false},
		{"verify-full", c.OtherCAFile, c.ServerName, false},
	} {
		s := settings()
		s.Host, s.TLS, s.CAFile, s.CertFile, s.KeyFile = tc.host, tc.mode, tc.ca, c.ClientCert, c.ClientKey
		cfg, _, err := Config(s)
		if err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		if cfg.TLS == nil || cfg.AllowFallbackToPlaintext {
			t.Fatalf("%s: tls %v, fallback to plaintext %v", tc.mode, cfg.TLS, cfg.AllowFallbackToPlaintext)
		}
		if len(cfg.TLS.Certificates) != 1 {
			t.Errorf("%s: the client certificate is not configured", tc.mode)
		}
		// The driver fills in the server name from the address where a
		// config verifies it; do the same as it would.
		tc2 := cfg.TLS.Clone()
		if tc2.ServerName == "" && !tc2.InsecureSkipVerify {
			tc2.ServerName = tc.host
		}
		err = c.Handshake(tc2)
		if (err == nil) != tc.ok {
			t.Errorf("tls %q, ca %s, host %s: handshake error %v, want ok=%v", tc.mode, tc.ca, tc.host, err, tc.ok)
		}
	}
	s := settings()
	s.TLS = ""
	cfg, _, err := Config(s)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS == nil || !cfg.AllowFallbackToPlaintext {
		t.Errorf("prefer: tls %v, fallback %v", cfg.TLS, cfg.AllowFallbackToPlaintext)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    providers.Settings
		want string
	}{
		{"bad dsn", providers.Settings{Type: "mysql", Name: "shop", DSN: "anomgen:" + password + "@tcp(db.example:3307", Password: password}, "the dsn is not a valid MySQL DSN"},
		{"bad dsn param", providers.Settings{Type: "mysql", Name: "shop", DSN: "anomgen:" + password + "@tcp(db.example)/shop?timeout=soon", Password: password}, "the dsn is not a valid MySQL DSN"},
		{"bad option value", func() providers.Settings {
			s := settings()
			s.Options = map[string]string{"readTimeout": "soon"}
			return s
		}(), "options.readTimeout cannot be set"},
		{"option name that is not an identifier", func() providers.Settings {
			s := settings()
			s.Options = map[string]string{"sql_mode='x', innodb_lock_wait_timeout": "1"}
			return s
		}(), "a session variable's name is letters, digits and _"},
		{"reserved option", func() providers.Settings {
			s := settings()
			s.Options = map[string]string{"passwd": password}
			return s
		}(), "options.passwd cannot be set: use password"},
		{"missing ca_file", func() providers.Settings {
			s := settings()
			s.TLS, s.CAFile = "verify-ca", "/nonexistent/ca.pem"
			return s
		}(), "ca_file /nonexistent/ca.pem cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Config(tc.s)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%q lacks %q", err, tc.want)
			}
			noSecret(t, err.Error(), tc.s)
			noSecret(t, fmt.Sprintf("%+v %#v", err, err), tc.s)
		})
	}
}

func TestClassify(t *testing.T) {
	s := settings()
	cfg, _, err := Config(s)
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
		{"refused", refused, providers.ClassUnreachable, true, "the server did not answer"},
		{"auth", &driver.MySQLError{Number: 1045, Message: "Access denied for user 'anomgen'@'10.0.0.1' (using password: YES)"}, providers.ClassAuth, false, `authentication failed for user "anomgen"`},
		{"database", &driver.MySQLError{Number: 1049, Message: "Unknown database 'shop'"}, providers.ClassDatabase, false, `database "shop" does not exist`},
		{"too many", &driver.MySQLError{Number: 1040, Message: "Too many connections"}, providers.ClassBusy, true, "too many connections"},
		{"no tls", driver.ErrNoTLS, providers.ClassTLS, false, "the server does not offer TLS"},
	} {
		got := classify(tc.err, s, cfg)
		var ce *providers.ConnectError
		if !errors.As(got, &ce) || ce.Class != tc.class || ce.Transient != tc.transient || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%s: %v; want %s transient=%v containing %q", tc.name, got, tc.class, tc.transient, tc.want)
		}
	}
	for _, tc := range []struct {
		err   error
		class providers.Class
		want  string
	}{
		{&driver.MySQLError{Number: 1142, Message: "UPDATE command denied to user 'ro'@'localhost' for table `shop`.`orders`"}, providers.ClassPermission, "permission denied: UPDATE on shop.orders for user ro@localhost"},
		{&driver.MySQLError{Number: 1142, Message: "DELETE command denied to user 'ro'@'localhost' for table 'orders'"}, providers.ClassPermission, "permission denied: DELETE on orders"},
		{&driver.MySQLError{Number: 1143, Message: "SELECT command denied to user 'ro'@'%' for column 'email' in table 'orders'"}, providers.ClassPermission, "permission denied: SELECT on column email of orders"},
		{&driver.MySQLError{Number: 1044, Message: "Access denied for user 'ro'@'%' to database 'anomgen'"}, providers.ClassPermission, "permission denied on database anomgen"},
		{&driver.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded; try restarting transaction"}, providers.ClassLockTimeout, "lock wait timeout"},
		{&driver.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}, providers.ClassSerialization, "deadlock"},
		{&driver.MySQLError{Number: 1927, Message: "Connection was killed"}, providers.ClassConnLost, "connection lost (Connection was killed)"},
		{driver.ErrInvalidConn, providers.ClassConnLost, "connection lost"},
	} {
		got := providers.Classify(fmt.Errorf("exec: %w", tc.err))
		var pe *providers.Error
		if !errors.As(got, &pe) || pe.Class != tc.class || !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%v: %v; want %s containing %q", tc.err, got, tc.class, tc.want)
		}
	}
	if got := grant("UPDATE", "shop.orders", "ro@%"); got != "GRANT UPDATE ON `shop`.`orders` TO 'ro'@'%';" {
		t.Errorf("grant: %s", got)
	}
	if got := grant("CREATE", "database anomgen", "ro@10.0.%"); got != "GRANT CREATE ON `anomgen`.* TO 'ro'@'10.0.%';" {
		t.Errorf("grant: %s", got)
	}
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{{"shop", "shop", true}, {"sh_p", "shop", true}, {`sh\_p`, "shop", false}, {`sh\_p`, "sh_p", true}, {"anomgen%", "anomgen_j", true}, {"shop", "Shop", false}} {
		if got := likeMatch(tc.pattern, tc.name, false); got != tc.want {
			t.Errorf("likeMatch(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}
