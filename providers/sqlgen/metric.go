package sqlgen

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// Metric returns the query that measures what a monitor would watch for
// mutation m over its window, one number, and the metric's name: the null
// share for NULL-setting kinds, the mean for scaling kinds, the distinct
// count for stuck values, the row count otherwise. apply -dry-run runs it
// before and after the mutation inside the transaction it rolls back.
func Metric(d Dialect, m *planner.Mutation) (Statement, string) {
	a := &args{d: d}
	var expr, name string
	// Statistics of the column's values leave NaN and ±Infinity out.
	overValues := false
	switch m.Set.(type) {
	case planner.SetNull:
		expr = fmt.Sprintf("AVG(CASE WHEN t.%s IS NULL THEN 1.0 ELSE 0.0 END)", d.Quote(m.Column.Name))
		name = "null share"
	case planner.Scale:
		expr = fmt.Sprintf("AVG(t.%s)", d.Quote(m.Column.Name))
		name = "mean of " + m.Column.Name
		overValues = true
	case planner.FirstInWindow:
		expr = fmt.Sprintf("COUNT(DISTINCT t.%s)", d.Quote(m.Column.Name))
		name = "distinct values of " + m.Column.Name
	default:
		expr = "COUNT(*)"
		name = "rows"
		if e, n, ok := numMetric(d, m); ok { // num.go
			expr, name, overValues = e, n, true
		}
	}
	sql := fmt.Sprintf("SELECT %s FROM %s t", expr, d.Table(m.Table))
	conds := []string{}
	if w := window(d, m.Where, "t", a); w != "" {
		conds = append(conds, w)
	}
	if f := finite(d, "t", m.Column); f != "" && overValues { // unchanged.go
		conds = append(conds, f)
	}
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	return Statement{SQL: sql, Args: a.vals}, name
}
