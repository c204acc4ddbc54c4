package sqlgen

// Copies that keep unique indexes (planner/copies.go): the time column of
// copy round k is moved by k × Nudge.Micros microseconds, and the plan's
// count checks that no row already holds a moved value.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// MicroShifter is implemented by a RowDialect whose time types store
// fractions of a second (PostgreSQL, MySQL, SQL Server, Oracle): copies are
// moved by whole seconds through AddSeconds where their step allows it,
// and by microseconds through AddMicros otherwise.
type MicroShifter interface {
	// AddMicros moves time column expression col of column c forward by
	// the number of microseconds bound to placeholder micros (an int64),
	// keeping the column's type.
	AddMicros(col string, c planner.Column, micros string) string
}

// nudged renders the moved time column of copy round k over alias, or ""
// when m moves nothing or col is another column.
func nudged(d Dialect, m *planner.Mutation, col planner.Column, alias string, k int, a *args) (string, error) {
	n := m.Nudge
	if n == nil || n.Column.Name != col.Name {
		return "", nil
	}
	expr := alias + "." + d.Quote(col.Name)
	shift := n.Shift(k)
	ms, ok := d.(MicroShifter)
	if !ok && shift%1_000_000 != 0 {
		// Without fractions of a second (SQLite's text and epoch times),
		// the steps are whole seconds.
		shift = (n.Offset + int64(k)) * 1_000_000
	}
	if shift%1_000_000 == 0 {
		return d.AddSeconds(expr, col, m.Where.TimeFormat, a.add(shift/1_000_000)), nil
	}
	return ms.AddMicros(expr, col, a.add(shift)), nil
}

// CopyCollisions returns the statement that counts the copies of m whose
// values of a unique index in m.Unique (kept by moving the time column)
// some row of the table already holds, summed over the copy rounds and the
// indexes; ok is false when m keeps no index that way. A NULL in an index
// column never collides, as in the index.
func CopyCollisions(d Dialect, m *planner.Mutation) (s Statement, ok bool, err error) {
	if m.Op != planner.OpInsert || m.Nudge == nil || len(m.Unique) == 0 {
		return Statement{}, false, nil
	}
	t := d.Table(m.Table)
	a := &args{d: d}
	var parts []string
	for k := 1; k <= len(m.Rounds); k++ {
		for _, u := range m.Unique {
			var eq []string
			for _, name := range u.Columns {
				var c *planner.Column
				for i := range m.Columns {
					if strings.EqualFold(m.Columns[i].Name, name) {
						c = &m.Columns[i]
					}
				}
				if c == nil {
					return Statement{}, false, fmt.Errorf("sqlgen: unique index %s names column %s, which %s lacks", u.Name, name, m.Table)
				}
				v, err := nudged(d, m, *c, "t", k, a)
				if err != nil {
					return Statement{}, false, err
				}
				if v == "" {
					v = "t." + d.Quote(c.Name)
				}
				eq = append(eq, fmt.Sprintf("u.%s = %s", d.Quote(c.Name), v))
			}
			w := where(d, roundSelection(m, k), a)
			parts = append(parts, fmt.Sprintf("SELECT COUNT(*) AS n FROM %s t WHERE EXISTS (SELECT 1 FROM %s u WHERE %s) AND %s", t, t, strings.Join(eq, " AND "), w))
		}
	}
	return Statement{SQL: fmt.Sprintf("SELECT COALESCE(SUM(x.n), 0) FROM (%s) x", strings.Join(parts, " UNION ALL ")), Args: a.vals}, true, nil
}
