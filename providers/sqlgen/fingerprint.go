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
	// Windows is how many window counts end the row, in the order given.
	Windows int
}

// Fingerprint returns the query for m's table (m's time column gives the
// newest time) and the windows: SELECT COUNT(*), MAX(time), then one count
// per window — COUNT(*) FILTER (WHERE …) on PostgreSQL and SQLite,
// COUNT(CASE WHEN … THEN 1 END) elsewhere (zero, never NULL, on an empty
// table, as COUNT(*) … WHERE is). A window with no condition counts every
// row. It replaces a COUNT(*), a MAX and one WindowCount per window.
func Fingerprint(d Dialect, m *planner.Mutation, windows []planner.Selection) FingerprintQuery {
	a := &args{d: d}
	cols := []string{"COUNT(*)"}
	q := FingerprintQuery{Windows: len(windows)}
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
	q.SQL = fmt.Sprintf("SELECT %s FROM %s t", strings.Join(cols, ", "), d.Table(m.Table))
	q.Args = a.vals
	return q
}
