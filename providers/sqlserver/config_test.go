package sqlserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
)

const secret = "pa:ss@w/ord;\"{x}"

func base() providers.Settings {
	return providers.Settings{Type: "sqlserver", Name: "shop", Host: "db.example.com", Port: 1433, Database: "shop",
		Username: "anomgen", Password: secret, JournalSchema: "anomgen"}
}

func mustConfig(t *testing.T, s providers.Settings) msdsn.Config {
	t.Helper()
	cfg, err := Config(s)
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	return cfg
}

func TestConfigFromSettings(t *testing.T) {
	cfg := mustConfig(t, base())
	if cfg.Host != "db.example.com" || cfg.Port != 1433 || cfg.Database != "shop" || cfg.User != "anomgen" || cfg.Password != secret {
		t.Errorf("config %s:%d db %q user %q, password kept: %v", cfg.Host, cfg.Port, cfg.Database, cfg.User, cfg.Password == secret)
	}
	if cfg.AppName != "anomgen" {
		t.Errorf("app name %q", cfg.AppName)
	}
	if cfg.ConnTimeout != 10*time.Second || cfg.DialTimeout != 10*time.Second {
		t.Errorf("default timeouts: connection %s, dial %s; want 10s", cfg.ConnTimeout, cfg.DialTimeout)
	}
	// No tls: the driver's default (login encrypted, the rest where the
	// server requires it).
	if cfg.Encryption != msdsn.EncryptionOff {
		t.Errorf("encryption %d without tls, want EncryptionOff", cfg.Encryption)
	}

	s := base()
	s.ConnectTimeout = 3
	cfg = mustConfig(t, s)
	if cfg.ConnTimeout != 3*time.Second || cfg.DialTimeout != 3*time.Second {
		t.Errorf("connect_timeout 3: connection %s, dial %s", cfg.ConnTimeout, cfg.DialTimeout)
	}

	s = base()
	s.Host, s.Port = `db.example.com\SQLEXPRESS`, 1433
	cfg = mustConfig(t, s)
	if cfg.Host != "db.example.com" || cfg.Instance != "SQLEXPRESS" || cfg.Port != 0 {
		t.Errorf("named instance: host %q instance %q port %d; want the port from the SQL Server Browser", cfg.Host, cfg.Instance, cfg.Port)
	}
	if got := where(cfg); got != `db.example.com\SQLEXPRESS` {
		t.Errorf("where = %s", got)
	}
	s.Port = 14330
	if cfg = mustConfig(t, s); cfg.Port != 14330 || cfg.Instance != "SQLEXPRESS" {
		t.Errorf("named instance with a port: port %d instance %q", cfg.Port, cfg.Instance)
	}
}

func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigTLSModes(t *testing.T) {
	ca := writeCA(t)
	for _, c := range []struct {
		mode      string
		ca        string
		enc       msdsn.Encryption
		trust     bool
		check     func(t *testing.T, cfg msdsn.Config)
		wantNoTLS bool
	}{
		{mode: "disable", enc: msdsn.EncryptionDisabled, wantNoTLS: true},
		{mode: "require", enc: msdsn.EncryptionRequired, trust: true, check: func(t *testing.T, cfg msdsn.Config) {
			if !cfg.TLSConfig.InsecureSkipVerify {
				t.Error("require verifies the certificate")
			}
		}},
		{mode: "verify-full", ca: ca, enc: msdsn.EncryptionRequired, check: func(t *testing.T, cfg msdsn.Config) {
			tc := cfg.TLSConfig
			if tc.InsecureSkipVerify || tc.ServerName != "db.example.com" || tc.RootCAs == nil || !tc.DynamicRecordSizingDisabled {
				t.Errorf("verify-full: skip %v, server name %q, roots %v, dynamic record sizing disabled %v", tc.InsecureSkipVerify, tc.ServerName, tc.RootCAs != nil, tc.DynamicRecordSizingDisabled)
			}
		}},
		{mode: "verify-ca", ca: ca, enc: msdsn.EncryptionRequired, check: func(t *testing.T, cfg msdsn.Config) {
			tc := cfg.TLSConfig
			// The chain is checked by the callback, the host name not.
			if !tc.InsecureSkipVerify || tc.VerifyPeerCertificate == nil || !tc.DynamicRecordSizingDisabled {
				t.Errorf("verify-ca: skip %v, callback %v", tc.InsecureSkipVerify, tc.VerifyPeerCertificate != nil)
			}
			if err := tc.VerifyPeerCertificate(nil, nil); err == nil {
				t.Error("verify-ca accepts a server without a certificate")
			}
		}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			s := base()
			s.TLS, s.CAFile = c.mode, c.ca
			cfg := mustConfig(t, s)
			if cfg.Encryption != c.enc || cfg.TrustServerCertificate != c.trust {
				t.Errorf("encryption %d trust %v, want %d %v", cfg.Encryption, cfg.TrustServerCertificate, c.enc, c.trust)
			}
			if c.wantNoTLS != (cfg.TLSConfig == nil) {
				t.Errorf("TLS config present %v", cfg.TLSConfig != nil)
			}
			if c.check != nil {
				c.check(t, cfg)
			}
		})
	}
	// hostnameincertificate names the host the certificate must name.
	s := base()
	s.TLS, s.Options = "verify-full", map[string]string{"HostNameInCertificate": "*.database.windows.net"}
	if cfg := mustConfig(t, s); cfg.TLSConfig.ServerName != "*.database.windows.net" {
		t.Errorf("verify-full with hostnameincertificate: server name %q", cfg.TLSConfig.ServerName)
	}
	// A missing ca_file is named.
	s = base()
	s.TLS, s.CAFile = "verify-full", filepath.Join(t.TempDir(), "nope.pem")
	_, err := Config(s)
	var ce *providers.ConnectError
	if !errors.As(err, &ce) || ce.Class != providers.ClassTLS || !strings.Contains(ce.Detail, "nope.pem") {
		t.Errorf("missing ca_file: %v", err)
	}
}

func TestConfigOptions(t *testing.T) {
	s := base()
	s.Options = map[string]string{"ApplicationIntent": "ReadOnly", "packet size": "8192", "encrypt": "strict", "app name": "mine"}
	cfg := mustConfig(t, s)
	if !cfg.ReadOnlyIntent || cfg.PacketSize != 8192 || cfg.Encryption != msdsn.EncryptionStrict || cfg.AppName != "mine" {
		t.Errorf("options: read-only %v, packet size %d, encryption %d, app name %q", cfg.ReadOnlyIntent, cfg.PacketSize, cfg.Encryption, cfg.AppName)
	}
	for _, k := range []string{"password", "PWD", "user id", "Database", "server", "TrustServerCertificate", "certificate", "connection timeout"} {
		s := base()
		s.Options = map[string]string{k: secret}
		_, err := Config(s)
		var ce *providers.ConnectError
		if !errors.As(err, &ce) || !strings.Contains(ce.Detail, "options."+k+" cannot be set") {
			t.Errorf("options.%s: %v, want it refused", k, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("options.%s: the error shows the value: %v", k, err)
		}
	}
	s = base()
	s.TLS, s.Options = "require", map[string]string{"encrypt": "false"}
	if _, err := Config(s); err == nil || !strings.Contains(err.Error(), "options.encrypt") {
		t.Errorf("options.encrypt with tls: %v, want it refused", err)
	}
}

func TestConfigOnDSN(t *testing.T) {
	for _, dsn := range []string{
		(&url.URL{Scheme: "sqlserver", User: url.UserPassword("anomgen", secret), Host: "db.example.com:1433", RawQuery: "Database=shop&Encrypt=false"}).String(),
		"server=db.example.com;port=1433;user id=anomgen;password=secret;database=shop;encrypt=false",
		"odbc:server=db.example.com;port=1433;user id=anomgen;password={secret};database=shop;encrypt=false",
	} {
		t.Run(strings.SplitN(dsn, ":", 2)[0], func(t *testing.T) {
			s := providers.Settings{Type: "sqlserver", Name: "shop", DSN: dsn, TLS: "require", ConnectTimeout: 4,
				Options: map[string]string{"packet size": "8192"}}
			cfg := mustConfig(t, s)
			if cfg.Host != "db.example.com" || cfg.Database != "shop" || cfg.User != "anomgen" {
				t.Errorf("dsn lost its settings: host %q database %q user %q", cfg.Host, cfg.Database, cfg.User)
			}
			// tls, connect_timeout and options apply on top of the dsn.
			if cfg.Encryption != msdsn.EncryptionRequired || !cfg.TrustServerCertificate || cfg.ConnTimeout != 4*time.Second || cfg.PacketSize != 8192 {
				t.Errorf("settings on the dsn: encryption %d trust %v timeout %s packet size %d", cfg.Encryption, cfg.TrustServerCertificate, cfg.ConnTimeout, cfg.PacketSize)
			}
		})
	}
	// A dsn alone keeps its own settings, with the default timeout.
	cfg := mustConfig(t, providers.Settings{Type: "sqlserver", Name: "shop", DSN: "sqlserver://u:p@h?database=d&encrypt=true"})
	if cfg.Encryption != msdsn.EncryptionRequired || cfg.ConnTimeout != 10*time.Second || cfg.AppName != "anomgen" {
		t.Errorf("dsn alone: encryption %d timeout %s app %q", cfg.Encryption, cfg.ConnTimeout, cfg.AppName)
	}
}

func TestConfigErrorsHideSecrets(t *testing.T) {
	for _, s := range []providers.Settings{
		{Type: "sqlserver", Name: "shop", DSN: "sqlserver://anomgen:hunter2@db.example.com:bad?database=shop"},
		{Type: "sqlserver", Name: "shop", DSN: "sqlserver://anomgen:hunter2@db:1433?database=x&packet size=big"},
		{Type: "sqlserver", Name: "shop", DSN: "server=db;password=hunter2;port=notaport"},
		{Type: "sqlserver", Name: "shop", DSN: (&url.URL{Scheme: "sqlserver", User: url.UserPassword("u", secret), Host: "db:1433", RawQuery: "database=x&dial timeout=soon"}).String()},
		{Type: "sqlserver", Name: "shop", Host: "db", Port: 1433, Database: "x", Username: "u", Password: secret, Options: map[string]string{"encrypt": "maybe"}},
		{Type: "sqlserver", Name: "shop", Host: "db", Port: 1433, Database: "x", Username: "u", Password: secret, Options: map[string]string{"log": secret}},
	} {
		_, err := Config(s)
		if err == nil {
			t.Errorf("settings %q %q accepted", s.DSN, s.Options)
			continue
		}
		var ce *providers.ConnectError
		if !errors.As(err, &ce) {
			t.Errorf("error %T %v, want a *providers.ConnectError", err, err)
		}
		for _, leak := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), "hunter2", s.DSN} {
			if leak != "" && strings.Contains(err.Error(), leak) {
				t.Errorf("error shows a secret: %v", err)
			}
		}
	}
}

func TestClassifyConnectErrors(t *testing.T) {
	cfg := mustConfig(t, base())
	s := base()
	login := func(nums ...int32) error {
		var all []mssql.Error
		for _, n := range nums {
			all = append(all, mssql.Error{Number: n, Message: fmt.Sprintf("message %d", n)})
		}
		e := all[len(all)-1]
		e.Message = "login error: " + e.Message
		e.All = all
		return e
	}
	for _, c := range []struct {
		err   error
		class providers.Class
	}{
		{login(4060, 18456), providers.ClassDatabase},
		{login(18456), providers.ClassAuth},
		{login(18488), providers.ClassAuth},
		{login(40613), providers.ClassBusy},
		{fmt.Errorf("TLS Handshake failed: %v", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")), providers.ClassTLS},
		{fmt.Errorf("unable to open tcp connection with host 'db:1433': %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}), providers.ClassUnreachable},
		{fmt.Errorf("unable to open tcp connection with host 'nohost:1433': %w", &net.DNSError{Err: "no such host", Name: "nohost", IsNotFound: true}), providers.ClassUnreachable},
	} {
		err := providers.Scrub(classify(c.err, s, cfg), s)
		var ce *providers.ConnectError
		if !errors.As(err, &ce) || ce.Class != c.class {
			t.Errorf("%v: %v, want class %s", c.err, err, c.class)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%v: shows the password: %v", c.err, err)
		}
	}
	if err := classify(login(4060, 18456), s, cfg); !strings.Contains(err.Error(), `database "shop"`) {
		t.Errorf("missing database: %v", err)
	}
}

func TestClassifyRunErrors(t *testing.T) {
	for _, c := range []struct {
		e          mssql.Error
		class      providers.Class
		priv, obj  string
		inGrantSQL string
	}{
		{mssql.Error{Number: 229, Message: "The UPDATE permission was denied on the object 'orders', database 'shop', schema 'sales'."}, providers.ClassPermission, "UPDATE", "sales.orders", "GRANT UPDATE ON [sales].[orders] TO [u];"},
		{mssql.Error{Number: 262, Message: "CREATE TABLE permission denied in database 'shop'."}, providers.ClassPermission, "CREATE TABLE", "database shop", "GRANT CREATE TABLE TO [u];"},
		{mssql.Error{Number: 2760, Message: `The specified schema name "anomgen" either does not exist or you do not have permission to use it.`}, providers.ClassPermission, "ALTER", "schema anomgen", "GRANT ALTER ON SCHEMA::[anomgen] TO [u];"},
		{mssql.Error{Number: 1088, Message: `Cannot find the object "dbo.orders" because it does not exist or you do not have permissions.`}, providers.ClassPermission, "ALTER", "dbo.orders", "GRANT ALTER ON [dbo].[orders] TO [u];"},
		{mssql.Error{Number: 1222, Message: "Lock request time out period exceeded."}, providers.ClassLockTimeout, "", "", ""},
		{mssql.Error{Number: 1205, Message: "Transaction (Process ID 57) was deadlocked"}, providers.ClassSerialization, "", "", ""},
	} {
		pe := drv{}.Classify(fmt.Errorf("wrapped: %w", c.e))
		if pe == nil || pe.Class != c.class || pe.Privilege != c.priv || pe.Object != c.obj {
			t.Errorf("%d: %+v, want %s %s on %s", c.e.Number, pe, c.class, c.priv, c.obj)
			continue
		}
		if c.inGrantSQL != "" {
			if got := (&inspector{}).Grant(pe.Privilege, pe.Object, "u"); got != c.inGrantSQL {
				t.Errorf("%d: grant %s, want %s", c.e.Number, got, c.inGrantSQL)
			}
		}
	}
	if (drv{}).Classify(errors.New("not ours")) != nil || (drv{}).Classify(mssql.Error{Number: 8115}) != nil {
		t.Error("Classify claims errors it does not know")
	}
	if got := grant("CREATE", "database shop", "u"); got != "GRANT CREATE SCHEMA, CREATE TABLE TO [u];" {
		t.Errorf("grant CREATE on a database: %s", got)
	}
}

func TestSplitName(t *testing.T) {
	for in, want := range map[string][2]string{
		"orders":             {"", "orders"},
		"sales.orders":       {"sales", "orders"},
		"[my.schema].[a]]b]": {"my.schema", "a]b"},
		`"sales"."orders"`:   {"sales", "orders"},
		"[dbo].orders":       {"dbo", "orders"},
	} {
		s, n, err := SplitName(in)
		if err != nil || s != want[0] || n != want[1] {
			t.Errorf("SplitName(%q) = %q, %q, %v; want %q, %q", in, s, n, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"shop.dbo.orders", "[open", "a..b", "[a]x", ""} {
		if _, _, err := SplitName(bad); err == nil {
			t.Errorf("SplitName(%q) accepted", bad)
		}
	}
}

func TestTypes(t *testing.T) {
	for _, c := range []struct {
		typ         string
		maxLen      int16
		prec, scale uint8
		want        string
		class       planner.ColumnClass
	}{
		{"decimal", 9, 10, 2, "decimal(10,2)", planner.ClassDecimal},
		{"nvarchar", 510, 0, 0, "nvarchar(255)", planner.ClassText},
		{"nvarchar", -1, 0, 0, "nvarchar(max)", planner.ClassText},
		{"varchar", 40, 0, 0, "varchar(40)", planner.ClassText},
		{"datetime2", 8, 27, 7, "datetime2(7)", planner.ClassTime},
		{"datetimeoffset", 10, 34, 7, "datetimeoffset(7)", planner.ClassTime},
		{"time", 5, 16, 7, "time(7)", planner.ClassOther},
		{"bigint", 8, 19, 0, "bigint", planner.ClassInteger},
		{"money", 8, 19, 4, "money", planner.ClassDecimal},
		{"float", 8, 53, 0, "float", planner.ClassFloat},
		{"bit", 1, 1, 0, "bit", planner.ClassBool},
		{"timestamp", 8, 0, 0, "rowversion", planner.ClassOther},
		{"geography", -1, 0, 0, "geography", planner.ClassOther},
	} {
		if got, class := typeName(c.typ, c.maxLen, c.prec, c.scale), classOf(c.typ); got != c.want || class != c.class {
			t.Errorf("%s: %s %s, want %s %s", c.typ, got, class, c.want, c.class)
		}
	}
}
