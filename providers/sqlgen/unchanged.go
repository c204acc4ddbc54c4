package sqlgen

// Rows a change would not really change, and floats that are not numbers.
//
// A column kind chooses rows by the hash of their key; some of them would
// keep their value (date_format on a value that is no date, string_case on
// a value in that case already, encoding_corruption on ASCII text). Those
// are left out of the selection, null-safely and exactly as the column
// stores values (case, trailing spaces and the column's type count), so
// they are neither counted, journaled nor updated. NaN and ±Infinity
// (PostgreSQL, SQLite, Oracle's binary floats) are left out of selections
// and of the statistics the kinds compute.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// ChangeDialect is what leaving out unchanged rows and non-finite floats
// needs from a database. All five dialects implement it; sqlgen finds it
// by type assertion and falls back to NOT NotDistinct without it.
type ChangeDialect interface {
	// Differs is a condition true when after, the new value of column c
	// (an expression over the row), would store something other than
	// before (the column's expression) holds: NULL equals NULL, and the
	// comparison is the stored value's, not the collation's ('a' and 'A',
	// 'a' and 'a ' differ; a decimal rounded to its scale does not).
	Differs(after, before string, c planner.Column) string
	// NonFinite is a condition true (never NULL) when numeric column
	// expression col of column c holds NaN, Infinity or -Infinity; ""
	// where such a column cannot hold them.
	NonFinite(col string, c planner.Column) string
}

// differs is ChangeDialect.Differs.
func differs(d Dialect, after, before string, c planner.Column) string {
	return d.Differs(after, before, c)
}

// nonFinite is ChangeDialect.NonFinite for numeric columns, "" otherwise.
func nonFinite(d Dialect, col string, c planner.Column) string {
	if !c.Class.Numeric() || c.Class == planner.ClassInteger {
		return ""
	}
	return d.NonFinite(col, c)
}

// finite is the condition that leaves out non-finite values of column c
// over alias, "" where there are none to leave out.
func finite(d Dialect, alias string, c *planner.Column) string {
	if c == nil {
		return ""
	}
	if nf := nonFinite(d, alias+"."+d.Quote(c.Name), *c); nf != "" {
		return "NOT " + nf
	}
	return ""
}

// changeFilter is the condition, over alias t, that leaves out the rows a
// column update would leave as they are: its new value differs from the
// old. "" for other mutations (swaps have swapFilter). Its arguments are
// added to a in text order.
func changeFilter(d Dialect, m *planner.Mutation, a *args) (string, error) {
	if m.Op != planner.OpUpdate || m.Column == nil || m.With != nil || m.Set == nil {
		return "", nil
	}
	col := "t." + d.Quote(m.Column.Name)
	if _, ok := m.Set.(planner.SetNull); ok {
		if m.Where.SkipNull {
			return "", nil // the selection skips NULLs already
		}
		return col + " IS NOT NULL", nil
	}
	var set string
	switch e := m.Set.(type) {
	case planner.Scale:
		set = d.Scale(col, *m.Column, a.add(e.Factor))
	default:
		var err error
		if set, err = rowSet(d, m, a); err != nil {
			return "", err
		}
	}
	return differs(d, set, col, *m.Column), nil
}

// countUpdate is Count for a column update: rows in the window, rows the
// update changes, rows the selection chooses before those it would leave
// as they are are left out, and rows of the window whose (float) value is
// NaN or infinite. The choice is made in a derived table: SQL Server takes
// no subquery inside an aggregate, and the new value may hold one.
func countUpdate(d Dialect, m *planner.Mutation) (Statement, error) {
	a := &args{d: d}
	chosen, err := selectConds(d, m, a, true, false)
	if err != nil {
		return Statement{}, err
	}
	eligible, err := selectConds(d, m, a, false, false)
	if err != nil {
		return Statement{}, err
	}
	when := func(conds []string) string {
		if len(conds) == 0 {
			return "1"
		}
		return "CASE WHEN " + strings.Join(conds, " AND ") + " THEN 1 ELSE 0 END"
	}
	nf := "0"
	if c := nonFinite(d, "t."+d.Quote(m.Column.Name), *m.Column); c != "" {
		nf = "CASE WHEN " + c + " THEN 1 ELSE 0 END"
	}
	sql := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(x.c), 0), COALESCE(SUM(x.e), 0), COALESCE(SUM(x.n), 0) FROM (SELECT %s AS c, %s AS e, %s AS n FROM %s t",
		when(chosen), when(eligible), nf, d.Table(m.Table))
	if w := window(d, m.Where, "t", a); w != "" {
		sql += " WHERE " + w
	}
	return Statement{SQL: sql + ") x", Args: a.vals, Role: RoleJournal}, nil
}

// Newest returns the query of the time of the newest row of m's table by
// its time column (one value, NULL for an empty table), for plan to say
// where the table's rows are when a window holds none. ok is false when m
// has no time column.
func Newest(d Dialect, m *planner.Mutation) (Statement, bool) {
	tc := m.Where.TimeColumn
	if tc == nil {
		return Statement{}, false
	}
	return Statement{SQL: fmt.Sprintf("SELECT MAX(t.%s) FROM %s t", d.Quote(tc.Name), d.Table(m.Table))}, true
}
