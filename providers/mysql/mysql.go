// Package mysql is the MySQL 8 / MariaDB 10.6+ provider
// (github.com/go-sql-driver/mysql).
package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	driver "github.com/go-sql-driver/mysql"
)

func init() { providers.Register("mysql", drv{}) }

type drv struct{}

// Config builds the driver configuration: UTC session time zone, times
// parsed as UTC, TLS per the source's tls mode and PEM files (see
// providers.TLSConfig: require encrypts without verifying, verify-ca checks
// the chain against ca_file, verify-full the host name too),
// connect_timeout as the dial timeout (default 10 s), and options as
// driver parameters (readTimeout, charset, ...) or session variables
// (innodb_lock_wait_timeout, ...). The settings apply on top of a dsn too.
// An error never holds the dsn or the password.
//
// The session variables (those of options and those of the dsn) are
// returned apart, never left in the configuration's Params: the driver
// would paste them into a SET statement as SQL text. Connector sets them
// with their values bound as parameters.
func Config(s providers.Settings) (*driver.Config, []SessionVar, error) {
	source := "source." + s.Type + "." + s.Name
	var cfg *driver.Config
	if s.DSN != "" {
		c, err := driver.ParseDSN(s.DSN)
		if err != nil {
			return nil, nil, &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: "the dsn is not a valid MySQL DSN", Hint: "Use the form user:password@tcp(host:3306)/database (the dsn is not shown)"}
		}
		cfg = c
	} else {
		cfg = driver.NewConfig()
		cfg.User, cfg.Passwd, cfg.DBName = s.Username, s.Password, s.Database
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	}
	// The dsn's own session variables are written the driver's way, as SQL
	// text (sql_mode='ANSI'): read them as values.
	dsnVars, err := dsnSessionVars(cfg.Params)
	if err != nil {
		return nil, nil, &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: "the dsn is not a valid MySQL DSN: " + err.Error(), Hint: "Session variables in a dsn are name=value with a number, a word or a quoted string as the value (the dsn is not shown)"}
	}
	cfg.Params = nil
	optVars, err := applyOptions(cfg, s)
	if err != nil {
		return nil, nil, err
	}
	if s.DSN == "" || s.TLS != "" || s.CAFile != "" || s.CertFile != "" {
		host, _, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			host = cfg.Addr
		}
		tc, err := providers.TLSConfig(s, host)
		if err != nil {
			return nil, nil, err
		}
		cfg.TLS, cfg.TLSConfig = tc, ""
		// Without a mode, TLS is preferred: used when the server offers it.
		cfg.AllowFallbackToPlaintext = s.TLS == "" || s.TLS == "prefer"
		if tc == nil {
			cfg.TLSConfig = "false"
		}
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Affected-row counts are rows matched, as in PostgreSQL and SQLite, not
	// only rows whose value changed: a change's row count then matches the
	// plan's, and a rollback that restored every journaled row knows that
	// none was changed by someone else (executor.rollback relies on it).
	cfg.ClientFoundRows = true
	cfg.Params = nil
	if s.ConnectTimeout > 0 {
		cfg.Timeout = time.Duration(s.ConnectTimeout) * time.Second
	} else if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	// The driver logs broken connections on its own; anomgen reports them
	// as classified errors instead.
	cfg.Logger = &driver.NopLogger{}
	// UTC first; options replace the dsn's variables of the same name.
	vars := []SessionVar{{Name: "time_zone", Value: "+00:00"}}
	for _, v := range dsnVars {
		if !strings.EqualFold(v.Name, "time_zone") && !hasVar(optVars, v.Name) {
			vars = append(vars, v)
		}
	}
	return cfg, append(vars, optVars...), nil
}

// SessionVar is a session variable set on every new connection:
// SET SESSION Name = ?, with Value (an int64, a float64 or a string) bound.
type SessionVar struct {
	Name  string
	Value any
}

func hasVar(vars []SessionVar, name string) bool {
	for _, v := range vars {
		if strings.EqualFold(v.Name, name) {
			return true
		}
	}
	return false
}

// identifier is what a session variable's name may be: it is written into
// the SET statement, so nothing else is accepted.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var decimal = regexp.MustCompile(`^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// sessionValue types an option's value for binding: integers and decimals
// are numbers (numeric variables refuse strings), anything else is the
// string as written, spaces, quotes and commas included.
func sessionValue(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if decimal.MatchString(v) {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

// dsnSessionVars reads the session variables of a dsn, written as the
// driver pastes them into SQL: a quoted string ('ANSI' or "ANSI", a quote
// in it doubled or escaped with a backslash) is that string; anything else is a number or a word
// (1, ON, READ-COMMITTED). An expression is refused, never run.
func dsnSessionVars(params map[string]string) ([]SessionVar, error) {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []SessionVar
	for _, k := range names {
		if !identifier.MatchString(k) {
			return nil, fmt.Errorf("parameter %q is not a variable name", k)
		}
		v := strings.TrimSpace(params[k])
		if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') && v[len(v)-1] == v[0] {
			str, ok := unquoteSQL(v)
			if !ok {
				return nil, fmt.Errorf("the value of %s is not one quoted string", k)
			}
			out = append(out, SessionVar{Name: k, Value: str})
			continue
		}
		if strings.ContainsAny(v, "'\"`\\(),;=@ \t\n") {
			return nil, fmt.Errorf("the value of %s is not a number, a word or a quoted string", k)
		}
		out = append(out, SessionVar{Name: k, Value: sessionValue(v)})
	}
	return out, nil
}

// unquoteSQL reads one MySQL string literal quoted with q (its first byte):
// a doubled quote or a backslash escape stands for the character.
func unquoteSQL(lit string) (string, bool) {
	q := lit[0]
	var b strings.Builder
	for i := 1; i < len(lit); i++ {
		c := lit[i]
		switch {
		case c == '\\' && i+1 < len(lit)-1:
			i++
			switch lit[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			default:
				b.WriteByte(lit[i])
			}
		case c == q && i == len(lit)-1:
			return b.String(), true
		case c == q && i+1 < len(lit)-1 && lit[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// reservedOptions are driver parameters that source attributes (or anomgen
// itself) set, with what to use instead.
var reservedOptions = map[string]string{
	"user": "use username", "passwd": "use password", "password": "use password (options are not kept secret)",
	"tls": "use tls, ca_file, cert_file and key_file", "timeout": "use connect_timeout",
	"parsetime": "anomgen reads times as time values", "loc": "anomgen reads times as UTC",
	"time_zone": "anomgen sets the session time zone to UTC", "clientfoundrows": "anomgen counts matched rows",
	"allowallfiles": "anomgen never loads local files", "multistatements": "anomgen sends one statement at a time",
	"interpolateparams": "anomgen binds every value on the server",
}

// applyOptions sets the source's driver parameters on cfg and returns its
// session variables. Each option is checked on its own first, so that a
// bad one is named.
func applyOptions(cfg *driver.Config, s providers.Settings) ([]SessionVar, error) {
	if len(s.Options) == 0 {
		return nil, nil
	}
	source := "source." + s.Type + "." + s.Name
	keys := make([]string, 0, len(s.Options))
	for k := range s.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := url.Values{}
	var vars []SessionVar
	for _, k := range keys {
		v := s.Options[k]
		bad := func(why string) error {
			return &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: fmt.Sprintf("options.%s cannot be set: %s", k, why),
				Hint: "Options are driver parameters (readTimeout, charset, ...) or session variables (innodb_lock_wait_timeout, ...)"}
		}
		if why, ok := reservedOptions[strings.ToLower(k)]; ok {
			return nil, bad(why)
		}
		one := url.Values{k: {v}}
		c, err := driver.ParseDSN("/?" + one.Encode())
		if err != nil {
			return nil, bad(err.Error())
		}
		if len(c.Params) > 0 {
			// Not a driver parameter: a session variable. Its name goes into
			// the SET statement, its value is bound.
			if !identifier.MatchString(k) {
				return nil, bad("a session variable's name is letters, digits and _")
			}
			vars = append(vars, SessionVar{Name: k, Value: sessionValue(v)})
			continue
		}
		q.Set(k, v)
	}
	if len(q) == 0 {
		return vars, nil
	}
	// The driver parses parameters from DSN text only: round-trip the
	// configuration through it, keeping the connection fields as they were.
	dsn := cfg.FormatDSN()
	sep := "?"
	if strings.Contains(dsn[strings.LastIndex(dsn, "/"):], "?") {
		sep = "&"
	}
	c, err := driver.ParseDSN(dsn + sep + q.Encode())
	if err != nil {
		return nil, &providers.ConnectError{Class: providers.ClassOther, Source: source, Detail: "the options cannot be combined with the connection settings"}
	}
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
	c.TLS, c.TLSConfig, c.AllowFallbackToPlaintext = cfg.TLS, cfg.TLSConfig, cfg.AllowFallbackToPlaintext
	c.Params = nil
	*cfg = *c
	return vars, nil
}

// connector sets the session variables on every connection the driver
// opens, in one SET statement whose values are bound parameters.
type connector struct {
	sqldriver.Connector
	vars []SessionVar
}

// sessionError is a failed SET of the session variables.
type sessionError struct{ err error }

func (e *sessionError) Error() string { return "setting the session variables: " + e.err.Error() }
func (e *sessionError) Unwrap() error { return e.err }

func (c *connector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil || len(c.vars) == 0 {
		return conn, err
	}
	if err := setSession(ctx, conn, c.vars); err != nil {
		conn.Close()
		return nil, &sessionError{err}
	}
	return conn, nil
}

// SetStatement is the SET statement for vars, one ? per value.
func SetStatement(vars []SessionVar) string {
	var b strings.Builder
	b.WriteString("SET SESSION ")
	for i, v := range vars {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Name + " = ?")
	}
	return b.String()
}

func setSession(ctx context.Context, conn sqldriver.Conn, vars []SessionVar) error {
	pc, ok := conn.(sqldriver.ConnPrepareContext)
	if !ok {
		return errors.New("the driver cannot prepare statements")
	}
	stmt, err := pc.PrepareContext(ctx, SetStatement(vars))
	if err != nil {
		return err
	}
	defer stmt.Close()
	ex, ok := stmt.(sqldriver.StmtExecContext)
	if !ok {
		return errors.New("the driver cannot execute prepared statements")
	}
	args := make([]sqldriver.NamedValue, len(vars))
	for i, v := range vars {
		args[i] = sqldriver.NamedValue{Ordinal: i + 1, Value: v.Value}
	}
	_, err = ex.ExecContext(ctx, args)
	return err
}

func (drv) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, vars, err := Config(s)
	if err != nil {
		return nil, err
	}
	dc, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, &providers.ConnectError{Class: providers.ClassOther, Source: "source." + s.Type + "." + s.Name, Detail: "the connection settings are invalid: " + providers.Scrub(err, s).Error()}
	}
	db := sql.OpenDB(&connector{Connector: dc, vars: vars})
	db.SetMaxOpenConns(s.PoolSize()) // max_connections
	var version, user string
	if err := (providers.DB{DB: db}).QueryRowContext(ctx, "SELECT VERSION(), CURRENT_USER()").Scan(&version, &user); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	return &providers.Conn{DB: providers.DB{DB: db}, Dialect: Dialect{}, Inspector: &inspector{db: providers.DB{DB: db}}, Host: cfg.Addr, Database: cfg.DBName, Version: version, User: user}, nil
}

type inspector struct{ db providers.DB }

func (in *inspector) Profile(ctx context.Context, table, timeColumn string) (*planner.TableProfile, error) {
	schema, name := providers.SplitTable(table)
	if schema == "" {
		var cur sql.NullString
		if err := in.db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&cur); err != nil {
			return nil, err
		}
		if !cur.Valid {
			return nil, fmt.Errorf("table %s has no database: write it as database.table, or set database in the source block", table)
		}
		schema = cur.String
	}
	var realSchema, realName string
	var rows sql.NullInt64
	err := in.db.QueryRowContext(ctx, `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`, schema, name).Scan(&realSchema, &realName, &rows)
	if errors.Is(err, sql.ErrNoRows) {
		// lower_case_table_names folds names; try the folded spelling.
		err = in.db.QueryRowContext(ctx, `SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES
			WHERE LOWER(TABLE_SCHEMA) = LOWER(?) AND LOWER(TABLE_NAME) = LOWER(?) AND TABLE_TYPE = 'BASE TABLE' AND @@lower_case_table_names > 0`, schema, name).Scan(&realSchema, &realName, &rows)
	}
	if errors.Is(err, sql.ErrNoRows) {
		var all []string
		r, qerr := in.db.QueryContext(ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", schema)
		if qerr == nil {
			for r.Next() {
				var s string
				if r.Scan(&s) == nil {
					all = append(all, s)
				}
			}
			r.Close()
		}
		return nil, &providers.NoTableError{Table: schema + "." + name, Similar: providers.Similar(name, all)}
	}
	if err != nil {
		return nil, err
	}
	p := &planner.TableProfile{Table: planner.TableName{Schema: realSchema, Name: realName}, Rows: rows.Int64}
	if err := in.guards(ctx, p); err != nil {
		return nil, err
	}
	if err := in.numKeys(ctx, p); err != nil { // inspect_num.go
		return nil, err
	}
	r, err := in.db.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA, COLUMN_KEY,
			COLUMN_DEFAULT, VERSION() LIKE '%MariaDB%'
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, realSchema, realName)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var c planner.Column
		var dataType, nullable, extra, key string
		var def sql.NullString
		var mariadb bool
		if err := r.Scan(&c.Name, &c.Type, &dataType, &nullable, &extra, &key, &def, &mariadb); err != nil {
			return nil, err
		}
		if def.Valid {
			c.Default = columnDefault(&def.String, extra, strings.ToLower(dataType), mariadb) // dialect_schema.go
		}
		c.Nullable = nullable == "YES"
		// VIRTUAL GENERATED / STORED GENERATED; MySQL 8 also says
		// DEFAULT_GENERATED for DEFAULT CURRENT_TIMESTAMP, which is not one.
		up := strings.ToUpper(extra)
		c.Generated = strings.Contains(up, "VIRTUAL GENERATED") || strings.Contains(up, "STORED GENERATED")
		c.OnUpdate = onUpdate(extra) // inspect_num.go
		c.Class = classOf(strings.ToLower(dataType), strings.ToLower(c.Type))
		if c.Class == planner.ClassEnum {
			c.Labels = enumLabels(c.Type) // inspect_num.go
		}
		p.Columns = append(p.Columns, c)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kr, err := in.db.QueryContext(ctx, `SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`, realSchema, realName)
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
	// InnoDB's TABLE_ROWS is a rough estimate.
	if p.Rows < providers.ExactCountBelow && !providers.EstimatedCounts(ctx) {
		if err := in.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+Dialect{}.Table(p.Table)).Scan(&p.Rows); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func classOf(dataType, columnType string) planner.ColumnClass {
	switch dataType {
	case "tinyint":
		if strings.HasPrefix(columnType, "tinyint(1)") {
			return planner.ClassBool
		}
		return planner.ClassInteger
	case "smallint", "mediumint", "int", "integer", "bigint", "year":
		return planner.ClassInteger
	case "decimal", "numeric":
		return planner.ClassDecimal
	case "float", "double", "real":
		return planner.ClassFloat
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "set":
		return planner.ClassText
	case "enum":
		return planner.ClassEnum
	case "date", "datetime", "timestamp":
		return planner.ClassTime
	case "bool", "boolean":
		return planner.ClassBool
	}
	return planner.ClassOther
}
