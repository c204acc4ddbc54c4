// Package postgres is the PostgreSQL provider (pgx/v5 through database/sql).
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

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
func ConnConfig(s providers.Settings) (*pgx.ConnConfig, error) {
	dsn := s.DSN
	if dsn == "" {
		u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + s.Database}
		if s.Username != "" {
			if s.Password != "" {
				u.User = url.UserPassword(s.Username, s.Password)
			} else {
				u.User = url.User(s.Username)
			}
		}
		q := url.Values{}
		mode := s.TLS
		if mode == "" {
			mode = "prefer"
		}
		q.Set("sslmode", mode)
		timeout := s.ConnectTimeout
		if timeout == 0 {
			timeout = 10
		}
		q.Set("connect_timeout", strconv.Itoa(timeout))
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &providers.ConnectError{Class: "other", Source: "source." + s.Type + "." + s.Name, Detail: "the connection settings are invalid", Hint: "Check host, port, database, tls and dsn (the dsn is not shown)."}
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["application_name"] = "anomgen"
	return cfg, nil
}

func (driver) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, err := ConnConfig(s)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	var version string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	return &providers.Conn{DB: db, Dialect: Dialect{}, Inspector: inspector{db}, Host: cfg.Host, Database: cfg.Database, Version: version}, nil
}

func classify(err error, s providers.Settings, cfg *pgx.ConnConfig) error {
	where := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	ce := &providers.ConnectError{Class: "other", Source: fmt.Sprintf("source.%s.%s (%s, database %s)", s.Type, s.Name, where, cfg.Database)}
	var pgErr *pgconn.PgError
	var netErr net.Error
	switch {
	case errors.As(err, &pgErr):
		switch pgErr.Code {
		case "28P01", "28000":
			ce.Class, ce.Detail = "auth", fmt.Sprintf("authentication failed for user %q", cfg.User)
			ce.Hint = "Check the username and password (the password is not shown)."
		case "3D000":
			ce.Class, ce.Detail = "database", fmt.Sprintf("database %q does not exist", cfg.Database)
			ce.Hint = "Create it, or fix database in the source block."
		default:
			ce.Detail = fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
		}
	case errors.As(err, &netErr) || strings.Contains(err.Error(), "connect: connection refused") || strings.Contains(err.Error(), "dial"):
		ce.Class, ce.Detail = "unreachable", "the server did not answer"
		ce.Hint = fmt.Sprintf("Is PostgreSQL running and listening on %s? Check host and port.", where)
	case strings.Contains(err.Error(), "tls") || strings.Contains(err.Error(), "SSL"):
		ce.Class, ce.Detail = "tls", "the TLS handshake failed"
		ce.Hint = "Check tls (disable, require, verify-ca, verify-full) and the server's certificate."
	default:
		ce.Detail = firstLine(err.Error())
	}
	return ce
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

type inspector struct{ db *sql.DB }

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
	r, err := in.db.QueryContext(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, t.typcategory,
			NOT a.attnotnull, a.attgenerated <> '', a.attidentity <> ''
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, oid)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var c planner.Column
		var typname, cat string
		if err := r.Scan(&c.Name, &c.Type, &typname, &cat, &c.Nullable, &c.Generated, &c.Identity); err != nil {
			return nil, err
		}
		c.Class = classOf(typname, cat)
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
	if p.Rows < 0 { // never analyzed
		_ = in.db.QueryRowContext(ctx, "SELECT count(*) FROM "+Dialect{}.Table(p.Table)).Scan(&p.Rows)
	}
	return p, kr.Err()
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
