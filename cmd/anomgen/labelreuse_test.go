package main

import (
	"math"
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
// the window right before its change. The second's baseline is read in
// the first's transaction, with the first's figure after, in one scan
// (noteNextWriters), and handed over once the first committed: the debug
// log shows the count on its own three times (plan twice, the second's
// figure after) and the two together once, not six counts.
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
	if n := strings.Count(b, `sql="SELECT COUNT(*) FROM \"orders\" t WHERE`); n != 3 {
		t.Errorf("the window's row count ran %d times on its own, want 3 (plan ×2, the second's figure after)", n)
	}
	if n := strings.Count(b, `sql="SELECT COUNT(*) FILTER (WHERE t.\"created_at\" >= ?1 AND t.\"created_at\" < ?2), COUNT(*) FILTER (WHERE`); n != 1 {
		t.Errorf("the first's figure after and the second's baseline were read together %d times, want 1", n)
	}
}

// TestLabelBaselineFromStaleCheck: apply of a saved plan (apply FILE)
// does not count again; its stale check reads each target once, and that
// scan also measures the label baseline of the first change that writes
// the table (here a null_rate, whose label is the null share of email in
// the window). The second change on the table, a volume_drop of the same
// window, has its baseline read in the first's transaction, with the
// first's figure after, in one scan (noteNextWriters). Each baseline must
// be the figure an independent query reads right before its change, and
// the debug log shows the null-share statement never run on its own.
// SQLite and PostgreSQL (the databases with FILTER).
func TestLabelBaselineFromStaleCheck(t *testing.T) {
	fixtures(t, testLabelBaselineFromStaleCheck)
}

func testLabelBaselineFromStaleCheck(t *testing.T, f *fixture) {
	dir := t.TempDir()
	window := `
  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "10h"
  }
`
	writeFile(t, dir, "main.hcl", f.source+f.target()+`
anomaly "null_rate" "blank" {
  target = target.orders
  column = "email"
  volume = 0.3`+window+`}

anomaly "volume_drop" "drop" {
  target = target.orders
  volume = 0.3`+window+`}
`)
	const inWindow = ` FROM orders WHERE created_at >= '2026-01-01 00:00:00' AND created_at < '2026-01-01 10:00:00'`
	nullShare := func() float64 {
		var v float64
		if err := f.db.QueryRow(`SELECT AVG(CASE WHEN email IS NULL OR LTRIM(RTRIM(email)) = '' THEN 1.0 ELSE 0.0 END)` + inWindow).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	shareBefore, rowsBefore := nullShare(), queryInt(t, f.db, `SELECT COUNT(*)`+inWindow)
	if shareBefore > 0.2 {
		t.Fatalf("the fixture's window is %.0f%% NULL emails already; the test needs few", 100*shareBefore)
	}
	planFile := filepath.Join(t.TempDir(), "reviewed.plan")
	mustOK(t, cli(t, dir, "plan", "-out", planFile))
	log := filepath.Join(t.TempDir(), "debug.log")
	r := mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "-parallelism", "1", "apply", "-auto-approve", planFile))
	labels := map[string][2]float64{}
	for _, l := range stateLabels(t, dir) {
		if l.BaselineValue == nil || l.InjectedValue == nil {
			t.Fatalf("label %s not measured: %+v", l.Address, l)
		}
		labels[l.Address] = [2]float64{*l.BaselineValue, *l.InjectedValue}
	}
	blank, drop := labels["anomaly.null_rate.blank"], labels["anomaly.volume_drop.drop"]
	if len(labels) != 2 {
		t.Fatalf("labels %v\n%s", labels, r)
	}
	if math.Abs(blank[0]-shareBefore) > 1e-12 || blank[1] <= shareBefore+0.2 {
		t.Errorf("null_rate: baseline %v, injected %v; the window's null share was %v before", blank[0], blank[1], shareBefore)
	}
	if drop[0] != float64(rowsBefore) || drop[1] != float64(queryInt(t, f.db, `SELECT COUNT(*)`+inWindow)) || drop[1] >= drop[0] {
		t.Errorf("volume_drop: baseline %v, injected %v; the window held %d rows before, %d now", drop[0], drop[1], rowsBefore, queryInt(t, f.db, `SELECT COUNT(*)`+inWindow))
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	b := string(raw)
	if n := strings.Count(b, `sql="SELECT AVG(CASE WHEN t.\"email\" IS NULL OR LTRIM(RTRIM(t.\"email\")) = '' THEN 1.0 ELSE 0.0 END) FROM`); n != 0 {
		t.Errorf("the null-share statement ran %d times on its own, want 0 (the stale check read the baseline, the figure after was read with the drop's baseline)\n%s", n, b)
	}
	if n := strings.Count(b, `sql="SELECT COUNT(*), MAX(t.\"created_at\"), COUNT(*) FILTER (WHERE`); n != 1 {
		t.Errorf("the stale check ran %d times, want 1", n)
	}
	if n := strings.Count(b, `sql="SELECT AVG(CASE WHEN t.\"email\" IS NULL OR LTRIM(RTRIM(t.\"email\")) = '' THEN 1.0 ELSE 0.0 END) FILTER (WHERE`); n != 1 {
		t.Errorf("the null share after and the drop's baseline were read together %d times, want 1", n)
	}
}
