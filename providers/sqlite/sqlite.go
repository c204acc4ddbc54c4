// Package sqlite is the embedded SQLite provider (modernc.org/sqlite, pure
// Go, no cgo).
package sqlite

import (
	"context"
	"crypto/md5"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	sqlite "modernc.org/sqlite"
)

func init() {
	providers.Register("sqlite", drv{})
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_hash", -1, hashFunc)
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_scale", 3, scaleFunc)
}

// scaleFunc is anomgen_scale(value, factor, digits): value times factor,
// rounded half away from zero to digits decimal places in decimal
// arithmetic, as PostgreSQL's numeric does. Binary floating point would
// round ties the other way: ROUND(431.62 * 1.25, 2) is 539.52, not 539.53,
// and ROUND(45 * 0.7) is 31, not 32. With digits 0 the result is an integer.
func scaleFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	v, ok1 := decimalOf(args[0])
	f, ok2 := decimalOf(args[1])
	digits, ok3 := args[2].(int64)
	if !ok1 || !ok2 || !ok3 || digits < 0 {
		return nil, fmt.Errorf("anomgen_scale: cannot scale %v by %v to %v digits", args[0], args[1], args[2])
	}
	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(digits), nil)
	x := new(big.Rat).Mul(v, f)
	x.Mul(x, new(big.Rat).SetInt(unit))
	// round(|x|) = floor((2|num| + den) / (2 den)), then x's sign.
	den2 := new(big.Int).Lsh(x.Denom(), 1)
	q := new(big.Int).Abs(x.Num())
	q.Lsh(q, 1).Add(q, x.Denom()).Quo(q, den2)
	if x.Sign() < 0 {
		q.Neg(q)
	}
	if digits == 0 && q.IsInt64() {
		return q.Int64(), nil
	}
	r, _ := new(big.Rat).SetFrac(q, unit).Float64()
	return r, nil
}

// decimalOf reads a SQLite number (or numeric text) as an exact decimal;
// a REAL is read as its shortest decimal form (0.7, not 0.6999...).
func decimalOf(v driver.Value) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case float64:
		return new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	case string:
		return new(big.Rat).SetString(strings.TrimSpace(x))
	case []byte:
		return new(big.Rat).SetString(strings.TrimSpace(string(x)))
	}
	return nil, false
}

// Hash is the selection hash over already-rendered key texts: the first 32
// bits of MD5(seed ":" k1 "|" k2 ...), as an unsigned number.
func Hash(seed string, keys ...string) int64 {
	h := md5.New()
	h.Write([]byte(seed + ":" + strings.Join(keys, "|")))
	return int64(binary.BigEndian.Uint32(h.Sum(nil)[:4]))
}

func hashFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if len(args) < 2 {
		return nil, errors.New("anomgen_hash needs a seed and at least one key")
	}
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			return nil, nil
		case int64:
			parts[i] = strconv.FormatInt(v, 10)
		case float64:
			parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
		case string:
			parts[i] = v
		case []byte:
			parts[i] = string(v)
		case time.Time:
			parts[i] = v.UTC().Format(time.RFC3339Nano)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return Hash(parts[0], parts[1:]...), nil
}

type drv struct{}

// DSN is the driver data source name for a database file.
func DSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

func (drv) Open(ctx context.Context, s providers.Settings) (*providers.Conn, error) {
	if _, err := os.Stat(s.Path); err != nil {
		return nil, &providers.ConnectError{Class: "database", Source: fmt.Sprintf("source.sqlite.%s", s.Name),
			Detail: fmt.Sprintf("database file %s does not exist", s.Path), Hint: "Check path in the source block (relative paths are relative to the scenario folder)."}
	}
	db, err := sql.Open("sqlite", DSN(s.Path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	var version string
	if err := (providers.DB{DB: db}).QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		db.Close()
		return nil, &providers.ConnectError{Class: "database", Source: "source.sqlite." + s.Name, Detail: err.Error()}
	}
	return &providers.Conn{DB: providers.DB{DB: db}, Dialect: Dialect{}, Inspector: inspector{db: providers.DB{DB: db}, path: s.Path}, Host: "local file", Database: s.Path, Version: "SQLite " + version}, nil
}

type inspector struct {
	db   providers.DB
	path string
}

func (in inspector) Profile(ctx context.Context, table, timeColumn string) (*planner.TableProfile, error) {
	schema, name := providers.SplitTable(table)
	if schema == "" {
		schema = "main"
	}
	var n int
	if err := in.db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_list WHERE schema = ? AND name = ? AND type = 'table'", schema, name).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		var all []string
		r, err := in.db.QueryContext(ctx, "SELECT name FROM pragma_table_list WHERE schema = ? AND type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'anomgen_%'", schema)
		if err == nil {
			for r.Next() {
				var s string
				if r.Scan(&s) == nil {
					all = append(all, s)
				}
			}
			r.Close()
		}
		return nil, &providers.NoTableError{Table: table, Similar: providers.Similar(name, all)}
	}
	p := &planner.TableProfile{Table: planner.TableName{Name: name}}
	if schema != "main" {
		p.Table.Schema = schema
	}
	r, err := in.db.QueryContext(ctx, "SELECT name, type, \"notnull\", pk, hidden, COALESCE(dflt_value, '') FROM pragma_table_xinfo(?, ?) ORDER BY cid", name, schema)
	if err != nil {
		return nil, err
	}
	type pkCol struct {
		name string
		pos  int
	}
	var pks []pkCol
	for r.Next() {
		var c planner.Column
		var notnull, pk, hidden int
		if err := r.Scan(&c.Name, &c.Type, &notnull, &pk, &hidden, &c.Default); err != nil {
			r.Close()
			return nil, err
		}
		if hidden == 1 { // virtual table hidden column
			continue
		}
		c.Nullable = notnull == 0 && pk == 0
		c.Generated = hidden == 2 || hidden == 3
		c.Class = classOf(c.Type)
		if pk > 0 {
			pks = append(pks, pkCol{c.Name, pk})
		}
		p.Columns = append(p.Columns, c)
	}
	r.Close()
	for i := 1; i <= len(pks); i++ {
		for _, k := range pks {
			if k.pos == i {
				p.PrimaryKey = append(p.PrimaryKey, k.name)
			}
		}
	}
	if err := in.guards(ctx, p, schema); err != nil {
		return nil, err
	}
	if err := in.numKeys(ctx, p, schema); err != nil { // inspect_num.go
		return nil, err
	}
	d := Dialect{}
	if providers.EstimatedCounts(ctx) {
		p.Rows = -1 // SQLite keeps no estimate: unknown, as never analyzed elsewhere
	} else if err := in.db.QueryRowContext(ctx, "SELECT count(*) FROM "+d.Table(p.Table)).Scan(&p.Rows); err != nil {
		return nil, err
	}
	if timeColumn != "" && p.Column(timeColumn) != nil {
		var typ string
		var val any
		err := in.db.QueryRowContext(ctx, fmt.Sprintf("SELECT typeof(%[1]s), CASE WHEN typeof(%[1]s) = 'text' THEN CAST(%[1]s AS TEXT) ELSE %[1]s END FROM %[2]s WHERE %[1]s IS NOT NULL LIMIT 1", d.Quote(timeColumn), d.Table(p.Table))).Scan(&typ, &val)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		p.TimeFormat = timeFormat(typ, val)
		// SQLite has no time type: a declared TEXT or INTEGER column whose
		// values read as times is the target's time column, and kinds that
		// move times (timestamp_shift, future_dates) may use it.
		if p.TimeFormat != (planner.TimeFormat{}) {
			for i := range p.Columns {
				if p.Columns[i].Name == timeColumn {
					p.Columns[i].Class = planner.ClassTime
				}
			}
		}
	}
	return p, nil
}

// timeFormat guesses how a SQLite time column stores values from one sample.
func timeFormat(typ string, val any) planner.TimeFormat {
	switch typ {
	case "integer", "real":
		var f float64
		switch v := val.(type) {
		case int64:
			f = float64(v)
		case float64:
			f = v
		}
		if f > 1e11 || f < -1e11 {
			return planner.TimeFormat{Epoch: "ms"}
		}
		return planner.TimeFormat{Epoch: "s"}
	case "text":
		s, _ := val.(string)
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05.000", "2006-01-02T15:04:05.000Z07:00", "2006-01-02"} {
			if layoutMatches(layout, s) {
				return planner.TimeFormat{Layout: layout}
			}
		}
	}
	return planner.TimeFormat{}
}

func layoutMatches(layout, s string) bool {
	t, err := time.Parse(layout, s)
	return err == nil && t.Format(layout) == s
}

// classOf follows SQLite's type affinity rules, with dates and booleans
// recognised by name.
func classOf(decl string) planner.ColumnClass {
	t := strings.ToUpper(decl)
	switch {
	case strings.Contains(t, "DATE") || strings.Contains(t, "TIME"):
		return planner.ClassTime
	case strings.Contains(t, "BOOL"):
		return planner.ClassBool
	case strings.Contains(t, "INT"):
		return planner.ClassInteger
	case strings.Contains(t, "CHAR") || strings.Contains(t, "CLOB") || strings.Contains(t, "TEXT"):
		return planner.ClassText
	case strings.Contains(t, "REAL") || strings.Contains(t, "FLOA") || strings.Contains(t, "DOUB"):
		return planner.ClassFloat
	case strings.Contains(t, "NUM") || strings.Contains(t, "DEC"):
		return planner.ClassDecimal
	}
	return planner.ClassOther
}
