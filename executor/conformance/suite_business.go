package conformance

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// RunBusinessKinds runs the business kinds against b: level_shift in a
// segment, trend_change, seasonality_break by weekdays (deletes) and by
// hours (copies), category_mix_shift, segment_spike and segment_drop. For
// each: the plan's count, computed from the data in Go, equals what apply
// changes; the effect is measured (changed values row by row, shares ±2
// points, counts); rows outside the change are byte-identical; rollback
// restores the table's checksum. It uses the data of RunRowKinds (days 8
// to 18) and its window (days 10 to 16, Wednesday 11 to Tuesday 17
// February 2026).
func RunBusinessKinds(t *testing.T, b Backend) {
	s := newSuite(t, b, rowData())
	for _, c := range businessCases(s.data) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testRowKind(t, s, c) })
	}
}

func segmentBlock(column string, values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("  segment {\n    column = %q\n    values = [%s]\n  }\n", column, strings.Join(q, ", "))
}

// amountCents reads a row's amount from a snapshot.
func amountCents(t *testing.T, s snapshot, id int64) int64 {
	t.Helper()
	return toCents(t, s.raw[id][s.col("amount")])
}

// checkAmounts checks that exactly the rows want accepts changed, in amount
// only, each to within a cent of want's value.
func checkAmounts(t *testing.T, h *harness, d rowDiff, after snapshot, changed func(o order) bool, want func(o order) int64) {
	t.Helper()
	idsEqual(t, "changed ids", d.changed, idsOf(h.data, changed))
	if len(d.deleted) > 0 || len(d.inserted) > 0 {
		t.Errorf("an update deleted %d and inserted %d rows", len(d.deleted), len(d.inserted))
	}
	bad := 0
	for _, id := range d.changed {
		o := h.byID[id]
		if !slices.Equal(d.cols[id], []string{"amount"}) {
			t.Errorf("row %d: changed columns %v, want amount only", id, d.cols[id])
			break
		}
		if got, w := amountCents(t, after, id), want(o); got < w-1 || got > w+1 {
			if bad++; bad <= 3 {
				t.Errorf("row %d at %s: amount %d cents → %d, want %d ± 1", id, o.at.Format(time.RFC3339), o.cents, got, w)
			}
		}
	}
}

// meanCents is the mean amount, in cents, of the rows of after that keep
// accepts (seeded rows by their data, copies by their snapshot values).
func meanCents(t *testing.T, h *harness, after snapshot, ids []int64) float64 {
	t.Helper()
	var sum float64
	for _, id := range ids {
		sum += float64(amountCents(t, after, id))
	}
	return sum / float64(len(ids))
}

func businessCases(data []order) []rowCase {
	win := absWindow(winFrom, winTo.Sub(winFrom))
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	none := func(order) bool { return false }
	status := func(o order, s string) bool { return !o.statusNull && o.status == s }
	W := countOrders(data, inWin)

	// level_shift: −30 % on the paid rows of the window.
	paid := func(o order) bool { return inWin(o) && status(o, "paid") }
	// trend_change: +50 % at the window's end, growing linearly.
	span := winTo.Sub(winFrom).Seconds()
	ramp := func(o order) int64 {
		f := 1 + 0.5*o.at.Sub(winFrom).Seconds()/span
		return int64(math.Round(float64(o.cents) * f))
	}
	ramped := func(o order) bool { return inWin(o) && ramp(o) != o.cents }
	// seasonality_break: Saturday 14 and Sunday 15 February lose 60 %
	// (seed 11); hours 0 to 2 get 1.5 × copies (seeds 13+1, 13+2).
	weekend := func(o order) bool {
		wd := o.at.Weekday()
		return inWin(o) && (wd == time.Saturday || wd == time.Sunday)
	}
	weekendGone := func(o order) bool { return weekend(o) && chosen(11, 0.6, o.id) }
	night := func(o order) bool { return inWin(o) && o.at.Hour() < 3 }
	nightCopies := countOrders(data, night) + countOrders(data, func(o order) bool { return night(o) && chosen(15, 0.5, o.id) })
	// category_mix_shift: half of the window's paid rows become refunded (seed 17).
	moved := func(o order) bool { return paid(o) && chosen(17, 0.5, o.id) }
	// segment_spike: refunded doubles; segment_drop: shipped vanishes.
	refunded := func(o order) bool { return inWin(o) && status(o, "refunded") }
	shipped := func(o order) bool { return inWin(o) && status(o, "shipped") }

	// seasonality_break with flatten_weekend: a window around the weekend
	// of 14 and 15 February whose weekend is busier than its weekdays, and
	// the share 1 − (weekday rows per second) / (weekend rows per second).
	var flatFrom, flatTo time.Time
	var flatShare float64
	isWeekend := func(at time.Time) bool { return at.Weekday() == time.Saturday || at.Weekday() == time.Sunday }
	for start := 9; start <= 13 && flatShare < 0.02; start++ {
		for end := 16; end <= 19 && flatShare < 0.02; end++ {
			from, to := suiteBase.AddDate(0, 0, start), suiteBase.AddDate(0, 0, end)
			var we, wd, secWE, secWD float64
			for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
				if isWeekend(day) {
					secWE += 86400
				} else {
					secWD += 86400
				}
			}
			for _, o := range data {
				if inWindow(o.at, from, to) {
					if isWeekend(o.at) {
						we++
					} else {
						wd++
					}
				}
			}
			flatFrom, flatTo, flatShare = from, to, 1-(wd*secWE)/(we*secWD)
		}
	}
	flatWeekend := func(o order) bool { return inWindow(o.at, flatFrom, flatTo) && isWeekend(o.at) }
	flatGone := func(o order) bool {
		if !flatWeekend(o) {
			return false
		}
		sum := md5.Sum([]byte(fmt.Sprintf("19:%d", o.id)))
		return float64(binary.BigEndian.Uint32(sum[:4])) < flatShare*(1<<32)
	}

	return []rowCase{
		{
			name: "seasonality_break/flatten_weekend", kind: "seasonality_break", windowRows: countOrders(data, flatWeekend), rows: countOrders(data, flatGone), touched: flatGone,
			block: anomalyBlock("seasonality_break", "k", "  flatten_weekend = true\n  seed            = 19\n", absWindow(flatFrom, flatTo.Sub(flatFrom))),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, flatGone))
				var weDays, wdDays float64
				var weRows, wdRows int64
				for day := flatFrom; day.Before(flatTo); day = day.AddDate(0, 0, 1) {
					n := h.countBetween(day, day.Add(24*time.Hour))
					if isWeekend(day) {
						weDays, weRows = weDays+1, weRows+n
					} else {
						wdDays, wdRows = wdDays+1, wdRows+n
					}
				}
				if r := (float64(weRows) / weDays) / (float64(wdRows) / wdDays); math.Abs(r-1) > 0.03 {
					t.Errorf("weekend rows per day are × %.4f of the weekdays' after flattening (share %.4f deleted), want × 1 ± 0.03", r, flatShare)
				}
			},
		},
		{
			name: "level_shift/segment", kind: "level_shift", windowRows: countOrders(data, paid), rows: countOrders(data, paid), touched: paid,
			block: anomalyBlock("level_shift", "k", "  column    = \"amount\"\n  amplitude = -0.3\n"+segmentBlock("status", "paid"), win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkAmounts(t, h, d, after, paid, func(o order) int64 { return shiftCents(o.cents, 0.7) })
				var before float64
				ids := idsOf(h.data, paid)
				for _, id := range ids {
					before += float64(h.byID[id].cents)
				}
				if r := meanCents(t, h, after, ids) / (before / float64(len(ids))); math.Abs(r-0.7) > 0.001 {
					t.Errorf("the segment's mean amount moved by × %.4f, want × 0.7", r)
				}
			},
		},
		{
			name: "trend_change", kind: "trend_change", windowRows: W, rows: changedRows, touched: ramped,
			block: anomalyBlock("trend_change", "k", "  column    = \"amount\"\n  amplitude = 0.5\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkAmounts(t, h, d, after, ramped, ramp)
				// The window's first day rises by about 1/28, its last by 13/28.
				for day, want := range map[int]float64{0: 1.0 / 28, 6: 13.0 / 28} {
					from := winFrom.AddDate(0, 0, day)
					ids := idsOf(h.data, func(o order) bool { return inWindow(o.at, from, from.Add(24*time.Hour)) })
					var before float64
					for _, id := range ids {
						before += float64(h.byID[id].cents)
					}
					if r := meanCents(t, h, after, ids)/(before/float64(len(ids))) - 1; math.Abs(r-want) > 0.01 {
						t.Errorf("day %d of the window: mean amount rose by %.4f, want %.4f ± 0.01", day, r, want)
					}
				}
			},
		},
		{
			name: "seasonality_break/weekdays", kind: "seasonality_break", windowRows: countOrders(data, weekend), rows: countOrders(data, weekendGone), touched: weekendGone,
			block: anomalyBlock("seasonality_break", "k", "  weekdays = [\"sat\", \"sun\"]\n  factor   = 0.4\n  seed     = 11\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, weekendGone))
				for day := range 7 {
					from := winFrom.AddDate(0, 0, day)
					in := func(o order) bool { return inWindow(o.at, from, from.Add(24*time.Hour)) }
					was, got := countOrders(h.data, in), h.countBetween(from, from.Add(24*time.Hour))
					wd := from.Weekday()
					if wd != time.Saturday && wd != time.Sunday {
						if got != was {
							t.Errorf("%s (%s): %d rows, was %d: weekdays must stay", from.Format("2006-01-02"), wd, got, was)
						}
						continue
					}
					if r := float64(got) / float64(was); math.Abs(r-0.4) > 0.03 {
						t.Errorf("%s (%s): rows × %.4f (%d → %d), want × 0.4 ± 0.03", from.Format("2006-01-02"), wd, r, was, got)
					}
				}
			},
		},
		{
			name: "seasonality_break/hours", kind: "seasonality_break", windowRows: countOrders(data, night), rows: nightCopies, touched: none,
			block: anomalyBlock("seasonality_break", "k", "  hours  = [0, 1, 2]\n  factor = 2.5\n  seed   = 13\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkCopies(t, h, d, after, rows, night)
				n := countOrders(h.data, night)
				if r := float64(n+rows) / float64(n); math.Abs(r-2.5) > 0.05 {
					t.Errorf("night rows × %.4f, want × 2.5 ± 0.05", r)
				}
				// Every copy keeps its time, so it lies in hours 0 to 2.
				if got := h.countBetween(winFrom, winTo); got != W+rows {
					t.Errorf("window rows %d → %d, want +%d", W, got, rows)
				}
			},
		},
		{
			name: "category_mix_shift", kind: "category_mix_shift", windowRows: countOrders(data, paid), rows: countOrders(data, moved), touched: moved,
			block: anomalyBlock("category_mix_shift", "k", "  column = \"status\"\n  from   = \"paid\"\n  to     = \"refunded\"\n  volume = 0.5\n  seed   = 17\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "changed ids", d.changed, idsOf(h.data, moved))
				for _, id := range d.changed {
					if !slices.Equal(d.cols[id], []string{"status"}) || fmt.Sprint(after.raw[id][after.col("status")]) != "refunded" {
						t.Errorf("row %d: changed %v to %v, want status = refunded only", id, d.cols[id], after.rows[id])
						break
					}
				}
				q := "SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {status} = ?"
				p0, r0 := countOrders(h.data, paid), countOrders(h.data, refunded)
				p1 := h.queryInt(q, h.b.TimeValue(winFrom), h.b.TimeValue(winTo), "paid")
				r1 := h.queryInt(q, h.b.TimeValue(winFrom), h.b.TimeValue(winTo), "refunded")
				if r := 1 - float64(p1)/float64(p0); math.Abs(r-0.5) > 0.02 {
					t.Errorf("paid rows fell by %.4f (%d → %d), want 0.5 ± 0.02", r, p0, p1)
				}
				if r1-r0 != p0-p1 {
					t.Errorf("refunded rows rose by %d, want the %d paid rows moved", r1-r0, p0-p1)
				}
			},
		},
		{
			name: "segment_spike", kind: "segment_spike", windowRows: countOrders(data, refunded), rows: countOrders(data, refunded), touched: none,
			block: anomalyBlock("segment_spike", "k", "  amplitude = 1\n"+segmentBlock("status", "refunded"), win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkCopies(t, h, d, after, rows, refunded)
				for _, id := range d.inserted {
					if fmt.Sprint(after.raw[id][after.col("status")]) != "refunded" {
						t.Errorf("copy %d has status %q, want refunded", id, after.raw[id][after.col("status")])
						break
					}
				}
				if got := h.countBetween(winFrom, winTo); got != W+rows {
					t.Errorf("window rows %d → %d, want +%d (the refunded rows once more)", W, got, rows)
				}
			},
		},
		{
			name: "segment_drop", kind: "segment_drop", windowRows: countOrders(data, shipped), rows: countOrders(data, shipped), touched: shipped,
			block: anomalyBlock("segment_drop", "k", segmentBlock("status", "shipped"), win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, shipped))
				n := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {status} = ?", h.b.TimeValue(winFrom), h.b.TimeValue(winTo), "shipped")
				if n != 0 {
					t.Errorf("%d shipped rows left in the window", n)
				}
				if got := h.countBetween(winFrom, winTo); got != W-rows {
					t.Errorf("window rows %d → %d, want −%d", W, got, rows)
				}
			},
		},
	}
}
