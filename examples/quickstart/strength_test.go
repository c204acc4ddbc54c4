package quickstart

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
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
	"unicode"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"

	_ "github.com/anomgen/anomgen/providers/sqlite"
)

// The strength measurement: every kind of the catalog, at its defaults, on
// the demo shop as `anomgen demo` generates it (the generator's defaults:
// about 3,000 orders on a weekday, 20,000 customers, seed 1), judged by a
// standard monitor that knows nothing of the generator (monitor below):
// daily buckets, a baseline of the 14 days before, z = (x − mean) / sd,
// flagged at |z| > 3, no correction for the weekly rhythm. The catalog's
// descriptions state the figure for each kind ("At the defaults a daily
// monitor sees <metric> at z = <z>"), and the README lists them; this test
// fails when a measured figure moves away from the stated one.

const (
	// strengthDays of history: the last 7 days each have 14 days before
	// them, so that a window on any weekday (seasonality_break's 14 days)
	// is judged against a full baseline.
	strengthDays = 21
	baselineDays = 14
	// zFlag is the monitor's threshold.
	zFlag = 3
)

// strengthNow is midnight UTC at the end of a Wednesday, the day the 24-hour
// windows cover: the monitor's daily bucket and the default window
// coincide. Any midnight would do; the weekly rhythm makes row counts of a
// busy Saturday or Sunday harder to push below the baseline and easier to
// push above it.
var strengthNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// strengthSkipped are the kinds the demo shop gives nothing to work on.
var strengthSkipped = map[string]string{
	"date_format":         "needs a text column of dates; the shop has none",
	"encoding_corruption": "changes non-ASCII values only; the shop's text is ASCII",
}

// strengthSegment are the kinds whose defaults need the example's segment
// block.
var strengthSegment = map[string]bool{"segment_spike": true, "segment_drop": true}

// strengthBlock is k's catalog example reduced to its defaults: the
// example's column (and with), the kind's required arguments and, where the
// kind needs one, its segment block; no volume, amplitude, window or other
// setting, so that every default applies.
func strengthBlock(t testing.TB, k *planner.Kind) string {
	t.Helper()
	ex := providertest.KindExampleDefaults(t, k)
	var parts []string
	for _, text := range ex.Attrs {
		parts = append(parts, text)
	}
	sort.Strings(parts)
	if strengthSegment[k.Name] {
		for _, seg := range ex.Segments {
			parts = append(parts, seg.Text)
		}
	}
	return fmt.Sprintf("anomaly %q \"x\" {\n  %s\n}\n", k.Name, strings.Join(parts, "\n  "))
}

// finding is one metric of one day: its z-score against the 14 days
// before, the same day's z without the anomaly (control), the baseline's
// mean and the value seen.
type finding struct {
	metric, day           string
	z, control, mean, got float64
}

// strengthResult is what the monitor saw of one kind: the standard metric
// that catches it (or, where none does, the one that moved most), and
// where the standard metrics flag nothing, the targeted check that moved
// most.
type strengthResult struct {
	std, check *finding
	rows       *finding // the row count on std's day, for the report
	flagged    []string // every metric beyond ±3 (∞ included)
}

// pick returns, among the metrics the anomaly moved (z differs from the
// control's), the flagged finding of largest finite |z|; else the first
// (by name) that left a baseline that never varied (z = ±∞); else the one
// the anomaly moved most (largest |z − control|).
func pick(fs []finding) *finding {
	var flagged, inf, moved *finding
	for i := range fs {
		f := &fs[i]
		switch {
		case f.z == f.control:
			continue // not the anomaly's doing
		case math.IsInf(f.z, 0):
			if inf == nil || f.metric < inf.metric {
				inf = f
			}
		case math.Abs(f.z) > zFlag && (flagged == nil || math.Abs(f.z) > math.Abs(flagged.z)):
			flagged = f
		case moved == nil || math.Abs(f.z-f.control) > math.Abs(moved.z-moved.control):
			moved = f
		}
	}
	switch {
	case flagged != nil:
		return flagged
	case inf != nil:
		return inf
	}
	return moved
}

func TestDefaultStrength(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 21 days of the demo shop")
	}
	shop := newStrengthShop(t, strengthNow)
	results := map[string]strengthResult{}
	var report strings.Builder
	for _, k := range planner.Kinds() {
		if strings.HasPrefix(k.Name, "schema_") {
			continue // schema kinds change the table's definition, not a daily metric
		}
		if why, ok := strengthSkipped[k.Name]; ok {
			fmt.Fprintf(&report, "%-20s skipped: %s\n", k.Name, why)
			continue
		}
		block := strengthBlock(t, k)
		if !t.Run(k.Name, func(t *testing.T) { results[k.Name] = shop.measure(t, block) }) {
			continue
		}
		r := results[k.Name]
		fmt.Fprintf(&report, "%-20s %s", k.Name, r.std)
		if r.check != nil {
			fmt.Fprintf(&report, "; not flagged; check: %s", r.check)
		}
		fmt.Fprintf(&report, "; %d flagged; row count z=%s\n", len(r.flagged), fmtZ(r.rows.z))
		if testing.Verbose() && len(r.flagged) < 20 {
			for _, f := range r.flagged {
				fmt.Fprintf(&report, "    %s\n", f)
			}
		}
	}
	shop.checkIntact(t)
	t.Log("\n" + report.String())
	checkClaims(t, results)
}

// BenchmarkStrengthWeekdays measures the kinds that add or remove rows on
// each day of the week (their window's day), because the weekly rhythm
// decides how visible they are to a monitor without seasonality
// correction. It measures rather than times; run it with
//
//	go test -run '^$' -bench StrengthWeekdays -benchtime 1x ./examples/quickstart/
func BenchmarkStrengthWeekdays(b *testing.B) {
	kinds := []string{"volume_drop", "late_arrival", "stale_data", "missing_partition", "volume_spike", "duplicate_rows", "segment_drop", "segment_spike"}
	rows := map[string][]string{}
	for range b.N {
		for i := range 7 {
			now := strengthNow.AddDate(0, 0, i-6)
			shop := newStrengthShop(b, now)
			for _, name := range kinds {
				r := shop.measure(b, strengthBlock(b, planner.LookupKind(name)))
				rows[name] = append(rows[name], fmt.Sprintf("%s / %s", fmtZ(r.rows.z), fmtZ(r.std.z)))
			}
			shop.checkIntact(b)
		}
	}
	var report strings.Builder
	report.WriteString("z of the row count / of the standard metric that moved most, on the window's day:\n")
	fmt.Fprintf(&report, "%-18s", "")
	for i := range 7 {
		fmt.Fprintf(&report, " %-14s", strengthNow.AddDate(0, 0, i-7).Weekday())
	}
	report.WriteString("\n")
	for _, name := range kinds {
		fmt.Fprintf(&report, "%-18s", name)
		for _, c := range rows[name][:7] {
			fmt.Fprintf(&report, " %-14s", c)
		}
		report.WriteString("\n")
	}
	b.Log("\n" + report.String())
}

// strengthShop is the demo shop generated for one measurement, with what
// the monitor saw of every day before any anomaly.
type strengthShop struct {
	now       time.Time
	db        *providertest.SQLite
	mon       *monitor
	days      []time.Time
	history   map[string]observation
	dayHash   map[string]string
	baselines map[string]*baselineInfo
	rows      int64
	maxID     int64
	src       string
}

// newStrengthShop generates strengthDays of the shop ending at now, at the
// generator's defaults, and observes every day.
func newStrengthShop(tb testing.TB, now time.Time) *strengthShop {
	tb.Helper()
	s := &strengthShop{now: now, db: providertest.NewSQLite(tb), history: map[string]observation{}, dayHash: map[string]string{}, baselines: map[string]*baselineInfo{}}
	if _, err := Generate(context.Background(), s.db.DB, Options{Days: strengthDays, Now: now}); err != nil {
		tb.Fatal(err)
	}
	s.mon = newMonitor(tb, s.db.DB, "orders", "id", "created_at")
	for d := now.AddDate(0, 0, -strengthDays); d.Before(now); d = d.AddDate(0, 0, 1) {
		s.days = append(s.days, d)
	}
	for _, d := range s.days {
		s.history[dayKey(d)], s.dayHash[dayKey(d)] = s.mon.observe(d, d.AddDate(0, 0, 1).Equal(now))
	}
	for _, d := range s.days[baselineDays:] {
		s.baselines[dayKey(d)] = s.mon.newBaseline(baseline(s.history, d))
	}
	if err := s.db.DB.QueryRow("SELECT COUNT(*), MAX(id) FROM orders").Scan(&s.rows, &s.maxID); err != nil {
		tb.Fatal(err)
	}
	s.src = fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n  allow_writes = true\n}\ntarget \"orders\" {\n  source = source.sqlite.db\n  table = \"orders\"\n  time_column = \"created_at\"\n}\n", s.db.Path)
	return s
}

// measure applies block, lets the monitor judge the days its window
// touches (among those with a full baseline), and rolls it back.
func (s *strengthShop) measure(tb testing.TB, block string) strengthResult {
	tb.Helper()
	ctx := context.Background()
	s.mon.t = tb
	dir := tb.TempDir()
	cfg, diags := config.LoadFiles(dir, map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(s.src + block)}, config.Options{})
	if diags.HasErrors() {
		tb.Fatalf("%s\n%s", diags.Error(), block)
	}
	eng := executor.New(cfg)
	defer eng.Close()
	if err := eng.Open(ctx, []string{"source.sqlite.db"}); err != nil {
		tb.Fatal(err)
	}
	st := state.New()
	save := func(*state.State) error { return nil }
	run := func(destroy bool) *planner.Plan {
		tb.Helper()
		profiles, diags := eng.Profiles(ctx, nil)
		if diags.HasErrors() {
			tb.Fatal(diags.Error())
		}
		p, diags := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: s.now, Destroy: destroy})
		if diags.HasErrors() {
			tb.Fatalf("%s\n%s", diags.Error(), block)
		}
		if err := eng.Count(ctx, p); err != nil {
			tb.Fatal(err)
		}
		if _, err := eng.Apply(ctx, p, st, save); err != nil {
			tb.Fatal(err)
		}
		return p
	}
	p := run(false)
	if len(p.Changes) != 1 {
		tb.Fatalf("plan has %d changes, want 1", len(p.Changes))
	}
	// The days the window touches among those with a full baseline; an
	// open window (stale_data) runs until now.
	from, to := s.now.AddDate(0, 0, -(strengthDays-baselineDays)), s.now
	if w := p.Changes[0].Window; w != nil {
		if w.Start.After(from) {
			from = w.Start
		}
		if !w.End.IsZero() && w.End.Before(to) {
			to = w.End
		}
	}
	touched := func(d time.Time) bool { return d.Before(to) && d.AddDate(0, 0, 1).After(from) }
	var std, checks []finding
	res := strengthResult{}
	for _, d := range s.days {
		if !touched(d) {
			continue
		}
		after, _ := s.mon.observe(d, d.AddDate(0, 0, 1).Equal(s.now))
		bi := s.baselines[dayKey(d)]
		control := s.mon.metrics(s.history[dayKey(d)], bi)
		for name, x := range s.mon.metrics(after, bi) {
			series := bi.series(name)
			f := finding{metric: name, day: dayKey(d), z: zScore(x, series), control: zScore(control[name], series), mean: mean(series), got: x}
			if math.Abs(f.z) > zFlag {
				res.flagged = append(res.flagged, fmt.Sprintf("%s %s z=%s", f.day, name, fmtZ(f.z)))
			}
			if targeted(name) {
				checks = append(checks, f)
			} else {
				std = append(std, f)
			}
		}
	}
	sort.Strings(res.flagged)
	if res.std = pick(std); res.std == nil {
		tb.Fatal("the monitor saw no bucket of the window")
	}
	if math.Abs(res.std.z) <= zFlag {
		res.check = pick(checks)
	}
	for i := range std {
		if std[i].metric == "row count" && std[i].day == res.std.day {
			res.rows = &std[i]
		}
	}
	run(true)
	// Rollback: the window's days hold the same rows as before and the
	// largest key is the same; checkIntact compares the whole table.
	for _, d := range s.days {
		if touched(d) {
			if h := s.mon.hash(s.mon.dayQuery(d)); h != s.dayHash[dayKey(d)] {
				tb.Fatalf("after rollback the rows of %s differ from before", dayKey(d))
			}
		}
	}
	var m int64
	if err := s.db.DB.QueryRow("SELECT MAX(id) FROM orders").Scan(&m); err != nil || m != s.maxID {
		tb.Fatalf("after rollback the largest id is %d (%v), want %d", m, err, s.maxID)
	}
	return res
}

// checkIntact compares the whole table with how it was generated: every
// day's rows, and no row besides.
func (s *strengthShop) checkIntact(tb testing.TB) {
	tb.Helper()
	s.mon.t = tb
	for _, d := range s.days {
		if h := s.mon.hash(s.mon.dayQuery(d)); h != s.dayHash[dayKey(d)] {
			tb.Errorf("after every rollback the rows of %s differ from before", dayKey(d))
		}
	}
	var n int64
	if err := s.db.DB.QueryRow("SELECT COUNT(*) FROM orders").Scan(&n); err != nil || n != s.rows {
		tb.Errorf("after every rollback the table has %d rows (%v), want %d", n, err, s.rows)
	}
}

func (f *finding) String() string {
	return fmt.Sprintf("%s z=%s (%s: %.4g → %.4g; without the anomaly z=%s)", f.metric, fmtZ(f.z), f.day, f.mean, f.got, fmtZ(f.control))
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// claimPattern is how a kind's description states its measured strength;
// checkPattern adds, for a kind the standard metrics do not flag, the
// targeted check that catches it.
var (
	claimPattern = regexp.MustCompile(`[Aa]t the defaults a daily monitor sees the (.+?) at z = ([−+-]?(?:∞|[0-9]+(?:\.[0-9]+)?))`)
	checkPattern = regexp.MustCompile(`which it does not flag; a check of the (.+?) sees z = ([−+-]?(?:∞|[0-9]+(?:\.[0-9]+)?))`)
)

// checkClaims holds each kind's description, and the README's strength
// table, to the figures measured: the metric named must be the one found
// (pick), its z within 10% (or 0.3) of the stated one, and a kind the
// standard metrics do not flag must say so and name the targeted check
// with its z.
func checkClaims(t *testing.T, results map[string]strengthResult) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	same := func(stated string, got float64) bool {
		want := parseZ(stated)
		if math.IsInf(want, 0) || math.IsInf(got, 0) {
			return want == got
		}
		return math.Abs(got-want) <= math.Max(0.3, 0.1*math.Abs(want))
	}
	for _, k := range planner.Kinds() {
		for _, stale := range []string{"far beyond", "7 standard deviations", "7σ"} {
			if strings.Contains(k.Description, stale) {
				t.Errorf("%s: the description claims %q, which no measurement backs", k.Name, stale)
			}
		}
		r, ok := results[k.Name]
		if !ok {
			continue
		}
		want := fmt.Sprintf("At the defaults a daily monitor sees the %s at z = %s", r.std.metric, fmtZ(r.std.z))
		row := fmt.Sprintf("| %s | %s | %s | — | — |", k.Name, r.std.metric, fmtZ(r.std.z))
		if r.check != nil {
			want += fmt.Sprintf(", which it does not flag; a check of the %s sees z = %s", r.check.metric, fmtZ(r.check.z))
			row = fmt.Sprintf("| %s | %s | %s | %s | %s |", k.Name, r.std.metric, fmtZ(r.std.z), r.check.metric, fmtZ(r.check.z))
		}
		m := claimPattern.FindStringSubmatch(k.Description)
		switch {
		case m == nil:
			t.Errorf("%s: the description states no measured strength; want %q", k.Name, want)
		case m[1] != r.std.metric || !same(m[2], r.std.z):
			t.Errorf("%s: the description states the %s at z = %s; measured: %q", k.Name, m[1], m[2], want)
		}
		c := checkPattern.FindStringSubmatch(k.Description)
		switch {
		case r.check == nil && c != nil:
			t.Errorf("%s: the description says the monitor does not flag it, but it does; want %q", k.Name, want)
		case r.check != nil && c == nil:
			t.Errorf("%s: the standard metrics do not flag it and the description does not say so; want %q", k.Name, want)
		case r.check != nil && (c[1] != r.check.metric || !same(c[2], r.check.z)):
			t.Errorf("%s: the description states the check of the %s at z = %s; measured: %q", k.Name, c[1], c[2], want)
		}
		if !strings.Contains(string(readme), row) && !readmeRowClose(string(readme), k.Name, r, same) {
			t.Errorf("README.md's strength table lacks the row %q", row)
		}
	}
}

// readmeRowClose reports whether the README has a row for kind whose
// metrics are r's and whose figures are within the tolerance.
func readmeRowClose(readme, kind string, r strengthResult, same func(string, float64) bool) bool {
	for _, line := range strings.Split(readme, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 7 || strings.TrimSpace(cells[1]) != kind {
			continue
		}
		cell := func(i int) string { return strings.TrimSpace(cells[i]) }
		if cell(2) != r.std.metric || !same(cell(3), r.std.z) {
			return false
		}
		if r.check == nil {
			return cell(4) == "—" && cell(5) == "—"
		}
		return cell(4) == r.check.metric && same(cell(5), r.check.z)
	}
	return false
}

// fmtZ prints z as the descriptions do: one decimal below 10, whole numbers
// up to 100, two significant digits above; a minus sign for negatives.
func fmtZ(z float64) string {
	var s string
	switch a := math.Abs(z); {
	case math.IsNaN(z):
		return "NaN"
	case math.IsInf(z, 0):
		s = "∞"
	case a < 10:
		s = strconv.FormatFloat(a, 'f', 1, 64)
	case a < 100:
		s = strconv.FormatFloat(math.Round(a), 'f', 0, 64)
	default:
		p := math.Pow(10, math.Floor(math.Log10(a))-1)
		s = strconv.FormatFloat(math.Round(a/p)*p, 'f', 0, 64)
	}
	if z < 0 {
		return "−" + s
	}
	return "+" + s
}

func parseZ(s string) float64 {
	neg := strings.HasPrefix(s, "−") || strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "−+-")
	f := math.Inf(1)
	if s != "∞" {
		f, _ = strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	}
	if neg {
		return -f
	}
	return f
}

// The monitor: what a standard data-quality monitor computes per daily
// bucket of a table, written without knowledge of how the data was made.
//
// Standard metrics. Table: the row count and freshness (hours from the
// bucket's end to the newest time value; at the last bucket, to the newest
// value at all). Every column but the key and the time column: null share
// and distinct count; numbers also mean and standard deviation; text
// columns with at most 20 distinct values over the baseline also the share
// of each value.
//
// Targeted checks, which a user sets up per column and which only count
// where the standard metrics flag nothing: per text column the blank share
// ('' or spaces), the share of values in the column's usual shape (letters,
// digits and the rest, runs collapsed: "anna.smith12@example.com" is
// "a.a9@a.a"), the share of its commonest value; for the table the share of
// rows equal to another row of the bucket but for the key.

type monitor struct {
	t                   testing.TB
	db                  *sql.DB
	table, key, timeCol string
}

// observation is one bucket's raw figures, from which metrics derive.
type observation struct {
	rows, freshness, dupRows float64
	nonNull, distinct        map[string]float64
	sum, sum2, nums          map[string]float64
	counts                   map[string]map[string]float64 // text values
	shapes                   map[string]map[string]float64 // text shapes
	blank                    map[string]float64
}

// baselineInfo is what the monitor derives from the 14 days before a
// bucket: which columns hold text, the values of category columns, the
// usual shape of each text column, and each day's metrics.
type baselineInfo struct {
	text       map[string]bool
	categories map[string]map[string]bool
	shape      map[string]string
	days       []map[string]float64
}

func newMonitor(t testing.TB, db *sql.DB, table, key, timeCol string) *monitor {
	return &monitor{t: t, db: db, table: table, key: key, timeCol: timeCol}
}

func dayKey(d time.Time) string { return d.Format("2006-01-02") }

const monitorLayout = "2006-01-02 15:04:05"

// observe reads the bucket [d, d+1 day) and returns its observation and a
// hash of its rows. At the last bucket freshness is measured against every
// row of the table, future ones included.
func (m *monitor) observe(d time.Time, last bool) (observation, string) {
	m.t.Helper()
	end := d.AddDate(0, 0, 1)
	rows, err := m.db.Query(m.dayQuery(d))
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	o := observation{nonNull: map[string]float64{}, distinct: map[string]float64{}, sum: map[string]float64{},
		sum2: map[string]float64{}, nums: map[string]float64{}, counts: map[string]map[string]float64{},
		shapes: map[string]map[string]float64{}, blank: map[string]float64{}}
	seen := make([]map[string]bool, len(cols))
	for i := range seen {
		seen[i] = map[string]bool{}
	}
	rowSeen := map[string]bool{}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	h := sha256.New()
	var buf, rest []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			m.t.Fatal(err)
		}
		o.rows++
		buf, rest = buf[:0], rest[:0]
		for i, c := range cols {
			s := valueText(vals[i])
			buf = append(append(buf, s...), '|')
			if s == "N" {
				rest = append(rest, "N|"...)
				continue
			}
			if c == m.key {
				continue
			}
			rest = append(append(rest, s...), '|')
			if c == m.timeCol {
				continue
			}
			o.nonNull[c]++
			if !seen[i][s] {
				seen[i][s] = true
				o.distinct[c]++
			}
			switch v := vals[i].(type) {
			case int64:
				o.add(c, float64(v))
			case float64:
				o.add(c, v)
			default:
				text := s[1:]
				if o.counts[c] == nil {
					o.counts[c], o.shapes[c] = map[string]float64{}, map[string]float64{}
				}
				o.counts[c][text]++
				o.shapes[c][shapeOf(text)]++
				if strings.TrimSpace(text) == "" {
					o.blank[c]++
				}
			}
		}
		h.Write(append(buf, '\n'))
		if rowSeen[string(rest)] {
			o.dupRows++
		}
		rowSeen[string(rest)] = true
	}
	if err := rows.Err(); err != nil {
		m.t.Fatal(err)
	}
	q := fmt.Sprintf("SELECT MAX(%s) FROM %s WHERE %s < ?", m.timeCol, m.table, m.timeCol)
	args := []any{end.Format(monitorLayout)}
	if last {
		q, args = fmt.Sprintf("SELECT MAX(%s) FROM %s", m.timeCol, m.table), nil
	}
	var newest sql.NullString
	if err := m.db.QueryRow(q, args...).Scan(&newest); err != nil {
		m.t.Fatal(err)
	}
	if at, err := time.Parse(monitorLayout, newest.String); err == nil {
		o.freshness = end.Sub(at).Hours()
	}
	return o, hex.EncodeToString(h.Sum(nil))
}

// dayQuery selects the rows of the bucket [d, d+1 day) in time and key
// order.
func (m *monitor) dayQuery(d time.Time) string {
	return fmt.Sprintf("SELECT * FROM %s WHERE %s >= '%s' AND %s < '%s' ORDER BY %s, %s", m.table,
		m.timeCol, d.Format(monitorLayout), m.timeCol, d.AddDate(0, 0, 1).Format(monitorLayout), m.timeCol, m.key)
}

// valueText is a value with its type: N for NULL, i, f, s or b and the
// value for integers, floats, text and bytes.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return "N"
	case int64:
		return "i" + strconv.FormatInt(v, 10)
	case float64:
		return "f" + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return "s" + v
	case []byte:
		return "b" + string(v)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// hash is a SHA-256 of the rows of query, every value with its type.
func (m *monitor) hash(query string) string {
	m.t.Helper()
	rows, err := m.db.Query(query)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	h := sha256.New()
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			m.t.Fatal(err)
		}
		buf = buf[:0]
		for _, v := range vals {
			buf = append(append(buf, valueText(v)...), '|')
		}
		h.Write(append(buf, '\n'))
	}
	if err := rows.Err(); err != nil {
		m.t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (o *observation) add(c string, x float64) {
	o.sum[c] += x
	o.sum2[c] += x * x
	o.nums[c]++
}

// shapeOf maps digits to 9 and letters to a or A, collapsing runs.
func shapeOf(s string) string {
	var b []rune
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			r = '9'
		case unicode.IsUpper(r):
			r = 'A'
		case unicode.IsLetter(r):
			r = 'a'
		}
		if n := len(b); n > 0 && b[n-1] == r && (r == '9' || r == 'a' || r == 'A') {
			continue
		}
		b = append(b, r)
	}
	return string(b)
}

// newBaseline derives what the monitor needs from the baseline's
// observations.
func (m *monitor) newBaseline(base []observation) *baselineInfo {
	bi := &baselineInfo{text: map[string]bool{}, categories: map[string]map[string]bool{}, shape: map[string]string{}}
	values := map[string]map[string]bool{}
	shapes := map[string]map[string]float64{}
	for _, b := range base {
		for c, vs := range b.counts {
			bi.text[c] = true
			if values[c] == nil {
				values[c], shapes[c] = map[string]bool{}, map[string]float64{}
			}
			for v := range vs {
				values[c][v] = true
			}
			for sh, n := range b.shapes[c] {
				shapes[c][sh] += n
			}
		}
	}
	for c, vs := range values {
		if len(vs) <= 20 {
			bi.categories[c] = vs
		}
		var best string
		for sh, n := range shapes[c] {
			if n > shapes[c][best] || (n == shapes[c][best] && sh < best) {
				best = sh
			}
		}
		bi.shape[c] = best
	}
	for _, b := range base {
		bi.days = append(bi.days, m.metrics(b, bi))
	}
	return bi
}

// series returns a metric's values over the baseline (0 where a day lacks
// it: a category value that did not occur).
func (bi *baselineInfo) series(name string) []float64 {
	var out []float64
	for _, d := range bi.days {
		out = append(out, d[name])
	}
	return out
}

// metrics are the bucket's standard metrics and targeted checks (the
// latter named in targeted).
func (m *monitor) metrics(o observation, bi *baselineInfo) map[string]float64 {
	out := map[string]float64{"row count": o.rows, "freshness": o.freshness}
	if o.rows == 0 {
		return out
	}
	out["duplicate-row share"] = o.dupRows / o.rows
	cols := map[string]bool{}
	for c := range o.nonNull {
		cols[c] = true
	}
	for c := range bi.text {
		cols[c] = true
	}
	for _, d := range bi.days {
		for name := range d {
			if c, ok := strings.CutPrefix(name, "null share of "); ok {
				cols[c] = true
			}
		}
	}
	for c := range cols {
		out["null share of "+c] = 1 - o.nonNull[c]/o.rows
		out["distinct count of "+c] = o.distinct[c]
		if n := o.nums[c]; n > 1 && !bi.text[c] {
			mean := o.sum[c] / n
			out["mean of "+c] = mean
			out["standard deviation of "+c] = math.Sqrt(math.Max(0, (o.sum2[c]-n*mean*mean)/(n-1)))
		}
		if !bi.text[c] || o.nonNull[c] == 0 {
			continue
		}
		nn := o.nonNull[c]
		out["blank share of "+c] = o.blank[c] / nn
		out["usual-shape share of "+c] = o.shapes[c][bi.shape[c]] / nn
		var top float64
		for _, n := range o.counts[c] {
			top = math.Max(top, n)
		}
		out["top-value share of "+c] = top / nn
		if values := bi.categories[c]; values != nil {
			for v := range values {
				out[fmt.Sprintf("share of '%s' in %s", v, c)] = o.counts[c][v] / nn
			}
			for v, n := range o.counts[c] {
				out[fmt.Sprintf("share of '%s' in %s", v, c)] = n / nn
			}
		}
	}
	return out
}

// targeted reports whether metric name is a targeted check rather than a
// standard metric.
func targeted(name string) bool {
	for _, p := range []string{"duplicate-row share", "blank share of ", "usual-shape share of ", "top-value share of "} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// baseline returns the observations of the 14 days before d.
func baseline(history map[string]observation, d time.Time) []observation {
	var out []observation
	for i := baselineDays; i >= 1; i-- {
		out = append(out, history[dayKey(d.AddDate(0, 0, -i))])
	}
	return out
}

// zScore is (x − mean) / sd over the baseline series (sample standard
// deviation); ±∞ when the series never varied and x differs from it.
func zScore(x float64, series []float64) float64 {
	var mean, sd float64
	for _, v := range series {
		mean += v
	}
	mean /= float64(len(series))
	for _, v := range series {
		sd += (v - mean) * (v - mean)
	}
	sd = math.Sqrt(sd / float64(len(series)-1))
	switch {
	case sd > 0:
		return (x - mean) / sd
	case x == mean:
		return 0
	case x > mean:
		return math.Inf(1)
	}
	return math.Inf(-1)
}
