package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/providertest"
)

// matrixZ is the strength every kind's defaults must reach on the metric
// of its family: the issue's |z| ≥ 5 for a standard monitor.
const matrixZ = 5

// matrixColumns substitutes, per kind, a column of the seeded table for
// the catalog example's: date_format's example stands channel in for a
// text column of dates, encoding_corruption's e-mails are ASCII.
var matrixColumns = map[string]string{"date_format": "signup_date", "encoding_corruption": "city"}

// matrixResult is what detect saw of one kind on its day.
type matrixResult struct {
	Kind, Family, Column string
	Day                  string  // the day it was applied on (its window's end day)
	Metric               string  // the alert metric of the best |z| on the family ("" when missed)
	Z                    float64 // its |z|; −1 when missed or not measured
	Capped               bool
	Rows                 int64
	Others               int    // alerts of its run outside its group's days
	CleanOthers          int    // the clean table's alerts there
	Outcome              string // flagged, MISSED, not measured: ...
}

// TestDetectMatrix is the detectability matrix: on the seeded table of
// TestDetectPostgres (45 days, weekly rhythm, noise), every catalog kind
// at its defaults (matrixBlock: the example's column, required arguments
// and, for segment kinds, segment; the kind's default window ending at
// the end of its day), then anomgen detect -seasonality day_of_week, which
// knows nothing of the generator. The kinds are applied up to seven at a
// time, each on one of the last seven full days (matrixGroups says why
// they do not disturb each other), so that the matrix takes about a dozen
// apply and detect runs instead of forty and runs in the test suite.
//
// It fails unless every kind is flagged at |z| ≥ 5 on a metric of the
// family planner/kind_metrics.go names, on its column (segment kinds: the
// segment's column), on its days (schema kinds and future rows: on the
// run); unless the days outside the group's raise no more alerts than the
// clean table raises there (the days a kind moves rows to, timestamp_shift
// and late_arrival, count as its own: movedSpans); and unless the figure
// agrees with the strength recorded in planner/detect_strength.json, which
// `anomgen anomalies describe` prints and the README lists (same family,
// capped or not, and |z| within the recorded range widened by
// matrixTolerance).
//
// The recorded strength is the range over the seven weekdays:
// ANOMGEN_DETECT_MATRIX_SWEEP=1 runs the matrix seven times, shifted back
// by 0 to 6 days, so that each kind is measured on each weekday, and
// prints the minimum and maximum |z| per kind; with
// ANOMGEN_DETECT_MATRIX_UPDATE=1 it also rewrites
// planner/detect_strength.json. ANOMGEN_DETECT_MATRIX_SHIFT=k runs the
// matrix shifted back by k days (0 to 6).
func TestDetectMatrix(t *testing.T) {
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	if now.Sub(today) < 10*time.Minute || today.Add(24*time.Hour).Sub(now) < 10*time.Minute {
		t.Skip("too close to midnight UTC: the last full day would change during the test")
	}
	p := providertest.NewPostgres(t)
	seedDetectTable(t, p.DB, func(n int) string { return fmt.Sprintf("$%d", n) }, pgDetectTable, today)
	execSQL(t, p.DB, `ANALYZE orders`)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", pgSource(p, "shop", true)+"target \"orders\" {\n  source      = source.postgres.shop\n  table       = \"orders\"\n  time_column = \"created_at\"\n}\n")
	clean := runDetect(t, dir, "-seasonality", "day_of_week")
	snap := filepath.Join(dir, ".anomgen", "detect", "orders.schema.json")
	m := &matrix{t: t, dir: dir, snap: snap, snapData: mustRead(t, snap), clean: clean, today: today, db: p.DB}

	if os.Getenv("ANOMGEN_DETECT_MATRIX_SWEEP") != "" {
		m.sweep()
		return
	}
	shift := 0
	if s := os.Getenv("ANOMGEN_DETECT_MATRIX_SHIFT"); s != "" {
		var err error
		if shift, err = strconv.Atoi(s); err != nil || shift < 0 || shift > 6 {
			t.Fatalf("ANOMGEN_DETECT_MATRIX_SHIFT=%q: want 0 to 6", s)
		}
	}
	rs := m.run(shift)
	t.Logf("detectability matrix (day_of_week; the clean table raised %d alerts):\n%s", len(clean), matrixTable(rs))
	recorded := planner.DetectStrengths()
	for _, r := range rs {
		switch {
		case strings.HasPrefix(r.Outcome, "not measured"):
			t.Errorf("%s: %s", r.Kind, r.Outcome)
			continue
		case r.Z < matrixZ:
			t.Errorf("%s: best |z| %.1f on %s (family %s) on %s, want at least %d", r.Kind, r.Z, r.Metric, r.Family, r.Day, matrixZ)
		}
		if r.Others > r.CleanOthers {
			t.Errorf("%s: its run raised %d alerts on days no kind of it touches, the clean table %d there", r.Kind, r.Others, r.CleanOthers)
		}
		rec := recorded[r.Kind]
		if rec == nil {
			t.Errorf("%s: no measured strength recorded in planner/detect_strength.json (run the sweep with ANOMGEN_DETECT_MATRIX_UPDATE=1)", r.Kind)
			continue
		}
		if rec.Family != r.Family || !truth.Compatible(rec.Family, r.Metric) {
			t.Errorf("%s: flagged on %s (family %s), the record says %s (family %s)", r.Kind, r.Metric, r.Family, rec.Metric, rec.Family)
		}
		// A kind capped on every weekday must be capped; one capped on
		// some (its recorded maximum is the cap) may be.
		if rec.Capped != r.Capped && !(r.Capped && rec.MaxZ >= 100) {
			t.Errorf("%s: capped %v, the record says %v (|z| %.1f–%.1f)", r.Kind, r.Capped, rec.Capped, rec.MinZ, rec.MaxZ)
		}
		if lo, hi := rec.MinZ/matrixTolerance, rec.MaxZ*matrixTolerance; !r.Capped && (r.Z < lo || r.Z > hi) {
			t.Errorf("%s: |z| %.1f, outside the recorded %.1f–%.1f widened by the tolerance (%.1f–%.1f)", r.Kind, r.Z, rec.MinZ, rec.MaxZ, lo, hi)
		}
	}
}

// matrixTolerance widens the recorded range when a run is compared with
// it: the sweep measures the seven weekdays on the table generated for
// the day it ran, and a run on another date measures on a table whose
// noise falls on other days (the generator draws its rows in order from
// 45 days back, and weekends draw fewer), so its |z| is near the recorded
// range, not in it to the decimal.
const matrixTolerance = 1.5

type matrix struct {
	t        *testing.T
	dir      string
	snap     string
	snapData []byte
	clean    []truth.Alert
	today    time.Time
	db       *sql.DB
}

type span struct{ from, to time.Time }

// sweep runs the matrix shifted back by 0 to 6 days, so that each kind is
// measured on each weekday, and prints the range per kind; with
// ANOMGEN_DETECT_MATRIX_UPDATE=1 it writes planner/detect_strength.json.
func (m *matrix) sweep() {
	t := m.t
	type agg struct {
		r          matrixResult
		min, max   float64
		days, hits int
		metrics    map[string]bool
		weak       []string
		capped     bool
	}
	all := map[string]*agg{}
	var order []string
	for shift := 0; shift < 7; shift++ {
		rs := m.run(shift)
		t.Logf("shift %d:\n%s", shift, matrixTable(rs))
		for _, r := range rs {
			a := all[r.Kind]
			if a == nil {
				a = &agg{r: r, min: math.Inf(1), max: -1, metrics: map[string]bool{}, capped: true}
				all[r.Kind] = a
				order = append(order, r.Kind)
			}
			a.days++
			if r.Z >= 0 {
				a.hits++
				a.min, a.max = math.Min(a.min, r.Z), math.Max(a.max, r.Z)
				a.metrics[r.Metric] = true
				a.capped = a.capped && r.Capped
				if r.Z >= a.max {
					a.r.Metric = r.Metric
				}
			}
			if r.Z < matrixZ {
				day, _ := time.Parse("2006-01-02", r.Day)
				a.weak = append(a.weak, fmt.Sprintf("%s %.1f", day.Weekday().String()[:3], r.Z))
			}
			if r.Others > r.CleanOthers {
				t.Errorf("shift %d: %s: its run raised %d alerts on other days, the clean table %d", shift, r.Kind, r.Others, r.CleanOthers)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return all[order[i]].min > all[order[j]].min })
	var b strings.Builder
	b.WriteString("| kind | family | metrics | min |z| | max |z| | capped | below 5 |\n|---|---|---|---|---|---|---|\n")
	rec := planner.DetectStrengthFile{Measured: m.today.AddDate(0, 0, -1).Format("2006-01-02"), Days: detectDays,
		Table:   fmt.Sprintf("%d days, about 1,200 rows a day, weekends 30%% lower, noisy counts (seedDetectTable in cmd/anomgen/detect_test.go)", detectDays),
		Monitor: "anomgen detect -seasonality day_of_week (threshold 3)", Kinds: map[string]*planner.DetectStrength{}}
	for _, k := range order {
		a := all[k]
		var ms []string
		for x := range a.metrics {
			ms = append(ms, x)
		}
		sort.Strings(ms)
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f | %.1f | %v | %s |\n", k, a.r.Family, strings.Join(ms, ", "), a.min, a.max, a.capped, strings.Join(a.weak, ", "))
		if a.hits != a.days {
			t.Errorf("%s: flagged on %d of %d days", k, a.hits, a.days)
			continue
		}
		if a.min < matrixZ {
			t.Errorf("%s: |z| %.1f on one of the seven weekdays, want at least %d on each", k, a.min, matrixZ)
		}
		rec.Kinds[k] = &planner.DetectStrength{Family: a.r.Family, Metric: a.r.Metric, Column: a.r.Column,
			MinZ: math.Floor(a.min*10) / 10, MaxZ: math.Ceil(a.max*10) / 10, Capped: a.capped}
	}
	t.Logf("seven weekdays (the clean table raised %d alerts):\n%s", len(m.clean), b.String())
	if os.Getenv("ANOMGEN_DETECT_MATRIX_UPDATE") != "" {
		data, err := json.MarshalIndent(rec, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "..", "planner", "detect_strength.json"), append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// matrixRowKinds change how many rows a day holds (deleting, copying or
// moving rows): they move the row count and the freshness of their day.
var matrixRowKinds = map[string]bool{
	"volume_drop": true, "volume_spike": true, "duplicate_rows": true, "missing_partition": true,
	"stale_data": true, "late_arrival": true, "timestamp_shift": true, "future_dates": true,
	"segment_drop": true, "segment_spike": true, "seasonality_break": true,
}

// matrixGroups packs the catalog into groups of up to seven kinds, slot s
// of a group being the s-th full day before the last (plus the run's
// shift), so that one apply and one detect measure up to seven kinds.
// With -seasonality day_of_week a day is compared with the same weekday
// of the four weeks before, which no other slot of the group is; but the
// spread is pooled over all the days of those four weeks, so two kinds
// that move the same series (a column's metrics, or the row count and
// freshness: matrixRowKinds) would widen each other's spread: a group
// holds at most one kind per column and one that changes rows. A schema
// kind changes its column on every day: one per group. What a kind does
// beyond its day keeps it apart too: seasonality_break (its 14 days) is
// alone; late_arrival takes slot 0 (the rows it delays move into today,
// which detect leaves out as incomplete, or, shifted, into a day no kind
// holds); timestamp_shift keeps the slot after its own (the day before,
// where its rows move) free.
func matrixGroups(t *testing.T) [][]*matrixKind {
	var groups [][]*matrixKind
	fits := func(g []*matrixKind, mk *matrixKind, slot int) bool {
		if g[slot] != nil {
			return false
		}
		switch mk.k.Name {
		case "seasonality_break":
			for _, o := range g {
				if o != nil {
					return false
				}
			}
		case "late_arrival":
			if slot != 0 {
				return false
			}
		case "timestamp_shift":
			if slot+1 >= len(g) || g[slot+1] != nil {
				return false
			}
		}
		for i, o := range g {
			if o == nil {
				continue
			}
			if o.k.Name == "seasonality_break" || (o.k.Name == "timestamp_shift" && i+1 == slot) {
				return false
			}
			if o.k.NoWindow && mk.k.NoWindow {
				return false
			}
			for _, c := range mk.touches {
				for _, oc := range o.touches {
					if c == oc {
						return false
					}
				}
			}
		}
		return true
	}
	for _, k := range planner.Kinds() {
		mk := newMatrixKind(t, k)
		placed := false
		for gi := range groups {
			for slot := range groups[gi] {
				if fits(groups[gi], mk, slot) {
					groups[gi][slot], placed = mk, true
					break
				}
			}
			if placed {
				break
			}
		}
		if !placed {
			g := make([]*matrixKind, 7)
			for slot := range g {
				if fits(g, mk, slot) {
					g[slot] = mk
					break
				}
			}
			groups = append(groups, g)
		}
	}
	return groups
}

// matrixKind is one catalog kind as the matrix applies it.
type matrixKind struct {
	k       *planner.Kind
	column  string   // the column whose alerts count ("" for any)
	family  string   // the family they must be of
	touches []string // the columns it changes or selects on, and (rows)
}

func newMatrixKind(t *testing.T, k *planner.Kind) *matrixKind {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, col, seg, with := matrixBlock(t, k, day, day.Add(24*time.Hour))
	mk := &matrixKind{k: k, column: col}
	var c *planner.Column
	if col == "amount" {
		c = &planner.Column{Name: col, Class: planner.ClassDecimal}
	}
	mk.family = k.MetricFamilyFor(c)
	if seg != "" {
		mk.column = seg // the segment's column: the segment's share of the day
	}
	for _, x := range []string{col, seg, with} {
		if x != "" {
			mk.touches = append(mk.touches, x)
		}
	}
	if matrixRowKinds[k.Name] {
		mk.touches = append(mk.touches, "(rows)")
	}
	return mk
}

// run applies each group's kinds, each with its default window ending at
// the end of its slot's day (the slot-th full day before the last, shifted
// back by shift days more), runs detect, and rolls the group back.
func (m *matrix) run(shift int) []matrixResult {
	t := m.t
	var rs []matrixResult
	rowsRE := regexp.MustCompile(`anomaly\.([a-z_]+)\.x\b.*?changed (\d+) rows`)
	var tApply, tDetect, tRollback time.Duration
	lastDay := m.today.AddDate(0, 0, -1-shift)
	groups := matrixGroups(t)
	for _, g := range groups {
		if shift == 0 {
			t.Logf("group: %s", matrixNames(g))
		}
		var blocks strings.Builder
		var ps []*matrixPlaced
		// In a shifted run the days after the last slot are judged against
		// baselines that hold the group's anomalies (a week before, the
		// same weekday): their alerts are the anomalies' aftermath, not
		// false alerts, and are not counted (none in an unshifted run:
		// detect leaves today out).
		groupSpans := []span{{lastDay.Add(24 * time.Hour), m.today}}
		for slot, mk := range g {
			if mk == nil {
				continue
			}
			day := lastDay.AddDate(0, 0, -slot)
			end := day.Add(24 * time.Hour)
			start := end.Add(-mk.k.DefaultWindow)
			block, _, _, _ := matrixBlock(t, mk.k, start, end)
			blocks.WriteString(block)
			p := &matrixPlaced{mk: mk, day: day, spans: append([]span{{day, end}}, movedSpans(mk.k, start, end)...)}
			if mk.k.Name == "seasonality_break" {
				p.spans = append(p.spans, span{start, end}) // its days are the window's weekends
			}
			p.r = matrixResult{Kind: mk.k.Name, Family: mk.family, Column: mk.column, Z: -1, Day: day.Format("2006-01-02")}
			ps = append(ps, p)
			groupSpans = append(groupSpans, p.spans...)
		}
		writeFile(t, m.dir, "anomalies.hcl", blocks.String())
		before := m.segmentShares(ps)
		t0 := time.Now()
		ap := cli(t, m.dir, "apply", "-auto-approve")
		tApply += time.Since(t0)
		if ap.code != 0 {
			t.Fatalf("the group %s did not apply:\n%s\n%s", matrixNames(g), blocks.String(), ap)
		}
		rows := map[string]int64{}
		for _, x := range rowsRE.FindAllStringSubmatch(ap.stdout, -1) {
			n, _ := strconv.ParseInt(x[2], 10, 64)
			rows[x[1]] += n
		}
		if len(before) > 0 {
			m.checkSegmentLabels(ps, before)
		}
		if err := os.WriteFile(m.snap, m.snapData, 0o644); err != nil {
			t.Fatal(err)
		}
		t0 = time.Now()
		as := runDetect(t, m.dir, "-seasonality", "day_of_week")
		tDetect += time.Since(t0)
		others := 0
		for _, a := range as {
			mine := false
			for _, p := range ps {
				if p.owns(a) {
					mine = true
					if p.mk.column != "" && a.Column != p.mk.column && !(p.mk.k.Name == "swapped_columns" && a.Column == "channel") {
						continue
					}
					if !truth.Compatible(p.mk.family, a.Metric) {
						continue
					}
					if z := math.Abs(a.Score); z > p.r.Z {
						p.r.Z, p.r.Metric, p.r.Capped = z, a.Metric, a.Capped
					}
				}
			}
			if !mine && !onSpans(a, groupSpans[:1]) {
				others++
			}
		}
		clean := 0
		for _, a := range m.clean {
			if !onSpans(a, groupSpans) {
				clean++
			}
		}
		for _, p := range ps {
			p.r.Rows, p.r.Others, p.r.CleanOthers = rows[p.mk.k.Name], others, clean
			p.r.Outcome = "flagged"
			if p.r.Z < 0 {
				p.r.Outcome = "MISSED"
			}
			if p.r.Rows == 0 && !p.mk.k.NoWindow {
				p.r.Outcome = "not measured: it changes no row of this table"
			}
			rs = append(rs, p.r)
		}
		t0 = time.Now()
		mustOK(t, cli(t, m.dir, "rollback", "-auto-approve", "-all"))
		tRollback += time.Since(t0)
		_ = os.Remove(filepath.Join(m.dir, "anomalies.hcl"))
	}
	t.Logf("%d kinds in %d groups: apply %s, detect %s, rollback %s", len(rs), len(groups), tApply.Round(time.Millisecond), tDetect.Round(time.Millisecond), tRollback.Round(time.Millisecond))
	return rs
}

// matrixPlaced is a kind placed on its day in a run.
type matrixPlaced struct {
	mk    *matrixKind
	day   time.Time
	spans []span // its day, and the days it moves rows to
	r     matrixResult
}

// owns reports whether alert a is on p's days: a schema alert (on the run,
// not a day) for a schema kind, future rows (on the run) for future_dates,
// else an alert whose bucket overlaps p's spans.
func (p *matrixPlaced) owns(a truth.Alert) bool {
	switch a.Metric {
	case "schema":
		return p.mk.k.NoWindow
	case "future_rows":
		return p.mk.k.Name == "future_dates"
	}
	return onSpans(a, p.spans)
}

func onSpans(a truth.Alert, spans []span) bool {
	for _, s := range spans {
		if a.BucketStart.Before(s.to) && a.BucketEnd.After(s.from) {
			return true
		}
	}
	return false
}

// segmentShares measures, for the segment kinds of a group, the
// segment's rows and all rows on their day (matrixBlock's segment is
// channel = 'store').
func (m *matrix) segmentShares(ps []*matrixPlaced) map[string][2]float64 {
	out := map[string][2]float64{}
	for _, p := range ps {
		if !p.mk.k.SegmentShare() {
			continue
		}
		var seg, all float64
		if err := m.db.QueryRow(`SELECT COUNT(CASE WHEN channel = 'store' THEN 1 END), COUNT(*) FROM orders WHERE created_at >= $1 AND created_at < $2`,
			p.day, p.day.Add(24*time.Hour)).Scan(&seg, &all); err != nil {
			m.t.Fatal(err)
		}
		out[p.mk.k.Name] = [2]float64{seg, all}
	}
	return out
}

// checkSegmentLabels: the label of a segment kind names the metric the
// matrix measures it by (category_share of the segment's column) and its
// figures are the segment's share of the day before and after: s ÷ n, and
// 0 after segment_drop, 2s ÷ (n + s) after segment_spike (amplitude 1).
func (m *matrix) checkSegmentLabels(ps []*matrixPlaced, before map[string][2]float64) {
	t := m.t
	r := mustOK(t, cli(t, m.dir, "labels", "-format", "json"))
	var labels []truth.Label
	if err := json.Unmarshal([]byte(r.stdout), &labels); err != nil {
		t.Fatalf("labels -format json: %v\n%s", err, r.stdout)
	}
	for kind, c := range before {
		seg, all := c[0], c[1]
		want := map[string]float64{"segment_drop": 0, "segment_spike": 2 * seg / (all + seg)}[kind]
		found := false
		for _, l := range labels {
			if l.Kind != kind || l.RevertedAt != nil {
				continue
			}
			found = true
			if l.Metric != truth.CategoryShare || l.Column != "channel" || l.BaselineValue == nil || l.InjectedValue == nil {
				t.Errorf("%s label: metric %q column %q baseline %v injected %v, want category_share of channel, both measured", kind, l.Metric, l.Column, l.BaselineValue, l.InjectedValue)
				continue
			}
			if math.Abs(*l.BaselineValue-seg/all) > 1e-9 || math.Abs(*l.InjectedValue-want) > 1e-9 {
				t.Errorf("%s label: share %.6f → %.6f, want %.6f → %.6f", kind, *l.BaselineValue, *l.InjectedValue, seg/all, want)
			}
		}
		if !found {
			t.Errorf("no label of %s applied", kind)
		}
	}
}

func matrixNames(g []*matrixKind) string {
	var names []string
	for _, mk := range g {
		if mk != nil {
			names = append(names, mk.k.Name)
		}
	}
	return strings.Join(names, ", ")
}

// movedSpans are the days a kind moves rows to, beyond its window: their
// alerts are the anomaly's, not false alerts. timestamp_shift moves the
// window's times by offset (default −5h: into the day before), and
// late_arrival by delay (default 2h: into the next day).
func movedSpans(k *planner.Kind, start, end time.Time) []span {
	for _, p := range k.Params {
		if (k.Name == "timestamp_shift" && p.Name == "offset") || (k.Name == "late_arrival" && p.Name == "delay") {
			d, err := time.ParseDuration(p.Default)
			if err != nil {
				return nil
			}
			return []span{{start.Add(min(d, 0)), end.Add(max(d, 0))}}
		}
	}
	return nil
}

// matrixBlock is k's catalog example at its defaults (as
// examples/quickstart's strength test builds it): the example's target,
// column (or matrixColumns's) and with, the kind's required arguments
// and, for the segment kinds, the segment block; no volume, amplitude or
// other setting, so that every default applies; and the window [start,
// end). It returns the column the kind changes ("" for a table-level
// kind; schema_add_column: the column it adds), the segment's column
// (segment kinds) and the with column (swapped_columns).
func matrixBlock(t *testing.T, k *planner.Kind, start, end time.Time) (block, col, seg, with string) {
	t.Helper()
	ex := providertest.KindExampleDefaults(t, k)
	var parts []string
	for name, text := range ex.Attrs {
		switch name {
		case "column":
			col = ex.Strings[name]
			if c, ok := matrixColumns[k.Name]; ok {
				col, text = c, fmt.Sprintf("column = %q", c)
			}
		case "with":
			with = ex.Strings[name]
		case "name":
			if k.Name == "schema_add_column" {
				col = ex.Strings[name]
			}
		}
		parts = append(parts, text)
	}
	sort.Strings(parts)
	if strings.HasPrefix(k.Name, "segment_") {
		for _, s := range ex.Segments {
			parts = append(parts, s.Text)
			if s.Column != "" {
				seg = s.Column
			}
		}
	}
	if !k.NoWindow {
		parts = append(parts, fmt.Sprintf("window {\n    start    = %q\n    duration = %q\n  }", start.Format(time.RFC3339), fmt.Sprintf("%dh", int(end.Sub(start).Hours()))))
	}
	if !k.NeedsColumn && !k.NoWindow {
		col = ""
	}
	return fmt.Sprintf("anomaly %q \"x\" {\n  %s\n}\n", k.Name, strings.Join(parts, "\n  ")), col, seg, with
}

// matrixTable renders a run's results, strongest first.
func matrixTable(rs []matrixResult) string {
	rs = append([]matrixResult(nil), rs...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Z > rs[j].Z })
	var b strings.Builder
	b.WriteString("| kind | family | column | day | rows | outcome | best |z| | on metric | its run's alerts on other days (clean table) |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		z, metric := "", r.Metric
		if r.Z >= 0 {
			z = fmt.Sprintf("%.1f", r.Z)
		}
		if r.Capped {
			metric += " (capped)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %s | %s | %s | %d (%d) |\n", r.Kind, r.Family, r.Column, r.Day, r.Rows, r.Outcome, z, metric, r.Others, r.CleanOthers)
	}
	return b.String()
}

// TestDescribeDetectStrength: `anomgen anomalies describe` prints the
// strength the matrix recorded (planner/detect_strength.json), and -json
// carries it.
func TestDescribeDetectStrength(t *testing.T) {
	dir := t.TempDir()
	for _, k := range planner.Kinds() {
		s := k.DetectStrength()
		if s == nil {
			t.Errorf("%s: no recorded strength", k.Name)
			continue
		}
		r := mustOK(t, cli(t, dir, "anomalies", "describe", k.Name))
		wantAll(t, r, r.stdout, "Measured: at its defaults, anomgen detect -seasonality day_of_week flags it on "+s.Metric, "|z| "+s.Range(), "over the seven weekdays")
		r = mustOK(t, cli(t, dir, "anomalies", "describe", k.Name, "-json"))
		var got struct {
			DetectStrength *planner.DetectStrength `json:"detect_strength"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.DetectStrength == nil || *got.DetectStrength != *s {
			t.Errorf("%s -json: detect_strength %+v (%v), want %+v", k.Name, got.DetectStrength, err, *s)
		}
	}
}
