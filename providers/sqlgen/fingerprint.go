package sqlgen

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// FingerprintQuery is the one query that reads a target's fingerprint
// (what a saved plan is checked against) in one scan of the table: its
// rows, the newest value of its time column, and the rows of each window.
type FingerprintQuery struct {
	Statement
	// HasMax says whether the second column is MAX(time column); without
	// a time column it is left out, and the window counts follow the
	// table's rows directly.
	HasMax bool
	// Windows is how many window counts follow, in the order given.
	Windows int
	// Labels holds, for each label metric given, how many of the
	// columns that follow are its aggregates (0: it is not measured here
	// and needs its own query, LabelMetric).
	Labels []int
	// Spans lists the windows (their indexes, in order) whose smallest
	// key the row ends with, then their greatest keys in the same order
	// (NULL for an empty window): the windows asked for, where the
	// dialect has FILTER and the key is one column MIN and MAX can read
	// (minKey).
	Spans []int
}

// Fingerprint returns the query for m's table (m's time column gives the
// newest time) and the windows: SELECT COUNT(*), MAX(time), then one count
// per window — COUNT(*) FILTER (WHERE …) on PostgreSQL and SQLite,
// COUNT(CASE WHEN … THEN 1 END) elsewhere (zero, never NULL, on an empty
// table, as COUNT(*) … WHERE is). A window with no condition counts every
// row. It replaces a COUNT(*), a MAX and one count per window.
//
// Label metrics given are measured in the same scan where the dialect has
// a FILTER clause (PostgreSQL, SQLite) and the metric is a list of
// aggregates: LabelMetric's aggregates, each filtered to its rows, so the
// figures are the ones LabelMetric's own query reads.
//
// spans[i] asks for window i's smallest and greatest key, which only a
// change that runs in batches uses (nil: none). Each is an aggregate
// that evaluates the window's condition on every row of the table again:
// over 100,000 rows, six of them took a third of the query's time.
func Fingerprint(d Dialect, m *planner.Mutation, windows []planner.Selection, spans []bool, labels ...LabelFold) FingerprintQuery {
	a := &args{d: d}
	cols := []string{"COUNT(*)"}
	q := FingerprintQuery{Windows: len(windows), Labels: make([]int, len(labels))}
	if tc := m.Where.TimeColumn; tc != nil {
		cols = append(cols, fmt.Sprintf("MAX(t.%s)", d.Quote(tc.Name)))
		q.HasMax = true
	}
	filter := d.Name() == "postgres" || d.Name() == "sqlite"
	for _, w := range windows {
		cond := window(d, w, "t", a)
		switch {
		case cond == "":
			cols = append(cols, "COUNT(*)")
		case filter:
			cols = append(cols, fmt.Sprintf("COUNT(*) FILTER (WHERE %s)", cond))
		default:
			cols = append(cols, fmt.Sprintf("COUNT(CASE WHEN %s THEN 1 END)", cond))
		}
	}
	for i, l := range labels {
		if aggs, ok := labelFiltered(d, l, a); ok {
			cols = append(cols, aggs...)
			q.Labels[i] = len(aggs)
		}
	}
	if filter && len(m.Key) == 1 && minKey(m.Key[0]) {
		for i := range windows {
			if i < len(spans) && spans[i] {
				q.Spans = append(q.Spans, i)
			}
		}
		// Where each window's rows start and end in key order: a batched
		// change's first batch starts there (ApplyBatchNext), not at the
		// table's first key, and its lanes split that span.
		for _, f := range []string{"MIN", "MAX"} {
			for _, i := range q.Spans {
				agg := fmt.Sprintf("%s(t.%s)", f, d.Quote(m.Key[0].Name))
				if cond := window(d, windows[i], "t", a); cond != "" {
					agg += " FILTER (WHERE " + cond + ")"
				}
				cols = append(cols, agg)
			}
		}
	}
	q.SQL = fmt.Sprintf("SELECT %s FROM %s t", strings.Join(cols, ", "), d.Table(m.Table))
	q.Args = a.vals
	return q
}

// minKey reports whether a key column's smallest and greatest values are
// read with MIN and MAX: integers, exact numbers, text and times
// (PostgreSQL has no MIN of a uuid, for one).
func minKey(c planner.Column) bool {
	switch c.Class {
	case planner.ClassInteger, planner.ClassDecimal, planner.ClassText, planner.ClassTime:
		return true
	}
	return false
}

// KeySpan returns the query for the smallest and greatest key (one
// column) of the rows m selects, where a batched change that no stale
// check read them for splits its work into lanes; ok false where the key
// is not one column MIN and MAX can read.
func KeySpan(d Dialect, m *planner.Mutation) (Statement, bool) {
	if len(m.Key) != 1 || !minKey(m.Key[0]) {
		return Statement{}, false
	}
	a := &args{d: d}
	k := "t." + d.Quote(m.Key[0].Name)
	return Statement{SQL: fmt.Sprintf("SELECT MIN(%s), MAX(%s) FROM %s t WHERE %s", k, k, d.Table(m.Table), where(d, m, a)), Args: a.vals}, true
}
