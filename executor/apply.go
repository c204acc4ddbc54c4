package executor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Refresh reconciles st with the journal catalogs of the open sources. The
// catalogs are the truth for this workspace's own journals (its state
// lineage): a journal committed by a run that died before it saved the
// state is added; a journal gone while the state marks its rollback as
// started was restored by a run that died before saving, and is removed;
// a journal gone otherwise (its schema, catalog entry or table dropped
// outside anomgen) is lost: its change stays in the table, and the entry
// is kept with status lost so that plan neither forgets nor re-applies it.
//
// Journals of other workspaces (other lineages) are never adopted here,
// even by an empty state: they are listed in Others, and `anomgen state
// recover` adopts them on request. It reports whether st changed.
func (e *Engine) Refresh(ctx context.Context, st *state.State) (bool, error) {
	e.others = nil
	changed := false
	for addr, c := range e.conns {
		entries, found, err := e.catalog(ctx, addr, c)
		if err != nil {
			return false, err
		}
		mine := map[string]*state.Anomaly{}
		for id, a := range entries {
			switch {
			case a.Lineage != "" && a.Lineage != st.Lineage:
				e.others = append(e.others, Other{Source: addr, Anomaly: a})
			case a.Source == addr:
				mine[id] = a
			}
		}
		for _, a := range append([]*state.Anomaly(nil), st.Anomalies...) {
			if a.Source != addr || a.Status == state.StatusExpired || a.Status == state.StatusLost {
				continue
			}
			cat, ok := mine[a.Journal.ID]
			switch {
			case ok && cat.Status == "" && !e.journalExists(ctx, c, a):
				lost := a.Clone()
				lost.Status, lost.RollingBack = state.StatusLost, false
				lost.Lost = fmt.Sprintf("its journal table %s is gone from %s (dropped outside anomgen), while its catalog entry remains", c.Dialect.JournalTable(a.Journal.Schema, a.Journal.ID), addr)
				e.markLost(st, lost)
				delete(mine, a.Journal.ID)
				changed = true
			case ok:
				if a.RollingBack { // the rollback did not commit: still applied
					a.RollingBack = false
					changed = true
				}
			case a.RollingBack || a.Status == sqlgen.StatusPending || a.Status == sqlgen.StatusRestored:
				st.Remove(a.Address)
				changed = true
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: fmt.Sprintf("journal %s is no longer in %s: a rollback finished but the run stopped before saving state; removed it from state", a.Journal.ID, addr)})
			default:
				lost := a.Clone()
				lost.Status = state.StatusLost
				if found {
					lost.Lost = fmt.Sprintf("its entry in the journal catalog of %s is gone (deleted outside anomgen)", addr)
				} else {
					lost.Lost = fmt.Sprintf("the journal catalog %s is gone from %s (the journal schema %q was dropped outside anomgen)", c.Dialect.CatalogTable(a.Journal.Schema), addr, a.Journal.Schema)
				}
				e.markLost(st, lost)
				changed = true
			}
		}
		for id, a := range mine {
			cur := st.Get(a.Address)
			if cur != nil && cur.Status == state.StatusLost && cur.Journal.ID == id {
				continue
			}
			if a.Batches != nil && a.Batches.Partial {
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: PartialText(a)}) // batch.go
			}
			switch {
			case cur != nil && cur.Journal.ID == id && cur.Status == a.Status && sameBatches(cur, a):
				continue
			case a.Batches != nil && a.Batches.Partial:
			case a.Status == sqlgen.StatusPending:
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: fmt.Sprintf("journal %s in %s is pending: a run stopped after creating it and before its change committed, so the table was not changed. Run `anomgen rollback %s` to remove the empty journal", id, addr, a.Address)})
			case a.Status == sqlgen.StatusRestored:
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: fmt.Sprintf("journal %s in %s was restored, but a run stopped before dropping it. Run `anomgen rollback %s` to finish", id, addr, a.Address)})
			case a.Status == sqlgen.StatusChanging:
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: fmt.Sprintf("journal %s in %s is complete, but a run stopped while it changed the table's definition (or restored it), so the table may be partly changed. Run `anomgen rollback %s` to restore it from the journal", id, addr, a.Address)})
			default:
				e.emit(Event{Kind: EventWarning, Address: a.Address, Message: fmt.Sprintf("found journal %s in %s that the state did not record (a run stopped after committing); treating the anomaly as applied", id, addr)})
			}
			st.Put(a)
			changed = true
		}
	}
	sort.Slice(e.others, func(i, j int) bool { return e.others[i].AppliedAt.Before(e.others[j].AppliedAt) })
	return changed, nil
}

// markLost records an anomaly whose journal is gone and warns.
func (e *Engine) markLost(st *state.State, lost *state.Anomaly) {
	st.Put(lost)
	what := "rows"
	if lost.Column != "" {
		what = "values of column " + lost.Column
	}
	e.emit(Event{Kind: EventWarning, Address: lost.Address, Message: fmt.Sprintf("the journal of %s is lost: %s. Its change (%s %s of %s, applied %s) stays in the table and cannot be rolled back. anomgen will not apply it again on its own: `anomgen state forget %s` drops the record, `anomgen apply -replace %s` applies it anew on top of the changed rows",
		lost.Address, lost.Lost, planner.Thousands(lost.Rows), what, planner.TableName{Schema: lost.Journal.TableSchema, Name: lost.Journal.Table}, lost.AppliedAt.Format(time.RFC3339), lost.Address, lost.Address)})
}

// journalExists reports whether a's journal table is still there. Only a
// missing table counts as gone: any other failure (a permission, a lost
// connection) is left for the statements that follow to report.
func (e *Engine) journalExists(ctx context.Context, c *providers.Conn, a *state.Anomaly) bool {
	if planner.Op(a.Journal.Op).Schema() && a.Status != "" {
		return true
	}
	rows, err := c.DB.QueryContext(ctx, fmt.Sprintf("SELECT 1 FROM %s WHERE 1 = 0", c.Dialect.JournalTable(a.Journal.Schema, a.Journal.ID)))
	if err != nil {
		return !providers.IsUndefinedTable(err)
	}
	rows.Close()
	return true
}

// Recover adopts into st, which must record no applied anomaly, the
// anomalies that state lineage applied on this workspace's sources (as
// found among Others by the last Refresh): st takes that lineage, so that
// this folder owns them from now on. It returns the adopted entries; an
// entry recorded under a source address this workspace does not declare
// is not adopted and is named in the error.
func (e *Engine) Recover(st *state.State, lineage string) ([]*state.Anomaly, error) {
	for _, a := range st.Anomalies {
		if a.Status != state.StatusExpired {
			return nil, fmt.Errorf("this state already records %s (lineage %s): recover only fills a state that records nothing applied", a.Address, st.Lineage)
		}
	}
	var adopt []*state.Anomaly
	var elsewhere []string
	for _, o := range e.others {
		a := o.Anomaly
		if a.Lineage != lineage {
			continue
		}
		if e.conns[a.Source] == nil || a.Source != o.Source {
			elsewhere = append(elsewhere, fmt.Sprintf("%s (recorded under %s)", a.Address, a.Source))
			continue
		}
		adopt = append(adopt, a)
	}
	if len(elsewhere) > 0 {
		return nil, fmt.Errorf("lineage %s also holds %s, whose source this workspace does not declare under that address; declare the source the same way, then recover", lineage, strings.Join(elsewhere, ", "))
	}
	if len(adopt) == 0 {
		return nil, fmt.Errorf("no anomalies of lineage %s are in the journal catalogs of this workspace's sources", lineage)
	}
	st.Anomalies = nil
	st.Lineage = lineage
	for _, a := range adopt {
		st.Put(a.Clone())
	}
	kept := e.others[:0]
	for _, o := range e.others {
		if o.Lineage != lineage {
			kept = append(kept, o)
		}
	}
	e.others = kept
	return adopt, nil
}

// Other is an anomaly another workspace (another state lineage) applied on
// one of this workspace's sources.
type Other struct {
	// Source is this workspace's address of the source whose journal
	// catalog holds it (the other workspace may call it otherwise).
	Source string
	*state.Anomaly
}

// Others returns the anomalies that other workspaces applied on the open
// sources, oldest first, as found by the last Refresh. They are
// information: nothing here changes or adopts them.
func (e *Engine) Others() []Other { return e.others }

// OthersOn returns the other workspaces' applied anomalies that changed
// table of source: on the same column when column is set (or rows of
// the table, for their row-level kinds), any of them otherwise.
func OthersOn(others []Other, source string, table planner.TableName, column string) []Other {
	var out []Other
	for _, o := range others {
		if o.Source != source || o.Status != "" || !strings.EqualFold(o.Journal.Table, table.Name) || !strings.EqualFold(o.Journal.TableSchema, table.Schema) {
			continue
		}
		if column == "" || o.Column == "" || strings.EqualFold(o.Column, column) || strings.EqualFold(o.Journal.With, column) {
			out = append(out, o)
		}
	}
	return out
}

// warnStacked warns when another workspace's anomaly changed the same
// cells (or rows) of ch's table: this change then stacks on it, and the
// two must be rolled back in reverse order. It reads the catalog again
// after ch committed, so that two workspaces applying at the same time
// notice each other too.
func (e *Engine) warnStacked(ctx context.Context, ch *planner.Change, st *state.State) {
	c := e.conns[ch.Source]
	entries, _, err := e.catalog(ctx, ch.Source, c)
	if err != nil {
		return
	}
	var others []Other
	for _, a := range entries {
		if a.Lineage != "" && a.Lineage != st.Lineage {
			others = append(others, Other{Source: ch.Source, Anomaly: a})
		}
	}
	for _, o := range OthersOn(others, ch.Source, ch.Table, ch.Column) {
		ws := o.Workspace
		if ws == "" {
			ws = "lineage " + o.Lineage
		} else {
			ws = fmt.Sprintf("workspace %q (lineage %s)", ws, o.Lineage)
		}
		e.emit(Event{Kind: EventWarning, Address: ch.Address, Message: fmt.Sprintf("%s of another %s also changed %s of %s (applied %s): the two changes may stack on the same rows. Roll them back in reverse order of application; a rollback that finds its rows changed by the other leaves them alone and says so",
			o.Address, ws, columnOrRows(o.Column), ch.Table, o.AppliedAt.Format(time.RFC3339))})
	}
}

func columnOrRows(col string) string {
	if col == "" {
		return "rows"
	}
	return "column " + col
}

// catalog reads the journal entries of one source's journal catalog: this
// source's own and every other workspace's (whatever they call the
// source). found is false when the catalog table does not exist.
func (e *Engine) catalog(ctx context.Context, addr string, c *providers.Conn) (map[string]*state.Anomaly, bool, error) {
	src := e.cfg.Source(addr)
	stmt := sqlgen.CatalogList(c.Dialect, src.JournalSchema)
	rows, err := c.DB.QueryContext(ctx, stmt.SQL)
	if providers.IsUndefinedTable(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the journal catalog of %s: %w", addr, e.explain(err, stmt.SQL, c, planner.TableName{}, src.JournalSchema))
	}
	defer rows.Close()
	out := map[string]*state.Anomaly{}
	for rows.Next() {
		var id, entry, status string
		if err := rows.Scan(&id, &entry, &status); err != nil {
			return nil, true, err
		}
		var a state.Anomaly
		if err := json.Unmarshal([]byte(entry), &a); err != nil {
			return nil, true, fmt.Errorf("journal %s in %s has an unreadable entry: %w", id, addr, err)
		}
		a.Status = ""
		if status != sqlgen.StatusApplied && status != sqlgen.StatusPartial {
			a.Status = status
		}
		out[id] = &a
	}
	return out, true, rows.Err()
}

// FindOccurrence returns the journal catalog entry, on the open sources,
// of the daemon occurrence occ (state.Anomaly.Occurrence), or nil: the
// catalog entry commits with the mutation, so a found entry means the
// occurrence was applied (and is not yet reverted).
func (e *Engine) FindOccurrence(ctx context.Context, occ string) (*state.Anomaly, error) {
	for addr, c := range e.conns {
		entries, _, err := e.catalog(ctx, addr, c)
		if err != nil {
			return nil, err
		}
		for _, a := range entries {
			if a.Occurrence == occ {
				return a, nil
			}
		}
	}
	return nil, nil
}

// Count fills in Rows and WindowRows of every create and replace change with
// exact counts from the database.
func (e *Engine) Count(ctx context.Context, p *planner.Plan) error {
	resumeChanges(p) // batch.go: partly applied batched changes are finished
	for _, ch := range p.Changes {
		if prior := partial(ch); prior != nil && ch.Action == planner.Create {
			// Counted when it was first planned.
			ch.Rows, ch.WindowRows = prior.Batches.Planned, prior.Batches.WindowRows
			continue
		}
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			continue
		}
		c := e.conns[ch.Source]
		if ch.Mutation.Op.Schema() {
			if err := e.checkSchema(ctx, c, ch); err != nil { // schema.go
				return err
			}
		}
		stmt := sqlgen.Count(c.Dialect, ch.Mutation)
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: stmt.SQL})
		queryRow, queryRows := c.DB.QueryRowContext, c.DB.QueryContext
		var tx *providers.Tx
		if ch.Action == planner.Replace && ch.Prior != nil && ch.Prior.Source == ch.Source {
			// Apply restores the prior anomaly before it mutates (rows it
			// nulled or deleted become eligible again), so count against
			// the restored table.
			if tx = e.restored(ctx, c, ch.Prior); tx != nil {
				queryRow, queryRows = tx.QueryRowContext, tx.QueryContext
			}
		}
		err := scanCounts(ctx, queryRows, stmt, ch) // count.go
		var copyErr error
		if err == nil {
			copyErr = e.checkCopies(ctx, ch, c, queryRow) // copies.go
		}
		if err == nil && copyErr == nil && tx == nil && ch.Rows > 0 { // a change of no row is not applied
			copyErr = e.checkValues(ctx, ch, c) // values.go
		}
		if err == nil && !ch.Mutation.Op.Schema() {
			// What a monitor would see: the metric now, from the database,
			// and after, from the exact counts (planner.MetricAfter).
			m, name := sqlgen.Metric(c.Dialect, ch.Mutation)
			var before float64
			if qerr := queryRow(ctx, m.SQL, m.Args...).Scan(&nullFloat{&before}); qerr == nil {
				ch.Metric = planner.MetricAfter(ch, name, before)
				if e.firstWriter(ch) && tx == nil {
					e.rememberMeasured(ch, m, before) // labelreuse.go: a label's baseline
				}
			}
		}
		if tx != nil {
			_ = tx.Rollback()
		}
		if copyErr != nil {
			return copyErr
		}
		if err != nil {
			pe := e.explain(err, stmt.SQL, c, ch.Table, e.cfg.Source(ch.Source).JournalSchema)
			if m := ch.Mutation; m.Op == planner.OpUpdate && m.Column != nil && pe.Class == providers.ClassOther {
				// The count computes the new values: a value the column's
				// type, domain or checks refuse fails it, as it would fail
				// the apply. Say which column.
				return fmt.Errorf("%s: the new values of %s.%s (type %s) are refused by the database, so the apply would fail and change nothing: %w", ch.Address, ch.Table, m.Column.Name, m.Column.Type, pe)
			}
			return fmt.Errorf("counting rows for %s: %w", ch.Address, pe)
		}
		e.settle(ctx, c, ch) // count.go: a change of no row says why
	}
	return nil
}

// restored returns a transaction in which prior's journal has been
// restored, for counting; the caller must roll it back. It returns nil when
// the restore cannot be run (the count then sees the table as it is).
func (e *Engine) restored(ctx context.Context, c *providers.Conn, prior *state.Anomaly) *providers.Tx {
	if planner.Op(prior.Journal.Op).Schema() {
		return nil // its rollback is DDL; a schema change's count needs no restore
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return nil
	}
	for _, s := range sqlgen.RenderRollback(c.Dialect, prior.Journal, e.Force).Restore {
		if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			_ = tx.Rollback()
			return nil
		}
	}
	return &tx
}

// Save persists the state; the executor calls it after every change.
type Save func(*state.State) error

// Result summarises an apply.
type Result struct {
	Applied, RolledBack, Failed int
	// Incomplete counts rollbacks (destroy, expire) that restored what
	// they could and left rows changed since injection alone, keeping
	// their journals: not failures, and Apply carries on after them.
	Incomplete int
	// NotAttempted counts the changes after a failure that stopped Apply.
	NotAttempted int
	Conflicts    int64
}

// ErrConflicts is returned when a rollback left rows alone.
var ErrConflicts = errors.New("rollback left rows that were changed after injection")

// Apply is in parallel.go.

// nullFloat scans a number that may be NULL (an empty window) as 0.
type nullFloat struct{ f *float64 }

func (n *nullFloat) Scan(v any) error {
	var x sql.NullFloat64
	if err := x.Scan(v); err != nil {
		return err
	}
	*n.f = x.Float64
	return nil
}

func fmtMetric(name string, v float64) string {
	switch {
	case name == "null share":
		return fmt.Sprintf("%.1f%%", 100*v)
	case name == "rows" || strings.HasPrefix(name, "distinct"):
		return planner.Thousands(int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}

// Failures is every failure of an Apply that carried on after the first
// (Engine.ContinueOnError), in order.
type Failures struct{ Errs []error }

func (f *Failures) Error() string {
	msgs := make([]string, len(f.Errs))
	for i, err := range f.Errs {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("%d changes failed: %s", len(f.Errs), strings.Join(msgs, "; "))
}

func (f *Failures) Unwrap() []error { return f.Errs }

func (e *Engine) apply(ctx context.Context, now time.Time, ch *planner.Change, st *state.State, save Save) (int64, error) {
	if ch.Mutation.Op.Schema() {
		return e.applySchema(ctx, ch, st, save) // schema.go
	}
	if resume := partial(ch); resume != nil { // batch.go
		if e.DryRun {
			// Its committed batches cannot be tried again: say what is left.
			e.emit(Event{Kind: EventNote, Address: ch.Address, Rows: ch.Rows - resume.Rows,
				Message: fmt.Sprintf("dry run: %s; apply would change the rest, about %d rows", PartialText(resume), ch.Rows-resume.Rows)})
			return ch.Rows, nil
		}
		src := e.cfg.Source(ch.Source)
		return e.applyBatched(ctx, ch, st, save, src.BatchRows, src.BatchTime, resume)
	}
	if size, limit, ok := e.batching(ch); ok {
		return e.applyBatched(ctx, ch, st, save, size, limit, nil)
	}
	c := e.conns[ch.Source]
	src := e.cfg.Source(ch.Source)
	d := c.Dialect
	id := state.NewID()
	stmts, err := sqlgen.ApplyWindow(d, src.JournalSchema, id, ch.Mutation, ch.WindowRows)
	if err != nil {
		return 0, err
	}
	if stmts, err = withTriggersOff(d, stmts, ch.Mutation.DisableTriggers); err != nil {
		return 0, err
	}
	m := ch.Mutation
	entry := e.newEntry(ch, st, id, src.JournalSchema)
	marshal := func() string {
		b, _ := json.Marshal(entry)
		return string(b)
	}
	// pending is set once a pending catalog entry exists (databases whose
	// DDL commits by itself); a failure then removes it and the empty
	// journal table, so that nothing is left of the change.
	pending := false
	fail := func(err error, stmt string) error {
		runErr := e.runError(err, ch.Address, stmt, c, ch.Table, src.JournalSchema)
		if pending {
			e.discardPending(c, entry)
		}
		return runErr
	}
	// Where DDL commits on its own, the journal table is created first and
	// the catalog marks it pending; the data transaction below then either
	// commits journal rows, mutation and the applied mark together, or
	// nothing, leaving a pending entry that rollback cleans up.
	inTx := stmts
	if !d.TransactionalDDL() {
		inTx = nil
		for _, s := range stmts {
			if !s.DDL {
				inTx = append(inTx, s)
				continue
			}
			if s.Role == sqlgen.RoleJournal && !pending {
				pend := entry.Clone()
				pend.Status = sqlgen.StatusPending
				b, _ := json.Marshal(pend)
				cat := sqlgen.CatalogInsert(d, src.JournalSchema, id, ch.Address, entry.AppliedAt, string(b), sqlgen.StatusPending)
				e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: cat.SQL})
				if _, err := c.DB.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
					return 0, fail(err, cat.SQL)
				}
				pending = true
			}
			e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
			if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil {
				return 0, fail(err, s.SQL)
			}
		}
	}
	lp := e.labelBefore(ctx, c, ch) // labels.go: the metric before the change
	if lp != nil {
		lp.complete = true // the one transaction journals every row it changes
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fail(err, "BEGIN")
	}
	defer tx.Rollback() // no-op after Commit
	// txFail ends the transaction before cleaning up: its locks would hold
	// up the removal of a pending journal.
	txFail := func(err error, stmt string) error {
		_ = tx.Rollback()
		return fail(err, stmt)
	}
	var rows int64
	var metric sqlgen.Statement
	var metricName string
	var before float64
	if e.DryRun {
		metric, metricName = sqlgen.Metric(d, m)
		if err := tx.QueryRowContext(ctx, metric.SQL, metric.Args...).Scan(&nullFloat{&before}); err != nil {
			return 0, txFail(err, metric.SQL)
		}
	}
	for _, s := range inTx {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
		r, err := tx.ExecContext(ctx, s.SQL, s.Args...)
		if err != nil {
			if s.Role == sqlgen.RoleTriggers {
				err = &triggerSwitchError{table: ch.Table, err: err}
			}
			return 0, txFail(err, s.SQL)
		}
		if s.Role == sqlgen.RoleMutation {
			rows, _ = r.RowsAffected()
		}
	}
	entry.Rows = rows
	if e.DryRun {
		var after float64
		if err := tx.QueryRowContext(ctx, metric.SQL, metric.Args...).Scan(&nullFloat{&after}); err != nil {
			return 0, txFail(err, metric.SQL)
		}
		_ = tx.Rollback()
		if pending {
			e.discardPending(c, entry)
		}
		e.emit(Event{Kind: EventNote, Address: ch.Address, Rows: rows,
			Message: fmt.Sprintf("dry run: %s %s → %s in the window; rolled back", metricName, fmtMetric(metricName, before), fmtMetric(metricName, after))})
		return rows, nil
	}
	cat := sqlgen.CatalogInsert(d, src.JournalSchema, id, ch.Address, entry.AppliedAt, marshal(), sqlgen.StatusApplied)
	if !d.TransactionalDDL() {
		cat = sqlgen.CatalogUpdate(d, src.JournalSchema, id, marshal(), sqlgen.StatusApplied)
	}
	if _, err := tx.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
		return 0, txFail(err, cat.SQL)
	}
	if err := e.writeLabel(ctx, tx, c, entry, lp); err != nil { // labels.go
		return 0, txFail(err, "INSERT label")
	}
	testHook("before-commit")
	if err := tx.Commit(); err != nil {
		if !providers.IsConnLost(err) && providers.ClassOf(err) != providers.ClassConnLost {
			return 0, fail(err, "COMMIT")
		}
		// The connection broke during COMMIT: whether the server committed
		// is in the journal catalog, which the commit writes.
		status, found, known := e.catalogStatus(c, src.JournalSchema, id)
		switch {
		case !known:
			return 0, fmt.Errorf("%s: %s while committing, and the server cannot be asked whether the commit went through. Run `anomgen plan` once the server is reachable: it reads the journal catalog and records the anomaly if it was applied; otherwise the table is untouched",
				ch.Address, describe(err).Detail)
		case !found || status != sqlgen.StatusApplied:
			return 0, fail(err, "COMMIT")
		}
		e.emit(Event{Kind: EventWarning, Address: ch.Address, Message: fmt.Sprintf("the connection was lost while committing, but the journal catalog shows that the commit went through: applied with journal %s", id)})
	}
	testHook("after-commit")
	e.handOver(lp) // labelreuse.go: the next writer's baseline, measured with this figure
	st.Put(entry)
	recordLabel(st, lp) // labels.go
	if err := save(st); err != nil {
		return rows, fmt.Errorf("%s was applied (journal %s) but the state could not be saved: %w; the next plan will find the journal and record it", ch.Address, id, err)
	}
	e.warnStacked(ctx, ch, st)
	return rows, nil
}

// discardPending removes the pending catalog entry and the empty journal
// table of a change that failed, where DDL is not transactional. It runs
// on its own deadline (the run's context may be cancelled); when it cannot,
// the pending entry stays and the next run reports it.
func (e *Engine) discardPending(c *providers.Conn, entry *state.Anomaly) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	flushIdle(c)
	r := sqlgen.RenderRollback(c.Dialect, entry.Journal, false)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = e.dropJournal(ctx, c, entry, r); err == nil || !providers.IsConnLost(err) {
			break
		}
	}
	if err != nil {
		e.emit(Event{Kind: EventWarning, Address: entry.Address, Message: fmt.Sprintf("the empty journal %s of the failed change could not be removed (%s); it stays marked pending, and `anomgen rollback %s` removes it", entry.Journal.ID, providers.FirstLine(err.Error()), entry.Address)})
	}
}

// catalogStatus reads the status of journal id from the catalog, on a fresh
// connection and its own deadline: found is false when there is no such
// entry, known is false when the catalog could not be read.
func (e *Engine) catalogStatus(c *providers.Conn, schema, id string) (status string, found, known bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	flushIdle(c)
	q := fmt.Sprintf("SELECT status FROM %s WHERE id = %s", c.Dialect.CatalogTable(schema), c.Dialect.Placeholder(1))
	for attempt := 0; attempt < 3; attempt++ {
		err := c.DB.QueryRowContext(ctx, q, id).Scan(&status)
		switch {
		case err == nil:
			return status, true, true
		case errors.Is(err, sql.ErrNoRows), providers.IsUndefinedTable(err):
			return "", false, true
		case !providers.IsConnLost(err) && providers.ClassOf(err) != providers.ClassConnLost:
			return "", false, false
		}
	}
	return "", false, false
}

// flushIdle closes the pool's idle connections: after a connection broke,
// the others are likely broken too (the server restarted, or an
// administrator ended the sessions), and the next statement should get a
// fresh one.
func flushIdle(c *providers.Conn) {
	c.DB.SetMaxIdleConns(0)
	c.DB.SetMaxIdleConns(2) // database/sql's default
}

// rollback restores prior from its journal. Rows changed since injection
// are conflicts: left alone (journal kept) unless e.Force.
//
// An expired anomaly (its duration ran out) stays in the state as expired,
// so that plan does not apply its unchanged block again; rolling back an
// expired anomaly only forgets it.
func (e *Engine) rollback(ctx context.Context, prior *state.Anomaly, st *state.State, save Save, expire bool) (restored, conflicts int64, err error) {
	if prior.Status == state.StatusExpired {
		st.Remove(prior.Address)
		return 0, 0, save(st)
	}
	c := e.conns[prior.Source]
	if c == nil {
		return 0, 0, fmt.Errorf("no connection to %s", prior.Source)
	}
	if prior.Status == state.StatusLost {
		return 0, 0, fmt.Errorf("%s cannot be rolled back: %s; `anomgen state forget %s` drops the record", prior.Address, prior.Lost, prior.Address)
	}
	// Recorded before anything runs: a journal found missing later was
	// restored by this rollback (a run that stopped before saving), not
	// lost (Refresh).
	if !prior.RollingBack && !e.DryRun {
		prior.RollingBack = true
		st.Put(prior)
		if err := save(st); err != nil {
			return 0, 0, fmt.Errorf("%s: the state could not be saved before the rollback: %w", prior.Address, err)
		}
	}
	defer func() {
		if err != nil && st.Get(prior.Address) == prior {
			prior.RollingBack = false // still applied; the next save records it
		}
	}()
	r := sqlgen.RenderRollback(c.Dialect, prior.Journal, e.Force)
	table := planner.TableName{Schema: prior.Journal.TableSchema, Name: prior.Journal.Table}
	runErr := func(err error, stmt string) error {
		if providers.IsUndefinedTable(err) && strings.Contains(stmt, c.Dialect.JournalTable(prior.Journal.Schema, prior.Journal.ID)) {
			return fmt.Errorf("the journal of %s (%s) is missing from the database, so its rows cannot be restored; if it was purged on purpose, run `anomgen plan` to drop the entry from state", prior.Address, prior.Journal.ID)
		}
		return e.runError(err, prior.Address, stmt, c, table, prior.Journal.Schema)
	}
	if prior.Status == sqlgen.StatusPending || prior.Status == sqlgen.StatusRestored {
		// Nothing to restore: a pending journal's change never committed,
		// a restored one's already did. Finish by dropping the journal.
		if err := e.dropJournal(ctx, c, prior, r); err != nil {
			return 0, 0, err
		}
		st.Remove(prior.Address)
		return 0, 0, save(st)
	}
	if planner.Op(prior.Journal.Op).Schema() {
		return e.rollbackSchema(ctx, c, prior, st, save, expire) // schema.go
	}
	// A batched change is restored in batches too (batch.go), all but the
	// last range each in its own transaction; the transaction below
	// restores the rest, counts conflicts and drops the journal.
	var early int64
	if src := e.cfg.Source(prior.Source); src != nil && prior.Batches != nil && !e.Force && !e.DryRun && src.BatchRows > 0 &&
		sqlgen.BatchRollbackable(prior.Journal) && prior.Rows > src.BatchRows {
		var last []any
		if early, last, err = e.batchedRollback(ctx, c, prior, src.BatchRows, src.BatchTime); err != nil {
			return early, 0, fmt.Errorf("%w; the batches restored before it are committed: run the rollback again to finish (it restores only rows that still hold the injected value)", err)
		}
		if last != nil { // the transaction below restores the last range only
			r.Restore = sqlgen.RollbackBatch(c.Dialect, prior.Journal, sqlgen.KeyRange{Lo: last})
		}
	}
	trigOff, trigOn, err := e.rollbackTriggers(ctx, c, prior.Journal)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", prior.Address, err)
	}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, runErr(err, "BEGIN")
	}
	defer tx.Rollback()
	if stmt, err := e.execTriggers(ctx, tx, prior.Address, table, trigOff); err != nil {
		return 0, 0, runErr(err, stmt)
	}
	var keys []string
	countConflicts := func() error {
		if err := tx.QueryRowContext(ctx, r.Conflicts.SQL, r.Conflicts.Args...).Scan(&conflicts); err != nil {
			return runErr(err, r.Conflicts.SQL)
		}
		if conflicts > 0 {
			rows, err := tx.QueryContext(ctx, r.ConflictKeys.SQL)
			if err != nil {
				return runErr(err, r.ConflictKeys.SQL)
			}
			cols, _ := rows.Columns()
			for rows.Next() && len(keys) < 10 {
				vals, ptrs := providers.ScanSlots(len(cols))
				if err := rows.Scan(ptrs...); err == nil {
					keys = append(keys, fmtKey(vals))
				}
			}
			rows.Close()
		}
		return nil
	}
	restore := func() error {
		for i, s := range r.Restore {
			e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
			res, err := tx.ExecContext(ctx, s.SQL, s.Args...)
			if err != nil {
				return runErr(err, s.SQL)
			}
			if n, _ := res.RowsAffected(); i == len(r.Restore)-1 {
				restored = early + n
			}
		}
		return nil
	}
	// With force the restore overwrites changed rows too, so they are
	// counted before it. Without force it only touches rows that still hold
	// the injected value (deleted rows that are still absent), so the
	// conflict test answers the same before and after it; when it restored
	// every journaled row (prior.Rows) there can be none, and the test, a
	// second join of journal and table, is skipped.
	if e.Force {
		if err := countConflicts(); err != nil {
			return 0, 0, err
		}
		if err := restore(); err != nil {
			return 0, 0, err
		}
	} else {
		if err := restore(); err != nil {
			return 0, 0, err
		}
		if restored != prior.Rows {
			if err := countConflicts(); err != nil {
				return 0, 0, err
			}
		}
	}
	var held []heldRows
	if conflicts > 0 && !e.Force {
		held = e.heldBy(ctx, tx, c, prior, st, r) // held.go: rows later anomalies hold
	}
	if stmt, err := e.execTriggers(ctx, tx, prior.Address, table, trigOn); err != nil {
		return 0, 0, runErr(err, stmt)
	}
	keep := conflicts > 0 && !e.Force
	transactional := c.Dialect.TransactionalDDL()
	if !keep {
		if transactional {
			for _, s := range r.Drop {
				if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
					return 0, 0, runErr(err, s.SQL)
				}
			}
		} else {
			entry, _ := json.Marshal(prior)
			mark := sqlgen.CatalogUpdate(c.Dialect, prior.Journal.Schema, prior.Journal.ID, string(entry), sqlgen.StatusRestored)
			if _, err := tx.ExecContext(ctx, mark.SQL, mark.Args...); err != nil {
				return 0, 0, runErr(err, mark.SQL)
			}
		}
	}
	testHook("before-commit")
	if err := tx.Commit(); err != nil {
		if !providers.IsConnLost(err) && providers.ClassOf(err) != providers.ClassConnLost {
			return 0, 0, runErr(err, "COMMIT")
		}
		// The connection broke during COMMIT. Without kept conflicts the
		// commit drops the catalog entry (or marks it restored), so the
		// catalog says whether it went through.
		status, found, known := e.catalogStatus(c, prior.Journal.Schema, prior.Journal.ID)
		switch {
		case keep || !known:
			return 0, 0, fmt.Errorf("%s: %s while committing the rollback, and whether it went through is unknown. Run the rollback again once the server is reachable: it restores only rows that still hold the injected value", prior.Address, describe(err).Detail)
		case found && status != sqlgen.StatusRestored:
			return 0, 0, runErr(err, "COMMIT")
		}
		e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: "the connection was lost while committing the rollback, but the journal catalog shows that the commit went through"})
	}
	testHook("after-commit")
	if !keep && !transactional {
		if err := e.dropJournal(ctx, c, prior, r); err != nil {
			return restored, conflicts, err
		}
	}
	switch {
	case keep:
		prior.Conflicts = conflicts
		prior.RollingBack = false
		st.Put(prior)
	case expire:
		done := prior.Clone()
		done.Status, done.RollingBack = state.StatusExpired, false
		st.Put(done)
	default:
		st.Remove(prior.Address)
	}
	if !keep {
		e.revertLabel(ctx, c, prior, st) // labels.go
	}
	if err := save(st); err != nil {
		return restored, conflicts, fmt.Errorf("%s was rolled back but the state could not be saved: %w", prior.Address, err)
	}
	if conflicts > 0 {
		msg := fmt.Sprintf("%d rows were changed by someone else after injection (keys %s)", conflicts, strings.Join(keys, ", "))
		if keep {
			e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: conflictMessage(prior, conflicts, keys, held)}) // held.go
			return restored, conflicts, fmt.Errorf("%w: %s", ErrConflicts, prior.Address)
		}
		e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: msg + "; -force overwrote them with their before-images"})
	}
	return restored, conflicts, nil
}

// dropJournal drops the journal table and then its catalog entry, each on
// its own (for databases whose DDL commits by itself). A journal table that
// is already gone is fine: a run may have stopped right after dropping it.
func (e *Engine) dropJournal(ctx context.Context, c *providers.Conn, prior *state.Anomaly, r sqlgen.Rollback) error {
	for _, s := range r.Drop {
		e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
		if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil && !(s.DDL && providers.IsUndefinedTable(err)) {
			return fmt.Errorf("%s was restored, but dropping its journal %s failed: %w; run `anomgen rollback %s` again to finish", prior.Address, prior.Journal.ID, err, prior.Address)
		}
	}
	return nil
}

func fmtKey(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		parts[i] = fmt.Sprint(v)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// RunError is a statement of a change that failed: Detail says what
// happened, Hint what to do. Its transaction was rolled back, so the table
// is untouched.
type RunError struct {
	Address string
	Class   providers.Class
	Detail  string
	Hint    string
	Err     error
}

func (e *RunError) Error() string {
	if e.Class == "interrupted" {
		return fmt.Sprintf("%s: interrupted; its transaction was rolled back and the table is untouched", e.Address)
	}
	msg := fmt.Sprintf("%s: %s; its transaction was rolled back and the table is untouched", e.Address, e.Detail)
	if e.Hint != "" {
		msg += ". " + e.Hint
		if !strings.HasSuffix(e.Hint, ".") && !strings.HasSuffix(e.Hint, ")") {
			msg += "."
		}
	}
	return msg
}

func (e *RunError) Unwrap() error { return e.Err }

// describe classifies err (see providers.Classify) as an *providers.Error.
func describe(err error) *providers.Error {
	var pe *providers.Error
	if errors.As(providers.Classify(err), &pe) {
		return pe
	}
	var ce *providers.ConnectError
	if errors.As(err, &ce) {
		return &providers.Error{Class: ce.Class, Detail: ce.Detail, Hint: ce.Hint, Err: err}
	}
	return &providers.Error{Class: providers.ClassOther, Detail: providers.FirstLine(err.Error()), Err: err}
}

// runError explains the failure of statement stmt of the change addr on
// table: what happened (classified by the provider), that its transaction
// was rolled back and the table is untouched, and what to do; for a
// refused privilege, the GRANT that fixes it.
func (e *Engine) runError(err error, addr, stmt string, c *providers.Conn, table planner.TableName, journalSchema string) error {
	if errors.Is(err, context.Canceled) {
		return &RunError{Address: addr, Class: "interrupted", Err: err}
	}
	var ts *triggerSwitchError
	if errors.As(err, &ts) {
		return ts.runError(addr)
	}
	pe := e.explain(err, stmt, c, table, journalSchema)
	return &RunError{Address: addr, Class: pe.Class, Detail: pe.Detail, Hint: pe.Hint, Err: pe}
}

// explain classifies the error of statement stmt on table; a refused
// privilege is named with the GRANT that fixes it.
func (e *Engine) explain(err error, stmt string, c *providers.Conn, table planner.TableName, journalSchema string) *providers.Error {
	pe := describe(err)
	if pe.Class == providers.ClassPermission {
		var wp *providers.Error
		if errors.As(providers.WithStatement(pe, stmt), &wp) {
			pe = wp
		}
		pe = e.permission(pe, c, table, journalSchema)
	}
	return pe
}

// permission names the refused privilege on the object as the user knows
// it (the table schema-qualified) and the GRANT that fixes it.
func (e *Engine) permission(pe *providers.Error, c *providers.Conn, table planner.TableName, journalSchema string) *providers.Error {
	object := pe.Object
	if schema, name := providers.SplitTable(object); schema == "" && name != "" && strings.EqualFold(name, table.Name) && table.Schema != "" {
		object = table.String()
	} else if strings.EqualFold(schema, journalSchema) && strings.HasPrefix(name, "j_") && !c.Dialect.TransactionalDDL() {
		// A journal table's name changes with every change: grant on the
		// journal database instead.
		object = "database " + schema
	}
	user := c.User
	if user == "" {
		user = pe.User
	}
	out := providers.Permission(pe.Err, pe.Privilege, object, user)
	g, ok := c.Inspector.(providers.Granter)
	if ok && out.Privilege != "" && object != "" {
		out.Hint = "Ask an administrator to run: " + g.Grant(out.Privilege, object, user) + " (`anomgen check` lists every privilege apply and rollback need)"
	}
	return out
}

// testHook lets the crash-safety tests stop a run at a known point: with
// ANOMGEN_TEST_HOOK=<point>, the run prints a marker to stderr at that point
// and waits (up to a minute) so the test can kill it or end its database
// session.
func testHook(point string) {
	if os.Getenv("ANOMGEN_TEST_HOOK") != point {
		return
	}
	fmt.Fprintf(os.Stderr, "anomgen-test-hook: %s\n", point)
	// With ANOMGEN_TEST_HOOK_RESUME=<file>, the run carries on once the
	// test creates that file (e.g. after it ended the database session).
	resume := os.Getenv("ANOMGEN_TEST_HOOK_RESUME")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resume != "" {
			if _, err := os.Stat(resume); err == nil {
				return
			}
		}
	}
}
