package conformance

// Batched changes (source batch_rows): every row-level kind of the core
// cases runs in key-range batches of a few dozen rows. A run stopped after
// two batches (its context cancelled, as an interrupt does) leaves a
// partial journal; the next plan finishes it, apply changes exactly the
// rows the first plan counted (the selection hash's rows, computed in Go),
// and the batched rollback restores every byte.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// batchRows is the batch size of the suite: small, so that the window's
// rows take many batches.
const batchRows = 37

// RunBatches runs the batched apply, resume and rollback of the core kinds
// against b.
func RunBatches(t *testing.T, b Backend) {
	s := newSuite(t, b, genOrders())
	for _, k := range kindCases() {
		t.Run(k.kind, func(t *testing.T) { t.Parallel(); testBatched(t, s, k) })
	}
}

// withBatchRows adds batch_rows = n to the source block src.
func withBatchRows(src string, n int) string {
	i := strings.LastIndex(src, "}")
	return src[:i] + "  batch_rows = " + strconv.Itoa(n) + "\n" + src[i:]
}

func testBatched(t *testing.T, s *suite, k kindCase) {
	h := s.harness(t)
	h.src = withBatchRows(h.src, batchRows)
	want := expect(s.data, winFrom, winTo, k.seed, k.share, k.keep)
	sumAll := h.initial().sum(nil)
	cfg := h.load(k.block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	if ch.Rows != int64(len(want)) || ch.WindowRows <= batchRows {
		t.Fatalf("plan: %d rows of %d in the window; want %d rows and more than %d in the window", ch.Rows, ch.WindowRows, len(want), batchRows)
	}

	// Stop after the second batch: cancel the run's context when it reports
	// the second batch's progress.
	ctx, cancel := context.WithCancel(h.ctx)
	defer cancel()
	stopAfter := func(n int) func(string, int) {
		return func(addr string, done int) {
			if addr == k.addr && done == n {
				cancel()
			}
		}
	}
	_, err := e.Apply(executor.WithBatchHook(ctx, stopAfter(2)), p, st, h.save)
	if err == nil {
		t.Fatal("the cancelled apply reported no error")
	}
	if !strings.Contains(err.Error(), "partly applied: 2 of") {
		t.Errorf("the stopped apply's error does not say how far it got: %v", err)
	}
	partialEntry := st.Get(k.addr)
	if partialEntry == nil || partialEntry.Batches == nil || !partialEntry.Batches.Partial || partialEntry.Batches.Done != 2 {
		t.Fatalf("state after the stop: %+v; want a partial entry with 2 batches", partialEntry)
	}
	if partialEntry.Rows <= 0 || partialEntry.Rows >= ch.Rows {
		t.Errorf("the 2 committed batches changed %d rows, want some of the %d", partialEntry.Rows, ch.Rows)
	}
	if ids := h.journalIDs(partialEntry); int64(len(ids)) != partialEntry.Rows {
		t.Errorf("the partial journal holds %d rows, the state says %d", len(ids), partialEntry.Rows)
	}

	// A fresh state finds the partial entry in the catalog; the plan
	// finishes it with the first plan's count.
	fresh := sameLineage(st)
	if _, err := e.Refresh(h.ctx, fresh); err != nil {
		t.Fatal(err)
	}
	got := fresh.Get(k.addr)
	if got == nil || got.Status != "" || got.Batches == nil || !got.Batches.Partial || got.Rows != partialEntry.Rows {
		t.Fatalf("refresh of an empty state: %+v; want the partial entry %+v", got, partialEntry)
	}
	p2 := h.plan(e, cfg, fresh, false)
	c2 := h.only(p2)
	if c2.Action != planner.Create || c2.Rows != ch.Rows || len(c2.Reasons) == 0 || !strings.Contains(c2.Reasons[0], "partly applied: 2 of") {
		t.Fatalf("plan of the partial change: %s, %d rows, reasons %q; want a create of %d rows saying it is partly applied", c2.Action, c2.Rows, c2.Reasons, ch.Rows)
	}
	res := h.mustApply(e, p2, fresh)
	entry := fresh.Get(k.addr)
	if res.Applied != 1 || entry == nil || entry.Journal.ID != partialEntry.Journal.ID {
		t.Fatalf("resumed apply: %+v, entry %+v; want the partial journal %s finished", res, entry, partialEntry.Journal.ID)
	}
	if entry.Rows != ch.Rows || h.done[k.addr] != ch.Rows || entry.Batches.Partial {
		t.Errorf("resumed apply: %d rows (reported %d, partial %v), want the plan's %d, finished", entry.Rows, h.done[k.addr], entry.Batches.Partial, ch.Rows)
	}
	if entry.Batches.Done <= 2 {
		t.Errorf("the resumed apply recorded %d batches in all, want more than the 2 before the stop", entry.Batches.Done)
	}
	idsEqual(t, "journal ids", h.journalIDs(entry), want)
	if p3 := h.plan(e, cfg, fresh, false); h.only(p3).Action != planner.NoOp {
		t.Errorf("plan after the resumed apply: %s, want no-op", h.only(p3).Action)
	}

	// The batched rollback restores every byte.
	rp := h.plan(e, cfg, fresh, true)
	res = h.mustApply(e, rp, fresh)
	if res.RolledBack != 1 || res.Conflicts != 0 || h.done[k.addr] != entry.Rows {
		t.Errorf("rollback: %+v, restored %d; want 1 rolled back, %d rows", res, h.done[k.addr], entry.Rows)
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after the batched rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)

	// A rollback of a partial change restores what its batches changed.
	p4 := h.plan(e, cfg, fresh, false)
	ctx, cancel = context.WithCancel(h.ctx)
	defer cancel()
	if _, err := e.Apply(executor.WithBatchHook(ctx, stopAfter(3)), p4, fresh, h.save); err == nil {
		t.Fatalf("second stopped apply: no error, entry %+v", fresh.Get(k.addr))
	}
	part := fresh.Get(k.addr)
	if part == nil || part.Batches == nil || !part.Batches.Partial {
		t.Fatalf("second stop: entry %+v, want partial", part)
	}
	h.mustApply(e, h.plan(e, cfg, fresh, true), fresh)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rolling back a partial change the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(part)
}
