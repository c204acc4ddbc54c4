package executor

import (
	"context"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Drift finds what changed outside anomgen in the tables of the applied
// anomalies the plan keeps, rolls back or replaces, and says so in each
// change's Drift with what anomgen will do about it: rows someone changed
// since injection (counted as a rollback would count its conflicts), and a
// changed table or column gone. Lost journals are found by Refresh and
// planned as drift by the planner. It changes nothing.
//
// The checks (one join of journal and table each) run at the same time
// within the engine's bounds (-parallelism, each source's
// max_connections), as the counts do; each writes only its own change.
func (e *Engine) Drift(ctx context.Context, p *planner.Plan) error {
	var tasks []task
	for _, ch := range p.Changes {
		a := ch.Prior
		if a == nil || a.Status != "" || planner.Op(a.Journal.Op).Schema() || ch.Action == planner.Create || ch.Drift != "" {
			continue
		}
		c := e.conns[a.Source]
		if c == nil {
			continue
		}
		tasks = append(tasks, task{sources: []string{a.Source}, run: func() error { return e.drift(ctx, c, ch) }})
	}
	_, errs := e.schedule(ctx, tasks, true)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// drift checks one applied anomaly (ch.Prior) for rows changed since
// injection, a table or a column gone, and notes it in ch.Drift.
func (e *Engine) drift(ctx context.Context, c *providers.Conn, ch *planner.Change) error {
	a := ch.Prior
	r := sqlgen.RenderRollback(c.Dialect, a.Journal, false)
	var changed int64
	err := c.DB.QueryRowContext(ctx, r.Conflicts.SQL, r.Conflicts.Args...).Scan(&changed)
	table := planner.TableName{Schema: a.Journal.TableSchema, Name: a.Journal.Table}
	var note string
	switch {
	case err == nil && changed > 0:
		note = fmt.Sprintf("%s of its %s rows in %s were changed by someone else since it was applied (%s)", planner.Thousands(changed), planner.Thousands(a.Rows), table, a.AppliedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
		switch ch.Action {
		case planner.NoOp:
			note += "; nothing is done now. A rollback will leave those rows as they are and exit 2; `anomgen rollback -force " + a.Address + "` overwrites them with their before-images"
		default:
			note += "; this plan's rollback of it leaves those rows as they are (exit 2) unless -force"
		}
	case err == nil:
		return nil
	case providers.IsUndefinedTable(err) && !strings.Contains(err.Error(), a.Journal.ID) && !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.Dialect.JournalTable(a.Journal.Schema, a.Journal.ID))):
		note = fmt.Sprintf("table %s is gone: its rows cannot be restored until it is back; restore the table, or `anomgen journal purge %s` drops the before-images for good", table, a.Address)
	case providers.IsUndefinedColumn(err):
		note = fmt.Sprintf("a column the journal restores (%s) is gone from %s: its values cannot be restored until it is back; restore the column, or `anomgen journal purge %s` drops the before-images for good", journalColumns(a), table, a.Address)
	default:
		return fmt.Errorf("checking %s for changes since injection: %w", a.Address, e.explain(err, r.Conflicts.SQL, c, table, a.Journal.Schema))
	}
	if ch.Drift != "" {
		ch.Drift += "; "
	}
	ch.Drift += note
	return nil
}

func journalColumns(a *state.Anomaly) string {
	if a.Journal.Column != "" {
		if a.Journal.With != "" {
			return a.Journal.Column + ", " + a.Journal.With
		}
		return a.Journal.Column
	}
	return strings.Join(a.Journal.Columns, ", ")
}
