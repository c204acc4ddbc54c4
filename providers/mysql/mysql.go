// Package mysql is the MySQL 8 / MariaDB 10.6+ provider
// (github.com/go-sql-driver/mysql).
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
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
// parsed as UTC, TLS per the source's tls mode.
func Config(s providers.Settings) (*driver.Config, error) {
	var cfg *driver.Config
	if s.DSN != "" {
		c, err := driver.ParseDSN(s.DSN)
		if err != nil {
			return nil, &providers.ConnectError{Class: "other", Source: "source.mysql." + s.Name, Detail: "the dsn is not a valid MySQL DSN", Hint: "Use the form user:password@tcp(host:3306)/database"}
		}
		cfg = c
	} else {
		cfg = driver.NewConfig()
		cfg.User, cfg.Passwd, cfg.DBName = s.Username, s.Password, s.Database
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		switch s.TLS {
		case "disable":
			cfg.TLSConfig = "false"
		case "require":
			cfg.TLSConfig = "skip-verify"
		case "verify-ca", "verify-full":
			cfg.TLSConfig = "true"
		default:
			cfg.TLSConfig = "preferred"
		}
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	timeout := s.ConnectTimeout
	if timeout == 0 {
		timeout = 10
	}
	cfg.Timeout = time.Duration(timeout) * time.Second
	return cfg, nil
}

func (drv) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	cfg, err := Config(s)
	if err != nil {
		return nil, err
	}
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(4)
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		db.Close()
		return nil, classify(err, s, cfg)
	}
	return &providers.Conn{DB: db, Dialect: Dialect{}, Inspector: &inspector{db: db}, Host: cfg.Addr, Database: cfg.DBName, Version: version}, nil
}

func classify(err error, s providers.Settings, cfg *driver.Config) error {
	ce := &providers.ConnectError{Class: "other", Source: fmt.Sprintf("source.%s.%s (%s, database %s)", s.Type, s.Name, cfg.Addr, cfg.DBName)}
	var me *driver.MySQLError
	var ne net.Error
	switch {
	case errors.As(err, &me):
		switch me.Number {
		case 1045:
			ce.Class, ce.Detail = "auth", fmt.Sprintf("authentication failed for user %q", cfg.User)
			ce.Hint = "Check the username and password (the password is not shown)."
		case 1049:
			ce.Class, ce.Detail = "database", fmt.Sprintf("database %q does not exist", cfg.DBName)
			ce.Hint = "Create it, or fix database in the source block."
		case 1044:
			ce.Class, ce.Detail = "permission", fmt.Sprintf("user %q may not use database %q", cfg.User, cfg.DBName)
			ce.Hint = "GRANT the user access to the database."
		default:
			ce.Detail = fmt.Sprintf("%s (MySQL error %d)", me.Message, me.Number)
		}
	case errors.As(err, &ne), strings.Contains(err.Error(), "connection refused"):
		ce.Class, ce.Detail = "unreachable", "the server did not answer"
		ce.Hint = fmt.Sprintf("Is MySQL/MariaDB running and listening on %s? Check host and port.", cfg.Addr)
	case strings.Contains(strings.ToLower(err.Error()), "tls"):
		ce.Class, ce.Detail = "tls", "the TLS handshake failed"
		ce.Hint = "Check tls (disable, require, verify-ca, verify-full) and the server's certificate."
	default:
		ce.Detail = err.Error()
	}
	return ce
}

type inspector struct{ db *sql.DB }

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
	r, err := in.db.QueryContext(ctx, `SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA, COLUMN_KEY
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, realSchema, realName)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var c planner.Column
		var dataType, nullable, extra, key string
		if err := r.Scan(&c.Name, &c.Type, &dataType, &nullable, &extra, &key); err != nil {
			return nil, err
		}
		c.Nullable = nullable == "YES"
		c.Generated = strings.Contains(strings.ToUpper(extra), "GENERATED")
		c.Class = classOf(strings.ToLower(dataType), strings.ToLower(c.Type))
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
	return p, kr.Err()
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
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return planner.ClassText
	case "date", "datetime", "timestamp":
		return planner.ClassTime
	case "bool", "boolean":
		return planner.ClassBool
	}
	return planner.ClassOther
}
