package conformance

import (
	"slices"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
)

// RunSweeps checks executor.Sweep, the daemon's sweep of an applied
// stale_data occurrence, on b's database: rows that arrive after the
// cutoff move into the occurrence's journal and leave the table in one
// transaction; a row whose key the journal already holds is left alone;
// a sweep with nothing new changes nothing; and the rollback releases the
// swept rows with the others, byte-identical.
func RunSweeps(t *testing.T, b Backend) {
	s := newSuite(t, b, genOrders())
	h := s.harness(t)
	before := h.initial()
	cutoff := suiteBase.AddDate(0, 0, 17).Add(12*time.Hour + 30*time.Minute + 15*time.Second)
	cfg := h.load(anomalyBlock("stale_data", "k", "  duration = \"4h\"\n", absWindow(cutoff, 6*time.Hour)))
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	m := h.only(p).Mutation
	h.mustApply(e, p, st)
	const addr = "anomaly.stale_data.k"
	hidden := h.journalIDs(st.Get(addr))
	if len(hidden) < 10 {
		t.Fatalf("only %d rows hidden", len(hidden))
	}
	// Three rows arrive after the cutoff; one more reuses a hidden row's
	// key with other values.
	arrived := []order{
		{id: 9_000_001, at: suiteNow.Add(time.Minute), email: "late1@example.com", cents: 1250, qty: 1, status: "late"},
		{id: 9_000_002, at: suiteNow.Add(2 * time.Minute), emailNull: true, cents: 99, qty: 2, statusNull: true},
		{id: 9_000_003, at: cutoff.Add(time.Second), email: "late3@example.com", cents: 0, qty: 3, status: "late"},
	}
	reused := h.byID[hidden[0]]
	reused.status, reused.statusNull = "reused", false
	h.insertOrders("orders", append(slices.Clone(arrived), reused))
	inserted := h.snapshot()
	n, err := e.Sweep(h.ctx, st.Get(addr), m, st, h.save)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if n != 3 {
		t.Fatalf("swept %d rows, want 3", n)
	}
	entry := st.Get(addr)
	if entry.Rows != int64(len(hidden))+3 {
		t.Errorf("state rows %d after the sweep, want %d", entry.Rows, len(hidden)+3)
	}
	ids := h.journalIDs(entry)
	for _, o := range arrived {
		if !slices.Contains(ids, o.id) {
			t.Errorf("row %d is not in the journal after the sweep", o.id)
		}
	}
	if len(ids) != len(hidden)+3 {
		t.Errorf("journal holds %d rows, want %d (the reused key is not journaled twice)", len(ids), len(hidden)+3)
	}
	if got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {id} >= ?", 9_000_000); got != 0 {
		t.Errorf("%d arrived rows still visible after the sweep", got)
	}
	if got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {id} = ?", reused.id); got != 1 {
		t.Errorf("the row reusing a hidden key: %d visible, want 1 (left alone)", got)
	}
	// Nothing new: nothing swept.
	if n, err := e.Sweep(h.ctx, st.Get(addr), m, st, h.save); err != nil || n != 0 {
		t.Fatalf("second sweep: %d rows, %v; want 0", n, err)
	}
	// The reused key goes (as its writer would remove it), then the
	// rollback releases every hidden row, swept ones included.
	h.exec("DELETE FROM {orders} WHERE {id} = ?", reused.id)
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	h.journalGone(entry)
	after := h.snapshot()
	seeded := func(id int64) bool { _, ok := h.byID[id]; return ok }
	if got, want := after.sum(seeded), before.sum(nil); got != want {
		t.Errorf("seeded rows after the release: %s, want %s", got, want)
	}
	for _, o := range arrived {
		if !slices.Equal(after.rows[o.id], inserted.rows[o.id]) {
			t.Errorf("swept row %d came back as %v, inserted as %v", o.id, after.rows[o.id], inserted.rows[o.id])
		}
	}
	if d := diffSnapshots(before, after); len(d.inserted) != 3 || len(d.deleted) != 0 || len(d.changed) != 0 {
		t.Errorf("after the release: %d inserted (want the 3 arrived), %d deleted, %d changed", len(d.inserted), len(d.deleted), len(d.changed))
	}
}
