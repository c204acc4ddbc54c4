package sqlgen

// Rendering of the business kinds' expressions (planner/ir_business.go):
// Ramp (trend_change) and SetText (category_mix_shift). The other business
// kinds need nothing new: level_shift is a Scale, segment_drop and
// seasonality_break below 1 are deletes, segment_spike and
// seasonality_break above 1 are inserts, all narrowed by segments and
// time ranges.

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// BusinessDialect is what trend_change needs from a database beyond
// Dialect. All five dialects implement it; sqlgen finds it by type
// assertion. Implementations return SQL text only.
type BusinessDialect interface {
	// Epoch returns the seconds since 1970-01-01 00:00:00 UTC of time
	// expression col of column c, as a number (fractions may be dropped).
	// f is the column's storage format where the database has no time type
	// (SQLite); the zero value means a native time type, or on SQLite
	// text in a format its date functions read.
	Epoch(col string, c planner.Column, f planner.TimeFormat) string
}

// businessSet renders the business expressions over alias t, adding their
// arguments to a; ok is false for any other expression.
func businessSet(d Dialect, m *planner.Mutation, a *args) (string, bool, error) {
	switch e := m.Set.(type) {
	case planner.Ramp:
		bd := d
		s := m.Where
		if s.TimeColumn == nil || !s.To.After(s.From) {
			return "", true, fmt.Errorf("sqlgen: Ramp needs a time column and a window")
		}
		epoch := bd.Epoch("t."+d.Quote(s.TimeColumn.Name), *s.TimeColumn, s.TimeFormat)
		// 1 + amplitude · (t − start) / (end − start), in seconds.
		factor := fmt.Sprintf("(1 + %s * (%s - %s) / %s)", a.add(e.Amplitude), epoch, a.add(s.From.Unix()), a.add(int64(s.To.Sub(s.From).Seconds())))
		return d.Scale("t."+d.Quote(m.Column.Name), *m.Column, factor), true, nil
	case planner.SetText:
		// An enum's label takes its type (PostgreSQL).
		return d.TypedValue(a.add(e.Value), *m.Column), true, nil
	}
	return "", false, nil
}

// flatten renders the weekend thinning of planner.Flatten over alias t: the
// row's hash below (1 − WD·secWE / (WE·secWD)) · 2^32, where WD and WE
// count the rows of the reference (weekday) ranges and of the selection's
// (weekend) ranges, with its segments, and secWD and secWE are the ranges'
// lengths in seconds. Both counts are uncorrelated subqueries, evaluated
// when the statement runs, so plan's count and apply's change agree on the
// same data. NULLIF makes an empty weekend choose nothing; a quieter
// weekend gives a negative bound and chooses nothing either. "" without
// Flatten.
func flatten(d Dialect, m *planner.Mutation, a *args) string {
	s := m.Where
	if s.Flatten == nil || s.TimeColumn == nil {
		return ""
	}
	count := func(ranges []planner.TimeRange) string {
		w := s
		w.Ranges, w.OpenEnd, w.Flatten = ranges, false, nil
		return fmt.Sprintf("(SELECT COUNT(*) FROM %s w WHERE %s)", d.Table(m.Table), window(d, w, "w", a))
	}
	seed := a.add(fmt.Sprint(s.Seed))
	hash := d.Hash(seed, qualify(d, "t", m.Key))
	wd := count(s.Flatten.Reference)
	secWE := a.add(planner.RangeSeconds(s.Ranges))
	we := count(s.Ranges)
	secWD := a.add(planner.RangeSeconds(s.Flatten.Reference))
	return fmt.Sprintf("%s < (1 - (1.0 * %s * %s) / (1.0 * NULLIF(%s, 0) * %s)) * 4294967296", hash, wd, secWE, we, secWD)
}

// countFlatten counts the window's rows (its weekend ranges and segments)
// and those flatten chooses; Count's inner selection drops the time column
// and segments that flatten's subqueries need. The choice is made in a
// derived table, because SQL Server takes no subquery inside an aggregate.
func countFlatten(d Dialect, m *planner.Mutation) Statement {
	a := &args{d: d}
	chosen := flatten(d, m, a)
	sql := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(x.c), 0) FROM (SELECT CASE WHEN %s THEN 1 ELSE 0 END AS c FROM %s t WHERE %s) x", chosen, d.Table(m.Table), window(d, m.Where, "t", a))
	return Statement{SQL: sql, Args: a.vals, Role: RoleJournal}
}
