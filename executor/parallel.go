package executor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// How concurrency is organized (issue 14):
//
//   - The unit of work is a task: one change while counting, one target
//     while profiling, and while applying one group of changes that share a
//     table (a change and the prior it reverts may name two tables: the
//     group holds every change that touches either). A group runs its
//     changes one after another in plan order, so stacked anomalies and
//     rollbacks in reverse stacking order keep their order; different
//     groups run at the same time.
//   - A task starts when a slot is free (Engine.Slots, shared by every
//     engine of a fleet, or Engine.Parallelism of its own) and each of its
//     sources has a free connection (max_connections; 1 for an embedded
//     sqlite file, whose writes stay serialized). Tasks start in plan
//     order; one waiting for a busy source does not hold back another
//     whose source is free.
//   - Events are delivered in plan order, under one mutex: a change's
//     events are passed on while it is the earliest unfinished one and
//     buffered otherwise, then passed on when it becomes so. The output is
//     therefore the same with any parallelism. Engine.Progress sees start,
//     done, failed and progress events as they happen, for live bars.
//   - The state is changed and saved under one mutex: each change works
//     on a copy of the state (its prior cloned, so that no entry is shared
//     between goroutines) and every save copies the change's own entries
//     into the shared state before writing it.

// DefaultParallelism is the CLI's default -parallelism (as Terraform's).
const DefaultParallelism = 10

// Slots bounds how many tasks run at once; engines that share one (a
// fleet's workspaces) share the bound.
type Slots chan struct{}

// NewSlots returns room for n tasks at once (at least one).
func NewSlots(n int) Slots {
	if n < 1 {
		n = 1
	}
	return make(Slots, n)
}

func (e *Engine) slots() Slots {
	if e.Slots != nil {
		return e.Slots
	}
	return NewSlots(e.Parallelism)
}

// capacity is how many tasks may use source addr at once.
func (e *Engine) capacity(addr string) int {
	src := e.cfg.Source(addr)
	switch {
	case src == nil:
		return 1
	case src.Type == "sqlite":
		return 1 // one writer per file
	case src.MaxConnections > 0:
		return src.MaxConnections
	}
	return 4
}

// task is one unit of concurrent work.
type task struct {
	sources []string
	run     func() error
}

// schedule runs tasks concurrently within the engine's bounds, starting
// them in order. After a task fails and stopOnError is set, or ctx is
// done, no further task starts; running ones finish. It returns, per
// task, whether it started and its error.
func (e *Engine) schedule(ctx context.Context, tasks []task, stopOnError bool) (started []bool, errs []error) {
	return e.scheduleIn(ctx, e.slots(), tasks, stopOnError)
}

// scheduleIn is schedule within slots.
func (e *Engine) scheduleIn(ctx context.Context, slots Slots, tasks []task, stopOnError bool) (started []bool, errs []error) {
	started, errs = make([]bool, len(tasks)), make([]error, len(tasks))
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	busy := map[string]int{}
	stopped := false
	fits := func(t task) bool {
		for _, s := range t.sources {
			if busy[s] >= e.capacity(s) {
				return false
			}
		}
		return true
	}
	release := func(t task) {
		mu.Lock()
		for _, s := range t.sources {
			busy[s]--
		}
		cond.Broadcast()
		mu.Unlock()
	}
	pending := make([]int, len(tasks))
	for i := range pending {
		pending[i] = i
	}
	var wg sync.WaitGroup
	for len(pending) > 0 {
		mu.Lock()
		pick := -1
		for !stopped && ctx.Err() == nil {
			for j, ti := range pending {
				if fits(tasks[ti]) {
					pick = j
					break
				}
			}
			if pick >= 0 {
				break
			}
			cond.Wait()
		}
		if pick < 0 {
			mu.Unlock()
			break
		}
		ti := pending[pick]
		pending = append(pending[:pick], pending[pick+1:]...)
		t := tasks[ti]
		for _, s := range t.sources {
			busy[s]++
		}
		mu.Unlock()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			release(t)
			continue // the loop ends: ctx is done
		}
		mu.Lock()
		stop := stopped
		mu.Unlock()
		if stop {
			<-slots
			release(t)
			break
		}
		started[ti] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := t.run()
			<-slots
			mu.Lock()
			errs[ti] = err
			if err != nil && stopOnError {
				stopped = true
			}
			for _, s := range t.sources {
				busy[s]--
			}
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	wg.Wait()
	return started, errs
}

// ordered passes events on in plan order (see the comment at the top).
type ordered struct {
	mu   sync.Mutex
	out  func(Event)
	live func(Event)
	next int
	buf  [][]Event
	done []bool
}

func newOrdered(e *Engine, n int) *ordered {
	return &ordered{out: e.Events, live: e.Progress, buf: make([][]Event, n), done: make([]bool, n)}
}

func (o *ordered) emit(i int, ev Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.live != nil {
		switch ev.Kind {
		case EventStart, EventDone, EventFailed, EventProgress:
			o.live(ev)
		}
	}
	if o.out == nil || ev.Kind == EventProgress {
		return
	}
	if i == o.next {
		o.out(ev)
		return
	}
	o.buf[i] = append(o.buf[i], ev)
}

// finish marks unit i finished and passes on what waited for it.
func (o *ordered) finish(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done[i] = true
	for o.next < len(o.done) && o.done[o.next] {
		o.next++
		if o.next < len(o.done) {
			for _, ev := range o.buf[o.next] {
				o.out(ev)
			}
			o.buf[o.next] = nil
		}
	}
}

// worker is a copy of the engine whose events go to unit i of o. The
// copy shares the connections and settings; nothing in it is written
// while changes run.
func (e *Engine) worker(o *ordered, i int) *Engine {
	w := *e
	w.Events = func(ev Event) { o.emit(i, ev) }
	w.Progress = nil
	return &w
}

// guard is the shared state of one Apply and the mutex that guards it.
type guard struct {
	mu   sync.Mutex
	st   *state.State
	save Save
}

// scratch returns a copy of the state for ch to work on: its entries are
// the shared ones (never changed in place), except ch's prior, which is
// cloned (rollback marks it while it runs) and replaces the shared one in
// ch and in the copy.
func (g *guard) scratch(ch *planner.Change) *state.State {
	g.mu.Lock()
	defer g.mu.Unlock()
	sc := *g.st
	sc.Anomalies = append([]*state.Anomaly(nil), g.st.Anomalies...)
	if ch.Prior != nil {
		orig := ch.Prior
		ch.Prior = orig.Clone()
		if sc.Get(orig.Address) == orig {
			sc.Put(ch.Prior)
		}
	}
	return &sc
}

// sync copies the entries of addrs from sc into the shared state (as
// clones) and, when save is set, saves it.
func (g *guard) sync(sc *state.State, addrs []string, save bool) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	mergeLabels(g.st, sc) // labels.go
	for _, addr := range addrs {
		if a := sc.Get(addr); a != nil {
			g.st.Put(a.Clone())
		} else {
			g.st.Remove(addr)
		}
	}
	if save {
		return g.save(g.st)
	}
	return nil
}

// groups splits the plan's changes (indices, NoOps left out) into groups
// that touch disjoint tables, each in plan order, ordered by their first
// change.
func groups(p *planner.Plan) [][]int {
	parent := map[string]string{}
	var find func(string) string
	find = func(k string) string {
		if parent[k] == "" || parent[k] == k {
			parent[k] = k
			return k
		}
		r := find(parent[k])
		parent[k] = r
		return r
	}
	keysOf := func(ch *planner.Change) []string {
		keys := []string{ch.Source + "\x00" + strings.ToLower(ch.Table.String())}
		if pr := ch.Prior; pr != nil {
			t := planner.TableName{Schema: pr.Journal.TableSchema, Name: pr.Journal.Table}
			keys = append(keys, pr.Source+"\x00"+strings.ToLower(t.String()))
		}
		return keys
	}
	for _, ch := range p.Changes {
		if ch.Action == planner.NoOp {
			continue
		}
		ks := keysOf(ch)
		for _, k := range ks[1:] {
			a, b := find(ks[0]), find(k)
			if a != b {
				parent[b] = a
			}
		}
		find(ks[0])
	}
	index := map[string]int{}
	var out [][]int
	for i, ch := range p.Changes {
		if ch.Action == planner.NoOp {
			continue
		}
		root := find(keysOf(ch)[0])
		g, ok := index[root]
		if !ok {
			g = len(out)
			index[root] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}

// sourcesOf lists the sources the changes at idx use.
func sourcesOf(p *planner.Plan, idx []int) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, i := range idx {
		add(p.Changes[i].Source)
		if p.Changes[i].Prior != nil {
			add(p.Changes[i].Prior.Source)
		}
	}
	return out
}

// Apply carries out the plan's changes: changes on different tables at
// the same time (Engine.Parallelism or Engine.Slots, and each source's
// max_connections), changes on the same table one after another in plan
// order. Each change commits on its own; state is saved after each.
// After the first failure no further change starts (the running ones
// finish) and Apply returns the failure, or a *Failures when several
// failed (Result.NotAttempted counts the changes never started), unless
// e.ContinueOnError: then it carries on with the others and returns a
// *Failures holding every failure. Either way every change is either fully
// applied with its journal or untouched, and the state records exactly the
// applied ones. A rollback that leaves rows changed since injection alone
// (Result.Incomplete) is not a failure: Apply carries on, and returns an
// error wrapping ErrConflicts at the end when nothing else failed. Events
// arrive in plan order whatever the parallelism.
func (e *Engine) Apply(ctx context.Context, p *planner.Plan, st *state.State, save Save) (Result, error) {
	var res Result
	if st.Serial == 0 && !e.DryRun && !p.Empty() {
		// A state never saved gets its file (and so its lineage) before the
		// first journal names that lineage: a run that stops after a commit
		// then finds its own journals again.
		if err := save(st); err != nil {
			return res, fmt.Errorf("the state could not be saved: %w", err)
		}
	}
	if !e.DryRun {
		e.ensureJournals(ctx, p)
		e.noteNextWriters(p) // labelreuse.go: a change measures the next one's label baseline
	}
	g := &guard{st: st, save: save}
	ord := newOrdered(e, len(p.Changes))
	outcomes := make([]changeOutcome, len(p.Changes))
	var stopMu sync.Mutex
	stop := false
	halt := func() bool {
		stopMu.Lock()
		defer stopMu.Unlock()
		return stop
	}
	var tasks []task
	slots := e.slots() // the changes' and their lanes' (lanes.go)
	groupOf := groups(p)
	for i, ch := range p.Changes {
		if ch.Action == planner.NoOp {
			ord.finish(i)
		}
	}
	for _, idx := range groupOf {
		tasks = append(tasks, task{sources: sourcesOf(p, idx), run: func() error {
			var first error
			for _, i := range idx {
				if halt() || ctx.Err() != nil {
					ord.finish(i)
					continue
				}
				ch := p.Changes[i]
				w := e.worker(ord, i)
				w.running = slots
				sc := g.scratch(ch)
				addrs := []string{ch.Address}
				if ch.Prior != nil && ch.Prior.Address != ch.Address {
					addrs = append(addrs, ch.Prior.Address)
				}
				out := w.change(ctx, p, ch, sc, func(*state.State) error { return g.sync(sc, addrs, true) })
				_ = g.sync(sc, addrs, false)
				out.ran = true
				outcomes[i] = out
				ord.finish(i)
				if out.err != nil && !e.ContinueOnError {
					stopMu.Lock()
					stop = true
					stopMu.Unlock()
					if first == nil {
						first = out.err
					}
				}
			}
			return first
		}})
	}
	started, _ := e.scheduleIn(ctx, slots, tasks, !e.ContinueOnError)
	for t, ok := range started {
		if !ok {
			for _, i := range groupOf[t] {
				ord.finish(i)
			}
		}
	}
	var failures []error
	var incomplete []string
	for i, out := range outcomes {
		ch := p.Changes[i]
		if ch.Action == planner.NoOp {
			continue
		}
		if !out.ran {
			res.NotAttempted++
			continue
		}
		res.Applied += out.applied
		res.RolledBack += out.rolledBack
		res.Conflicts += out.conflicts
		if out.incomplete {
			res.Incomplete++
			incomplete = append(incomplete, ch.Address)
		}
		if out.err != nil {
			res.Failed++
			failures = append(failures, out.err)
		}
	}
	switch {
	case len(failures) == 0 && ctx.Err() != nil && res.NotAttempted > 0:
		return res, ctx.Err()
	case len(failures) == 0 && len(incomplete) > 0:
		return res, fmt.Errorf("%w: %s", ErrConflicts, strings.Join(incomplete, ", "))
	case len(failures) == 0:
		return res, nil
	case len(failures) == 1 && !e.ContinueOnError:
		return res, failures[0]
	}
	return res, &Failures{Errs: failures}
}

// changeOutcome is what one change of Apply did.
type changeOutcome struct {
	ran                 bool
	applied, rolledBack int
	incomplete          bool
	conflicts           int64
	err                 error
}

// change carries out one change of Apply (its prior's rollback, then its
// mutation) and reports it through events.
func (e *Engine) change(ctx context.Context, p *planner.Plan, ch *planner.Change, st *state.State, save Save) (out changeOutcome) {
	start := time.Now()
	fail := func(err error) changeOutcome {
		out.err = err
		e.emit(Event{Kind: EventFailed, Address: ch.Address, Action: ch.Action, Elapsed: time.Since(start), Err: err})
		return out
	}
	e.emit(Event{Kind: EventStart, Address: ch.Address, Action: ch.Action, Rows: ch.Rows})
	if e.DryRun && (ch.Action != planner.Create || ch.Mutation.Op.Schema()) {
		// A dry run measures mutations; restores and schema changes are
		// only described (DDL cannot be undone on every database).
		e.emit(Event{Kind: EventDone, Address: ch.Address, Action: ch.Action, Rows: ch.Rows, Elapsed: time.Since(start),
			Message: "dry run: not run (only new row and column changes are tried); the plan above describes it"})
		return out
	}
	if ch.Prior != nil && ch.Action != planner.Create {
		n, conflicts, err := e.rollback(ctx, ch.Prior, st, save, ch.Action == planner.Expire)
		out.conflicts += conflicts
		if errors.Is(err, ErrConflicts) && ch.Action != planner.Replace {
			// Restored what it could; the rest is in the warning and
			// stays in the journal. The other rollbacks still run.
			out.incomplete = true
			e.emit(Event{Kind: EventDone, Address: ch.Address, Action: ch.Action, Rows: n, Elapsed: time.Since(start),
				Message: fmt.Sprintf("restored %d rows; %d rows changed since injection were left alone, and the anomaly stays applied with its journal", n, conflicts)})
			return out
		}
		if err != nil {
			return fail(err)
		}
		out.rolledBack++
		if ch.Action != planner.Replace {
			e.emit(Event{Kind: EventDone, Address: ch.Address, Action: ch.Action, Rows: n, Elapsed: time.Since(start),
				Message: fmt.Sprintf("restored %d rows", n)})
			return out
		}
	}
	if ch.Prior != nil && ch.Prior.Status == state.StatusLost && !e.DryRun {
		// -replace of a lost anomaly: what is left of the lost journal
		// goes first, so that the catalog holds one entry per address.
		if err := e.dropLost(ctx, ch.Prior); err != nil {
			return fail(err)
		}
	}
	n, err := e.apply(ctx, p.Now, ch, st, save)
	if err != nil {
		return fail(err)
	}
	out.applied++
	msg := fmt.Sprintf("changed %d rows", n)
	if e.DryRun {
		msg = fmt.Sprintf("would change %d rows (dry run: rolled back, nothing kept)", n)
	}
	if ch.Mutation.Op.Schema() {
		msg = schemaDone(ch, n) // schema.go
	}
	if ch.Rows >= 0 && n != ch.Rows {
		msg += fmt.Sprintf(" (the plan counted %d: the table changed in between)", ch.Rows)
	}
	e.emit(Event{Kind: EventDone, Address: ch.Address, Action: ch.Action, Rows: n, Elapsed: time.Since(start), Message: msg})
	return out
}

// CountParallel is Count with the changes counted at the same time (within
// the engine's bounds); it returns the first failure in plan order, and
// starts no further count after a failure.
func (e *Engine) CountParallel(ctx context.Context, p *planner.Plan) error {
	resumeChanges(p) // batch.go: partly applied batched changes become creates that finish them
	// labelreuse.go: the changes whose plan metric can be their label's baseline
	e.noteFirstWriters(p)
	ord := newOrdered(e, len(p.Changes))
	var tasks []task
	var units []int // the change of each task
	for i, ch := range p.Changes {
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			ord.finish(i)
			continue
		}
		srcs := []string{ch.Source}
		if ch.Prior != nil && ch.Prior.Source != ch.Source {
			srcs = append(srcs, ch.Prior.Source)
		}
		units = append(units, i)
		tasks = append(tasks, task{sources: srcs, run: func() error {
			defer ord.finish(i)
			sub := *p
			sub.Changes = []*planner.Change{ch}
			return e.worker(ord, i).Count(ctx, &sub)
		}})
	}
	started, errs := e.schedule(ctx, tasks, true)
	for i := range tasks {
		if !started[i] {
			// Never started (a failure or ctx): its unit is finished so
			// that the events of later counts are passed on.
			ord.finish(units[i])
		}
	}
	for i := range tasks {
		if errs[i] != nil {
			return errs[i]
		}
	}
	return ctx.Err()
}

// ensureJournals creates the journal schema and catalog of every source
// the plan applies a change on, one source after another, before changes
// run at the same time: two transactions creating them at once collide
// (PostgreSQL refuses the second CREATE SCHEMA IF NOT EXISTS with a
// unique violation). A failure is left for the change to report, since it
// runs the same statements again.
func (e *Engine) ensureJournals(ctx context.Context, p *planner.Plan) {
	done := map[string]bool{}
	for _, ch := range p.Changes {
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) || done[ch.Source] {
			continue
		}
		done[ch.Source] = true
		c, src := e.conns[ch.Source], e.cfg.Source(ch.Source)
		if c == nil || src == nil {
			continue
		}
		for _, stmt := range c.Dialect.EnsureJournal(src.JournalSchema) {
			e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: stmt})
			if _, err := c.DB.ExecContext(ctx, stmt); err != nil {
				break
			}
		}
		ensureLabels(ctx, c, src.JournalSchema) // labels.go: before changes run in parallel
	}
}
