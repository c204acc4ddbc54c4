package main

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner/truth"
	"github.com/jonboulle/clockwork"
	"github.com/xuri/excelize/v2"
)

// labelsScenario puts four anomalies on orders, each in its own five hours
// of 2026-01-01 (orders are one a minute, id = minutes).
func labelsScenario(f *fixture) string {
	win := func(h int) string {
		return fmt.Sprintf("  window {\n    start    = \"2026-01-01T%02d:00:00Z\"\n    duration = \"5h\"\n  }\n", h)
	}
	return f.source + f.target() + `
anomaly "null_rate" "emails" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 1
` + win(0) + `}

anomaly "numeric_shift" "amounts" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.5
  volume    = 0.5
  seed      = 2
` + win(5) + `}

anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.5
  seed   = 3
` + win(10) + `}

anomaly "duplicate_rows" "dupes" {
  target = target.orders
  volume = 0.2
  seed   = 4
` + win(15) + `}
`
}

// rangeSQL is the condition of orders rows in [h, h+5) hours of 2026-01-01,
// written for the fixture's time column type.
func rangeSQL(f *fixture, h int) string {
	lit := func(h int) string {
		if f.name != "postgres" {
			return fmt.Sprintf("'2026-01-01 %02d:00:00'", h)
		}
		return fmt.Sprintf("timestamptz '2026-01-01 %02d:00:00+00'", h)
	}
	return fmt.Sprintf("created_at >= %s AND created_at < %s", lit(h), lit(h+5))
}

func queryFloat(t *testing.T, db *sql.DB, q string) float64 {
	t.Helper()
	var v sql.NullFloat64
	if err := db.QueryRow(q).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v.Float64
}

// figures are the metrics the labels should carry, measured here by SQL
// written for the test.
type figures struct{ nullShare, mean, rows, dupShare float64 }

func measureFigures(t *testing.T, f *fixture) figures {
	t.Helper()
	return figures{
		// Counts divided here: MariaDB's AVG of a decimal keeps four more
		// digits only.
		nullShare: queryFloat(t, f.db, "SELECT SUM(CASE WHEN email IS NULL THEN 1 ELSE 0 END) FROM orders WHERE "+rangeSQL(f, 0)) /
			queryFloat(t, f.db, "SELECT COUNT(*) FROM orders WHERE "+rangeSQL(f, 0)),
		mean: queryFloat(t, f.db, "SELECT AVG(amount) FROM orders WHERE "+rangeSQL(f, 5)),
		rows: queryFloat(t, f.db, "SELECT COUNT(*) FROM orders WHERE "+rangeSQL(f, 10)),
		dupShare: 1 - queryFloat(t, f.db, "SELECT COUNT(*) FROM (SELECT DISTINCT email, amount, created_at, note FROM orders WHERE "+rangeSQL(f, 15)+") d")/
			queryFloat(t, f.db, "SELECT COUNT(*) FROM orders WHERE "+rangeSQL(f, 15)),
	}
}

// snapshot maps id → email and amount text of every order.
func snapshot(t *testing.T, f *fixture) map[string][2]string {
	t.Helper()
	rows, err := f.db.Query("SELECT id, email, amount FROM orders")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var id int64
		var email sql.NullString
		var amount float64
		if err := rows.Scan(&id, &email, &amount); err != nil {
			t.Fatal(err)
		}
		out[strconv.FormatInt(id, 10)] = [2]string{email.String, strconv.FormatFloat(amount, 'f', 2, 64)}
	}
	return out
}

func TestLabels(t *testing.T) {
	for _, mk := range []func(testing.TB) *fixture{sqliteFixture, postgresFixture, mysqlFixture} {
		f := mk(t)
		t.Run(f.name, func(t *testing.T) { testLabels(t, f) })
	}
	// Batched: each change runs in batches of 40 rows; the label is
	// written with the last batch and covers them all.
	f := sqliteFixture(t)
	f.source = strings.Replace(f.source, "allow_writes = true", "allow_writes = true\n  batch_rows   = 40", 1)
	t.Run("sqlite-batched", func(t *testing.T) { testLabels(t, f) })
}

func testLabels(t *testing.T, f *fixture) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", labelsScenario(f))
	before := measureFigures(t, f)
	snapBefore := snapshot(t, f)
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	after := measureFigures(t, f)
	snapAfter := snapshot(t, f)

	if ls := stateLabels(t, dir); len(ls) != 4 {
		t.Errorf("the state holds %d labels after apply, want 4", len(ls))
	}
	r := mustOK(t, cli(t, dir, "labels", "-format", "json"))
	var labels []truth.Label
	if err := json.Unmarshal([]byte(r.stdout), &labels); err != nil {
		t.Fatalf("labels -format json: %v\n%s", err, r.stdout)
	}
	if len(labels) != 4 {
		t.Fatalf("want 4 labels, got %d: %s", len(labels), r.stdout)
	}
	by := map[string]truth.Label{}
	for _, l := range labels {
		by[l.Kind] = l
		if l.RevertedAt != nil || l.AnomalyID == "" || l.InjectedAt.IsZero() || l.AnomgenVersion == "" || l.Source != f.addr || !strings.HasSuffix(l.Table, "orders") {
			t.Errorf("%s: incomplete label %+v", l.Kind, l)
		}
	}
	near := func(what string, got *float64, want float64) {
		t.Helper()
		if got == nil {
			t.Errorf("%s: not measured, want %v", what, want)
			return
		}
		if math.Abs(*got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, the table says %v", what, *got, want)
		}
	}
	rng := func(kind string, h int) {
		t.Helper()
		l := by[kind]
		start := time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC)
		if !l.Start.Equal(start) || !l.End.Equal(start.Add(5*time.Hour)) {
			t.Errorf("%s: range [%s, %s), want [%s, %s)", kind, l.Start, l.End, start, start.Add(5*time.Hour))
		}
	}
	// null_rate
	nr := by["null_rate"]
	if nr.Metric != truth.NullShare || nr.Column != "email" || nr.Category != "quality" || nr.Magnitude != 0.3 {
		t.Errorf("null_rate label: %+v", nr)
	}
	rng("null_rate", 0)
	near("null_rate baseline", nr.BaselineValue, before.nullShare)
	near("null_rate injected", nr.InjectedValue, after.nullShare)
	nulled := int64(0)
	for id, v := range snapAfter {
		if b, ok := snapBefore[id]; ok && b[0] != "" && v[0] == "" {
			nulled++
		}
	}
	if nr.RowsAffected != nulled || nulled == 0 {
		t.Errorf("null_rate rows_affected = %d, the table has %d new NULLs", nr.RowsAffected, nulled)
	}
	// numeric_shift
	ns := by["numeric_shift"]
	if ns.Metric != truth.Mean || ns.Unit != "ratio" || ns.Magnitude != 0.5 {
		t.Errorf("numeric_shift label: %+v", ns)
	}
	rng("numeric_shift", 5)
	near("numeric_shift baseline", ns.BaselineValue, before.mean)
	near("numeric_shift injected", ns.InjectedValue, after.mean)
	shifted := int64(0)
	for id, v := range snapAfter {
		if b, ok := snapBefore[id]; ok && b[1] != v[1] {
			shifted++
		}
	}
	if ns.RowsAffected != shifted || shifted == 0 {
		t.Errorf("numeric_shift rows_affected = %d, the table has %d changed amounts", ns.RowsAffected, shifted)
	}
	// volume_drop
	vd := by["volume_drop"]
	if vd.Metric != truth.RowCount || vd.Column != "" {
		t.Errorf("volume_drop label: %+v", vd)
	}
	rng("volume_drop", 10)
	near("volume_drop baseline", vd.BaselineValue, before.rows)
	near("volume_drop injected", vd.InjectedValue, after.rows)
	if vd.RowsAffected != int64(before.rows-after.rows) || vd.RowsAffected == 0 {
		t.Errorf("volume_drop rows_affected = %d, the range lost %v rows", vd.RowsAffected, before.rows-after.rows)
	}
	// duplicate_rows
	dr := by["duplicate_rows"]
	if dr.Metric != truth.Uniqueness {
		t.Errorf("duplicate_rows label: %+v", dr)
	}
	rng("duplicate_rows", 15)
	near("duplicate_rows baseline", dr.BaselineValue, before.dupShare)
	near("duplicate_rows injected", dr.InjectedValue, after.dupShare)
	if added := int64(len(snapAfter) - len(snapBefore) + int(vd.RowsAffected)); dr.RowsAffected != added || added == 0 {
		t.Errorf("duplicate_rows rows_affected = %d, the table gained %d rows", dr.RowsAffected, added)
	}
	if after.dupShare <= before.dupShare {
		t.Errorf("duplicate share did not rise: %v → %v", before.dupShare, after.dupShare)
	}

	// -rows: exactly the changed rows, with their original and injected values.
	rowsFile := filepath.Join(dir, "rows.csv")
	mustOK(t, cli(t, dir, "labels", "-rows", "-rows-out", rowsFile, "-out", filepath.Join(dir, "l.csv")))
	recs := readCSVFile(t, rowsFile)
	perKind := map[string]int64{}
	for _, rec := range recs[1:] {
		addr, key, orig, inj := rec[1], rec[3], rec[5], rec[6]
		perKind[addr]++
		b, a := snapBefore[key], snapAfter[key]
		_, wasThere := snapBefore[key]
		_, isThere := snapAfter[key]
		switch addr {
		case "anomaly.null_rate.emails":
			if orig != b[0] || inj != "" || a[0] != "" {
				t.Errorf("null_rate row %s: original %q injected %q; the table had %q and has %q", key, orig, inj, b[0], a[0])
			}
		case "anomaly.numeric_shift.amounts":
			o, _ := strconv.ParseFloat(orig, 64)
			i, _ := strconv.ParseFloat(inj, 64)
			if strconv.FormatFloat(o, 'f', 2, 64) != b[1] || strconv.FormatFloat(i, 'f', 2, 64) != a[1] {
				t.Errorf("numeric_shift row %s: original %q injected %q; the table had %s and has %s", key, orig, inj, b[1], a[1])
			}
		case "anomaly.volume_drop.outage":
			if !wasThere || isThere {
				t.Errorf("volume_drop row %s: was there %v, is there %v", key, wasThere, isThere)
			}
		case "anomaly.duplicate_rows.dupes":
			if wasThere || !isThere {
				t.Errorf("duplicate_rows row %s: was there %v, is there %v", key, wasThere, isThere)
			}
		}
	}
	for _, l := range labels {
		if perKind[l.Address] != l.RowsAffected {
			t.Errorf("-rows lists %d rows of %s, its label says %d", perKind[l.Address], l.Address, l.RowsAffected)
		}
	}

	// score without -labels reads the workspace's labels: one alert on the
	// null_rate's column and range is one of the four detected.
	writeFile(t, dir, "alerts.csv", "tool,table,column,metric,bucket_start,bucket_end\nme,orders,email,null_share,2026-01-01T01:00:00Z,2026-01-01T02:00:00Z\n")
	r = mustOK(t, cli(t, dir, "score", "-detections", filepath.Join(dir, "alerts.csv"), "-tolerance", "0"))
	wantAll(t, r, r.stdout, "recall (existence) 1/4 25.0%")

	// Rollback: the labels stay, with reverted_at.
	mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
	r = mustOK(t, cli(t, dir, "labels", "-format", "json"))
	labels = nil
	if err := json.Unmarshal([]byte(r.stdout), &labels); err != nil {
		t.Fatal(err)
	}
	if len(labels) != 4 {
		t.Fatalf("after rollback: want 4 labels, got %d", len(labels))
	}
	for _, l := range labels {
		if l.RevertedAt == nil || l.RevertedAt.Before(l.InjectedAt) {
			t.Errorf("%s: reverted_at %v after rollback", l.Address, l.RevertedAt)
		}
	}
	// The state holds them too, reverted.
	if ls := stateLabels(t, dir); len(ls) != 4 {
		t.Errorf("the state holds %d labels after rollback, want 4", len(ls))
	} else {
		for _, l := range ls {
			if l.RevertedAt == nil {
				t.Errorf("%s: the state's label has no reverted_at", l.Address)
			}
		}
	}
	// The label table keeps them too: a lost state finds them.
	if err := os.Remove(statePath(dir)); err != nil {
		t.Fatal(err)
	}
	csvOut := filepath.Join(dir, "labels.csv")
	mustOK(t, cli(t, dir, "labels", "-format", "csv", "-out", csvOut))
	recs = readCSVFile(t, csvOut)
	if len(recs) != 5 || strings.Join(recs[0], ",") != strings.Join(truth.LabelColumns, ",") {
		t.Fatalf("labels.csv from the label table: %d rows, header %v", len(recs), recs[0])
	}
	data, _ := os.ReadFile(csvOut)
	parsed, err := truth.ReadLabels(csvOut, data)
	if err != nil || len(parsed) != 4 {
		t.Fatalf("labels.csv does not read back: %v (%d)", err, len(parsed))
	}
	for _, l := range parsed {
		if l.RevertedAt == nil {
			t.Errorf("%s: reverted_at lost in the label table", l.Address)
		}
	}
	xlsx := filepath.Join(dir, "labels.xlsx")
	mustOK(t, cli(t, dir, "labels", "-format", "xlsx", "-out", xlsx))
	wb, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows("Labels")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "anomaly_id" {
		t.Fatalf("labels.xlsx: %d rows, header %v", len(rows), rows[0])
	}
	kinds := map[string]bool{}
	for _, row := range rows[1:] {
		kinds[row[3]] = true
	}
	for _, k := range []string{"null_rate", "numeric_shift", "volume_drop", "duplicate_rows"} {
		if !kinds[k] {
			t.Errorf("labels.xlsx has no %s row", k)
		}
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// stateLabels reads the labels of the workspace's state file.
func stateLabels(t *testing.T, dir string) []truth.Label {
	t.Helper()
	b, err := os.ReadFile(statePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Labels []truth.Label `json:"labels"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Labels
}

// TestLabelsSeveralWorkspaces: anomgen labels DIR... exports the labels of
// each workspace folder together.
func TestLabelsSeveralWorkspaces(t *testing.T) {
	parent := t.TempDir()
	ids := map[string]bool{}
	for _, name := range []string{"a", "b"} {
		f := sqliteFixture(t)
		dir := filepath.Join(parent, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "main.hcl", "anomgen {\n  workspace = \""+name+"\"\n}\n"+f.source+f.target()+`
anomaly "null_rate" "emails" {
  target = target.orders
  column = "email"
  volume = 0.2
`+window10h+`}
`)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		r := mustOK(t, cli(t, dir, "labels", "-format", "json"))
		var ls []truth.Label
		if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil || len(ls) != 1 {
			t.Fatalf("%s: %v %s", name, err, r.stdout)
		}
		ids[ls[0].AnomalyID] = true
	}
	r := mustOK(t, cli(t, parent, "labels", "-format", "json", "a", "b"))
	var ls []truth.Label
	if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil {
		t.Fatal(err)
	}
	workspaces := map[string]bool{}
	for _, l := range ls {
		workspaces[l.Workspace] = true
		if !ids[l.AnomalyID] {
			t.Errorf("label %s is from neither workspace", l.AnomalyID)
		}
	}
	if len(ls) != 2 || !workspaces["a"] || !workspaces["b"] {
		t.Errorf("labels a b: %d labels from workspaces %v, want one from each of a and b", len(ls), workspaces)
	}
}

// TestLabelsDaemon: the daemon's occurrences are labelled by the same code
// path: one label per occurrence, over the occurrence's window, injected at
// its fire time, with reverted_at at the end of its duration; the null
// share figures match the test's own SQL on the window (orders 120..239).
func TestLabelsDaemon(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	clock := clockwork.NewFakeClockAt(daemonStart.Add(-time.Hour))
	useDaemonClock(t, clock)
	once := func(at time.Time) {
		t.Helper()
		clock.Advance(at.Sub(clock.Now()))
		mustOK(t, cli(t, dir, "daemon", "-once"))
	}
	share := func() float64 {
		return queryFloat(t, f.db, "SELECT AVG(CASE WHEN email IS NULL THEN 1.0 ELSE 0.0 END) FROM orders WHERE id >= 120 AND id < 240")
	}
	read := func() []truth.Label {
		t.Helper()
		r := mustOK(t, cli(t, dir, "labels", "-format", "json"))
		var ls []truth.Label
		if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil {
			t.Fatal(err)
		}
		return ls
	}
	before := share()
	once(daemonStart)
	after := share()
	ls := read()
	if len(ls) != 1 {
		t.Fatalf("after the first occurrence: %d labels", len(ls))
	}
	l := ls[0]
	if !l.InjectedAt.Equal(daemonStart) || !l.Start.Equal(daemonStart.Add(-2*time.Hour)) || !l.End.Equal(daemonStart) || l.RevertedAt != nil || l.Workspace != "customer-a" {
		t.Errorf("the occurrence's label: %+v", l)
	}
	if l.BaselineValue == nil || l.InjectedValue == nil || math.Abs(*l.BaselineValue-before) > 1e-9 || math.Abs(*l.InjectedValue-after) > 1e-9 {
		t.Errorf("label figures %v → %v, the table says %v → %v", l.BaselineValue, l.InjectedValue, before, after)
	}
	once(daemonStart.Add(2 * time.Hour))
	ls = read()
	if len(ls) != 1 || ls[0].RevertedAt == nil || !ls[0].RevertedAt.Equal(daemonStart.Add(2*time.Hour)) {
		t.Fatalf("after the revert: %+v", ls)
	}
	once(daemonStart.Add(6 * time.Hour))
	if ls = read(); len(ls) != 2 || ls[1].AnomalyID == ls[0].AnomalyID || !ls[1].InjectedAt.Equal(daemonStart.Add(6*time.Hour)) {
		t.Fatalf("after the second occurrence: %+v", ls)
	}
}
