package conformance

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// RunSwapKinds runs swapped_columns (planner/kinds_swap.go) against b, on
// the suite's data from day 8 to day 18, swapping status and email: the
// plan's count equals the eligible rows (the two values differ, NULL
// equal to NULL) chosen by the hash, computed in Go, and what apply
// changes; every chosen row holds the two values exchanged; the changed
// share is the volume within 2 points; every other row (those outside the
// window included) is byte-identical; rollback restores the table's
// checksum.
func RunSwapKinds(t *testing.T, b Backend) {
	if b.BatchRows == 0 {
		b.BatchRows = 200
	}
	if b.ChecksumColumns == "" {
		b.ChecksumColumns = strings.Join(quoteAll(b.Dialect, orderColumns), ", ")
	}
	s := &suite{b: b, data: rowData()}
	t.Run("swapped_columns", func(t *testing.T) { testSwapKind(t, s) })
}

func testSwapKind(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	block := fmt.Sprintf("\nanomaly \"swapped_columns\" \"k\" {\n  target = target.orders\n  column = \"status\"\n  with   = \"email\"\n  volume = %v\n  seed = %d\n  window {\n%s  }\n}\n",
		textVolume, textSeed, absWindow(winFrom, winTo.Sub(winFrom)))
	cfg := h.load(block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	const addr = "anomaly.swapped_columns.k"
	if ch.Action != planner.Create || ch.Address != addr {
		t.Fatalf("change %s %s, want create %s", ch.Action, ch.Address, addr)
	}
	ok := func(o order) bool {
		if o.statusNull || o.emailNull {
			return !(o.statusNull && o.emailNull)
		}
		return o.status != o.email
	}
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	wantIDs := expect(h.data, winFrom, winTo, textSeed, textVolume, ok)
	eligible := countOrders(h.data, func(o order) bool { return inWin(o) && ok(o) })
	if ch.WindowRows != countOrders(h.data, inWin) || ch.Rows != int64(len(wantIDs)) {
		t.Errorf("plan counted %d rows of %d in the window, want %d of %d (computed from the data)", ch.Rows, ch.WindowRows, len(wantIDs), countOrders(h.data, inWin))
	}
	if share := float64(ch.Rows) / float64(eligible); math.Abs(share-textVolume) > 0.02 {
		t.Errorf("changed share %.3f of the %d eligible window rows, want %.2f ± 0.02", share, eligible, textVolume)
	}
	t.Logf("%d of %d eligible window rows chosen (%d rows in the window)", ch.Rows, eligible, ch.WindowRows)
	entry := h.applyCounted(t, e, p, st, addr, ch.Rows)
	if entry.Journal.Column != "status" || entry.Journal.With != "email" {
		t.Errorf("journal %+v, want column status with email", entry.Journal)
	}
	after := h.snapshot()
	chosen := map[int64]bool{}
	sc, ec := before.col("status"), before.col("email")
	bad := 0
	for _, id := range wantIDs {
		chosen[id] = true
		b, a := before.raw[id], after.raw[id]
		if fmt.Sprint(text(a[sc]), a[sc] == nil) != fmt.Sprint(text(b[ec]), b[ec] == nil) ||
			fmt.Sprint(text(a[ec]), a[ec] == nil) != fmt.Sprint(text(b[sc]), b[sc] == nil) {
			if bad++; bad <= 3 {
				t.Errorf("row %d: status %v, email %v; want them swapped from status %v, email %v", id, a[sc], a[ec], b[sc], b[ec])
			}
		}
	}
	if bad > 3 {
		t.Errorf("... %d rows in all are not swapped", bad)
	}
	untouched := func(id int64) bool { return !chosen[id] }
	if got, want := after.sum(untouched), before.sum(untouched); got != want {
		t.Errorf("rows the change must not touch differ: checksum %s, was %s", got, want)
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}
