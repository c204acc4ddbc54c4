package sqlgen

// Segments and selection mechanisms (planner/selection.go): segments
// narrow the window by IN lists; the mechanism decides which rows of the
// window are chosen: by the hash alone (random), by a condition and the
// hash (conditional), or by the hash under a threshold that grows with the
// rank of the row's value in the window (value_dependent).

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
)

// window renders the rows a selection may touch over alias: the time
// condition (timeWindow, rows.go) and every segment, joined by AND; ""
// when the whole table is eligible. Bind arguments are added in text
// order.
func window(d Dialect, s planner.Selection, alias string, a *args) string {
	var conds []string
	if w := timeWindow(d, s, alias, a); w != "" {
		conds = append(conds, w)
	}
	for _, f := range s.Segments {
		conds = append(conds, filterIn(d, f, alias, a))
	}
	return strings.Join(conds, " AND ")
}

// filterIn renders alias.column IN (values) with one bind parameter per
// value: numbers for numeric columns (the planner checked they parse),
// text otherwise, so no database compares a number with a string.
func filterIn(d Dialect, f planner.Filter, alias string, a *args) string {
	ph := make([]string, len(f.Values))
	for i, v := range f.Values {
		ph[i] = a.add(FilterValue(f.Column, v))
	}
	return fmt.Sprintf("%s.%s IN (%s)", alias, d.Quote(f.Column.Name), strings.Join(ph, ", "))
}

// FilterValue binds a filter or segment value as the column's type: numbers
// for numeric columns (when the text is one), text otherwise.
func FilterValue(c planner.Column, v string) any {
	switch {
	case c.Class == planner.ClassInteger:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	case c.Class.Numeric():
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return x
		}
	}
	return v
}

// choose renders the conditions that pick rows of the window over alias t
// by the selection's mechanism; none when every eligible row is chosen.
func choose(d Dialect, m *planner.Mutation, a *args) []string {
	s := m.Where
	var out []string
	if s.Mechanism == planner.MechanismConditional && s.Condition != nil {
		out = append(out, filterIn(d, *s.Condition, "t", a))
	}
	if s.Mechanism == planner.MechanismValueDependent && m.Column != nil {
		return append(out, ranked(d, m, a))
	}
	if s.Share < 1 {
		seed := a.add(fmt.Sprint(s.Seed))
		out = append(out, fmt.Sprintf("%s < %s", d.Hash(seed, qualify(d, "t", m.Key)), a.add(s.Threshold())))
	}
	return out
}

// ranked renders the value_dependent choice over alias t: the rows of the
// window (with its segments) whose column is not NULL are ranked by
// PERCENT_RANK() over the column (descending for bias low), and a row is
// chosen when its hash is below rank · 2·Share·2^32, that is with
// probability min(1, 2·Share·rank). The ranking reads the table in a
// subquery that the key joins to t; it is set-based on every database,
// and under apply it runs inside INSERT INTO journal SELECT, which MySQL
// allows (the table is only read).
func ranked(d Dialect, m *planner.Mutation, a *args) string {
	s := m.Where
	col := "w." + d.Quote(m.Column.Name)
	order := col
	if s.BiasLow {
		order += " DESC"
	}
	conds := []string{}
	if w := window(d, s, "w", a); w != "" {
		conds = append(conds, w)
	}
	conds = append(conds, col+" IS NOT NULL")
	if f := finite(d, "w", m.Column); f != "" { // unchanged.go: NaN has no rank
		conds = append(conds, f)
	}
	inner := fmt.Sprintf("SELECT %s, PERCENT_RANK() OVER (ORDER BY %s) AS anomgen_rank FROM %s w WHERE %s",
		strings.Join(qualify(d, "w", m.Key), ", "), order, d.Table(m.Table), strings.Join(conds, " AND "))
	seed := a.add(fmt.Sprint(s.Seed))
	test := fmt.Sprintf("%s < r.anomgen_rank * %s", d.Hash(seed, qualify(d, "r", m.Key)), a.add(2*s.Share*(1<<32)))
	if len(m.Key) == 1 {
		k := d.Quote(m.Key[0].Name)
		return fmt.Sprintf("t.%s IN (SELECT r.%s FROM (%s) r WHERE %s)", k, k, inner, test)
	}
	return fmt.Sprintf("EXISTS (SELECT 1 FROM (%s) r WHERE %s AND %s)", inner, keyJoin(d, names(m.Key), "r", "t"), test)
}

// DisjointWindows tells whether no row can be in the time windows of both
// selections, as dialect d compares the time column with its bounds (a
// time, an epoch number, or a text layout compared as text, whatever
// order that text sorts in): the same time column and format, and ranges
// that do not overlap. False where either has no time window, or the
// bounds do not compare.
func DisjointWindows(d Dialect, a, b planner.Selection) bool {
	if a.TimeColumn == nil || b.TimeColumn == nil || a.TimeColumn.Name != b.TimeColumn.Name || a.TimeFormat != b.TimeFormat || unbounded(a) || unbounded(b) {
		return false
	}
	ra, rb := boundRanges(d, a), boundRanges(d, b)
	for _, x := range ra {
		for _, y := range rb {
			xy, ok1 := below(x[0], y[1])
			yx, ok2 := below(y[0], x[1])
			if !ok1 || !ok2 || (xy && yx) {
				return false // overlapping, or not comparable
			}
		}
	}
	return true
}

// boundRanges renders a selection's time window as the bounds its SQL
// binds (timeWindow): [from, to) per range, to nil for an open end.
func boundRanges(d Dialect, s planner.Selection) [][2]any {
	arg := func(t time.Time) any { return d.TimeArg(t, s.TimeFormat) }
	switch {
	case len(s.Ranges) > 0:
		out := make([][2]any, len(s.Ranges))
		for i, r := range s.Ranges {
			out[i] = [2]any{arg(r.From), arg(r.To)}
		}
		return out
	case s.OpenEnd:
		return [][2]any{{arg(s.From), nil}}
	}
	return [][2]any{{arg(s.From), arg(s.To)}}
}

// unbounded tells a window with no time bounds set.
func unbounded(s planner.Selection) bool {
	return len(s.Ranges) == 0 && (s.From.IsZero() || (s.To.IsZero() && !s.OpenEnd))
}

// below tells whether bound a < bound b (b nil: no upper bound); ok is
// false where the two do not compare.
func below(a, b any) (less, ok bool) {
	if b == nil {
		return true, true
	}
	switch x := a.(type) {
	case time.Time:
		if y, isT := b.(time.Time); isT {
			return x.Before(y), true
		}
	case string:
		if y, isS := b.(string); isS {
			return x < y, true
		}
	case int64:
		if y, isI := b.(int64); isI {
			return x < y, true
		}
	}
	return false, false
}
