package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
)

// A counted change of no row is settled into a remark that says why: an
// empty window names the newest row; chosen rows that would keep their
// values name the kind's reason; a replace still rolls the old one back.
func TestSettleCounts(t *testing.T) {
	cfg := mustLoad(t, `
anomaly "date_format" "dates" {
  target = target.orders
  column = "email"
  window {
    last = "24h"
  }
}
`)
	plan := func() (*Plan, *Change) {
		p := mustPlan(t, cfg, state.New())
		return p, p.Changes[0]
	}

	p, ch := plan()
	if ch.At != "main.hcl:14" {
		t.Errorf("At = %q, want the window's line main.hcl:14", ch.At)
	}
	newest := now.Add(-30 * 24 * time.Hour)
	ch.Rows, ch.WindowRows, ch.Newest = 0, 0, &newest
	ch.SettleCounts()
	if ch.Action != NoOp || !strings.Contains(ch.Nothing, "holds no rows of public.orders; its newest row is from 2026-10-28 12:00:00 UTC, 29 days before the window starts") ||
		!strings.Contains(ch.Nothing, `start = "2026-10-27T12:00:00Z" with duration = "1d"`) {
		t.Errorf("empty window: %s %q", ch.Action, ch.Nothing)
	}
	if !p.Empty() {
		t.Errorf("a plan of one change of no row should be empty") // its text: cmd/anomgen planview_test.go
	}

	_, ch = plan()
	ch.Rows, ch.WindowRows, ch.Unchanged = 0, 300, 280
	ch.SettleCounts()
	if ch.Action != NoOp || ch.Nothing != `the 280 rows chosen in the window would keep their values: none has the length of the layout "2006-01-02" (10 characters), so none reads as a date in it: email does not hold dates in that layout` {
		t.Errorf("unchanged rows: %s %q", ch.Action, ch.Nothing)
	}

	_, ch = plan()
	ch.Rows, ch.WindowRows = 0, 300
	ch.SettleCounts()
	if !strings.Contains(ch.Nothing, "of the 300 rows in the window, none is chosen: every email in the window is NULL") {
		t.Errorf("none chosen: %q", ch.Nothing)
	}

	// Rows to change: nothing to settle; the left-out rows are remarks.
	p, ch = plan()
	ch.Rows, ch.WindowRows, ch.Unchanged, ch.NonFinite = 20, 300, 5, 3
	ch.SettleCounts()
	if ch.Action != Create || ch.Nothing != "" {
		t.Errorf("a change of 20 rows was settled: %s %q", ch.Action, ch.Nothing)
	}
	notes := strings.Join(ch.CountNotes(), "\n")
	for _, want := range []string{"5 more chosen rows would keep their values", "3 rows of the window hold NaN or ±Infinity in email"} {
		if !strings.Contains(notes, want) {
			t.Errorf("count notes lack %q:\n%s", want, notes)
		}
	}

	// A replace of no row rolls the old anomaly back and applies nothing.
	_, ch = plan()
	prior := &state.Anomaly{Address: ch.Address, Rows: 12, Journal: state.Journal{ID: "abc"}}
	ch.Action, ch.Prior, ch.Rows, ch.WindowRows = Replace, prior, 0, 0
	ch.SettleCounts()
	if ch.Action != Destroy || ch.Rows != 12 || ch.Effect != "restore from journal abc" || ch.Nothing == "" {
		t.Errorf("replace of no row: %s rows %d effect %q nothing %q", ch.Action, ch.Rows, ch.Effect, ch.Nothing)
	}
}
