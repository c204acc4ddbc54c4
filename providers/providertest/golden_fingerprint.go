package providertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// GoldenFingerprint pins the one query that reads a target's fingerprint
// for a saved plan (sqlgen.Fingerprint: rows, newest time, each window's
// rows) for d, in testdata/fingerprint.golden: without windows (what plan
// records), with a time window, an open-ended one, one narrowed to a
// segment and one of several ranges (the stale check of apply FILE), and
// for a table without a time column.
func GoldenFingerprint(t *testing.T, d sqlgen.Dialect) {
	p := GoldenProfile()
	tc := p.Column("created_at")
	status := *p.Column("status")
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(6 * time.Hour)
	win := planner.Selection{TimeColumn: tc, From: from, To: to, TimeFormat: p.TimeFormat, Share: 0.5, Seed: 7}
	open := win
	open.OpenEnd = true
	seg := win
	seg.Segments = []planner.Filter{{Column: status, Values: []string{"paid", "shipped"}}}
	ranges := win
	ranges.Ranges = []planner.TimeRange{{From: from, To: from.Add(time.Hour)}, {From: from.Add(3 * time.Hour), To: from.Add(4 * time.Hour)}}
	m := &planner.Mutation{Table: p.Table, Columns: p.Columns, Where: win}
	noTime := &planner.Mutation{Table: p.Table, Columns: p.Columns}
	keyed := &planner.Mutation{Table: p.Table, Columns: p.Columns, Where: win, Key: []planner.Column{*p.Column("id")}}
	amount := p.Column("amount")
	shift := &planner.Mutation{Op: planner.OpUpdate, Table: p.Table, Columns: p.Columns, Column: amount, Where: seg}
	drop := &planner.Mutation{Op: planner.OpDelete, Table: p.Table, Columns: p.Columns, Where: seg}
	labels := []sqlgen.LabelFold{{Mutation: shift, Family: truth.Stddev}, {Mutation: drop, Family: truth.CategoryShare}, {Mutation: drop, Family: truth.RowCount}}
	var b strings.Builder
	for _, c := range []struct {
		title   string
		m       *planner.Mutation
		windows []planner.Selection
		spans   []bool
		labels  []sqlgen.LabelFold
	}{
		{"rows and the newest time (plan)", m, nil, nil, nil},
		{"rows, the newest time and four windows (apply FILE's stale check)", m, []planner.Selection{win, open, seg, ranges}, nil, nil},
		{"no time column: rows, and a change without a window", noTime, []planner.Selection{{}}, nil, nil},
		{"with the label baselines of first writers (stddev, category share, row count) and, for a one-column key, the first and last key of the windows of batched changes (the second and third), where FILTER exists", keyed, []planner.Selection{seg, win, open}, []bool{false, true, true}, labels},
	} {
		q := sqlgen.Fingerprint(d, c.m, c.windows, c.spans, c.labels...)
		fmt.Fprintf(&b, "-- %s\n%s;\n", c.title, q.SQL)
		if len(c.labels) > 0 {
			fmt.Fprintf(&b, "--   label columns: %v\n", q.Labels)
		}
		if len(q.Args) > 0 {
			var args []string
			for _, a := range q.Args {
				args = append(args, fmt.Sprintf("%v", a))
			}
			fmt.Fprintf(&b, "--   args: %s\n", strings.Join(args, ", "))
		}
		b.WriteString("\n")
	}
	compareGolden(t, "the fingerprint", filepath.Join("testdata", "fingerprint.golden"), b.String())
}
