package executor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Schema changes (planner.Op.Schema) are applied and rolled back here. The
// statements and the order of their steps are sqlgen's (schema.go there):
// where DDL is transactional, journal, change and catalog entry commit in
// one transaction; where it is not (MySQL, Oracle), the journal is
// committed (status changing) before anything that loses data, the change
// runs step by step, and the entry is marked applied last. A rollback
// inspects the table first and renders its steps for what it finds, so a
// change or rollback that stopped half-way is finished by the next
// rollback.

// checkSchema refuses a schema change that could not be made or undone:
// what the dialect cannot render (the change, or its rollback for the table
// as the change would leave it) and what depends on the column (indexes,
// constraints, views...), which the change would drop or lose with it.
func (e *Engine) checkSchema(ctx context.Context, c *providers.Conn, ch *planner.Change) error {
	m := ch.Mutation
	d := c.Dialect
	schema := e.cfg.Source(ch.Source).JournalSchema
	if _, err := sqlgen.ApplySchema(d, schema, "check", m); err != nil {
		return fmt.Errorf("%s cannot be applied: %w", ch.Address, err)
	}
	before := &planner.TableProfile{Table: m.Table, Columns: m.Columns}
	r, err := sqlgen.RenderSchemaRollback(d, m.Journal("check", schema), before.AfterSchemaChange(m), false)
	if err != nil {
		return fmt.Errorf("%s cannot be applied: %w", ch.Address, err)
	}
	// What the rollback will not give back as it was (a dropped column
	// that comes back last) is said now, not only at rollback.
	for _, n := range r.Notes {
		ch.Cautions = append(ch.Cautions, "rollback: "+n)
	}
	stmt, ok := sqlgen.SchemaDependents(d, m)
	if !ok {
		return nil
	}
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: stmt.SQL})
	rows, err := c.DB.QueryContext(ctx, stmt.SQL, stmt.Args...)
	if err != nil {
		return fmt.Errorf("%s: checking what depends on column %s of %s: %w", ch.Address, m.Column.Name, m.Table, e.explain(err, stmt.SQL, c, m.Table, schema))
	}
	defer rows.Close()
	var deps []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s.Valid && s.String != "" {
			deps = append(deps, s.String)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(deps) == 0 {
		return nil
	}
	verb := "dropped"
	if m.Op == planner.OpChangeType {
		verb = "retyped"
	}
	return fmt.Errorf("%s: column %s of %s cannot be %s safely because of %s: the change would drop or lose what depends on the column (or the database would refuse it), and a rollback could not bring that back. Choose another column, or target a copy of the table without it",
		ch.Address, m.Column.Name, m.Table, verb, strings.Join(deps, ", "))
}

// runSteps runs statements one at a time where DDL commits on its own:
// each DDL statement by itself, and each run of data statements in a
// transaction of its own. It returns the failed statement with the error.
func (e *Engine) runSteps(ctx context.Context, c *providers.Conn, addr string, steps []sqlgen.Statement) (string, error) {
	for i := 0; i < len(steps); {
		s := steps[i]
		if s.DDL {
			e.emit(Event{Kind: EventStatement, Address: addr, Message: s.SQL})
			if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil {
				return s.SQL, err
			}
			i++
			continue
		}
		tx, err := c.DB.BeginTx(ctx, nil)
		if err != nil {
			return "BEGIN", err
		}
		for ; i < len(steps) && !steps[i].DDL; i++ {
			e.emit(Event{Kind: EventStatement, Address: addr, Message: steps[i].SQL})
			if _, err := tx.ExecContext(ctx, steps[i].SQL, steps[i].Args...); err != nil {
				_ = tx.Rollback()
				return steps[i].SQL, err
			}
		}
		if err := tx.Commit(); err != nil {
			return "COMMIT", err
		}
	}
	return "", nil
}

// applySchema applies the schema change of ch with its journal.
func (e *Engine) applySchema(ctx context.Context, ch *planner.Change, st *state.State, save Save) (int64, error) {
	c := e.conns[ch.Source]
	src := e.cfg.Source(ch.Source)
	d := c.Dialect
	m := ch.Mutation
	if err := e.checkSchema(ctx, c, ch); err != nil {
		return 0, err
	}
	id := state.NewID()
	sc, err := sqlgen.ApplySchema(d, src.JournalSchema, id, m)
	if err != nil {
		return 0, err
	}
	entry := e.newEntry(ch, st, id, src.JournalSchema)
	marshal := func() string {
		b, _ := json.Marshal(entry)
		return string(b)
	}
	if d.TransactionalDDL() {
		return e.applySchemaTx(ctx, ch, c, src.JournalSchema, sc, entry, marshal, st, save)
	}

	// 1. The catalog entry (pending) and the empty journal table; a
	// failure from here until the journal commits removes both.
	pending := false
	fail := func(err error, stmt string) error {
		runErr := e.runError(err, ch.Address, stmt, c, ch.Table, src.JournalSchema)
		if pending {
			e.discardPending(c, entry)
		}
		return runErr
	}
	for _, s := range sc.Ensure {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
		if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return 0, fail(err, s.SQL)
		}
	}
	pend := entry.Clone()
	pend.Status = sqlgen.StatusPending
	b, _ := json.Marshal(pend)
	cat := sqlgen.CatalogInsert(d, src.JournalSchema, id, ch.Address, entry.AppliedAt, string(b), sqlgen.StatusPending)
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: cat.SQL})
	if _, err := c.DB.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
		return 0, fail(err, cat.SQL)
	}
	pending = true
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: sc.Journal.SQL})
	if _, err := c.DB.ExecContext(ctx, sc.Journal.SQL, sc.Journal.Args...); err != nil {
		return 0, fail(err, sc.Journal.SQL)
	}
	// 2. The journal rows and the status changing, in one transaction:
	// from its commit on, the journal holds every value the change can
	// lose.
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fail(err, "BEGIN")
	}
	if sc.Fill != nil {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: sc.Fill.SQL})
		r, err := tx.ExecContext(ctx, sc.Fill.SQL, sc.Fill.Args...)
		if err != nil {
			_ = tx.Rollback()
			return 0, fail(err, sc.Fill.SQL)
		}
		entry.Rows, _ = r.RowsAffected()
	}
	upd := sqlgen.CatalogUpdate(d, src.JournalSchema, id, marshal(), sqlgen.StatusChanging)
	if _, err := tx.ExecContext(ctx, upd.SQL, upd.Args...); err != nil {
		_ = tx.Rollback()
		return 0, fail(err, upd.SQL)
	}
	if err := tx.Commit(); err != nil {
		// Whether it committed is unknown: the catalog tells, and a
		// pending entry is removed.
		if status, found, known := e.catalogStatus(c, src.JournalSchema, id); !known || (found && status == sqlgen.StatusChanging) {
			return 0, e.keepChanging(ch.Address, entry, st, save, fmt.Errorf("%s: %s while committing its journal", ch.Address, describe(err).Detail))
		}
		return 0, fail(err, "COMMIT")
	}
	pending = false
	testHook("schema-journaled")
	// 3. The change, step by step. A failure restores the table from the
	// journal (as a rollback would) and removes the journal.
	if stmt, err := e.runSteps(ctx, c, ch.Address, sc.Change); err != nil {
		runErr := e.runError(err, ch.Address, stmt, c, ch.Table, src.JournalSchema)
		changing := entry.Clone()
		changing.Status = sqlgen.StatusChanging
		if rerr := e.undoSchema(changing); rerr != nil {
			return 0, e.keepChanging(ch.Address, changing, st, save, fmt.Errorf("%s: %s; restoring the table from its journal failed too (%s)", ch.Address, describe(err).Detail, providers.FirstLine(rerr.Error())))
		}
		return 0, runErr
	}
	testHook("schema-changed")
	// 4. Applied.
	upd = sqlgen.CatalogUpdate(d, src.JournalSchema, id, marshal(), sqlgen.StatusApplied)
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: upd.SQL})
	if _, err := c.DB.ExecContext(ctx, upd.SQL, upd.Args...); err != nil {
		changing := entry.Clone()
		changing.Status = sqlgen.StatusChanging
		return 0, e.keepChanging(ch.Address, changing, st, save, fmt.Errorf("%s was changed, but its catalog entry could not be marked applied (%s)", ch.Address, describe(err).Detail))
	}
	st.Put(entry)
	e.labelSchema(ctx, c, ch, entry, st) // labels.go
	if err := save(st); err != nil {
		return entry.Rows, fmt.Errorf("%s was applied (journal %s) but the state could not be saved: %w; the next plan will find the journal and record it", ch.Address, id, err)
	}
	return entry.Rows, nil
}

// keepChanging records a schema change left between its steps (status
// changing: the journal is complete, the table may be partly changed) in
// the state, and returns err with the way out.
func (e *Engine) keepChanging(addr string, entry *state.Anomaly, st *state.State, save Save, err error) error {
	entry.Status = sqlgen.StatusChanging
	st.Put(entry)
	_ = save(st)
	return fmt.Errorf("%w. The table may be partly changed; every value it can lose is in journal %s, marked changing: run `anomgen rollback %s` to restore it", err, entry.Journal.ID, addr)
}

// applySchemaTx applies a schema change where DDL is transactional: the
// journal, the change and the catalog entry in one transaction.
func (e *Engine) applySchemaTx(ctx context.Context, ch *planner.Change, c *providers.Conn, schema string, sc *sqlgen.SchemaChange, entry *state.Anomaly,
	marshal func() string, st *state.State, save Save) (int64, error) {
	d := c.Dialect
	fail := func(err error, stmt string) error { return e.runError(err, ch.Address, stmt, c, ch.Table, schema) }
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fail(err, "BEGIN")
	}
	defer tx.Rollback() // no-op after Commit
	stmts := append(append([]sqlgen.Statement{}, sc.Ensure...), sc.Journal)
	fill := -1 // the journal rows' statement, whose count is the anomaly's rows
	if sc.Fill != nil {
		fill = len(stmts)
		stmts = append(stmts, *sc.Fill)
	}
	stmts = append(stmts, sc.Change...)
	for i, s := range stmts {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: s.SQL})
		r, err := tx.ExecContext(ctx, s.SQL, s.Args...)
		if err != nil {
			return 0, fail(err, s.SQL)
		}
		if i == fill {
			entry.Rows, _ = r.RowsAffected()
		}
	}
	cat := sqlgen.CatalogInsert(d, schema, entry.Journal.ID, ch.Address, entry.AppliedAt, marshal(), sqlgen.StatusApplied)
	if _, err := tx.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
		return 0, fail(err, cat.SQL)
	}
	testHook("before-commit")
	if err := tx.Commit(); err != nil {
		if !providers.IsConnLost(err) && providers.ClassOf(err) != providers.ClassConnLost {
			return 0, fail(err, "COMMIT")
		}
		status, found, known := e.catalogStatus(c, schema, entry.Journal.ID)
		switch {
		case !known:
			return 0, fmt.Errorf("%s: %s while committing, and the server cannot be asked whether the commit went through. Run `anomgen plan` once the server is reachable: it reads the journal catalog and records the anomaly if it was applied; otherwise the table is untouched",
				ch.Address, describe(err).Detail)
		case !found || status != sqlgen.StatusApplied:
			return 0, fail(err, "COMMIT")
		}
		e.emit(Event{Kind: EventWarning, Address: ch.Address, Message: fmt.Sprintf("the connection was lost while committing, but the journal catalog shows that the commit went through: applied with journal %s", entry.Journal.ID)})
	}
	testHook("after-commit")
	st.Put(entry)
	e.labelSchema(ctx, c, ch, entry, st) // labels.go
	if err := save(st); err != nil {
		return entry.Rows, fmt.Errorf("%s was applied (journal %s) but the state could not be saved: %w; the next plan will find the journal and record it", ch.Address, entry.Journal.ID, err)
	}
	return entry.Rows, nil
}

// undoSchema restores the table of a change whose step failed, where DDL
// is not transactional, and removes its journal. It runs on its own
// deadline: the run's context may be what was cancelled.
func (e *Engine) undoSchema(prior *state.Anomaly) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := e.conns[prior.Source]
	flushIdle(c)
	r, err := e.renderSchemaRollback(ctx, c, prior, true)
	if err != nil {
		return err
	}
	if r.Conflict != "" {
		return errors.New(r.Conflict)
	}
	return e.restoreSchemaSteps(ctx, c, prior, r)
}

// renderSchemaRollback inspects the table of prior and renders its
// rollback for what it finds.
func (e *Engine) renderSchemaRollback(ctx context.Context, c *providers.Conn, prior *state.Anomaly, redo bool) (*sqlgen.SchemaRestore, error) {
	table := planner.TableName{Schema: prior.Journal.TableSchema, Name: prior.Journal.Table}
	cur, err := c.Inspector.Profile(ctx, table.String(), "")
	if err != nil {
		return nil, fmt.Errorf("%s: inspecting %s before the rollback: %w", prior.Address, table, err)
	}
	return sqlgen.RenderSchemaRollback(c.Dialect, prior.Journal, cur, redo)
}

// restoreSchemaSteps runs a schema rollback where DDL is not
// transactional: the entry is marked changing, the steps run, the entry is
// marked restored, and the journal is dropped.
func (e *Engine) restoreSchemaSteps(ctx context.Context, c *providers.Conn, prior *state.Anomaly, r *sqlgen.SchemaRestore) error {
	d := c.Dialect
	mark := func(status string) error {
		entry := prior.Clone()
		entry.Status = ""
		b, _ := json.Marshal(entry)
		s := sqlgen.CatalogUpdate(d, prior.Journal.Schema, prior.Journal.ID, string(b), status)
		e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
		_, err := c.DB.ExecContext(ctx, s.SQL, s.Args...)
		return err
	}
	if prior.Status != sqlgen.StatusChanging {
		if err := mark(sqlgen.StatusChanging); err != nil {
			return err
		}
	}
	if stmt, err := e.runSteps(ctx, c, prior.Address, r.Steps); err != nil {
		return fmt.Errorf("%s: %w", providers.FirstLine(stmt), err)
	}
	if err := mark(sqlgen.StatusRestored); err != nil {
		return err
	}
	return e.dropJournal(ctx, c, prior, sqlgen.Rollback{Drop: r.Drop})
}

// rollbackSchema restores the table of the schema change prior from its
// journal. A table that is not as the change left it is a conflict (the
// journal is kept), unless what it shows is the rollback's own result or
// -force asks to restore anyway.
func (e *Engine) rollbackSchema(ctx context.Context, c *providers.Conn, prior *state.Anomaly, st *state.State, save Save, expire bool) (int64, int64, error) {
	d := c.Dialect
	table := planner.TableName{Schema: prior.Journal.TableSchema, Name: prior.Journal.Table}
	redo := e.Force || prior.Status == sqlgen.StatusChanging
	r, err := e.renderSchemaRollback(ctx, c, prior, redo)
	if err != nil {
		return 0, 0, err
	}
	keepsValues := prior.Journal.Def != nil // drop and change_type journal values
	forget := false
	if r.Conflict != "" {
		if !e.Force || keepsValues {
			prior.Conflicts = 1
			st.Put(prior)
			if err := save(st); err != nil {
				return 0, 1, err
			}
			hint := "; fix the table, or run `anomgen rollback -force " + prior.Address + "` to forget the change (its journal holds no values)"
			if keepsValues {
				hint = "; its values stay in journal " + prior.Journal.ID + " until the table can take them back"
			}
			e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: r.Conflict + hint})
			return 0, 1, fmt.Errorf("%w: %s: %s", ErrConflicts, prior.Address, r.Conflict)
		}
		forget = true
		e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: r.Conflict + "; -force: the journal is dropped without restoring"})
	}
	for _, n := range r.Notes {
		e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: n})
	}
	runErr := func(err error, stmt string) error {
		return e.runError(err, prior.Address, stmt, c, table, prior.Journal.Schema)
	}
	if forget {
		r.Steps = nil
	}
	if d.TransactionalDDL() {
		steps := r.Steps
		if len(steps) > 0 {
			// A change made with triggers = "disable": the refill runs
			// with the table's triggers off too (triggers.go).
			off, on, err := e.rollbackTriggers(ctx, c, prior.Journal)
			if err != nil {
				return 0, 0, err
			}
			steps = append(append(append([]sqlgen.Statement{}, off...), steps...), on...)
		}
		tx, err := c.DB.BeginTx(ctx, nil)
		if err != nil {
			return 0, 0, runErr(err, "BEGIN")
		}
		defer tx.Rollback()
		for _, s := range append(steps, r.Drop...) {
			e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
			if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
				return 0, 0, runErr(err, s.SQL)
			}
		}
		testHook("before-commit")
		if err := tx.Commit(); err != nil {
			if !providers.IsConnLost(err) && providers.ClassOf(err) != providers.ClassConnLost {
				return 0, 0, runErr(err, "COMMIT")
			}
			// The commit deletes the catalog entry: its absence says it
			// went through.
			if _, found, known := e.catalogStatus(c, prior.Journal.Schema, prior.Journal.ID); !known || found {
				return 0, 0, fmt.Errorf("%s: %s while committing the rollback, and it did not go through or cannot be told: run the rollback again once the server is reachable", prior.Address, describe(err).Detail)
			}
			e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: "the connection was lost while committing the rollback, but the journal catalog shows that the commit went through"})
		}
		testHook("after-commit")
	} else if err := e.restoreSchemaSteps(ctx, c, prior, r); err != nil {
		// The catalog says changing (or still applied, when even that
		// mark failed); the state says changing, so that plan stops until
		// a rollback finishes the job.
		changing := prior.Clone()
		changing.Status = sqlgen.StatusChanging
		st.Put(changing)
		_ = save(st)
		return 0, 0, fmt.Errorf("%s: the rollback stopped (%s); the table may be partly restored, and journal %s keeps every value: run `anomgen rollback %s` again to finish", prior.Address, providers.FirstLine(err.Error()), prior.Journal.ID, prior.Address)
	}
	if expire {
		done := prior.Clone()
		done.Status, done.RollingBack = state.StatusExpired, false
		st.Put(done)
	} else {
		st.Remove(prior.Address)
	}
	e.revertLabel(ctx, c, prior, st) // labels.go
	if err := save(st); err != nil {
		return prior.Rows, 0, fmt.Errorf("%s was rolled back but the state could not be saved: %w", prior.Address, err)
	}
	if forget {
		return 0, 0, nil
	}
	return prior.Rows, 0, nil
}

// schemaDone is the done message of an applied schema change.
func schemaDone(ch *planner.Change, n int64) string {
	if n == 0 {
		return ch.Effect + " (a schema change)"
	}
	return fmt.Sprintf("%s (a schema change; %d values journaled)", ch.Effect, n)
}
