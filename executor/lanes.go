package executor

// Lanes: a batched change on PostgreSQL whose key is one integer column
// splits the span of its selection's keys into parts (lanes) and runs one
// chain of batches per lane side by side, each on its own connection, so
// that a change on one big table uses more than one of the server's
// cores. Lanes beyond the first take only what nothing else uses: a free
// run slot (-parallelism, shared by a fleet's workspaces) and a free
// connection of the source's pool; where there is none, the change runs
// one batch at a time as before. The source's batch_lanes bounds them.
//
// The first batch runs alone (it creates the journal and the catalog
// entry, which records the lanes); the lanes then run, each batch writing
// the catalog entry and committing under the run's mutex; a transaction
// of its own then marks the change applied and writes its label. A run
// that stops part way carries on with each unfinished lane after the
// journal's greatest key in the lane's range.

import (
	"context"
	"encoding/json"
	"sync/atomic"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
	"golang.org/x/sync/errgroup"
)

// lanesMinBatches is how many batches each lane should have at least:
// a change of fewer runs in fewer lanes.
const lanesMinBatches = 2

// held is the run slots a change's extra lanes hold.
type held struct {
	slots Slots
	n     int
}

func (h held) release() {
	for range h.n {
		<-h.slots
	}
}

// extraSlots takes up to want run slots and pool connections that nothing
// else uses, without waiting.
func (e *Engine) extraSlots(r *batchRun, want int) held {
	h := held{slots: e.running}
	if h.slots == nil || want <= 0 {
		return h
	}
	room := want
	if s := r.c.DB.Stats(); s.MaxOpenConnections > 0 {
		room = min(room, s.MaxOpenConnections-s.InUse-1) // one for the change itself
	}
	for h.n < room {
		select {
		case h.slots <- struct{}{}:
			h.n++
		default:
			return h
		}
	}
	return h
}

// lanes returns the chains of batches the change runs: one, after lo,
// where it runs one batch at a time; else one per lane, the first of
// which runs its first batch alone. On resume they are the unfinished
// lanes of the entry, each after the journal's greatest key in its range.
func (r *batchRun) lanes(ctx context.Context, src *config.Source, lo []any, resume *state.Anomaly) ([]*chain, held, error) {
	e, ch, c := r.e, r.ch, r.c
	b := r.entry.Batches
	if resume != nil && len(b.Lanes) > 0 {
		var chains []*chain
		for i, l := range b.Lanes {
			if l.Done {
				continue
			}
			k := &chain{lane: i, size: r.max}
			if l.Upto != nil {
				k.upto = *l.Upto
			}
			var after any
			if l.After != nil {
				after, k.lo = *l.After, []any{*l.After}
			}
			q := sqlgen.JournalLastIn(c.Dialect, r.entry.Journal, after, k.upto)
			last, err := scanKey(c.DB.QueryRowContext(ctx, q.SQL, q.Args...), 1)
			if err != nil {
				return nil, held{}, e.runError(err, ch.Address, q.SQL, c, ch.Table, r.entry.Journal.Schema)
			}
			if last != nil {
				k.lo = last
			}
			chains = append(chains, k)
		}
		if len(chains) == 0 { // every lane finished: only the last step is left
			return nil, held{}, nil
		}
		return chains, e.extraSlots(r, min(src.BatchLanes, len(chains))-1), nil // the others wait for a free worker
	}
	one := []*chain{{lo: lo, lane: -1, size: r.max}}
	if resume == nil {
		one[0].from = ch.FirstKey // the window's smallest key, where the stale check read it
	}
	m := ch.Mutation
	want := min(src.BatchLanes, b.Estimate/lanesMinBatches)
	if resume != nil || !r.folded || want < 2 || len(m.Key) != 1 || m.Key[0].Class != planner.ClassInteger {
		return one, held{}, nil
	}
	extra := e.extraSlots(r, want-1)
	if extra.n == 0 {
		return one, extra, nil
	}
	// Scanned keys of integer columns are int64 (database/sql's values).
	first, okFirst := ch.FirstKey.(int64)
	last, okLast := ch.LastKey.(int64)
	if !okFirst || !okLast {
		q, ok := sqlgen.KeySpan(c.Dialect, m)
		if !ok {
			extra.release()
			return one, held{}, nil
		}
		var lo, hi any
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: q.SQL})
		if err := c.DB.QueryRowContext(ctx, q.SQL, q.Args...).Scan(&lo, &hi); err != nil {
			extra.release()
			return nil, held{}, e.runError(err, ch.Address, q.SQL, c, ch.Table, r.entry.Journal.Schema)
		}
		first, okFirst = lo.(int64)
		last, okLast = hi.(int64)
		if !okFirst || !okLast {
			extra.release()
			return one, held{}, nil // nothing selected
		}
	}
	bounds := split(first, last, 1+extra.n)
	if len(bounds) == 0 {
		extra.release()
		return one, held{}, nil
	}

	chains := []*chain{{from: first, upto: bounds[0], lane: 0, size: r.max}}
	lanes := []state.Lane{{Upto: &bounds[0]}}
	for i, after := range bounds {
		k := &chain{lo: []any{after}, lane: i + 1, size: r.max}
		l := state.Lane{After: &bounds[i]}
		if i+1 < len(bounds) {
			k.upto, l.Upto = bounds[i+1], &bounds[i+1]
		}
		chains, lanes = append(chains, k), append(lanes, l)
	}
	b.Lanes = lanes
	return chains, extra, nil
}

// split returns the n-1 keys that cut [first, last] into n parts of about
// equal key span, or none where the span is smaller than n.
func split(first, last int64, n int) []int64 {
	if n < 2 || last <= first {
		return nil
	}
	span := uint64(last) - uint64(first)
	step := span / uint64(n)
	if step == 0 {
		return nil
	}
	out := make([]int64, n-1)
	for i := range out {
		out[i] = int64(uint64(first) + step*uint64(i+1))
	}
	return out
}

// runLanes runs chains with 1+extra at a time: the first batch alone when
// none has committed yet, then each chain to its end. After a failure no
// further batch starts (the running ones finish); the first failure is
// returned. When every chain ended, finish marks the change applied.
func (r *batchRun) runLanes(ctx context.Context, chains []*chain, extra int) error {
	if len(chains) > 0 && r.first {
		end, err := r.batch(ctx, chains[0])
		if err != nil {
			return err
		}
		if end {
			chains = chains[1:]
		}
	}
	var g errgroup.Group
	g.SetLimit(1 + extra)
	var stopped atomic.Bool
	for _, k := range chains {
		g.Go(func() error {
			for !stopped.Load() {
				end, err := r.batch(ctx, k)
				if err != nil {
					stopped.Store(true)
					return err
				}
				if end {
					return nil
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return r.finish(ctx)
}

// finish ends a change that ran in lanes: in one transaction it marks the
// catalog entry applied and writes the label (its figure after, over the
// whole change), then hands the next writer its baseline.
func (r *batchRun) finish(ctx context.Context) error {
	e, ch, c := r.e, r.ch, r.c
	if err := ctx.Err(); err != nil {
		return r.failed(err, "")
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return r.failed(err, "BEGIN")
	}
	r.mu.Lock()
	entry := r.entry
	entry.Batches.Partial = false
	b, _ := json.Marshal(entry)
	cat := sqlgen.CatalogUpdate(c.Dialect, entry.Journal.Schema, entry.Journal.ID, string(b), sqlgen.StatusApplied)
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: cat.SQL})
	_, err = tx.ExecContext(ctx, cat.SQL, cat.Args...)
	stmt := cat.SQL
	if err == nil {
		stmt = "INSERT label"
		err = e.writeLabel(ctx, tx, c, entry, r.lp) // labels.go
	}
	if err == nil {
		stmt = "COMMIT"
		err = tx.Commit()
	}
	if err != nil {
		_ = tx.Rollback()
		entry.Batches.Partial = true
		r.mu.Unlock()
		return r.failed(err, stmt)
	}
	r.mu.Unlock()
	e.handOver(r.lp) // labelreuse.go
	return nil
}
