package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLabelBaselineFromPlan: where a label's metric before the change is
// the plan's own metric statement (the row count of the window), apply
// takes the plan's figure instead of running the statement again, but
// only for the first change of the plan that writes the table: two
// volume_drops of the same window of orders, the second measured again
// after the first deleted rows. Each baseline is the table's row count in
// the window right before its change, and the debug log shows the
// statement run five times (plan twice, the second's baseline, two
// figures after), not six.
func TestLabelBaselineFromPlan(t *testing.T) {
	f := sqliteFixture(t)
	dir := t.TempDir()
	drop := func(name, seed string) string {
		return `
anomaly "volume_drop" "` + name + `" {
  target = target.orders
  volume = 0.3
  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "10h"
  }
  seed = ` + seed + `
}
`
	}
	writeFile(t, dir, "main.hcl", f.source+f.target()+drop("first", "1")+drop("second", "2"))
	const inWindow = `SELECT COUNT(*) FROM orders WHERE created_at >= '2026-01-01 00:00:00' AND created_at < '2026-01-01 10:00:00'`
	before := queryInt(t, f.db, inWindow)
	log := filepath.Join(t.TempDir(), "debug.log")
	r := mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "-parallelism", "1", "apply", "-auto-approve"))
	after := queryInt(t, f.db, inWindow)
	labels := map[string]float64{}
	injected := map[string]float64{}
	rows := map[string]int64{}
	for _, l := range stateLabels(t, dir) {
		if l.BaselineValue == nil || l.InjectedValue == nil {
			t.Fatalf("label %s not measured: %+v", l.Address, l)
		}
		labels[l.Address], injected[l.Address], rows[l.Address] = *l.BaselineValue, *l.InjectedValue, l.RowsAffected
	}
	first, second := "anomaly.volume_drop.first", "anomaly.volume_drop.second"
	if len(labels) != 2 || rows[first] == 0 || rows[second] == 0 {
		t.Fatalf("labels %v, rows %v\n%s", labels, rows, r)
	}
	if labels[first] != float64(before) || injected[first] != float64(before-rows[first]) {
		t.Errorf("first: baseline %v, injected %v; the window held %d rows, then %d", labels[first], injected[first], before, before-rows[first])
	}
	if labels[second] != float64(before-rows[first]) || injected[second] != float64(after) {
		t.Errorf("second: baseline %v, injected %v; the window held %d rows after the first, %d after the second", labels[second], injected[second], before-rows[first], after)
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	b := string(raw)
	if n := strings.Count(b, `sql="SELECT COUNT(*) FROM \"orders\" t WHERE`); n != 5 {
		t.Errorf("the window's row count ran %d times, want 5 (plan ×2, second's baseline, after ×2)", n)
	}
}
