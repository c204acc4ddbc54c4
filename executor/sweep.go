package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Sweeps keep a continuous occurrence acting for its whole duration: an
// applied stale_data hides every row from its cutoff on, and rows that
// arrive afterwards would show the table fresh again. A sweep moves them
// into the occurrence's own journal and deletes them, in one transaction
// with the catalog entry's row count, so that the rollback at expiry
// releases every hidden row, swept or not, byte-identical.

// SweepStatements renders one sweep of the applied delete journal j whose
// selection is m's (an open-ended time window from the cutoff on, and its
// segments): the locking statement some databases need first (may be
// empty), the INSERT that copies the rows that arrived since into the
// journal, and the DELETE that hides them.
//
// A row whose key the journal already holds (a key reused after the
// original row was hidden) is left alone: the journal cannot hold both,
// and the rollback then reports the original as a conflict. The DELETE
// removes only rows with an identical journal row, so nothing leaves the
// table without a before-image.
func SweepStatements(d sqlgen.Dialect, j state.Journal, m *planner.Mutation) (pre, insert, del sqlgen.Statement, err error) {
	if j.Op != string(planner.OpDelete) || m == nil || m.Where.TimeColumn == nil || !m.Where.OpenEnd {
		return pre, insert, del, fmt.Errorf("only an open-ended delete (stale_data) is swept")
	}
	jt := d.JournalTable(j.Schema, j.ID)
	t := d.Table(planner.TableName{Schema: j.TableSchema, Name: j.Table})
	// where renders the selection over alias t with its own arguments
	// (each statement numbers its placeholders from 1).
	where := func() (string, []any) {
		var vals []any
		ph := func(v any) string {
			vals = append(vals, v)
			return d.Placeholder(len(vals))
		}
		conds := []string{fmt.Sprintf("t.%s >= %s", d.Quote(m.Where.TimeColumn.Name), ph(d.TimeArg(m.Where.From, m.Where.TimeFormat)))}
		for _, f := range m.Where.Segments {
			in := make([]string, len(f.Values))
			for i, v := range f.Values {
				in[i] = ph(sqlgen.FilterValue(f.Column, v))
			}
			conds = append(conds, fmt.Sprintf("t.%s IN (%s)", d.Quote(f.Column.Name), strings.Join(in, ", ")))
		}
		on := make([]string, len(j.Key))
		for i, k := range j.Key {
			on[i] = fmt.Sprintf("j.%s = t.%s", d.Quote(k), d.Quote(k))
		}
		conds = append(conds, fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s j WHERE %s)", jt, strings.Join(on, " AND ")))
		return strings.Join(conds, " AND "), vals
	}
	w, vals := where()
	from, suffix, lock := d.LockedRead(t, w)
	if lock != "" {
		_, pvals := where()
		pre = sqlgen.Statement{Role: sqlgen.RoleJournal, SQL: lock, Args: pvals}
	}
	insert = sqlgen.Statement{Role: sqlgen.RoleJournal, SQL: fmt.Sprintf("INSERT INTO %s SELECT t.* FROM %s WHERE %s%s", jt, from, w, suffix), Args: vals}
	same := make([]string, 0, len(j.Key)+len(j.Columns))
	for _, k := range j.Key {
		same = append(same, fmt.Sprintf("j.%s = %s.%s", d.Quote(k), t, d.Quote(k)))
	}
	for _, c := range j.Columns {
		same = append(same, d.NotDistinct("j."+d.Quote(c), t+"."+d.Quote(c)))
	}
	del = sqlgen.Statement{Role: sqlgen.RoleMutation, SQL: fmt.Sprintf("DELETE FROM %s WHERE EXISTS (SELECT 1 FROM %s j WHERE %s)", t, jt, strings.Join(same, " AND "))}
	return pre, insert, del, nil
}

// Sweep runs one sweep of the applied continuous anomaly prior, whose
// mutation (as planned at its fire time) is m: the rows that arrived since
// are moved into its journal and deleted, and the catalog entry and the
// state record the new row count, all in one transaction. It returns the
// rows hidden by this sweep (0: nothing arrived).
func (e *Engine) Sweep(ctx context.Context, prior *state.Anomaly, m *planner.Mutation, st *state.State, save Save) (int64, error) {
	c := e.conns[prior.Source]
	if c == nil {
		return 0, fmt.Errorf("no connection to %s", prior.Source)
	}
	if prior.Status != "" {
		return 0, fmt.Errorf("%s is not applied (%s): nothing to sweep", prior.Address, prior.Status)
	}
	d := c.Dialect
	pre, insert, del, err := SweepStatements(d, prior.Journal, m)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", prior.Address, err)
	}
	table := planner.TableName{Schema: prior.Journal.TableSchema, Name: prior.Journal.Table}
	tx, err := c.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, e.runError(err, prior.Address, "BEGIN", c, table, prior.Journal.Schema)
	}
	defer tx.Rollback() // no-op after Commit
	for _, s := range []sqlgen.Statement{pre, insert} {
		if s.SQL == "" {
			continue
		}
		e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: s.SQL})
		if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return 0, e.runError(err, prior.Address, s.SQL, c, table, prior.Journal.Schema)
		}
	}
	e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: del.SQL})
	res, err := tx.ExecContext(ctx, del.SQL, del.Args...)
	if err != nil {
		return 0, e.runError(err, prior.Address, del.SQL, c, table, prior.Journal.Schema)
	}
	hidden, _ := res.RowsAffected()
	if hidden == 0 {
		return 0, nil // nothing arrived: the transaction rolls back
	}
	entry := prior.Clone()
	entry.Rows += hidden
	b, _ := json.Marshal(entry)
	cat := sqlgen.CatalogUpdate(d, prior.Journal.Schema, prior.Journal.ID, string(b), sqlgen.StatusApplied)
	if _, err := tx.ExecContext(ctx, cat.SQL, cat.Args...); err != nil {
		return 0, e.runError(err, prior.Address, cat.SQL, c, table, prior.Journal.Schema)
	}
	if err := tx.Commit(); err != nil {
		return 0, e.runError(err, prior.Address, "COMMIT", c, table, prior.Journal.Schema)
	}
	st.Put(entry)
	if err := save(st); err != nil {
		return hidden, fmt.Errorf("%s: %d rows were swept into journal %s but the state could not be saved: %w; the next plan reads the count from the journal catalog", prior.Address, hidden, prior.Journal.ID, err)
	}
	return hidden, nil
}
