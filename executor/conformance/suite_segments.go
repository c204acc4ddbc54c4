package conformance

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/state"
)

// RunSegments runs segments and the selection mechanisms against b, then
// composition (five anomalies on two columns rolled back one by one in an
// order of the user's, not the reverse) and determinism (apply, rollback,
// apply again: the same journal). It uses the row kinds' data (days 8 to
// 18) and their template database.
func RunSegments(t *testing.T, b Backend) {
	s := newSuite(t, b, rowData())
	for _, c := range segmentCases(s.data) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testSegmentCase(t, s, c) })
	}
	t.Run("composition", func(t *testing.T) { t.Parallel(); testComposition(t, s) })
	t.Run("determinism", func(t *testing.T) { t.Parallel(); testDeterminism(t, s) })
}

// segmentCase is one anomaly with its expected rows, computed in Go from
// the data: the window rows the plan counts, the ids it changes, and the
// share to check (changed / base rows, ±2 points).
type segmentCase struct {
	name, addr, block string
	windowRows        int64
	want              []int64
	base              int64
	share             float64
	// check measures more after apply, with the snapshot before.
	check func(t *testing.T, h *harness, before snapshot, changed []int64)
}

// rankChosen is the value_dependent choice in Go: rows of the window
// ranked by amount (PERCENT_RANK, ascending for high, descending for low),
// each chosen when its hash is below rank · 2·share·2^32.
func rankChosen(data []order, inWin func(order) bool, seed int64, share float64, low bool) []int64 {
	var vals []int64
	for _, o := range data {
		if inWin(o) {
			vals = append(vals, o.cents)
		}
	}
	n := len(vals)
	factor := 2 * share * (1 << 32)
	var ids []int64
	for _, o := range data {
		if !inWin(o) {
			continue
		}
		below := 0
		for _, v := range vals {
			if (!low && v < o.cents) || (low && v > o.cents) {
				below++
			}
		}
		r := float64(below) / float64(n-1)
		sum := md5.Sum([]byte(strconv.FormatInt(seed, 10) + ":" + strconv.FormatInt(o.id, 10)))
		if float64(binary.BigEndian.Uint32(sum[:4])) < r*factor {
			ids = append(ids, o.id)
		}
	}
	slices.Sort(ids)
	return ids
}

func segmentCases(data []order) []segmentCase {
	win := absWindow(winFrom, winTo.Sub(winFrom))
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	inSeg := func(o order) bool {
		return inWin(o) && !o.statusNull && (o.status == "paid" || o.status == "shipped") && o.qty <= 5
	}
	refunded := func(o order) bool { return !o.statusNull && o.status == "refunded" }
	W := countOrders(data, inWin)
	byID := map[int64]order{}
	for _, o := range data {
		byID[o.id] = o
	}
	meanCents := func(keep func(order) bool) (float64, float64) {
		var sum, sq, n float64
		for _, o := range data {
			if keep(o) {
				x := float64(o.cents)
				sum, sq, n = sum+x, sq+x*x, n+1
			}
		}
		m := sum / n
		return m, math.Sqrt(sq/n - m*m)
	}
	winMean, winSD := meanCents(inWin)
	// The chosen rows' mean rank is E[r²]/E[r] = 2/3 instead of 1/2: for
	// amounts spread evenly that moves their mean by about 0.58 σ. Half of
	// that cannot happen by chance: the standard error of the mean of ~700
	// rows is about 0.04 σ.
	const margin = 0.3
	biased := func(high bool) func(t *testing.T, h *harness, before snapshot, changed []int64) {
		return func(t *testing.T, h *harness, before snapshot, changed []int64) {
			var sum float64
			for _, id := range changed {
				sum += float64(byID[id].cents)
			}
			m := sum / float64(len(changed))
			d := (m - winMean) / winSD
			t.Logf("changed rows' mean amount %.2f, window mean %.2f (σ %.2f): %+.2f σ", m/100, winMean/100, winSD/100, d)
			if high && d < margin || !high && d > -margin {
				t.Errorf("changed rows' mean amount is %+.2f σ from the window mean, want %s%.1f σ", d, map[bool]string{true: "above +", false: "below -"}[high], margin)
			}
		}
	}
	segBlock := `  column = "email"
  volume = 0.3
  seed   = 21
  segment {
    column = "status"
    values = ["paid", "shipped"]
  }
  segment {
    column = "qty"
    values = ["1", "2", "3", "4", "5"]
  }
`
	// The window has 846 refunded rows with an email: ±2 points is about
	// 1.1 σ of the binomial share, so the seed is one whose share lands
	// within it (seed 29: 257 rows, 0.304); the ids are checked exactly.
	condBlock := `  column    = "email"
  volume    = 0.3
  seed      = 29
  mechanism = "conditional"
  condition {
    column = "status"
    values = ["refunded"]
  }
`
	vd := func(seed int64, bias string) string {
		return fmt.Sprintf("  column    = \"amount\"\n  amplitude = 0.5\n  volume    = 0.2\n  seed      = %d\n  mechanism = \"value_dependent\"\n  bias      = %q\n", seed, bias)
	}
	return []segmentCase{
		{
			name: "segment", addr: "anomaly.null_rate.k", block: anomalyBlock("null_rate", "k", segBlock, win),
			windowRows: countOrders(data, inSeg),
			want:       idsOf(data, func(o order) bool { return inSeg(o) && !o.emailNull && chosen(21, 0.3, o.id) }),
			base:       countOrders(data, func(o order) bool { return inSeg(o) && !o.emailNull }), share: 0.3,
			check: func(t *testing.T, h *harness, before snapshot, changed []int64) {
				for _, id := range changed {
					if !inSeg(byID[id]) {
						t.Errorf("row %d outside the segment changed", id)
						break
					}
				}
			},
		},
		{
			name: "conditional", addr: "anomaly.null_rate.k", block: anomalyBlock("null_rate", "k", condBlock, win),
			windowRows: W,
			want:       idsOf(data, func(o order) bool { return inWin(o) && refunded(o) && !o.emailNull && chosen(29, 0.3, o.id) }),
			base:       countOrders(data, func(o order) bool { return inWin(o) && refunded(o) && !o.emailNull }), share: 0.3,
			check: func(t *testing.T, h *harness, before snapshot, changed []int64) {
				for _, id := range changed {
					if !refunded(byID[id]) {
						t.Errorf("row %d does not match the condition (status %q) but changed", id, byID[id].status)
						break
					}
				}
			},
		},
		{
			name: "value_dependent/high", addr: "anomaly.numeric_shift.k", block: anomalyBlock("numeric_shift", "k", vd(23, "high"), win),
			windowRows: W, want: rankChosen(data, inWin, 23, 0.2, false), base: W, share: 0.2, check: biased(true),
		},
		{
			name: "value_dependent/low", addr: "anomaly.numeric_shift.k", block: anomalyBlock("numeric_shift", "k", vd(24, "low"), win),
			windowRows: W, want: rankChosen(data, inWin, 24, 0.2, true), base: W, share: 0.2, check: biased(false),
		},
	}
}

func testSegmentCase(t *testing.T, s *suite, c segmentCase) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	cfg := h.load(c.block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	if ch.WindowRows != c.windowRows || ch.Rows != int64(len(c.want)) {
		t.Errorf("plan counted %d rows of %d in the window, want %d of %d (computed from the data)", ch.Rows, ch.WindowRows, len(c.want), c.windowRows)
	}
	entry := h.applyCounted(t, e, p, st, c.addr, ch.Rows)
	d := diffSnapshots(before, h.snapshot())
	idsEqual(t, "changed ids", d.changed, c.want)
	if share := float64(len(d.changed)) / float64(c.base); math.Abs(share-c.share) > 0.02 {
		t.Errorf("changed %d of %d rows: share %.4f, want %.2f ± 0.02", len(d.changed), c.base, share, c.share)
	}
	c.check(t, h, before, d.changed)
	want := map[int64]bool{}
	for _, id := range c.want {
		want[id] = true
	}
	untouched := func(id int64) bool { return !want[id] }
	if got, w := h.snapshot().sum(untouched), before.sum(untouched); got != w {
		t.Errorf("rows the change must not touch differ: checksum %s, was %s", got, w)
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}

// planOnly plans the addresses only (all when none), destroying them with
// destroy, and counts.
func (h *harness) planOnly(e *executor.Engine, cfg *config.Config, st *state.State, destroy bool, only ...string) *planner.Plan {
	h.t.Helper()
	var profiles map[string]*planner.TableProfile
	if !destroy {
		pr, d := e.Profiles(h.ctx, nil)
		if d.HasErrors() {
			h.t.Fatalf("profiles: %s", d.Error())
		}
		profiles = pr
	}
	p, d := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: suiteNow, Destroy: destroy, Only: only})
	if d.HasErrors() {
		h.t.Fatalf("plan: %s", d.Error())
	}
	if err := e.Count(h.ctx, p); err != nil {
		h.t.Fatalf("count: %v", err)
	}
	return p
}

// journalRows reads a's journal: every row rendered as text, sorted.
func (h *harness) journalRows(a *state.Anomaly) []string {
	h.t.Helper()
	q := "SELECT * FROM " + h.journalTable(a)
	rows, err := h.db.QueryContext(h.ctx, q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals, ptrs := providers.ScanSlots(len(cols))
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprintf("%v", v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// testComposition applies three anomalies on amount and two on email in
// file order, then rolls them back one by one in an order of its own
// (neither file order nor its reverse). An anomaly rolled back while a
// later one still holds some of its rows reports exactly those rows as
// conflicts, restores the rest and stays applied; the later ones are
// rolled back, then it is rolled back again and finishes. The table ends
// byte-identical.
func testComposition(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	day12 := absWindow(suiteBase.AddDate(0, 0, 12), 24*time.Hour)
	win := absWindow(winFrom, winTo.Sub(winFrom))
	// amount: a frozen day, then a price bug on 60 % of the window, then
	// sign flips on half of it; email: a frozen day, then nulls.
	blocks := anomalyBlock("stuck_values", "a1", "  column = \"amount\"\n", day12) +
		anomalyBlock("numeric_shift", "a2", "  column = \"amount\"\n  amplitude = 0.5\n  volume = 0.6\n  seed = 32\n", win) +
		anomalyBlock("negative_values", "a3", "  column = \"amount\"\n  volume = 0.5\n  seed = 33\n", win) +
		anomalyBlock("stuck_values", "b1", "  column = \"email\"\n", day12) +
		anomalyBlock("null_rate", "b2", "  column = \"email\"\n  volume = 0.2\n  seed = 35\n", win)
	cfg := h.load(blocks)
	st := state.New()
	e := h.engine(cfg)
	var warnings []string
	events := e.Events
	e.Events = func(ev executor.Event) {
		if ev.Kind == executor.EventWarning {
			warnings = append(warnings, ev.Address+": "+ev.Message)
		}
		events(ev)
	}
	h.mustApply(e, h.planOnly(e, cfg, st, false), st)
	const (
		a1, a2, a3 = "anomaly.stuck_values.a1", "anomaly.numeric_shift.a2", "anomaly.negative_values.a3"
		b1, b2     = "anomaly.stuck_values.b1", "anomaly.null_rate.b2"
	)
	ids := map[string][]int64{}
	for _, addr := range []string{a1, a2, a3, b1, b2} {
		entry := st.Get(addr)
		if entry == nil || entry.Rows == 0 {
			t.Fatalf("%s: state entry %+v after apply, want rows", addr, entry)
		}
		ids[addr] = h.journalIDs(entry)
	}
	inter := func(x []int64, ys ...[]int64) []int64 {
		var out []int64
		for _, id := range x {
			for _, y := range ys {
				if _, ok := slices.BinarySearch(y, id); ok {
					out = append(out, id)
					break
				}
			}
		}
		return out
	}
	// a1 is rolled back first, while a2 and a3 still hold some of its rows:
	// exactly those are its conflicts. The other rollbacks find no rows of
	// theirs changed since.
	wantConflicts := map[string][]int64{a1: inter(ids[a1], ids[a2], ids[a3])}
	if len(wantConflicts[a1]) == 0 {
		t.Fatalf("%s shares no rows with the later anomalies; the test needs some", a1)
	}
	order := []string{a1, b2, a3, b1, a2} // applied a1 a2 a3 b1 b2
	for pass := 1; len(st.Anomalies) > 0; pass++ {
		if pass > 3 {
			t.Fatalf("still applied after %d passes: %d anomalies", pass-1, len(st.Anomalies))
		}
		for _, addr := range order {
			prior := st.Get(addr)
			if prior == nil {
				continue
			}
			warnings = warnings[:0]
			res, err := h.apply(e, h.planOnly(e, cfg, st, true, addr), st)
			want := wantConflicts[addr]
			if pass > 1 {
				want = nil
			}
			switch {
			case len(want) > 0:
				if !errors.Is(err, executor.ErrConflicts) || res.Conflicts != int64(len(want)) {
					t.Errorf("pass %d, rollback %s: err %v, %d conflicts; want ErrConflicts with %d (the rows later anomalies changed)", pass, addr, err, res.Conflicts, len(want))
				}
				keys := make([]string, 0, 10)
				for _, id := range want[:min(10, len(want))] {
					keys = append(keys, strconv.FormatInt(id, 10))
				}
				named := strings.Join(warnings, "\n")
				if !strings.Contains(named, "keys "+strings.Join(keys, ", ")) {
					t.Errorf("pass %d, rollback %s: the conflict report does not name keys %v:\n%s", pass, addr, keys, named)
				}
				if e := st.Get(addr); e == nil || e.Conflicts != int64(len(want)) {
					t.Errorf("pass %d: %s after a conflicting rollback: %+v, want it kept with %d conflicts", pass, addr, e, len(want))
				}
			case err != nil || res.Conflicts != 0:
				t.Errorf("pass %d, rollback %s: %v, %d conflicts; want none", pass, addr, err, res.Conflicts)
			default:
				h.journalGone(prior)
			}
		}
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rolling everything back the table checksum is %s, want the original %s", got, sumAll)
	}
}

// testDeterminism applies a random and a value_dependent anomaly, rolls
// them back and applies them again with the same seeds: the journals
// (keys, before and after values) are identical.
func testDeterminism(t *testing.T, s *suite) {
	h := s.harness(t)
	sumAll := h.initial().sum(nil)
	win := absWindow(winFrom, winTo.Sub(winFrom))
	cfg := h.load(anomalyBlock("null_rate", "r", "  column = \"email\"\n  volume = 0.3\n  seed = 41\n", win) +
		anomalyBlock("numeric_shift", "v", "  column = \"amount\"\n  amplitude = 0.5\n  volume = 0.2\n  seed = 42\n  mechanism = \"value_dependent\"\n", win))
	st := state.New()
	e := h.engine(cfg)
	addrs := []string{"anomaly.null_rate.r", "anomaly.numeric_shift.v"}
	read := func() (map[string][]string, string) {
		out := map[string][]string{}
		for _, a := range addrs {
			entry := st.Get(a)
			if entry == nil {
				t.Fatalf("%s not applied", a)
			}
			out[a] = h.journalRows(entry)
		}
		return out, h.fullChecksum()
	}
	h.mustApply(e, h.planOnly(e, cfg, st, false), st)
	first, sumFirst := read()
	h.mustApply(e, h.planOnly(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Fatalf("after rollback the table checksum is %s, want %s", got, sumAll)
	}
	h.mustApply(e, h.planOnly(e, cfg, st, false), st)
	second, sumSecond := read()
	for _, a := range addrs {
		if len(first[a]) == 0 {
			t.Errorf("%s: empty journal", a)
		}
		if !slices.Equal(first[a], second[a]) {
			t.Errorf("%s: the second apply journaled %d rows, the first %d; they differ", a, len(second[a]), len(first[a]))
		}
	}
	if sumFirst != sumSecond {
		t.Errorf("table after the second apply %s, after the first %s", sumSecond, sumFirst)
	}
	h.mustApply(e, h.planOnly(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after the final rollback the table checksum is %s, want %s", got, sumAll)
	}
}
