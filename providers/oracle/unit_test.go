package oracle

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	go_ora "github.com/sijms/go-ora/v2"
	"github.com/sijms/go-ora/v2/network"
)

const secret = "s3cr:et@/pw?#&"

func settings() providers.Settings {
	return providers.Settings{Type: "oracle", Name: "db", Host: "db.example.com", Port: 1521, Database: "ORCLPDB1",
		Username: "anomgen", Password: secret, JournalSchema: "anomgen"}
}

// parse parses a Config's URL as go-ora does and returns its parts.
func parse(t *testing.T, cfg *Config) (*url.URL, url.Values) {
	t.Helper()
	u, err := url.Parse(cfg.URL)
	if err != nil {
		t.Fatalf("the URL does not parse: %v", err)
	}
	return u, u.Query()
}

func TestConnConfigFromSettings(t *testing.T) {
	s := settings()
	s.Port = 0 // the default
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	u, q := parse(t, cfg)
	if u.Scheme != "oracle" || u.Host != "db.example.com:1521" || strings.Trim(u.Path, "/") != "ORCLPDB1" {
		t.Errorf("URL %s: want oracle://...@db.example.com:1521/ORCLPDB1", u.Redacted())
	}
	if pw, _ := u.User.Password(); u.User.Username() != "anomgen" || pw != secret {
		t.Errorf("user %q and password (len %d) do not survive the URL", u.User.Username(), len(pw))
	}
	if q.Get("TIMEOUT") != "0" || q.Get("PROGRAM") != "anomgen" {
		t.Errorf("options %v: want TIMEOUT=0 (no read deadline) and PROGRAM=anomgen", q)
	}
	if q.Has("SSL") || cfg.TLS != nil {
		t.Errorf("no tls set: SSL option %q, TLS config %v; want plain TCP", q.Get("SSL"), cfg.TLS)
	}
	if cfg.ConnectTimeout != DefaultConnectTimeout || cfg.Host != "db.example.com:1521" || cfg.Service != "ORCLPDB1" || cfg.User != "anomgen" {
		t.Errorf("config %+v", cfg)
	}
	// go-ora reads the same URL back.
	if strings.Contains(cfg.URL, " ") {
		t.Errorf("URL has a raw space: %s", cfg.URL)
	}

	s = settings()
	s.ConnectTimeout = 3
	s.Options = map[string]string{"PREFETCH_ROWS": "500", "timeout": "120", "SSL VERIFY": "false"}
	cfg, err = ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	_, q = parse(t, cfg)
	if cfg.ConnectTimeout != 3*time.Second {
		t.Errorf("connect timeout %s, want 3s", cfg.ConnectTimeout)
	}
	if q.Get("PREFETCH_ROWS") != "500" || q.Get("timeout") != "120" || q.Has("TIMEOUT") || q.Get("SSL VERIFY") != "false" {
		t.Errorf("options %v: want the source's options, timeout replacing the default TIMEOUT", q)
	}
}

func TestConnConfigTLS(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		mode, ca   string
		ssl        string
		verify     string
		tlsConfig  bool
		skipVerify bool
		wallet     bool
	}{
		{mode: "", ssl: ""},
		{mode: "disable", ssl: ""},
		{mode: "require", ssl: "true", verify: "false", tlsConfig: true, skipVerify: true},
		{mode: "verify-ca", ssl: "true", verify: "true", tlsConfig: true, skipVerify: true}, // the chain is checked by VerifyPeerCertificate
		{mode: "verify-full", ssl: "true", verify: "true", tlsConfig: true},
		{mode: "verify-full", ca: dir, ssl: "true", verify: "true", wallet: true},
		{mode: "require", ca: dir, ssl: "true", verify: "false", wallet: true},
	}
	for _, c := range cases {
		t.Run(c.mode+"/"+filepath.Base(c.ca), func(t *testing.T) {
			s := settings()
			s.TLS, s.CAFile = c.mode, c.ca
			cfg, err := ConnConfig(s)
			if err != nil {
				t.Fatal(err)
			}
			_, q := parse(t, cfg)
			if q.Get("SSL") != c.ssl || q.Get("SSL VERIFY") != c.verify {
				t.Errorf("SSL=%q SSL VERIFY=%q, want %q %q", q.Get("SSL"), q.Get("SSL VERIFY"), c.ssl, c.verify)
			}
			if (cfg.TLS != nil) != c.tlsConfig {
				t.Fatalf("TLS config %v, want one: %v", cfg.TLS, c.tlsConfig)
			}
			if cfg.TLS != nil {
				if cfg.TLS.InsecureSkipVerify != c.skipVerify {
					t.Errorf("InsecureSkipVerify %v, want %v", cfg.TLS.InsecureSkipVerify, c.skipVerify)
				}
				if c.mode == "verify-ca" && cfg.TLS.VerifyPeerCertificate == nil {
					t.Error("verify-ca does not check the certificate chain")
				}
				if cfg.TLS.MinVersion < tls.VersionTLS12 {
					t.Errorf("MinVersion %x", cfg.TLS.MinVersion)
				}
			}
			if got := q.Get("WALLET"); (got != "") != c.wallet || c.wallet && got != dir {
				t.Errorf("WALLET=%q, want the ca_file directory: %v", got, c.wallet)
			}
		})
	}

	s := settings()
	s.TLS, s.CAFile = "verify-full", filepath.Join(dir, "missing.pem")
	if _, err := ConnConfig(s); err == nil || providers.ClassOf(err) != providers.ClassTLS {
		t.Errorf("missing ca_file: %v, want a tls ConnectError", err)
	}
	s.TLS, s.CAFile = "sometimes", ""
	if _, err := ConnConfig(s); err == nil || providers.ClassOf(err) != providers.ClassTLS {
		t.Errorf("unknown tls mode: %v, want a tls ConnectError", err)
	}
}

func TestConnConfigDSN(t *testing.T) {
	s := providers.Settings{Type: "oracle", Name: "db", DSN: "oracle://scott:" + url.QueryEscape(secret) + "@10.0.0.5:1522/FREEPDB1?SSL=true&PREFETCH_ROWS=50",
		TLS: "disable", Options: map[string]string{"LOB FETCH": "INLINE"}, ConnectTimeout: 30}
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	u, q := parse(t, cfg)
	if pw, _ := u.User.Password(); u.Host != "10.0.0.5:1522" || pw != secret || cfg.Service != "FREEPDB1" || cfg.User != "scott" {
		t.Errorf("dsn lost its parts: host %s, service %s, user %s", u.Host, cfg.Service, cfg.User)
	}
	if q.Get("SSL") != "true" || q.Get("PREFETCH_ROWS") != "50" || q.Get("LOB FETCH") != "INLINE" || q.Get("TIMEOUT") != "0" {
		t.Errorf("options %v: want the dsn's SSL and PREFETCH_ROWS kept, LOB FETCH added, TIMEOUT=0", q)
	}
	if cfg.ConnectTimeout != 30*time.Second {
		t.Errorf("connect timeout %s", cfg.ConnectTimeout)
	}

	for _, bad := range []string{"postgres://u:" + secret + "@h/db", "oracle://u:" + secret + "@h:port/x", "::" + secret} {
		_, err := ConnConfig(providers.Settings{Type: "oracle", Name: "db", DSN: bad, Password: secret})
		if err == nil {
			t.Errorf("dsn %q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestClassifyConnectErrors(t *testing.T) {
	s := settings()
	cfg, err := ConnConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	ora := func(code int, msg string) error {
		return fmt.Errorf("wrapped: %w", &network.OracleError{ErrCode: code, ErrMsg: msg})
	}
	cases := []struct {
		err   error
		class providers.Class
	}{
		{ora(1017, "ORA-01017: invalid username/password; logon denied"), providers.ClassAuth},
		{ora(28000, "ORA-28000: The account is locked."), providers.ClassAuth},
		{ora(1045, "ORA-01045: user lacks CREATE SESSION privilege; logon denied"), providers.ClassPermission},
		{ora(12514, "ORA-12514: TNS:listener does not currently know of service requested in connect descriptor"), providers.ClassDatabase},
		{ora(12505, "ORA-12505: TNS:listener does not currently know of SID given in connect descriptor"), providers.ClassDatabase},
		{ora(12541, "ORA-12541: TNS:no listener"), providers.ClassUnreachable},
		{ora(1033, "ORA-01033: ORACLE initialization or shutdown in progress"), providers.ClassBusy},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, providers.ClassUnreachable},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), providers.ClassUnreachable},
		{tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, providers.ClassTLS},
		{errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), providers.ClassTLS},
		{errors.New("ORA-00000 something else " + secret), providers.ClassOther},
	}
	for _, c := range cases {
		got := classify(c.err, s, cfg)
		var ce *providers.ConnectError
		if !errors.As(got, &ce) {
			t.Errorf("%v: %T, want *providers.ConnectError", c.err, got)
			continue
		}
		if ce.Class != c.class {
			t.Errorf("%v: class %s, want %s (%v)", c.err, ce.Class, c.class, got)
		}
		if msg := providers.Scrub(got, s).Error(); strings.Contains(msg, secret) {
			t.Errorf("the error shows the password: %s", msg)
		}
		if c.class != providers.ClassOther && strings.Contains(got.Error(), secret) {
			t.Errorf("a classified error shows the password: %v", got)
		}
	}
	if ce := classify(ora(1017, "ORA-01017: invalid username/password; logon denied"), s, cfg).(*providers.ConnectError); !strings.Contains(ce.Detail, `"anomgen"`) || strings.Contains(ce.Detail, "position") {
		t.Errorf("auth detail %q: want the user named and go-ora's position suffix gone", ce.Detail)
	}
}

func TestClassifyStatementErrors(t *testing.T) {
	ora := func(code int, msg string) error { return &network.OracleError{ErrCode: code, ErrMsg: msg} }
	cases := []struct {
		err   error
		class providers.Class
	}{
		{ora(1031, "ORA-01031: insufficient privileges"), providers.ClassPermission},
		{ora(1950, "ORA-01950: no privileges on tablespace 'USERS'"), providers.ClassPermission},
		{ora(54, "ORA-00054: resource busy and acquire with NOWAIT specified or timeout expired"), providers.ClassLockTimeout},
		{ora(60, "ORA-00060: deadlock detected while waiting for resource"), providers.ClassSerialization},
		{ora(3113, "ORA-03113: end-of-file on communication channel"), providers.ClassConnLost},
	}
	for _, c := range cases {
		e := drv{}.Classify(fmt.Errorf("stmt: %w", c.err))
		if e == nil || e.Class != c.class {
			t.Errorf("%v: %+v, want class %s", c.err, e, c.class)
		}
	}
	if e := (drv{}).Classify(ora(1950, "ORA-01950: no privileges on tablespace 'USERS'")); e == nil || e.Privilege != "QUOTA" || e.Object != "tablespace USERS" {
		t.Errorf("ORA-01950: %+v, want QUOTA on tablespace USERS", e)
	}
	if e := (drv{}).Classify(errors.New("pq: relation does not exist")); e != nil {
		t.Errorf("a non-Oracle error was classified: %+v", e)
	}
	if e := (drv{}).Classify(ora(942, "ORA-00942: table or view does not exist")); e != nil {
		t.Errorf("ORA-00942 is left to providers.IsUndefinedTable, got %+v", e)
	}
	if !providers.IsUndefinedTable(ora(942, "ORA-00942: table or view does not exist")) {
		t.Error("providers.IsUndefinedTable does not know ORA-00942")
	}
}

// TestOpenWithoutServer connects to a closed port and to a listener that
// never answers: both are unreachable errors that never show the password.
func TestOpenWithoutServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	silent := l.Addr().(*net.TCPAddr)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // accept, never answer
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	for _, port := range []int{closedPort, silent.Port} {
		s := settings()
		s.Host, s.Port, s.ConnectTimeout = "127.0.0.1", port, 1
		start := time.Now()
		_, err := providers.Open(context.Background(), s)
		if err == nil {
			t.Fatalf("port %d: connected", port)
		}
		t.Logf("port %d: %v", port, err)
		if providers.ClassOf(err) != providers.ClassUnreachable {
			t.Errorf("port %d: %v (class %s), want unreachable", port, err, providers.ClassOf(err))
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the password: %v", err)
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("port %d: took %s with connect_timeout 1s", port, d)
		}
	}
}

func TestNameFolding(t *testing.T) {
	if got := spellings("orders"); !slices.Equal(got, []string{"orders", "ORDERS"}) {
		t.Errorf("spellings(orders) = %v", got)
	}
	if got := spellings("ORDERS"); !slices.Equal(got, []string{"ORDERS"}) {
		t.Errorf("spellings(ORDERS) = %v", got)
	}
	if got := spellings("Orders"); !slices.Equal(got, []string{"Orders", "ORDERS"}) {
		t.Errorf("spellings(Orders) = %v", got)
	}
	cases := []struct {
		owners, names []string
		found         []objectName
		want          objectName
		ok            bool
	}{
		// An unquoted table: only the folded name exists.
		{[]string{"APP"}, spellings("orders"), []objectName{{"APP", "ORDERS"}}, objectName{"APP", "ORDERS"}, true},
		// A quoted lower-case table wins over the folded one.
		{[]string{"APP"}, spellings("orders"), []objectName{{"APP", "ORDERS"}, {"APP", "orders"}}, objectName{"APP", "orders"}, true},
		// A schema written in lower case.
		{spellings("shop"), spellings("orders"), []objectName{{"SHOP", "ORDERS"}}, objectName{"SHOP", "ORDERS"}, true},
		// The exact owner before the folded one.
		{spellings("shop"), spellings("orders"), []objectName{{"SHOP", "orders"}, {"shop", "ORDERS"}}, objectName{"shop", "ORDERS"}, true},
		// A name that is only a case variant other than upper case is not taken.
		{[]string{"APP"}, spellings("orders"), []objectName{{"APP", "Orders"}}, objectName{}, false},
		{[]string{"APP"}, spellings("orders"), nil, objectName{}, false},
	}
	for i, c := range cases {
		got, ok := choose(c.owners, c.names, c.found)
		if got != c.want || ok != c.ok {
			t.Errorf("case %d: choose = %v %v, want %v %v", i, got, ok, c.want, c.ok)
		}
	}
	// The planner finds a column written in lower case among the upper-case
	// names the profile stores.
	p := &planner.TableProfile{Columns: []planner.Column{{Name: "ID"}, {Name: "EMAIL"}, {Name: "status"}, {Name: "STATUS"}}}
	if c := p.Column("email"); c == nil || c.Name != "EMAIL" {
		t.Errorf("Column(email) = %v, want EMAIL", c)
	}
	if c := p.Column("status"); c == nil || c.Name != "status" {
		t.Errorf("Column(status) = %v, want the exact status first", c)
	}
}

func TestColumnTypes(t *testing.T) {
	i := func(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
	var null sql.NullInt64
	b, c := sql.NullString{String: "B", Valid: true}, sql.NullString{String: "C", Valid: true}
	cases := []struct {
		t     columnType
		name  string
		class planner.ColumnClass
	}{
		{columnType{"NUMBER", i(22), i(10), i(2), i(0), sql.NullString{}}, "NUMBER(10,2)", planner.ClassDecimal},
		{columnType{"NUMBER", i(22), i(19), i(0), i(0), sql.NullString{}}, "NUMBER(19)", planner.ClassInteger},
		{columnType{"NUMBER", i(22), null, i(0), i(0), sql.NullString{}}, "NUMBER(*,0)", planner.ClassInteger}, // INTEGER
		{columnType{"NUMBER", i(22), null, null, i(0), sql.NullString{}}, "NUMBER", planner.ClassDecimal},
		{columnType{"NUMBER", i(22), i(5), i(-2), i(0), sql.NullString{}}, "NUMBER(5,-2)", planner.ClassInteger},
		{columnType{"FLOAT", i(22), i(126), null, i(0), sql.NullString{}}, "FLOAT(126)", planner.ClassFloat},
		{columnType{"BINARY_DOUBLE", i(8), null, null, i(0), sql.NullString{}}, "BINARY_DOUBLE", planner.ClassFloat},
		{columnType{"BINARY_FLOAT", i(4), null, null, i(0), sql.NullString{}}, "BINARY_FLOAT", planner.ClassFloat},
		{columnType{"VARCHAR2", i(255), null, null, i(255), b}, "VARCHAR2(255)", planner.ClassText},
		{columnType{"VARCHAR2", i(400), null, null, i(100), c}, "VARCHAR2(100 CHAR)", planner.ClassText},
		{columnType{"NVARCHAR2", i(200), null, null, i(100), c}, "NVARCHAR2(100)", planner.ClassText},
		{columnType{"CHAR", i(1), null, null, i(1), b}, "CHAR(1)", planner.ClassText},
		{columnType{"CLOB", i(4000), null, null, i(0), sql.NullString{}}, "CLOB", planner.ClassText},
		{columnType{"DATE", i(7), null, null, i(0), sql.NullString{}}, "DATE", planner.ClassTime},
		{columnType{"TIMESTAMP(6)", i(11), null, i(6), i(0), sql.NullString{}}, "TIMESTAMP(6)", planner.ClassTime},
		{columnType{"TIMESTAMP(6) WITH TIME ZONE", i(13), null, i(6), i(0), sql.NullString{}}, "TIMESTAMP(6) WITH TIME ZONE", planner.ClassTime},
		{columnType{"RAW", i(16), null, null, i(0), sql.NullString{}}, "RAW(16)", planner.ClassOther},
		{columnType{"BLOB", i(4000), null, null, i(0), sql.NullString{}}, "BLOB", planner.ClassOther},
	}
	for _, c := range cases {
		if got := c.t.Name(); got != c.name {
			t.Errorf("%+v: name %q, want %q", c.t, got, c.name)
		}
		if got := c.t.Class(); got != c.class {
			t.Errorf("%s: class %s, want %s", c.name, got, c.class)
		}
	}
}

func TestQuoting(t *testing.T) {
	d := Dialect{}
	cases := map[string]string{
		"orders":                     `"orders"`,
		"ORDERS":                     `"ORDERS"`,
		`we"ird`:                     `"we""ird"`,
		`x"; DROP TABLE t; --`:       `"x""; DROP TABLE t; --"`,
		`"`:                          `""""`,
		"with space and 'quote'":     `"with space and 'quote'"`,
		"ünïcode":                    `"ünïcode"`,
		`a" || (SELECT 1 FROM dual)`: `"a"" || (SELECT 1 FROM dual)"`,
	}
	for in, want := range cases {
		got := d.Quote(in)
		if got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		// Every quote inside is doubled, so the text stays within quotes.
		inner := got[1 : len(got)-1]
		if strings.Count(strings.ReplaceAll(inner, `""`, ""), `"`) != 0 {
			t.Errorf("Quote(%q) = %s leaves a lone quote", in, got)
		}
	}
	if got := d.Table(planner.TableName{Schema: "SHOP", Name: "orders"}); got != `"SHOP"."orders"` {
		t.Errorf("Table = %s", got)
	}
	if got := d.Table(planner.TableName{Name: "ORDERS"}); got != `"ORDERS"` {
		t.Errorf("Table = %s", got)
	}
	if got := d.JournalTable("anomgen", "0123456789abcdef"); got != `"ANOMGEN_J_0123456789ABCDEF"` {
		t.Errorf("JournalTable = %s", got)
	}
	if got := d.CatalogTable("anomgen"); got != `"ANOMGEN_JOURNALS"` {
		t.Errorf("CatalogTable = %s", got)
	}
	if n := len(strings.Trim(d.JournalTable("a_journal_schema_name_of_64_characters_which_is_long_enough_xx", "0123456789abcdef"), `"`)); n > 128 {
		t.Errorf("journal table name of %d bytes, over Oracle's 128", n)
	}
	// A quote in the journal schema stays inside the PL/SQL string literal.
	block := d.EnsureJournal("it's")[0]
	if !strings.Contains(block, `"IT''S_JOURNALS"`) || !strings.Contains(block, "DEFAULT ''applied''") {
		t.Errorf("EnsureJournal does not escape quotes in the DDL literal:\n%s", block)
	}
	if d.Placeholder(1) != ":1" || d.Placeholder(12) != ":12" {
		t.Error("placeholders are :n")
	}
}

func TestScale(t *testing.T) {
	d := Dialect{}
	cases := []struct {
		c    planner.Column
		want string
	}{
		{planner.Column{Type: "NUMBER(10,2)", Class: planner.ClassDecimal}, `ROUND(t."x" * :1, 2)`},
		{planner.Column{Type: "numeric(10,2)", Class: planner.ClassDecimal}, `ROUND(t."x" * :1, 2)`},
		{planner.Column{Type: "NUMBER", Class: planner.ClassDecimal}, `t."x" * :1`},
		{planner.Column{Type: "NUMBER(19)", Class: planner.ClassInteger}, `ROUND(t."x" * :1)`},
		{planner.Column{Type: "NUMBER(*,0)", Class: planner.ClassInteger}, `ROUND(t."x" * :1)`},
		{planner.Column{Type: "NUMBER(7,-2)", Class: planner.ClassInteger}, `ROUND(t."x" * :1, -2)`},
		{planner.Column{Type: "BINARY_DOUBLE", Class: planner.ClassFloat}, `t."x" * :1`},
	}
	for _, c := range cases {
		if got := d.Scale(`t."x"`, c.c, ":1"); got != c.want {
			t.Errorf("Scale(%s) = %s, want %s", c.c.Type, got, c.want)
		}
	}
}

func TestTimeArg(t *testing.T) {
	at := time.Date(2026, 2, 28, 13, 37, 42, 500_000_000, time.FixedZone("X", 3600))
	v := Dialect{}.TimeArg(at, planner.TimeFormat{})
	ts, ok := v.(Timestamp)
	if !ok {
		t.Fatalf("TimeArg = %T, want oracle.Timestamp", v)
	}
	if !time.Time(ts).Equal(at) || time.Time(ts).Location() != time.UTC {
		t.Errorf("TimeArg = %v, want %v in UTC", time.Time(ts), at)
	}
	dv, err := ts.Value()
	if err != nil {
		t.Fatal(err)
	}
	gt, ok := dv.(go_ora.TimeStamp)
	if !ok || !time.Time(gt).Equal(at) {
		t.Errorf("Value = %T %v, want a go-ora TimeStamp (bound as TIMESTAMP)", dv, dv)
	}
	if s := fmt.Sprint(v); s != "2026-02-28T12:37:42.5Z" {
		t.Errorf("String = %s", s)
	}
}

func TestGrantee(t *testing.T) {
	for in, want := range map[string]string{"ANOMGEN": "ANOMGEN", "anomgen": `"anomgen"`, "APP$1": "APP$1", "1X": `"1X"`} {
		if got := grantee(in); got != want {
			t.Errorf("grantee(%q) = %s, want %s", in, got, want)
		}
	}
	in := &inspector{}
	for _, c := range []struct{ priv, object, user, want string }{
		{"UPDATE", `"SHOP"."ORDERS"`, "ANOMGEN", `GRANT UPDATE ON "SHOP"."ORDERS" TO ANOMGEN;`},
		{"UPDATE", "SHOP.orders", "ANOMGEN", `GRANT UPDATE ON "SHOP"."orders" TO ANOMGEN;`},
		{"DELETE", "table SHOP.ORDERS", `"anomgen"`, `GRANT DELETE ON "SHOP"."ORDERS" TO "anomgen";`},
		{"CREATE", "schema ANOMGEN", "ANOMGEN", "GRANT CREATE TABLE TO ANOMGEN;"},
		{"CREATE ANY TABLE", "", "ANOMGEN", "GRANT CREATE ANY TABLE TO ANOMGEN;"},
		{"QUOTA", "tablespace USERS", "ANOMGEN", "ALTER USER ANOMGEN QUOTA UNLIMITED ON USERS;"},
		{"SELECT", "SHOP.ORDERS", "", `GRANT SELECT ON "SHOP"."ORDERS" TO <user>;`},
	} {
		if got := in.Grant(c.priv, c.object, c.user); got != c.want {
			t.Errorf("Grant(%s, %s, %s) = %s, want %s", c.priv, c.object, c.user, got, c.want)
		}
	}
}
