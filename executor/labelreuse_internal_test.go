package executor

import (
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/providers/sqlite"
)

// TestLeaves pins which earlier changes of a table leave a later change's
// label metric as it was (its baseline then comes from the reading taken
// before the plan ran): updates of other columns, updates and deletes of
// another time window (as the database compares the bounds: adjacent
// half-open windows share no row), and nothing else.
func TestLeaves(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	at := &planner.Column{Name: "created_at", Class: planner.ClassTime}
	amount := &planner.Column{Name: "amount", Class: planner.ClassDecimal}
	email := &planner.Column{Name: "email", Class: planner.ClassText}
	region := planner.Column{Name: "region", Class: planner.ClassText}
	win := func(from, to int) planner.Selection {
		return planner.Selection{TimeColumn: at, From: day(from), To: day(to), Share: 1}
	}
	update := func(c *planner.Column, s planner.Selection) *planner.Change {
		return &planner.Change{Action: planner.Create, Mutation: &planner.Mutation{Op: planner.OpUpdate, Column: c, Where: s}}
	}
	op := func(o planner.Op, s planner.Selection) *planner.Change {
		return &planner.Change{Action: planner.Create, Mutation: &planner.Mutation{Op: o, Where: s}}
	}
	mean := func(s planner.Selection) *planner.Mutation {
		return &planner.Mutation{Op: planner.OpUpdate, Column: amount, Where: s}
	}
	segmented := win(10, 20)
	segmented.Segments = []planner.Filter{{Column: region, Values: []string{"eu"}}}
	open := win(15, 0)
	open.OpenEnd = true
	periods := planner.Selection{TimeColumn: at, Share: 1, Ranges: []planner.TimeRange{{From: day(1), To: day(3)}, {From: day(20), To: day(22)}}}
	textTime := func(s planner.Selection) planner.Selection {
		s.TimeFormat = planner.TimeFormat{Layout: "2006-01-02 15:04:05"}
		return s
	}
	rewrites := update(email, win(10, 20))
	rewrites.Mutation.TriggersMayRewrite = true
	replace := update(email, win(10, 20))
	replace.Action = planner.Replace

	for _, d := range []sqlgen.Dialect{postgres.Dialect{}, sqlite.Dialect{}} {
		for _, c := range []struct {
			name   string
			w      *planner.Change
			m      *planner.Mutation
			family string
			want   bool
		}{
			{"another column, same window", update(email, win(10, 20)), mean(win(10, 20)), truth.Mean, true},
			{"the metric's column, same window", update(amount, win(10, 20)), mean(win(10, 20)), truth.Mean, false},
			{"the metric's column, another window", update(amount, win(1, 10)), mean(win(10, 20)), truth.Mean, true},
			{"the metric's column, overlapping by a day", update(amount, win(1, 11)), mean(win(10, 20)), truth.Mean, false},
			{"a delete of another window", op(planner.OpDelete, win(20, 30)), mean(win(10, 20)), truth.Mean, true},
			{"a delete of the window", op(planner.OpDelete, win(12, 14)), &planner.Mutation{Op: planner.OpDelete, Where: win(10, 20)}, truth.RowCount, false},
			{"copies of another window (they may move in time)", op(planner.OpInsert, win(20, 30)), mean(win(10, 20)), truth.Mean, false},
			{"the time column", update(at, win(20, 30)), mean(win(10, 20)), truth.Mean, false},
			{"a segment's column", update(&region, win(1, 5)), mean(segmented), truth.Mean, true},
			{"a segment's column, same window", update(&region, win(10, 20)), mean(segmented), truth.Mean, false},
			{"an open end reaching the window", update(amount, open), mean(win(10, 20)), truth.Mean, false},
			{"an open end after it", update(amount, open), mean(win(1, 15)), truth.Mean, true},
			{"periods around it", update(amount, periods), mean(win(3, 20)), truth.Mean, true},
			{"periods into it", update(amount, periods), mean(win(3, 21)), truth.Mean, false},
			{"a table's duplicate ratio", update(email, win(10, 20)), &planner.Mutation{Op: planner.OpInsert, Where: win(10, 20)}, truth.Uniqueness, false},
			{"triggers that may rewrite rows", rewrites, mean(win(10, 20)), truth.Mean, false},
			{"a replace", replace, mean(win(10, 20)), truth.Mean, false},
		} {
			if got := leaves(d, c.w, c.m, c.family); got != c.want {
				t.Errorf("%s, %s: leaves = %v, want %v", d.Name(), c.name, got, c.want)
			}
		}
		// A text time column compares as text: another window of it too.
		if d.Name() == "sqlite" {
			if !leaves(d, update(amount, textTime(win(1, 10))), mean(textTime(win(10, 20))), truth.Mean) {
				t.Errorf("sqlite: a text time column's windows that do not overlap as text are disjoint")
			}
			if leaves(d, update(amount, textTime(win(1, 10))), mean(win(10, 20)), truth.Mean) {
				t.Errorf("sqlite: windows of two formats compared as disjoint")
			}
		}
	}
}
