package planner

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
)

// stale_data's window has no end: text, JSON and the sparkline show it as
// open from the cutoff on, never as year 1 with a negative duration.
func TestOpenWindowRendering(t *testing.T) {
	cfg := mustLoad(t, `
anomaly "stale_data" "stopped" {
  target = target.orders
  window {
    last = "6h"
  }
}
`)
	p := mustPlan(t, cfg, state.New())
	ch := p.Changes[0]
	if ch.Window == nil || !ch.Window.End.IsZero() {
		t.Fatalf("stale_data's window should be open: %+v", ch.Window)
	}
	ch.Rows, ch.WindowRows = 5, 5
	var days []DayCount
	for d := now.AddDate(0, 0, -9); !d.After(now); d = d.AddDate(0, 0, 1) {
		days = append(days, DayCount{Day: d.Format(time.DateOnly), Rows: 100})
	}
	// The plan text of it: cmd/anomgen planview_test.go.
	_, marks, span := WindowSpark(days, ch.Window.Start, ch.Window.End)
	if marks != strings.Repeat(" ", 9)+"^" || !strings.HasSuffix(span, "→ 2026-11-27") {
		t.Errorf("marks %q span %q: want the last day marked", marks, span)
	}
	j, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(j), "0001-01-01") || strings.Contains(string(j), `"end"`) {
		t.Errorf("plan JSON has a bogus end: %s", j)
	}
	if got := FormatWindow(&state.Window{Start: ch.Window.Start}); got != "from 2026-11-27 06:00:00 UTC (open, until released)" {
		t.Errorf("FormatWindow = %q", got)
	}
	closed := FormatWindow(&state.Window{Start: ch.Window.Start, End: now})
	if closed != "2026-11-27 06:00:00 → 2026-11-27 12:00:00 UTC (6h)" {
		t.Errorf("closed window = %q", closed)
	}
}
