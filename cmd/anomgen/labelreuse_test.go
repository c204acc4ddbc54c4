package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner/truth"
)

// TestLabelBaselineFromPlan: where a label's metric before the change is
// the plan's own metric statement (the row count of the window), apply
// takes the plan's figure instead of running the statement again, but
// only for the first change of the plan that writes the table: two
// volume_drops of the same window of orders, the second measured again
// after the first deleted rows. Each baseline is the table's row count in
// the window right before its change. The second's baseline is read in
// the first's transaction, with the first's figure after, in one scan
// (noteNextWriters), and handed over once the first committed; the
// second's figure after is its baseline less the deleted rows its journal
// holds in the window: the debug log shows the count on its own twice
// (plan twice), the two together once and the journal read once, not six
// counts.
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
	if n := strings.Count(b, `sql="SELECT COUNT(*) FROM \"orders\" t WHERE`); n != 2 {
		t.Errorf("the window's row count ran %d times on its own, want 2 (plan ×2; the second's figure after comes from its journal)", n)
	}
	if n := strings.Count(b, `sql="SELECT 0 - COALESCE(COUNT(*), 0) FROM`); n != 1 {
		t.Errorf("the second's journal was read %d times for its figure after, want 1", n)
	}
	if n := strings.Count(b, `sql="SELECT COUNT(*) FILTER (WHERE t.\"created_at\" >= ?1 AND t.\"created_at\" < ?2), COUNT(*) FILTER (WHERE`); n != 1 {
		t.Errorf("the first's figure after and the second's baseline were read together %d times, want 1", n)
	}
}

// TestLabelBaselineFromStaleCheck: apply of a saved plan (apply FILE)
// does not count again; its stale check reads each target once, and that
// scan also measures the label baseline of the first change that writes
// the table (here a null_rate, whose label is the null share of email in
// the window), and of the second, a volume_drop of the same window, whose
// row count the first leaves as it was (it updates email only). The first's
// figure after comes from its journal. Each baseline must be the figure an
// independent query reads right before its change, and the debug log shows
// the null-share statement never run on its own, nor with the drop's
// baseline. SQLite and PostgreSQL (the databases with FILTER).
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
	if n := strings.Count(b, `sql="SELECT SUM(CASE WHEN t.\"email\" IS NULL OR LTRIM(RTRIM(t.\"email\")) = '' THEN 1 ELSE 0 END), COUNT(*) FROM`); n != 0 {
		t.Errorf("the null-share statement ran %d times on its own, want 0 (the stale check read the baseline, the journal tells the figure after)\n%s", n, b)
	}
	if n := strings.Count(b, `sql="SELECT COUNT(*), MAX(t.\"created_at\"), COUNT(*) FILTER (WHERE`); n != 1 {
		t.Errorf("the stale check ran %d times, want 1", n)
	}
	if n := strings.Count(b, `sql="SELECT SUM(CASE WHEN t.\"email\" IS NULL OR LTRIM(RTRIM(t.\"email\")) = '' THEN 1 ELSE 0 END) FILTER (WHERE`); n != 0 {
		t.Errorf("the null share after and the drop's baseline were read together %d times, want 0 (the stale check read both baselines)", n)
	}
	// The figure after: from the journal, read once (the change fits in
	// one batch, which runs as one transaction).
	if n := strings.Count(b, `sql="SELECT COALESCE(n.n0, 0) - COALESCE(o.o0, 0)`); n != 1 {
		t.Errorf("the null share after was read from the journal %d times, want 1", n)
	}
}

// TestLabelAfterFromJournal: a label's figure after a one-column update
// comes from its figures before and the journal (the new values' sums and
// counts minus the old ones'), not from reading the table again, and the
// baselines of later changes whose metrics the earlier ones leave alone
// come from the stale check's one scan. Three changes of orders: blanks in
// email (null share, first window), a numeric change of amount in the
// second window (standard deviation for outliers, mean for numeric_shift),
// a volume_drop in the third (row count: the deleted rows' count in the
// range, from the journal) and one in a fourth, whose count the first drop
// leaves alone (another window). Each
// label must hold what an independent query reads before the apply and
// after it (no change moves another's metric), and the debug log shows
// the journals read for every figure after and the table read only by
// the stale check (MariaDB, which has no FILTER, reads the baselines on
// their own). On PostgreSQL each batch's statement returns the move over
// its rows and no journal is read at all. Batches of 7 rows: the figures
// after add up many batches (in lanes, on PostgreSQL).
func TestLabelAfterFromJournal(t *testing.T) {
	allFixtures(t, testLabelAfterFromJournal)
}

func testLabelAfterFromJournal(t *testing.T, f *fixture) {
	window := func(start string) string {
		return "  window {\n    start    = \"" + start + "\"\n    duration = \"10h\"\n  }\n"
	}
	in := func(from, to string) string {
		return ` FROM orders WHERE created_at >= '2026-01-01 ` + from + `' AND created_at < '2026-01-0` + to + `'`
	}
	w1, w2, w3, w4 := in("00:00:00", "1 10:00:00"), in("10:00:00", "1 20:00:00"), in("20:00:00", "2 06:00:00"), in("06:00:00", "2 16:00:00")
	float := func(q string) float64 { return queryFloat(t, f.db, q) }
	amounts := func() []float64 {
		rows, err := f.db.Query(`SELECT CAST(amount AS ` + map[string]string{"sqlite": "REAL", "postgres": "DOUBLE PRECISION", "mysql": "DOUBLE"}[f.name] + `)` + w2 + ` AND amount IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []float64
		for rows.Next() {
			var v float64
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	mean := func() float64 {
		var s float64
		xs := amounts()
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	stddev := func() float64 {
		xs := amounts()
		m := mean()
		var ss float64
		for _, x := range xs {
			ss += (x - m) * (x - m)
		}
		return math.Sqrt(ss / float64(len(xs)-1))
	}
	nullShare := func() float64 { // counts divided here: MariaDB's AVG of a decimal keeps four more digits only
		return float(`SELECT SUM(CASE WHEN email IS NULL OR LTRIM(RTRIM(email)) = '' THEN 1 ELSE 0 END)`+w1) / float(`SELECT COUNT(*)`+w1)
	}
	count := func() float64 { return float(`SELECT COUNT(*)` + w3) }
	// w4's range starts on 2 January: in() names the day of the start
	// as the 1st, so its rows are counted from the 2nd here.
	w4 = strings.Replace(w4, "'2026-01-01 06:00:00'", "'2026-01-02 06:00:00'", 1)
	late := func() float64 { return float(`SELECT COUNT(*)` + w4) }
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

	for _, k := range []struct {
		kind, extra string
		metric      func() float64
		moves       func(before, after float64) bool
	}{
		{"outliers", "", stddev, func(b, a float64) bool { return a > b*1.5 }},
		{"numeric_shift", "  amplitude = 0.5\n", mean, func(b, a float64) bool { return a > b*1.1 }},
	} {
		t.Run(k.kind, func(t *testing.T) {
			dir := t.TempDir()
			src := f.source[:strings.LastIndex(f.source, "}")] + "  batch_rows = 7\n}\n"
			writeFile(t, dir, "main.hcl", src+f.target()+`
anomaly "null_rate" "blank" {
  target = target.orders
  column = "email"
  volume = 0.3
`+window("2026-01-01T00:00:00Z")+`}

anomaly "`+k.kind+`" "amount" {
  target = target.orders
  column = "amount"
  volume = 0.3
`+k.extra+window("2026-01-01T10:00:00Z")+`}

anomaly "volume_drop" "drop" {
  target = target.orders
  volume = 0.3
`+window("2026-01-01T20:00:00Z")+`}

anomaly "volume_drop" "zlate" {
  target = target.orders
  volume = 0.3
`+window("2026-01-02T06:00:00Z")+`}
`)
			before := map[string]float64{"anomaly.null_rate.blank": nullShare(), "anomaly." + k.kind + ".amount": k.metric(), "anomaly.volume_drop.drop": count(), "anomaly.volume_drop.zlate": late()}
			planFile := filepath.Join(t.TempDir(), "reviewed.plan")
			mustOK(t, cli(t, dir, "plan", "-out", planFile))
			log := filepath.Join(t.TempDir(), "debug.log")
			r := mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "-parallelism", "1", "apply", "-auto-approve", planFile))
			after := map[string]float64{"anomaly.null_rate.blank": nullShare(), "anomaly." + k.kind + ".amount": k.metric(), "anomaly.volume_drop.drop": count(), "anomaly.volume_drop.zlate": late()}
			labels := stateLabels(t, dir)
			if len(labels) != 4 {
				t.Fatalf("%d labels, want 4\n%s", len(labels), r)
			}
			for _, l := range labels {
				if l.BaselineValue == nil || l.InjectedValue == nil {
					t.Fatalf("label %s not measured: %+v", l.Address, l)
				}
				b, a := before[l.Address], after[l.Address]
				if !near(*l.BaselineValue, b) || !near(*l.InjectedValue, a) {
					t.Errorf("%s (%s): label %v → %v, an independent query %v → %v", l.Address, l.Metric, *l.BaselineValue, *l.InjectedValue, b, a)
				}
			}
			if b, a := before["anomaly."+k.kind+".amount"], after["anomaly."+k.kind+".amount"]; !k.moves(b, a) {
				t.Errorf("%s moved its metric from %v to %v only", k.kind, b, a)
			}
			if b, a := before["anomaly.null_rate.blank"], after["anomaly.null_rate.blank"]; a < b+0.2 {
				t.Errorf("null_rate moved the null share from %v to %v only", b, a)
			}
			raw, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			b := string(raw)
			updates, drops := 2, 2 // journals read for the figures after
			if f.name == "postgres" {
				// Outliers reads the window's statistics, so it runs in
				// one transaction; the others' batches return their moves.
				updates, drops = map[string]int{"outliers": 1}[k.kind], 0
				batches := strings.Count(b, `sql="WITH j AS`)
				if n := strings.Count(b, `) AS moved`); n != batches || n < 2*(3-updates) {
					t.Errorf("%d of %d batch statements returned the label's move, want all of them, and at least %d", n, batches, 2*(3-updates))
				}
			}
			if n := strings.Count(b, `sql="SELECT COALESCE(n.n0`); n != updates {
				t.Errorf("the journal was read for %d figures after, want %d (null_rate, %s)", n, updates, k.kind)
			}
			if f.name == "mysql" {
				// No FILTER: no baseline in the stale check's scan, each
				// update's read from the table on its own, once.
				if n := strings.Count(b, `sql="SELECT SUM(`); n != 2 {
					t.Errorf("the updates' label metrics were read from the table %d times, want 2 (their baselines)", n)
				}
				mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
				return
			}
			if n := strings.Count(b, `sql="SELECT COUNT(*), MAX(t.\"created_at\"), COUNT(*) FILTER (WHERE`); n != 1 {
				t.Errorf("the stale check ran %d times, want 1", n)
			}
			// No label metric read from the table: the drops' figures after
			// come from their journals (the deleted rows, whole), and
			// zlate's baseline is the stale check's, since drop deletes
			// rows of another window only.
			if n := strings.Count(b, `sql="SELECT SUM(`); n != 0 {
				t.Errorf("a label metric of the updates was read from the table %d times, want 0", n)
			}
			if n := len(regexp.MustCompile(`sql="SELECT COUNT\(\*\) FROM (\\"public\\"\.)?\\"orders\\" t WHERE`).FindAllString(b, -1)); n != 0 {
				t.Errorf("the drops' row counts were read from the table %d times, want 0", n)
			}
			if n := strings.Count(b, `sql="SELECT 0 - COALESCE(COUNT(*), 0) FROM`); n != drops {
				t.Errorf("the drops' journals were read %d times for their figures after, want %d", n, drops)
			}
			if n := strings.Count(b, `sql="SELECT COUNT(*) FILTER (WHERE`); n != 0 {
				t.Errorf("a figure after and the next change's baseline were read together %d times, want 0 (the stale check read every baseline)", n)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		})
	}
}

// TestSegmentShareAfterFromJournal: the category share of a segment kind
// adds up its rows (the segment's rows and all rows of the window), so
// the figure after segment_drop (the deleted rows, in its journal) and
// segment_spike (the copies inserted, in its journal) comes from the
// journal, not from another scan of the table; both labels equal the
// share a query of the table reads before and after.
func TestSegmentShareAfterFromJournal(t *testing.T) {
	for _, f := range []*fixture{sqliteFixture(t), postgresFixture(t)} {
		t.Run(f.name, func(t *testing.T) {
			execSQL(t, f.db, `ALTER TABLE orders ADD COLUMN channel TEXT`,
				`UPDATE orders SET channel = CASE WHEN id % 3 = 0 THEN 'store' WHEN id % 7 = 0 THEN NULL ELSE 'web' END`)
			orig := f.checksum(t)
			window := func(start string) string {
				return "  window {\n    start    = \"" + start + "\"\n    duration = \"4h\"\n  }\n"
			}
			seg := "  segment {\n    column = \"channel\"\n    values = [\"store\"]\n  }\n"
			dir := t.TempDir()
			writeFile(t, dir, "main.hcl", f.source+f.target()+
				"anomaly \"segment_drop\" \"store_gone\" {\n  target = target.orders\n"+seg+window("2026-01-01T00:00:00Z")+"}\n"+
				"anomaly \"segment_spike\" \"store_wave\" {\n  target = target.orders\n"+seg+window("2026-01-01T04:00:00Z")+"}\n")
			share := func(from, to string) float64 {
				in := ` FROM orders WHERE created_at >= '2026-01-01 ` + from + `' AND created_at < '2026-01-01 ` + to + `'`
				return queryFloat(t, f.db, `SELECT COUNT(CASE WHEN channel = 'store' THEN 1 END)`+in) / queryFloat(t, f.db, `SELECT COUNT(*)`+in)
			}
			measure := func() map[string]float64 {
				return map[string]float64{"anomaly.segment_drop.store_gone": share("00:00:00", "04:00:00"), "anomaly.segment_spike.store_wave": share("04:00:00", "08:00:00")}
			}
			before := measure()
			file := filepath.Join(t.TempDir(), "reviewed.plan")
			mustOK(t, cli(t, dir, "plan", "-out", file))
			log := filepath.Join(t.TempDir(), "debug.log")
			mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "apply", "-auto-approve", file))
			after := measure()
			if a := after["anomaly.segment_drop.store_gone"]; a != 0 {
				t.Fatalf("the store's share after segment_drop is %v, want 0", a)
			}
			if b, a := before["anomaly.segment_spike.store_wave"], after["anomaly.segment_spike.store_wave"]; a < b*1.3 {
				t.Fatalf("segment_spike moved the store's share from %v to %v only", b, a)
			}
			labels := stateLabels(t, dir)
			if len(labels) != 2 {
				t.Fatalf("%d labels, want 2", len(labels))
			}
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }
			for _, l := range labels {
				if l.Metric != truth.CategoryShare || l.BaselineValue == nil || l.InjectedValue == nil {
					t.Fatalf("label %s: metric %s, baseline %v, after %v; want category_share, both measured", l.Address, l.Metric, l.BaselineValue, l.InjectedValue)
				}
				if b, a := before[l.Address], after[l.Address]; !near(*l.BaselineValue, b) || !near(*l.InjectedValue, a) {
					t.Errorf("%s: label %v → %v, a query of the table %v → %v", l.Address, *l.BaselineValue, *l.InjectedValue, b, a)
				}
			}
			raw, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			b := string(raw)
			// The table is read for the share once, by the stale check
			// (both baselines); the figures after, from the journals.
			if n := strings.Count(b, `sql="SELECT SUM(CASE WHEN`) + strings.Count(b, `sql="SELECT AVG(CASE WHEN`); n != 0 {
				t.Errorf("the share was read from the table %d times after the stale check, want 0", n)
			}
			if n := strings.Count(b, `sql="SELECT 0 - COALESCE(SUM(CASE WHEN`); n != 1 {
				t.Errorf("segment_drop's journal was read %d times for the share after, want 1", n)
			}
			if n := strings.Count(b, `sql="SELECT COALESCE(SUM(CASE WHEN`); n != 1 {
				t.Errorf("segment_spike's journal was read %d times for the share after, want 1", n)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			if f.checksum(t) != orig {
				t.Error("rollback did not restore orders")
			}
		})
	}
}
