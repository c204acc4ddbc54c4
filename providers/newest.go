package providers

import (
	"context"
	"database/sql"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Newest reads the time of the newest row of m's table by its time column
// (sqlgen.Newest), for plan to say where the table's rows are when a
// window holds none. ok is false when the table has no row, m no time
// column, or the value does not read as a time.
func Newest(ctx context.Context, queryRow func(ctx context.Context, query string, args ...any) *sql.Row, d sqlgen.Dialect, m *planner.Mutation) (t time.Time, ok bool, err error) {
	stmt, has := sqlgen.Newest(d, m)
	if !has {
		return time.Time{}, false, nil
	}
	var v any
	if err := queryRow(ctx, stmt.SQL, stmt.Args...).Scan(&v); err != nil {
		return time.Time{}, false, err
	}
	t, ok = NewestOf(v, m)
	return t, ok, nil
}

// NewestOf reads v, the MAX of m's time column as a query returned it
// (sqlgen.Newest, sqlgen.Fingerprint), as a time, as Newest does. ok is
// false when v is NULL (no row), m has no time column, or v does not read
// as a time.
func NewestOf(v any, m *planner.Mutation) (t time.Time, ok bool) {
	if v == nil || m.Where.TimeColumn == nil {
		return time.Time{}, false
	}
	s := toText(v, m.Where.TimeColumn, m.Where.TimeFormat, true)
	if l := m.Where.TimeFormat.Layout; l != "" {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	t, ok = parseTime(s)
	return t.UTC(), ok
}
