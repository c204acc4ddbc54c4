package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner/truth"
)

// The score fixtures (testdata/score) and their answers, computed by hand.
//
// Labels (half-open ranges, 2026-11):
//
//	L1 null_rate     orders.email  null_share [20, 21)
//	L2 volume_drop   orders (table) row_count  [22 00:00, 22 12:00)
//	L3 numeric_shift orders.amount mean       [24, 26)
//	L4 outliers      orders.amount stddev     [28, 29)
//
// Alerts:
//
//	A1 orders.email  null_share [20, 21) detected 21 00:30  exact match of L1
//	A2 = A1, detected 21 01:00                              a duplicate
//	A3 ORDERS (no column) volume [22, 23) detected 23 00:10  table-level L2
//	A4 orders.qty    mean [24, 25)                           wrong column: FP
//	A5 orders.amount mean [25, 26) detected 26 00:00         half of L3
//	A6 orders.amount stddev [29, 30) detected 30 00:05       the day after L4
//	A7 orders.email  null_share [10, 11)                     far from L1: FP
//
// Merged predictions (per table, column, family): Pa=A7, Pb=A1+A2, Pc=A3,
// Pd=A4, Pe=A5, Pf=A6: 6.
//
// Tolerance 0:
//   - matched: L1 (A1, A2), L2 (A3), L3 (A5); L4 none (A6 starts at L4's
//     end) → recall by existence 3/4 = 0.75; false positives A4, A6, A7.
//   - range recall: L1 24h/24h = 1, L2 12h/12h = 1, L3 24h/48h = 0.5,
//     L4 0 → 2.5/4 = 0.625.
//   - range precision: Pa 0, Pb 24/24 = 1, Pc 12/24 = 0.5, Pd 0, Pe 1,
//     Pf 0 → 2.5/6 = 0.416667; F1 = 2·0.416667·0.625/1.041667 = 0.5.
//   - latency: L1 24h30m = 88200 s, L2 24h10m = 87000 s, L3 48h = 172800 s
//     → median 88200, max 172800.
//
// Tolerance 1d: A6 now matches L4 ([27, 30) overlaps [29, 30)) → 4/4;
// false positives A4, A7; the range figures do not move (A6 does not
// overlap L4 in time); L4's latency 48h05m = 173100 s → median
// (88200 + 172800)/2 = 130500, max 173100.
func TestScoreArithmetic(t *testing.T) {
	dir := t.TempDir()
	labels, _ := filepath.Abs("testdata/score/labels.csv")
	alerts, _ := filepath.Abs("testdata/score/alerts.csv")

	s := scoreJSON(t, dir, "-detections", alerts, "-labels", labels, "-tolerance", "0")
	near(t, "recall (existence), tolerance 0", s.RecallExistence, 0.75)
	near(t, "range recall", s.RangeRecall, 0.625)
	near(t, "range precision", s.RangePrecision, 2.5/6)
	near(t, "range F1", s.RangeF1, 0.5)
	near(t, "median latency", s.LatencyMedian, 88200)
	near(t, "max latency", s.LatencyMax, 172800)
	if s.Predictions != 6 || s.Alerts != 7 || s.Labels != 4 || s.Detected != 3 {
		t.Errorf("predictions %d alerts %d labels %d detected %d, want 6 7 4 3", s.Predictions, s.Alerts, s.Labels, s.Detected)
	}
	if got := fpScores(s); got != "4,7.25,3.5" {
		t.Errorf("false positives (by score) %s, want A4, A6, A7 = 4,7.25,3.5", got)
	}
	byID := map[string]truth.LabelResult{}
	for _, r := range s.Results {
		byID[r.AnomalyID] = r
	}
	if r := byID["L1"]; r.Alerts != 1 || !r.Detected || r.RangeRecall != 1 {
		t.Errorf("L1 (exact match and its duplicate): %+v, want 1 distinct alert, range recall 1", r)
	}
	if r := byID["L3"]; r.RangeRecall != 0.5 || r.MaxScore != 5 {
		t.Errorf("L3 (partial overlap): %+v, want range recall 0.5, max score 5 (A4 on qty does not count)", r)
	}
	group := func(gs []truth.Group, name string) truth.Group {
		for _, g := range gs {
			if g.Name == name {
				return g
			}
		}
		t.Fatalf("no group %s in %+v", name, gs)
		return truth.Group{}
	}
	if g := group(s.ByCategory, "quality"); g.Labels != 3 || g.Detected != 2 || math.Abs(g.RangeRecall-0.5) > 1e-9 {
		t.Errorf("category quality: %+v, want 3 labels, 2 detected, range recall (1+0.5+0)/3 = 0.5", g)
	}
	if g := group(s.ByKind, "outliers"); g.Detected != 0 {
		t.Errorf("kind outliers at tolerance 0: %+v, want missed", g)
	}

	s = scoreJSON(t, dir, "-detections", alerts, "-labels", labels, "-tolerance", "1d")
	near(t, "recall (existence), tolerance 1d", s.RecallExistence, 1)
	near(t, "range recall, tolerance 1d", s.RangeRecall, 0.625)
	near(t, "range precision, tolerance 1d", s.RangePrecision, 2.5/6)
	near(t, "median latency, tolerance 1d", s.LatencyMedian, 130500)
	near(t, "max latency, tolerance 1d", s.LatencyMax, 173100)
	if got := fpScores(s); got != "4,3.5" {
		t.Errorf("false positives at 1d %s, want A4, A7 = 4,3.5", got)
	}

	// Without the duplicate A2 every figure is the same: it neither
	// counts twice for recall nor inflates precision.
	data, err := os.ReadFile(alerts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	noDup := filepath.Join(dir, "nodup.csv")
	writeFile(t, dir, "nodup.csv", strings.Join(append(lines[:2:2], lines[3:]...), "\n"))
	u := scoreJSON(t, dir, "-detections", noDup, "-labels", labels, "-tolerance", "0")
	if *u.RangePrecision != 2.5/6 || *u.RangeRecall != 0.625 || u.Predictions != 6 || u.Detected != 3 {
		t.Errorf("without the duplicate: precision %v recall %v predictions %d detected %d; want the same as with it", *u.RangePrecision, *u.RangeRecall, u.Predictions, u.Detected)
	}

	// JSON inputs score the same as CSV.
	ls, err := truth.ReadLabels(labels, mustRead(t, labels))
	if err != nil {
		t.Fatal(err)
	}
	as, err := truth.ReadAlerts(alerts, mustRead(t, alerts))
	if err != nil {
		t.Fatal(err)
	}
	lf, _ := os.Create(filepath.Join(dir, "labels.json"))
	_ = truth.WriteLabelsJSON(lf, ls)
	lf.Close()
	af, _ := os.Create(filepath.Join(dir, "alerts.json"))
	_ = truth.WriteAlertsJSON(af, as)
	af.Close()
	j := scoreJSON(t, dir, "-detections", filepath.Join(dir, "alerts.json"), "-labels", filepath.Join(dir, "labels.json"), "-tolerance", "0")
	if *j.RangePrecision != *s.RangePrecision || *j.RecallExistence != 0.75 {
		t.Errorf("JSON inputs: precision %v recall %v, want %v 0.75", *j.RangePrecision, *j.RecallExistence, *s.RangePrecision)
	}

	// -detections - reads the alerts from standard input.
	in := mustOK(t, cliIn(t, dir, string(mustRead(t, alerts)), "score", "-detections", "-", "-labels", labels, "-tolerance", "0", "-format", "json"))
	var fromStdin truth.Score
	if err := json.Unmarshal([]byte(in.stdout), &fromStdin); err != nil || fromStdin.Detected != 3 || fromStdin.Alerts != 7 {
		t.Errorf("alerts from standard input: %v %+v", err, fromStdin)
	}

	// The text view names the figures and the false positives.
	r := mustOK(t, cli(t, dir, "score", "-detections", alerts, "-labels", labels, "-tolerance", "0"))
	wantAll(t, r, r.stdout, "recall (existence) 3/4 75.0%", "range precision 41.7%", "range recall 62.5%", "False positives (3 alerts match no label)", "orders.qty", "median 1d0h30m")
}

func TestScoreInputErrors(t *testing.T) {
	dir := t.TempDir()
	alerts, _ := filepath.Abs("testdata/score/alerts.csv")
	r := cli(t, dir, "score", "-detections", alerts)
	if r.code != 1 || !strings.Contains(r.stderr, "anomgen labels") || !strings.Contains(r.stderr, "docs/labels.md") {
		t.Errorf("score without -labels should explain where labels come from:\n%s", r)
	}
	writeFile(t, dir, "bad.csv", "tool,table,column,metric,bucket_start\nx,orders,email,null_share,yesterday\n")
	writeFile(t, dir, "labels.csv", "table,start,end,metric\norders,2026-11-20,2026-11-19,null_share\n")
	r = cli(t, dir, "score", "-detections", filepath.Join(dir, "bad.csv"), "-labels", filepath.Join(dir, "labels.csv"))
	if r.code != 1 || !strings.Contains(r.stderr, "bad.csv:2") || !strings.Contains(r.stderr, "bucket_start") {
		t.Errorf("a bad alert time should name file:line and the column:\n%s", r)
	}
	writeFile(t, dir, "ok.csv", "table,metric,bucket_start\norders,null_share,2026-11-20\n")
	r = cli(t, dir, "score", "-detections", filepath.Join(dir, "ok.csv"), "-labels", filepath.Join(dir, "labels.csv"))
	if r.code != 1 || !strings.Contains(r.stderr, "labels.csv:2") || !strings.Contains(r.stderr, "not after start") {
		t.Errorf("a label ending before it starts should name file:line:\n%s", r)
	}
}

func scoreJSON(t *testing.T, dir string, args ...string) *truth.Score {
	t.Helper()
	r := mustOK(t, cli(t, dir, append([]string{"score", "-format", "json"}, args...)...))
	var s truth.Score
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	return &s
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, deref(got), want)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func fpScores(s *truth.Score) string {
	var out []string
	for _, a := range s.FalsePositives {
		out = append(out, strings.TrimRight(strings.TrimRight(strconvF(a.Score), "0"), "."))
	}
	return strings.Join(out, ",")
}

func strconvF(f float64) string { return strings.TrimSpace(jsonNum(f)) }

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
