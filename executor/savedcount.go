package executor

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// staleCounts fills in what the stale check of a saved plan compares
// without counting the plan again (apply FILE does not recount), and
// returns each target's fingerprint now. Per target it runs one query, one
// scan of the table (sqlgen.Fingerprint): the table's rows, its newest
// time, and the rows of the window of each of its row-level changes; their
// row counts are the plan's, since the fingerprints and the state's serial
// say whether the table moved on. Schema changes (whose counts read no
// hash) and replaces (counted against the table with the prior restored)
// are counted as plan counts them. The targets' queries run at the same
// time within the engine's bounds.
func (e *Engine) staleCounts(ctx context.Context, saved, current *planner.Plan, profiles map[string]*planner.TableProfile) (map[string]planner.Fingerprint, error) {
	type target struct {
		name    string
		source  string
		c       *providers.Conn
		m       *planner.Mutation // the first change's: the table and its time column
		all     []*planner.Change // every change on it
		windows []*planner.Change // those whose window the query counts
		saved   []*planner.Change // the saved plan's changes of windows (what apply runs)
		q       sqlgen.FingerprintQuery
		r       reading
		// labels are the first writers among windows whose label
		// baseline the same scan measures (labelFolds).
		labels []labelFold
	}
	var targets []*target
	byName := map[string]*target{}
	for i, ch := range current.Changes {
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			continue
		}
		c := e.conns[ch.Source]
		if c == nil {
			return nil, fmt.Errorf("%s: source %s is not connected", ch.Address, ch.Source)
		}
		t := byName[ch.Target]
		if t == nil {
			t = &target{name: ch.Target, source: ch.Source, c: c, m: ch.Mutation}
			byName[ch.Target] = t
			targets = append(targets, t)
		}
		t.all = append(t.all, ch)
		if ch.Mutation.Op.Schema() || ch.Action == planner.Replace || partial(ch) != nil || i >= len(saved.Changes) {
			sub := *current
			sub.Changes = []*planner.Change{ch}
			if err := e.Count(ctx, &sub); err != nil {
				return nil, err
			}
			continue
		}
		t.windows = append(t.windows, ch)
		was := saved.Changes[i]
		t.saved = append(t.saved, was)
		ch.Rows, ch.Metric, ch.Unchanged, ch.NonFinite = was.Rows, was.Metric, was.Unchanged, was.NonFinite
	}
	e.noteFirstWriters(current) // labelreuse.go
	var tasks []task
	for _, t := range targets {
		var sels []planner.Selection
		var spans []bool
		for i, ch := range t.windows {
			sels = append(sels, ch.Mutation.Where)
			// Only a change that runs in batches starts at its window's
			// first key and splits its span into lanes; the saved plan's
			// window rows decide that as the apply will, since a window
			// that holds other rows now makes the plan stale.
			_, _, batched := e.batching(t.saved[i])
			spans = append(spans, batched)
		}
		t.labels = e.labelFolds(t.c, t.windows, t.saved)
		folds := make([]sqlgen.LabelFold, len(t.labels))
		for i, l := range t.labels {
			folds[i] = l.fold
		}
		t.q = sqlgen.Fingerprint(t.c.Dialect, t.m, sels, spans, folds...)
		e.emit(Event{Kind: EventStatement, Address: t.all[0].Address, Message: t.q.SQL})
		tasks = append(tasks, task{sources: []string{t.source}, run: func() error {
			var err error
			if t.r, err = e.fingerprint(ctx, t.c, t.m, profiles[t.name], t.q); err != nil {
				return fmt.Errorf("fingerprinting %s (target %s): %w", t.m.Table, t.name, e.explain(err, t.q.SQL, t.c, t.m.Table, e.cfg.Source(t.source).JournalSchema))
			}
			return nil
		}})
	}
	_, errs := e.schedule(ctx, tasks, true)
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	now := map[string]planner.Fingerprint{}
	for _, t := range targets {
		for i, l := range t.labels {
			if t.r.labels[i] != nil {
				e.rememberMeasured(l.ch, l.q, t.r.labels[i]...) // labelreuse.go: the label's baseline
			}
		}
		for i, first := range t.r.firsts {
			t.saved[i].FirstKey, t.saved[i].LastKey = first, t.r.lasts[i] // batch.go, lanes.go: where its batches start, what its lanes split
		}
		for i, ch := range t.windows {
			ch.WindowRows = t.r.counts[i]
		}
		fp := t.r.fp
		fp.WindowRows = map[string]int64{}
		for _, ch := range t.all {
			fp.WindowRows[ch.Address] = ch.WindowRows
		}
		now[t.name] = fp
	}
	return now, nil
}

// labelFold is a change whose label baseline a saved plan's stale check
// measures in its scan of the table: the saved plan's change (the one
// apply runs), the metric's own query (what labelBefore compares) and its
// aggregates for the fingerprint.
type labelFold struct {
	ch   *planner.Change
	q    sqlgen.Statement
	fold sqlgen.LabelFold
}

// labelFolds returns those of chs (one target's row-level changes, as
// saved holds them for apply) that are the first writers of their table in this apply (noteFirstWriters),
// with a label metric: nothing of the apply changes their table before
// them, so the stale check, which reads the table just before the apply
// starts, reads their baseline too, and labelBefore takes it within
// planMeasuredFor instead of scanning the table again. Under -dry-run no
// label is made.
func (e *Engine) labelFolds(c *providers.Conn, chs, saved []*planner.Change) []labelFold {
	if e.DryRun {
		return nil
	}
	var out []labelFold
	for i, ch := range chs {
		if !e.firstWriter(ch) {
			continue
		}
		if fold, q, ok := e.labelMetricOf(c.Dialect, ch); ok { // labels.go
			out = append(out, labelFold{ch: saved[i], q: q, fold: fold})
		}
	}
	return out
}
