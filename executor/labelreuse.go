package executor

import (
	"reflect"
	"sync"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// The plan's metric as a label's baseline. Count measures each change's
// metric (sqlgen.Metric) before the change; for some kinds the label's
// metric before the change (labelBefore) is the very same statement (the
// row count of the window, the distinct values of a column). apply, which
// counts and then applies in one command, then takes the plan's figure as
// the label's baseline instead of running the statement again, where
// nothing of the command can have changed the metric in between: the
// change is a create, and no earlier change of the plan writes a table of
// that name, or each one that does leaves the metric as it was (an update
// of a column the metric does not read; an apply runs a table's changes
// one after another in plan order, and different tables' at once), and
// the count was less than planMeasuredFor ago (an apply that waits for a
// person's approval measures again).

// planMeasuredFor is how old a plan's measurement may be to serve as a
// label's baseline.
const planMeasuredFor = 10 * time.Second

// measurement is one plan metric: its statement, its value and when it
// was measured.
type measurement struct {
	q      sqlgen.Statement
	values []float64 // the statement's columns
	at     time.Time
}

// readings holds, for one engine and its workers, the plan measurements
// a label may take as its baseline and the first writers of the tables.
type readings struct {
	// measured maps a counted *planner.Change to its measurement; an
	// entry is taken (removed) by the change's labelBefore, and entries
	// older than planMeasuredFor are dropped whenever one is added.
	measured sync.Map
	// first holds the create changes of a plan being counted
	// (noteFirstWriters) that no earlier change of the plan (create,
	// replace, destroy, expire, or the prior a change reverts) writes the
	// table of before them, with when they were noted; Count takes its
	// change's entry. Only CountParallel, which counts the whole plan,
	// notes them: a count of one change on its own cannot tell.
	first sync.Map
	// next maps a create change of the plan being applied to the next
	// change that writes its table, where that one is a create too and
	// nothing of the plan writes the table in between (noteNextWriters):
	// the first change measures its figure after and the next one's
	// baseline in one scan (writeLabel), and hands the baseline over once
	// it has committed (handOver).
	next sync.Map
}

// noteFirstWriters notes the changes of p whose label baseline a reading
// of their table before the plan runs gives: creates that no earlier change
// of the plan (create, replace, destroy, expire, or the prior a change
// reverts) writes the table of before them, and creates whose earlier
// writers all leave their metric as it was (leaves: another column, or
// another time window).
func (e *Engine) noteFirstWriters(p *planner.Plan) {
	if e.readings == nil {
		return
	}
	now := time.Now()
	prune(&e.readings.first, now)
	earlier := map[string][]*planner.Change{} // table → its writers so far
	for _, ch := range p.Changes {
		if ch.Action == planner.NoOp {
			continue
		}
		if ch.Action == planner.Create && ch.Mutation != nil {
			family := e.family(ch)
			var d sqlgen.Dialect
			if c := e.conns[ch.Source]; c != nil {
				d = c.Dialect
			}
			stable := true
			for _, w := range earlier[ch.Table.Name] {
				stable = stable && leaves(d, w, ch.Mutation, family)
			}
			if stable {
				e.readings.first.Store(ch, now)
			}
		}
		earlier[ch.Table.Name] = append(earlier[ch.Table.Name], ch)
		if pr := ch.Prior; pr != nil && pr.Journal.Table != ch.Table.Name {
			earlier[pr.Journal.Table] = append(earlier[pr.Journal.Table], ch)
		}
	}
}

// family is the label metric family of ch.
func (e *Engine) family(ch *planner.Change) string {
	return newLabel(e.cfg.Workspace, ch).Metric
}

// leaves reports whether change w, applied before a change m of the same
// table, leaves m's label metric family as it was: w creates an anomaly,
// no trigger may rewrite rows, and either it updates one column (no row
// comes or goes) that m's metric neither reads nor picks its rows by (its
// time column and segments; a table-level duplicate ratio reads every
// column), or it updates or deletes rows of a time window that m's does
// not overlap, without moving rows in time (sqlgen.DisjointWindows, in
// dialect d's comparisons).
func leaves(d sqlgen.Dialect, w *planner.Change, m *planner.Mutation, family string) bool {
	wm := w.Mutation
	if w.Action != planner.Create || w.Prior != nil || wm == nil || wm.TriggersMayRewrite {
		return false
	}
	cols := []*planner.Column{wm.Column, wm.With}
	writes := func(name string) bool {
		for _, c := range cols {
			if c != nil && c.Name == name {
				return true
			}
		}
		return false
	}
	if tc := m.Where.TimeColumn; tc != nil && writes(tc.Name) {
		return false
	}
	if (wm.Op == planner.OpUpdate || wm.Op == planner.OpDelete) && d != nil && sqlgen.DisjointWindows(d, wm.Where, m.Where) {
		return true // rows only of another time range
	}
	if wm.Op != planner.OpUpdate || wm.Column == nil {
		return false
	}
	if m.Column == nil && family == truth.Uniqueness {
		return false
	}
	if (m.Column != nil && writes(m.Column.Name)) || (m.With != nil && writes(m.With.Name)) {
		return false
	}
	for _, f := range m.Where.Segments {
		if writes(f.Column.Name) {
			return false
		}
	}
	return true
}

// firstWriter reports (once) whether ch was noted as the first writer of
// its table.
func (e *Engine) firstWriter(ch *planner.Change) bool {
	if e.readings == nil {
		return false
	}
	_, ok := e.readings.first.LoadAndDelete(ch)
	return ok
}

// prune drops the entries of m noted more than planMeasuredFor before now.
func prune(m *sync.Map, now time.Time) {
	m.Range(func(k, v any) bool {
		var at time.Time
		switch v := v.(type) {
		case time.Time:
			at = v
		case measurement:
			at = v.at
		}
		if now.Sub(at) > planMeasuredFor {
			m.Delete(k)
		}
		return true
	})
}

// rememberMeasured records what q (the plan's metric, or a saved plan's
// stale check that measured the label's metric in its scan) read for ch
// before it ran, for its label.
func (e *Engine) rememberMeasured(ch *planner.Change, q sqlgen.Statement, values ...float64) {
	if e.readings == nil {
		return
	}
	now := time.Now()
	prune(&e.readings.measured, now)
	e.readings.measured.Store(ch, measurement{q: q, values: values, at: now})
}

// hasBaseline tells whether a measurement of ch's baseline is waiting
// for its labelBefore (and not too old to serve).
func (e *Engine) hasBaseline(ch *planner.Change) bool {
	if e.readings == nil {
		return false
	}
	v, ok := e.readings.measured.Load(ch)
	return ok && time.Since(v.(measurement).at) <= planMeasuredFor
}

// planMeasurement returns the plan's measurement of ch where it was made
// by q itself (the same statement and arguments) less than
// planMeasuredFor ago; it is taken either way.
func (e *Engine) planMeasurement(ch *planner.Change, q sqlgen.Statement) ([]float64, bool) {
	if e.readings == nil {
		return nil, false
	}
	v, ok := e.readings.measured.LoadAndDelete(ch)
	if !ok {
		return nil, false
	}
	m := v.(measurement)
	if m.q.SQL != q.SQL || !reflect.DeepEqual(m.q.Args, q.Args) || time.Since(m.at) > planMeasuredFor {
		return nil, false
	}
	return m.values, true
}

// noteNextWriters notes, for each create change of p, the next change of
// p that writes its table, where that is a create and nothing else of p
// (a destroy, a replace, the prior a change restores) writes the table
// in between. Apply runs a table's changes one after another in plan
// order.
func (e *Engine) noteNextWriters(p *planner.Plan) {
	if e.readings == nil {
		return
	}
	// A change that never got to measure (it failed first, or changed
	// nothing) left its entry: an engine that applies again (the daemon)
	// starts afresh.
	e.readings.next.Range(func(k, _ any) bool {
		e.readings.next.Delete(k)
		return true
	})
	last := map[string]*planner.Change{} // table → its last writer, when a create
	for _, ch := range p.Changes {
		if ch.Action == planner.NoOp {
			continue
		}
		if a := last[ch.Table.Name]; a != nil && ch.Action == planner.Create && (ch.Prior == nil || ch.Prior.Journal.Table == ch.Table.Name) {
			e.readings.next.Store(a, ch)
		}
		delete(last, ch.Table.Name)
		if pr := ch.Prior; pr != nil {
			delete(last, pr.Journal.Table)
		}
		if ch.Action == planner.Create && ch.Mutation != nil {
			last[ch.Table.Name] = ch
		}
	}
}

// nextWriter returns (once) the change noted to write ch's table next.
func (e *Engine) nextWriter(ch *planner.Change) *planner.Change {
	if e.readings == nil || ch == nil {
		return nil
	}
	v, ok := e.readings.next.LoadAndDelete(ch)
	if !ok {
		return nil
	}
	return v.(*planner.Change)
}

// handOver gives the next writer of lp's table the baseline writeLabel
// measured for it, once lp's change has committed (before, the figure
// would include changes that may yet be rolled back).
func (e *Engine) handOver(lp *labelProbe) {
	if lp == nil || lp.next == nil {
		return
	}
	e.rememberMeasured(lp.next, lp.nextQ, lp.nextVals...)
}
