package executor

// Batched changes (source batch_rows, batch_time): a row-level change runs
// as key-range batches, each its own transaction that journals and changes
// its rows and records its progress in the journal catalog entry. A run
// that stops between batches leaves a partial entry; the next apply
// carries on after its last committed batch, and rollback restores
// whatever the committed batches changed.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// batching returns the batch size and time bound of ch, and whether ch
// runs in batches: its source sets batch_rows, its kind batches
// (sqlgen.Batchable), and its window holds more rows than one batch (a
// window of one batch runs in one transaction, as with batch_rows = 0).
func (e *Engine) batching(ch *planner.Change) (rows int64, limit time.Duration, ok bool) {
	src := e.cfg.Source(ch.Source)
	c := e.conns[ch.Source]
	if src == nil || c == nil || src.BatchRows <= 0 || e.DryRun || ch.Mutation == nil {
		return 0, 0, false
	}
	if !sqlgen.Batchable(c.Dialect, ch.Mutation) {
		return 0, 0, false
	}
	if ch.WindowRows >= 0 && ch.WindowRows <= src.BatchRows {
		return 0, 0, false
	}
	return src.BatchRows, src.BatchTime, true
}

// partial returns the partly applied prior of ch that apply carries on
// with, or nil.
func partial(ch *planner.Change) *state.Anomaly {
	p := ch.Prior
	if p == nil || p.Batches == nil || !p.Batches.Partial || p.Status != "" || ch.Mutation == nil ||
		p.ParamsHash != ch.ParamsHash || p.Journal.Op != string(ch.Mutation.Op) {
		return nil
	}
	return p
}

// resumeChanges turns the no-op changes of anomalies whose batched apply
// stopped part way into creates that finish them (apply carries on after
// the last committed batch), with the plan's original counts and a reason
// that says so.
func resumeChanges(p *planner.Plan) {
	for _, ch := range p.Changes {
		if ch.Action != planner.NoOp {
			continue
		}
		prior := partial(ch)
		if prior == nil {
			continue
		}
		ch.Action = planner.Create
		ch.Rows, ch.WindowRows = prior.Batches.Planned, prior.Batches.WindowRows
		ch.Nothing = ""
		ch.Reasons = append(ch.Reasons, PartialText(prior))
	}
}

// PartialText says how far a batched change got and what to do.
func PartialText(a *state.Anomaly) string {
	b := a.Batches
	of := ""
	if b.Estimate > 0 {
		of = fmt.Sprintf(" of ~%d", b.Estimate)
	}
	return fmt.Sprintf("partly applied: %d%s batches (%s rows changed, journal %s); run `anomgen apply` to finish or `anomgen rollback %s` to undo",
		b.Done, of, planner.Thousands(a.Rows), a.Journal.ID, a.Address)
}

// scanKey reads one key (n columns) from row; nil when there is none.
func scanKey(row *sql.Row, n int) ([]any, error) {
	vals, ptrs := providers.ScanSlots(n)
	if err := row.Scan(ptrs...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return ownKey(vals), nil
}

// ownKey copies the driver's buffers among a scanned key's values, which
// the next scan reuses.
func ownKey(vals []any) []any {
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			vals[i] = string(append([]byte(nil), b...))
		}
	}
	return vals
}

// scanBatch reads the row ApplyBatchNextDelta returns: the rows changed,
// the rows read, the key of the last row read (nil when none was read)
// and the moved figures of the label metric (moved of them).
func scanBatch(row *sql.Row, n, moved int) (changed, read int64, last []any, delta []float64, err error) {
	vals, ptrs := providers.ScanSlots(n)
	dest := append([]any{&changed, &read}, ptrs...)
	if moved > 0 {
		delta = make([]float64, moved)
		for i := range delta {
			dest = append(dest, &nullFloat{&delta[i]})
		}
	}
	if err := row.Scan(dest...); err != nil {
		return 0, 0, nil, nil, err
	}
	if read == 0 {
		return changed, 0, nil, delta, nil
	}
	return changed, read, ownKey(vals), delta, nil
}

// nextSize adapts the batch size to the time bound: a batch slower than
// limit makes the next one proportionally smaller, a quicker one lets it
// grow back (doubling) up to max.
func nextSize(size, max int64, took, limit time.Duration) int64 {
	if limit <= 0 || took <= 0 {
		return max
	}
	if took > limit {
		n := int64(float64(size) * float64(limit) / float64(took))
		if n < 1 {
			n = 1
		}
		return n
	}
	if took < limit/2 && size < max {
		size *= 2
		if size > max {
			size = max
		}
	}
	return size
}

// applyBatched applies ch in key-range batches (see batching), or carries
// on with resume, the partial entry of a run that stopped part way. Where
// the change can work on several parts of its key range at once (lanes.go)
// its lanes run side by side and a transaction of its own marks it
// applied; otherwise its batches run one after another and the last one
// does.
func (e *Engine) applyBatched(ctx context.Context, ch *planner.Change, st *state.State, save Save, max int64, limit time.Duration, resume *state.Anomaly) (int64, error) {
	c := e.conns[ch.Source]
	src := e.cfg.Source(ch.Source)
	d := c.Dialect
	m := ch.Mutation
	r := &batchRun{e: e, ch: ch, st: st, save: save, c: c, max: max, limit: limit, folded: sqlgen.BoundInBatch(d), first: resume == nil}
	var lo []any
	if resume != nil {
		r.entry = resume.Clone()
		r.entry.RollingBack = false
		if r.max <= 0 {
			r.max = r.entry.Batches.Size
		}
		if r.max <= 0 {
			r.max = 10000
		}
		if len(r.entry.Batches.Lanes) == 0 {
			last := sqlgen.JournalLast(d, r.entry.Journal)
			var err error
			if lo, err = scanKey(c.DB.QueryRowContext(ctx, last.SQL, last.Args...), len(m.Key)); err != nil {
				return 0, e.runError(err, ch.Address, last.SQL, c, ch.Table, r.entry.Journal.Schema)
			}
		}
	} else {
		id := state.NewID()
		r.entry = e.newEntry(ch, st, id, src.JournalSchema) // identity.go
		r.entry.Batches = &state.Batches{Size: max, Planned: ch.Rows, WindowRows: ch.WindowRows, Partial: true}
		if n := ch.WindowRows; n > 0 {
			if r.folded && ch.Rows > 0 {
				n = ch.Rows // its batches count changed rows, not window rows
			}
			r.entry.Batches.Estimate = int((n + max - 1) / max)
		}
	}
	entry := r.entry
	id, schema := entry.Journal.ID, entry.Journal.Schema
	if r.first {
		var err error
		if r.setup, err = sqlgen.ApplySetup(d, schema, id, m); err != nil {
			return 0, err
		}
		if !d.TransactionalDDL() {
			// As in apply: the journal table is created outside the data
			// transaction and the catalog marks it pending until the first
			// batch commits.
			pend := entry.Clone()
			pend.Status = sqlgen.StatusPending
			b, _ := json.Marshal(pend)
			cat := sqlgen.CatalogInsert(d, schema, id, ch.Address, entry.AppliedAt, string(b), sqlgen.StatusPending)
			for _, s := range r.setup {
				if s.Role == sqlgen.RoleJournal && !r.pending {
					e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: cat.SQL})
					if _, err := c.DB.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
						return 0, e.runError(err, ch.Address, cat.SQL, c, ch.Table, schema)
					}
					r.pending = true
				}
				e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
				if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil {
					runErr := e.runError(err, ch.Address, s.SQL, c, ch.Table, schema)
					if r.pending {
						e.discardPending(c, entry)
					}
					return 0, runErr
				}
			}
			r.setup = nil
		}
	}
	r.lp = e.labelBefore(ctx, c, ch) // labels.go: the metric before the (first) batch
	if r.lp != nil {
		r.lp.complete = resume == nil // a resumed change measured its baseline with earlier runs' batches in
	}
	chains, extra, err := r.lanes(ctx, src, lo, resume) // lanes.go
	if err != nil {
		return 0, err
	}
	defer extra.release()
	if len(entry.Batches.Lanes) == 0 {
		// One chain of batches: the last one marks the change applied.
		k := chains[0]
		for {
			end, err := r.batch(ctx, k)
			if err != nil {
				return r.rows(), err
			}
			if end {
				break
			}
		}
	} else if err := r.runLanes(ctx, chains, extra.n); err != nil { // lanes.go
		return r.rows(), err
	}
	st.Put(entry.Clone())
	recordLabel(st, r.lp) // labels.go
	if err := save(st); err != nil {
		return entry.Rows, fmt.Errorf("%s was applied in %d batches (journal %s) but the state could not be saved: %w; the next plan finds the journal and records it", ch.Address, entry.Batches.Done, id, err)
	}
	e.warnStacked(ctx, ch, st)
	return entry.Rows, nil
}

// batchRun is one batched change while it runs: what its batches share.
// Where its lanes run side by side, mu guards the entry, the state and
// the order of the catalog's writes: a batch writes the catalog entry and
// commits under mu, so the entry written always holds exactly the
// committed batches.
type batchRun struct {
	e      *Engine
	ch     *planner.Change
	st     *state.State
	save   Save
	c      *providers.Conn
	max    int64
	limit  time.Duration
	folded bool // its batches find their own end (sqlgen.BoundInBatch)
	lp     *labelProbe

	mu      sync.Mutex
	entry   *state.Anomaly
	first   bool // no batch has committed yet
	pending bool // the catalog holds a pending entry (DDL outside the transaction)
	setup   []sqlgen.Statement
	saved   time.Time
}

// chain is where the next batch of one lane reads.
type chain struct {
	lo   []any // after this key (nil: none)
	from any   // a first batch's start (key >= from; nil: none)
	upto any   // the lane's end (key <= upto; nil: none)
	lane int   // its index in Batches.Lanes, -1 without lanes
	size int64
}

// rows is how many rows the committed batches changed.
func (r *batchRun) rows() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entry.Rows
}

// failed explains a failed batch (batchFailed) with the run's progress.
func (r *batchRun) failed(err error, stmt string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.e.batchFailed(r.ch, r.st, r.save, r.entry, r.first, r.pending, r.c, err, stmt)
}

// batch runs the next batch of k, in its own transaction: it journals and
// changes the batch's rows and records the progress in the catalog entry,
// and, where it is the last batch of a change without lanes, marks the
// change applied and writes its label. It returns whether it was k's last
// batch, and moves k on.
func (r *batchRun) batch(ctx context.Context, k *chain) (end bool, err error) {
	e, ch, c := r.e, r.ch, r.c
	d, m := c.Dialect, ch.Mutation
	id, schema := r.entry.Journal.ID, r.entry.Journal.Schema // never change
	if err := ctx.Err(); err != nil {
		return false, r.failed(err, "")
	}
	start := time.Now()
	// Where the batch finds its own end (PostgreSQL), one statement
	// reads, journals and changes the next size rows of the selection
	// and returns the last key; elsewhere a query finds the bound
	// first, the n-th row of the window after lo.
	var hi []any
	var stmts []sqlgen.Statement
	var next sqlgen.Statement
	moved := 0 // figures of the label metric's move the batch returns (labels.go)
	if r.folded {
		if next, moved, err = sqlgen.ApplyBatchNextDelta(d, schema, id, m, sqlgen.NextRange{Lo: k.lo, From: k.from, Upto: k.upto}, k.size, r.lp.foldable()); err != nil {
			return false, err
		}
	} else {
		bound := sqlgen.BatchBound(d, m, k.lo, k.size)
		if hi, err = scanKey(c.DB.QueryRowContext(ctx, bound.SQL, bound.Args...), len(m.Key)); err != nil {
			return false, r.failed(err, bound.SQL)
		}
		if stmts, err = sqlgen.ApplyBatch(d, schema, id, m, sqlgen.KeyRange{Lo: k.lo, Hi: hi}); err != nil {
			return false, err
		}
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return false, r.failed(err, "BEGIN")
	}
	failed := func(err error, stmt string) error {
		_ = tx.Rollback()
		return r.failed(err, stmt)
	}
	r.mu.Lock()
	setup := r.setup // the first batch's, which runs alone
	r.mu.Unlock()
	var rows int64
	for _, s := range append(append([]sqlgen.Statement(nil), setup...), stmts...) {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
		res, err := tx.ExecContext(ctx, s.SQL, s.Args...)
		if err != nil {
			return false, failed(err, s.SQL)
		}
		if s.Role == sqlgen.RoleMutation {
			rows, _ = res.RowsAffected()
		}
	}
	var delta []float64
	if r.folded {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: next.SQL})
		var read int64
		var last []any
		if rows, read, last, delta, err = scanBatch(tx.QueryRowContext(ctx, next.SQL, next.Args...), len(m.Key), moved); err != nil {
			return false, failed(err, next.SQL)
		}
		if read >= k.size {
			hi = last // a full batch: the next starts after its last key
		}
	}
	end = hi == nil
	r.mu.Lock()
	entry := r.entry
	finish := end && len(entry.Batches.Lanes) == 0 // the change's last batch
	was, wasRows := *entry.Batches, entry.Rows
	undoMoved := r.lp.addMoved(delta) // under r.mu, like the entry
	undo := func() { *entry.Batches, entry.Rows = was, wasRows; undoMoved() }
	entry.Rows += rows
	entry.Batches.Done++
	entry.Batches.Partial = !finish
	if hi != nil {
		entry.Batches.Upto = fmtKey(hi)
	}
	if k.lane >= 0 && end {
		lanes := append([]state.Lane(nil), entry.Batches.Lanes...) // copy on write: clones share the slice
		lanes[k.lane].Done = true
		entry.Batches.Lanes = lanes
	}
	if entry.Batches.Done > entry.Batches.Estimate && !finish {
		entry.Batches.Estimate = entry.Batches.Done + 1
	}
	status := sqlgen.StatusPartial
	if finish {
		status = sqlgen.StatusApplied
	}
	b, _ := json.Marshal(entry)
	cat := sqlgen.CatalogUpdate(d, schema, id, string(b), status)
	if r.first && d.TransactionalDDL() {
		cat = sqlgen.CatalogInsert(d, schema, id, ch.Address, entry.AppliedAt, string(b), status)
	}
	if _, err := tx.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
		undo()
		r.mu.Unlock()
		return false, failed(err, cat.SQL)
	}
	if err := e.batchLabel(ctx, tx, c, entry, r.lp, finish); err != nil { // labels.go: with the last batch
		undo()
		r.mu.Unlock()
		return false, failed(err, "INSERT label")
	}
	if err := tx.Commit(); err != nil {
		undo()
		r.mu.Unlock()
		if providers.IsConnLost(err) || providers.ClassOf(err) == providers.ClassConnLost {
			return false, fmt.Errorf("%s: %s while committing batch %d, and whether it went through is unknown. Run `anomgen apply` once the server is reachable: it reads the journal catalog and carries on after the last committed batch (or `anomgen rollback %s` undoes what committed)",
				ch.Address, describe(err).Detail, was.Done+1, ch.Address)
		}
		return false, r.failed(err, "COMMIT")
	}
	// The catalog entry, written with each batch, is the record (the
	// next command's refresh reads it); the state file follows after
	// the first batch and then at most once a second, when the change
	// ends and when it stops.
	if r.first || time.Since(r.saved) >= time.Second {
		r.st.Put(entry.Clone())
		if err := r.save(r.st); err != nil {
			r.mu.Unlock()
			return false, fmt.Errorf("%s: batch %d was applied (journal %s) but the state could not be saved: %w; the next plan finds the journal and records it", ch.Address, entry.Batches.Done, id, err)
		}
		r.saved = time.Now()
	}
	r.first, r.pending, r.setup = false, false, nil
	if !finish {
		// Under the lock: no other lane commits while a test stops the
		// run here, so "after batch n" is exactly n committed batches.
		testHook(fmt.Sprintf("after-batch-%d", entry.Batches.Done))
		if f, ok := ctx.Value(batchHookKey{}).(func(string, int)); ok {
			f(ch.Address, entry.Batches.Done)
		}
	}
	total := entry.Rows
	r.mu.Unlock()
	e.emit(Event{Kind: "progress" /* EventProgress */, Address: ch.Address, Action: ch.Action, Rows: total, Elapsed: time.Since(start)})
	if finish {
		e.handOver(r.lp) // labelreuse.go: the next writer's baseline, measured with this figure
		return true, nil
	}
	k.lo, k.from = hi, nil
	k.size = nextSize(k.size, r.max, time.Since(start), r.limit)
	return end, nil
}

// batchFailed explains the failure of a batch. Before the first batch
// committed nothing is left (a pending journal is removed); after it, the
// committed batches stay, recorded as a partial change that apply
// finishes and rollback undoes.
func (e *Engine) batchFailed(ch *planner.Change, st *state.State, save Save, entry *state.Anomaly, first, pending bool, c *providers.Conn, err error, stmt string) error {
	if first {
		if pending {
			e.discardPending(c, entry)
		}
		if stmt == "" {
			return &RunError{Address: ch.Address, Class: "interrupted", Err: err}
		}
		return e.runError(err, ch.Address, stmt, c, ch.Table, entry.Journal.Schema)
	}
	if st != nil && save != nil {
		st.Put(entry.Clone())
		_ = save(st) // best effort: the catalog entry is the record, refresh reads it
	}
	detail, hint := providers.FirstLine(err.Error()), ""
	if errors.Is(err, context.Canceled) {
		detail = "interrupted"
	} else if stmt != "" {
		pe := e.explain(err, stmt, c, ch.Table, entry.Journal.Schema) // as the first batch's (runError): the privilege, the GRANT
		detail, hint = pe.Detail, pe.Hint
	}
	msg := fmt.Sprintf("%s: batch %d failed (%s) and was rolled back; %s", ch.Address, entry.Batches.Done+1, detail, PartialText(entry))
	if hint != "" {
		msg += ". " + hint
	}
	return errors.New(msg)
}

// batchedRollback restores prior's journal in key-range batches of at most
// size journal rows, each its own transaction, but the last, and returns
// the rows restored and the key the last range starts after (the caller
// restores that range with the conflict count and the journal's removal). Rows someone changed since injection are left alone (the
// caller counts them once at the end); a rollback that stops part way is
// run again from the start: it restores only rows that still hold the
// injected value.
//
// Like the apply's, the batches follow batch_time (limit): a batch slower
// than it makes the next one proportionally smaller, a quicker one lets it
// grow back up to size, so an application's write waits for one short
// batch at most on a loaded server too.
func (e *Engine) batchedRollback(ctx context.Context, c *providers.Conn, prior *state.Anomaly, size int64, limit time.Duration) (int64, []any, error) {
	d := c.Dialect
	j := prior.Journal
	table := planner.TableName{Schema: j.TableSchema, Name: j.Table}
	if d.Name() == "postgres" {
		// PostgreSQL journals in one pass without an index; the batches
		// of the rollback look journal rows up by key.
		idx := sqlgen.JournalIndex(d, j)
		idx.SQL = "CREATE INDEX IF NOT EXISTS" + idx.SQL[len("CREATE INDEX"):]
		if _, err := c.DB.ExecContext(ctx, idx.SQL); err != nil {
			return 0, nil, e.runError(err, prior.Address, idx.SQL, c, table, j.Schema)
		}
	}
	var lo []any
	var restored int64
	max := size
	for {
		start := time.Now()
		bound := sqlgen.JournalBound(d, j, lo, size)
		hi, err := scanKey(c.DB.QueryRowContext(ctx, bound.SQL, bound.Args...), len(j.Key))
		if err != nil {
			return restored, nil, e.runError(err, prior.Address, bound.SQL, c, table, j.Schema)
		}
		if hi == nil {
			return restored, lo, nil // the last range, (lo, end], is the caller's transaction
		}
		trigOff, trigOn, err := e.rollbackTriggers(ctx, c, j)
		if err != nil {
			return restored, nil, fmt.Errorf("%s: %w", prior.Address, err)
		}
		tx, err := c.DB.BeginTx(ctx, nil)
		if err != nil {
			return restored, nil, e.runError(err, prior.Address, "BEGIN", c, table, j.Schema)
		}
		if stmt, err := e.execTriggers(ctx, tx, prior.Address, table, trigOff); err != nil {
			_ = tx.Rollback()
			return restored, nil, e.runError(err, prior.Address, stmt, c, table, j.Schema)
		}
		for _, s := range sqlgen.RollbackBatch(d, j, sqlgen.KeyRange{Lo: lo, Hi: hi}) {
			e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
			r, err := tx.ExecContext(ctx, s.SQL, s.Args...)
			if err != nil {
				_ = tx.Rollback()
				return restored, nil, e.runError(err, prior.Address, s.SQL, c, table, j.Schema)
			}
			n, _ := r.RowsAffected()
			restored += n
		}
		if stmt, err := e.execTriggers(ctx, tx, prior.Address, table, trigOn); err != nil {
			_ = tx.Rollback()
			return restored, nil, e.runError(err, prior.Address, stmt, c, table, j.Schema)
		}
		if err := tx.Commit(); err != nil {
			return restored, nil, e.runError(err, prior.Address, "COMMIT", c, table, j.Schema)
		}
		e.emit(Event{Kind: "progress" /* EventProgress */, Address: prior.Address, Rows: restored})
		testHook("after-rollback-batch")
		lo = hi
		size = nextSize(size, max, time.Since(start), limit)
	}
}

type batchHookKey struct{}

// WithBatchHook returns ctx carrying f, which a batched apply run with it
// calls after each committed batch but the last (address, batches done so
// far), before it starts the next: tests stop a run between batches with
// it (cancelling the context, as an interrupt does).
func WithBatchHook(ctx context.Context, f func(address string, batches int)) context.Context {
	return context.WithValue(ctx, batchHookKey{}, f)
}

// sameBatches reports whether a and b record the same batch progress.
func sameBatches(a, b *state.Anomaly) bool {
	return a.Rows == b.Rows && a.Batches.Same(b.Batches)
}
