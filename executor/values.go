package executor

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// checkValues is the value trial of an update (sqlgen.ValueTrial), run
// with the count: the chosen rows, with their new values, are written into
// an empty scratch copy of the table inside a transaction that is rolled
// back. A value the database refuses there (out of the column type's range,
// breaking a CHECK constraint or a domain) refuses the plan, naming the
// column and what the database said, instead of failing the apply. Where
// the scratch table cannot be made (no right to create temporary tables),
// the trial is skipped. So is it where the catalog says the database
// can refuse nothing the count's cast of the new values has not refused
// already (sqlgen.TrialCheck): on PostgreSQL, a column of one of its own
// base types in a table without CHECK constraints, nullable or given a
// new value that is NULL only where the old one is.
func (e *Engine) checkValues(ctx context.Context, ch *planner.Change, c *providers.Conn) error {
	m := ch.Mutation
	if q, ok := sqlgen.TrialCheck(c.Dialect, m); ok {
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: q.SQL})
		var needed bool
		if err := c.DB.QueryRowContext(ctx, q.SQL, q.Args...).Scan(&needed); err == nil && !needed {
			return nil
		}
	}
	create, fallback, insert, drop, ok, err := sqlgen.ValueTrial(c.Dialect, m, c.Dialect.Quote("anomgen_trial"))
	if err != nil || !ok {
		return err
	}
	conn, err := c.DB.Conn(ctx)
	if err != nil {
		return nil
	}
	defer conn.Close()
	defer func() {
		for _, s := range drop {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), s)
		}
	}()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil
	}
	tx := providers.Tx{Tx: sqlTx} // its statements are logged, as the DB's are
	defer tx.Rollback()
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: create})
	if _, err := tx.ExecContext(ctx, create); err != nil {
		if fallback == "" {
			return nil // no trial: the apply will tell
		}
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: fallback})
		if _, err := tx.ExecContext(ctx, fallback); err != nil {
			return nil
		}
	}
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: insert.SQL})
	if _, err := tx.ExecContext(ctx, insert.SQL, insert.Args...); err != nil {
		pe := describe(err)
		if pe.Class != providers.ClassOther {
			return nil // a lock, a lost connection: not about the values
		}
		cols := m.Column.Name
		if m.With != nil {
			cols += " and " + m.With.Name
		}
		return fmt.Errorf("%s: the database refuses the new values of %s of %s (a trial at plan time wrote them into an empty copy of the table, with its types and CHECK constraints): %s; the apply would fail and change nothing. Choose another column, kind or setting",
			ch.Address, cols, ch.Table, providers.FirstLine(err.Error()))
	}
	return nil
}
