// Package postgres is the PostgreSQL provider (pgx/v5 through database/sql).
package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

func init() { providers.Register("postgres", driver{}) }

type driver struct{}

// ConnConfig builds the pgx configuration for s. The session time zone is
// UTC so that timestamps without time zone compare as UTC.
//
// The settings apply on top of a dsn too: tls, ca_file, cert_file and
// key_file become sslmode, sslrootcert, sslcert and sslkey (ca_file only
// with verify-ca and verify-full: require encrypts without verifying),
// connect_timeout bounds each connection attempt (default 10 s), and
// options are connection parameters (target_session_attrs, ...) or, for
// every other name, runtime parameters sent at connect (search_path,
// lock_timeout, statement_timeout, ...). An error never holds the dsn or
// the password.
func ConnConfig(s providers.Settings) (*pgx.ConnConfig, error) {
	source := "source." + s.Type + "." + s.Name
	invalid := func(detail string) error {
		return &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: detail,
			Hint: "Check host, port, database, tls, options and dsn (the dsn is not shown)."}
	}
	// Reads and checks the PEM files, so that a missing one is named.
	if _, err := providers.TLSConfig(s, s.Host); err != nil {
		return nil, err
	}
	params := url.Values{}
	if s.TLS != "" {
		params.Set("sslmode", s.TLS)
	} else if s.DSN == "" {
		params.Set("sslmode", "prefer")
	}
	if s.TLS != "disable" {
		if s.CAFile != "" && (s.TLS == "verify-ca" || s.TLS == "verify-full") {
			params.Set("sslrootcert", s.CAFile)
		}
		if s.CertFile != "" {
			params.Set("sslcert", s.CertFile)
			params.Set("sslkey", s.KeyFile)
		}
	}
	if s.ConnectTimeout > 0 {
		params.Set("connect_timeout", strconv.Itoa(s.ConnectTimeout))
	}
	for k, v := range s.Options {
		if attr, ok := reservedOptions[strings.ToLower(k)]; ok {
			return nil, invalid(fmt.Sprintf("options.%s cannot be set: %s", k, attr))
		}
		params.Set(k, v)
	}
	var dsn string
	if s.DSN == "" {
		u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + s.Database}
		if s.Username != "" {
			if s.Password != "" {
				u.User = url.UserPassword(s.Username, s.Password)
			} else {
				u.User = url.User(s.Username)
			}
		}
		u.RawQuery = encodeQuery(params)
		dsn = u.String()
	} else {
		var ok bool
		if dsn, ok = withParams(s.DSN, params); !ok {
			return nil, invalid("the dsn is not a valid PostgreSQL connection string")
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, invalid("the connection settings are invalid" + parseReason(err, s))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = "anomgen"
	}
	return cfg, nil
}

// reservedOptions are connection parameters that source attributes set,
// with the attribute to use instead.
var reservedOptions = map[string]string{
	"host": "use host", "hostaddr": "use host", "port": "use port", "dbname": "use database", "database": "use database",
	"user": "use username", "password": "use password (options are not kept secret)", "passfile": "use password",
	"sslmode": "use tls", "sslrootcert": "use ca_file", "sslcert": "use cert_file", "sslkey": "use key_file",
	"sslpassword": "use an unencrypted key_file", "connect_timeout": "use connect_timeout",
	"timezone": "anomgen sets the session time zone to UTC", "service": "use the source attributes", "servicefile": "use the source attributes",
}

// withParams adds params to a dsn in URL or keyword/value form; a value
// set in params replaces the dsn's.
func withParams(dsn string, params url.Values) (string, bool) {
	if len(params) == 0 {
		return dsn, true
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", false
		}
		// The dsn's own parameters are kept as written (libpq reads + as
		// itself, url.ParseQuery as a space); those params set are dropped.
		var kept []string
		for _, item := range strings.Split(u.RawQuery, "&") {
			if item == "" {
				continue
			}
			k, _, _ := strings.Cut(item, "=")
			key, err := url.PathUnescape(k)
			if err != nil {
				return "", false
			}
			if _, set := params[key]; !set {
				kept = append(kept, item)
			}
		}
		if q := encodeQuery(params); q != "" {
			kept = append(kept, q)
		}
		u.RawQuery = strings.Join(kept, "&")
		return u.String(), true
	}
	var b strings.Builder
	b.WriteString(dsn)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(params.Get(k))
		fmt.Fprintf(&b, " %s='%s'", k, v)
	}
	return b.String(), true
}

// encodeQuery encodes params for a connection URI, which pgx reads as
// libpq does: percent escapes only, a + stays a +. url.Values.Encode writes
// a space as +, which would reach the server as a + (an option value
// "a b" became "a+b"), so spaces are written %20.
func encodeQuery(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	esc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var parts []string
	for _, k := range keys {
		for _, v := range params[k] {
			parts = append(parts, esc(k)+"="+esc(v))
		}
	}
	return strings.Join(parts, "&")
}

// parseReason says why pgx refused the settings, when that cannot hold a
// secret: the reasons pgx gives for a bad parameter value. URL errors quote
// the dsn, so they are never shown.
func parseReason(err error, s providers.Settings) string {
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return ""
	}
	var ue *url.Error
	if inner := pce.Unwrap(); inner != nil && errors.As(inner, &ue) {
		return ""
	}
	msg := providers.FirstLine(err.Error())
	// "cannot parse `<redacted dsn>`: reason": keep the reason.
	i := strings.LastIndex(msg, "`: ")
	if i < 0 {
		return ""
	}
	msg = msg[i+3:]
	for _, secret := range []string{s.Password, s.DSN} {
		if secret != "" && strings.Contains(msg, secret) {
			return ""
		}
	}
	if strings.Contains(msg, "://") || strings.Contains(msg, "@") || strings.Contains(strings.ToLower(msg), "password") {
		return ""
	}
	return " (" + msg + ")"
}

func (driver) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, err := ConnConfig(s)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(checkClient(cfg)))
	db.SetMaxOpenConns(s.PoolSize()) // max_connections
	var version, user string
	if err := (providers.DB{DB: db}).QueryRowContext(ctx, "SELECT current_setting('server_version'), current_user").Scan(&version, &user); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	return &providers.Conn{DB: providers.DB{DB: db}, Dialect: Dialect{}, Inspector: inspector{providers.DB{DB: db}}, Host: cfg.Host, Database: cfg.Database, Version: version, User: user}, nil
}

// ClientCheckInterval is how often, on PostgreSQL 14 and later, the
// server checks while one of anomgen's statements runs that anomgen is
// still connected (client_connection_check_interval). Without it a
// statement of a killed anomgen runs on, holding its row locks, until it
// ends or next writes to the dead socket; with it the server cancels it
// within about this interval. options.client_connection_check_interval
// replaces it ("0" turns the check off).
const ClientCheckInterval = "1s"

// checkClient sets client_connection_check_interval on each new
// connection to a server that has it (PostgreSQL 14 and later), unless the
// source's options (or dsn) set it.
func checkClient(cfg *pgx.ConnConfig) func(context.Context, *pgx.Conn) error {
	for k := range cfg.RuntimeParams {
		if strings.EqualFold(k, "client_connection_check_interval") {
			return func(context.Context, *pgx.Conn) error { return nil }
		}
	}
	return func(ctx context.Context, c *pgx.Conn) error {
		if serverMajor(c.PgConn().ParameterStatus("server_version")) < 14 {
			return nil
		}
		_, err := c.Exec(ctx, "SET client_connection_check_interval = '"+ClientCheckInterval+"'")
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			// A server that reports 14 but lacks the setting (a fork, a
			// pooler): connect without the check.
			return nil
		}
		return err
	}
}

// serverMajor is the major version in a server_version such as
// "15.4 (Debian 15.4-1)" or "14beta1"; 0 when there is none.
func serverMajor(v string) int {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

type inspector struct{ db providers.DB }

func (in inspector) Profile(ctx context.Context, table, timeColumn string) (*planner.TableProfile, error) {
	schema, name := providers.SplitTable(table)
	if schema == "" {
		if err := in.db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, err
		}
	}
	var oid uint32
	var rows float64
	err := in.db.QueryRowContext(ctx, `SELECT c.oid, c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, schema, name).Scan(&oid, &rows)
	if errors.Is(err, sql.ErrNoRows) {
		var all []string
		r, err := in.db.QueryContext(ctx, `SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`)
		if err == nil {
			for r.Next() {
				var s string
				if r.Scan(&s) == nil {
					all = append(all, strings.TrimPrefix(s, schema+"."))
				}
			}
			r.Close()
		}
		return nil, &providers.NoTableError{Table: schema + "." + name, Similar: providers.Similar(name, all)}
	}
	if err != nil {
		return nil, err
	}
	p := &planner.TableProfile{Table: planner.TableName{Schema: schema, Name: name}, Rows: int64(rows)}
	if err := in.guards(ctx, p, oid); err != nil {
		return nil, err
	}
	if err := in.numKeys(ctx, p, oid); err != nil { // inspect_num.go
		return nil, err
	}
	// A domain is classed by its base type (a domain over text is text, the
	// year of Pagila an integer); an enum type, or a domain over one, is an
	// enum with its labels.
	r, err := in.db.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), bt.typname, bt.typcategory,
			NOT a.attnotnull, a.attgenerated <> '', a.attidentity <> '',
			CASE WHEN a.attgenerated = '' THEN COALESCE(pg_get_expr(d.adbin, d.adrelid), '') ELSE '' END,
			COALESCE((SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = bt.oid)::text, '')
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
			JOIN LATERAL (WITH RECURSIVE b(oid, typtype, typbasetype) AS (
					SELECT t.oid, t.typtype, t.typbasetype
					UNION ALL SELECT x.oid, x.typtype, x.typbasetype FROM pg_type x JOIN b ON x.oid = b.typbasetype WHERE b.typtype = 'd')
				SELECT oid FROM b WHERE typtype <> 'd') base ON true
			JOIN pg_type bt ON bt.oid = base.oid
			LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var c planner.Column
		var typname, cat, labels string
		if err := r.Scan(&c.Name, &c.Type, &typname, &cat, &c.Nullable, &c.Generated, &c.Identity, &c.Default, &labels); err != nil {
			return nil, err
		}
		c.Class = classOf(typname, cat)
		if labels != "" {
			if err := json.Unmarshal([]byte(labels), &c.Labels); err != nil {
				return nil, err
			}
			c.Class = planner.ClassEnum
		}
		p.Columns = append(p.Columns, c)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kr, err := in.db.QueryContext(ctx, `SELECT a.attname FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = $1 AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`, oid)
	if err != nil {
		return nil, err
	}
	defer kr.Close()
	for kr.Next() {
		var k string
		if err := kr.Scan(&k); err != nil {
			return nil, err
		}
		p.PrimaryKey = append(p.PrimaryKey, k)
	}
	if err := kr.Err(); err != nil {
		return nil, err
	}
	if p.Rows < providers.ExactCountBelow && !providers.EstimatedCounts(ctx) { // small, or never analyzed (-1)
		if err := in.db.QueryRowContext(ctx, "SELECT count(*) FROM "+Dialect{}.Table(p.Table)).Scan(&p.Rows); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func classOf(typname, category string) planner.ColumnClass {
	switch typname {
	case "int2", "int4", "int8":
		return planner.ClassInteger
	case "numeric":
		return planner.ClassDecimal
	case "float4", "float8":
		return planner.ClassFloat
	case "date", "timestamp", "timestamptz":
		return planner.ClassTime
	case "bool":
		return planner.ClassBool
	}
	if category == "S" {
		return planner.ClassText
	}
	return planner.ClassOther
}
