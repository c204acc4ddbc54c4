// Package sqlserver is the SQL Server 2017+ and Azure SQL Database provider
// (github.com/microsoft/go-mssqldb).
package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/providers"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"
)

func init() { providers.Register("sqlserver", drv{}) }

type drv struct{}

var _ providers.Classifier = drv{}

// sessionInit runs on every new and every reused connection (after the
// driver resets the session). Affected-row counts are the anomalies' row
// counts, so NOCOUNT must be off even where the server's user options turn
// it on; with XACT_ABORT on, a failed statement rolls the whole
// transaction back on the server at once, as the executor expects.
const sessionInit = "SET NOCOUNT OFF; SET XACT_ABORT ON;"

// defaultTimeout bounds connecting and logging in when connect_timeout is
// not set.
const defaultTimeout = 10 * time.Second

// reservedOptions are connection parameters that source attributes set,
// with the attribute to use instead (keys in go-mssqldb's lower case,
// ADO.NET synonyms included).
var reservedOptions = map[string]string{
	"server": "use host", "data source": "use host", "address": "use host", "addr": "use host", "network address": "use host",
	"port": "use port", "database": "use database", "initial catalog": "use database",
	"user id": "use username", "uid": "use username", "user": "use username",
	"password": "use password (options are not kept secret)", "pwd": "use password (options are not kept secret)",
	"certificate": "use ca_file", "trustservercertificate": "use tls (require trusts any certificate; verify-ca and verify-full check it)",
	"connection timeout": "use connect_timeout", "dial timeout": "use connect_timeout",
}

// Config builds the driver configuration for s. The settings apply on top
// of a dsn (URL, ADO or odbc: form) too:
//
//   - tls: disable → encrypt=disable (no TLS at all); require → encrypt=true
//     with any certificate trusted; verify-full → encrypt=true, the chain
//     (ca_file, else the system roots) and the host name are checked (the
//     name is hostnameincertificate when options set it); verify-ca → the
//     chain only. Unset, the driver's default stands: the login is
//     encrypted, the rest only where the server requires it.
//   - connect_timeout bounds dialing and logging in (default 10 s).
//   - options are driver parameters (applicationintent, packet size,
//     multisubnetfailover, encrypt = "strict" for TDS 8.0, ...); those that
//     source attributes set are refused, naming the attribute.
//
// host may name an instance (host\instance); the port is then found
// through the SQL Server Browser unless it is set to other than 1433.
// An error never holds the dsn or the password.
func Config(s providers.Settings) (msdsn.Config, error) {
	source := "source." + s.Type + "." + s.Name
	invalid := func(detail string) (msdsn.Config, error) {
		return msdsn.Config{}, &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: detail,
			Hint: "Check host, port, database, tls, options and dsn (the dsn is not shown)."}
	}
	// Reads and checks the PEM files, so that a missing one is named.
	tlsCfg, err := providers.TLSConfig(s, s.Host)
	if err != nil {
		return msdsn.Config{}, err
	}
	params := map[string]string{}
	switch s.TLS {
	case "disable":
		params["encrypt"] = "disable"
	case "require":
		params["encrypt"], params["trustservercertificate"] = "true", "true"
	case "verify-ca", "verify-full":
		params["encrypt"], params["trustservercertificate"] = "true", "false"
	}
	if s.ConnectTimeout > 0 {
		params["connection timeout"] = strconv.Itoa(s.ConnectTimeout)
		params["dial timeout"] = strconv.Itoa(s.ConnectTimeout)
	}
	for k, v := range s.Options {
		key := strings.ToLower(strings.TrimSpace(k))
		if attr, ok := reservedOptions[key]; ok {
			return invalid(fmt.Sprintf("options.%s cannot be set: %s", k, attr))
		}
		if key == "encrypt" && s.TLS != "" && !strings.EqualFold(v, "strict") {
			return invalid(fmt.Sprintf("options.%s cannot be set with tls = %q: use tls alone (options.encrypt may only be \"strict\")", k, s.TLS))
		}
		params[key] = v
	}
	var dsn string
	if s.DSN == "" {
		host, instance, _ := strings.Cut(s.Host, `\`)
		u := url.URL{Scheme: "sqlserver", Host: host}
		if s.Port > 0 && (instance == "" || s.Port != 1433) {
			u.Host = net.JoinHostPort(host, strconv.Itoa(s.Port))
		}
		if instance != "" {
			u.Path = "/" + instance
		}
		if s.Username != "" {
			u.User = url.UserPassword(s.Username, s.Password)
		}
		q := url.Values{}
		q.Set("database", s.Database)
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		dsn = u.String()
	} else {
		var ok bool
		if dsn, ok = withParams(s.DSN, params); !ok {
			return invalid("the dsn is not a valid SQL Server connection string")
		}
	}
	cfg, err := msdsn.Parse(dsn)
	if err != nil {
		return invalid("the connection settings are invalid" + parseReason(err, s))
	}
	if _, set := cfg.Parameters["app name"]; !set {
		cfg.AppName = "anomgen"
	}
	if cfg.ConnTimeout == 0 {
		cfg.ConnTimeout = defaultTimeout
	}
	if _, set := cfg.Parameters["dial timeout"]; !set && cfg.DialTimeout > cfg.ConnTimeout {
		cfg.DialTimeout = cfg.ConnTimeout
	}
	if s.TLS == "verify-ca" || s.TLS == "verify-full" {
		// The shared TLS configuration checks the chain against ca_file
		// (verify-ca without the host name, which go-mssqldb cannot do).
		if s.TLS == "verify-full" {
			tlsCfg.ServerName = cfg.Host
			if h := cfg.Parameters["hostnameincertificate"]; h != "" {
				tlsCfg.ServerName = h
			}
		}
		if cfg.TLSConfig != nil && cfg.TLSConfig.MinVersion > tlsCfg.MinVersion {
			tlsCfg.MinVersion = cfg.TLSConfig.MinVersion
		}
		// go-mssqldb issue 166: SQL Server expects one TLS record per TDS
		// packet.
		tlsCfg.DynamicRecordSizingDisabled = true
		cfg.TLSConfig = tlsCfg
	}
	return cfg, nil
}

// withParams sets params in a dsn of any of go-mssqldb's three forms; a
// value set in params replaces the dsn's.
func withParams(dsn string, params map[string]string) (string, bool) {
	if len(params) == 0 {
		return dsn, true
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	switch {
	case strings.HasPrefix(dsn, "sqlserver://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return "", false
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return "", false
		}
		for _, k := range keys {
			// Parameter names are case-insensitive: drop other spellings.
			for old := range q {
				if strings.EqualFold(old, k) {
					delete(q, old)
				}
			}
			q.Set(k, params[k])
		}
		u.RawQuery = q.Encode()
		return u.String(), true
	case strings.HasPrefix(dsn, "odbc:"):
		var b strings.Builder
		b.WriteString(strings.TrimRight(dsn, "; "))
		for _, k := range keys {
			fmt.Fprintf(&b, ";%s={%s}", k, strings.ReplaceAll(params[k], "}", "}}"))
		}
		return b.String(), true
	default: // ADO: key=value;...; a later key replaces an earlier one
		var b strings.Builder
		b.WriteString(strings.TrimRight(dsn, "; "))
		for _, k := range keys {
			v := params[k]
			if strings.ContainsAny(v, `;"'`) || strings.TrimSpace(v) != v {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			fmt.Fprintf(&b, ";%s=%s", k, v)
		}
		return b.String(), true
	}
}

// parseReason says why the driver refused the settings, when that cannot
// hold a secret: URL errors quote the dsn, so they are never shown.
func parseReason(err error, s providers.Settings) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ""
	}
	msg := providers.FirstLine(err.Error())
	lower := strings.ToLower(msg)
	if strings.Contains(msg, "://") || strings.Contains(msg, "@") || strings.Contains(lower, "password") || strings.Contains(lower, "pwd") {
		return ""
	}
	for _, secret := range []string{s.Password, s.DSN, url.QueryEscape(s.Password), url.PathEscape(s.Password)} {
		if secret != "" && strings.Contains(msg, secret) {
			return ""
		}
	}
	return " (" + msg + ")"
}

// where names the server for messages: host:port or host\instance.
func where(cfg msdsn.Config) string {
	host := cfg.Host
	if cfg.Instance != "" {
		host += `\` + cfg.Instance
		if cfg.Port == 0 {
			return host
		}
	}
	port := cfg.Port
	if port == 0 {
		port = 1433
	}
	return net.JoinHostPort(host, strconv.FormatUint(port, 10))
}

func (drv) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, err := Config(s)
	if err != nil {
		return nil, err
	}
	connector := mssql.NewConnectorConfig(cfg)
	connector.SessionInitSQL = sessionInit
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(s.PoolSize()) // max_connections
	var version, database, user string
	if err := (providers.DB{DB: db}).QueryRowContext(ctx, "SELECT @@VERSION, DB_NAME(), USER_NAME()").Scan(&version, &database, &user); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	schema := s.JournalSchema
	if schema == "" {
		schema = "anomgen"
	}
	return &providers.Conn{DB: providers.DB{DB: db}, Dialect: Dialect{}, Inspector: &inspector{db: providers.DB{DB: db}, journalSchema: schema},
		Host: where(cfg), Database: database, Version: strings.TrimSpace(providers.FirstLine(version)), User: user}, nil
}
