package executor

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// staleCounts fills in what the stale check of a saved plan compares
// without counting the plan again (apply FILE does not recount): the rows
// of each row-level change's window, by one COUNT over the window, and its
// row count as planned, since the fingerprints (the table's rows, its
// newest time, the window's rows, the columns) and the state's serial say
// whether the table moved on. Schema changes (whose counts read no hash)
// and replaces (counted against the table with the prior restored) are
// counted as plan counts them.
func (e *Engine) staleCounts(ctx context.Context, saved, current *planner.Plan) error {
	for i, ch := range current.Changes {
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			continue
		}
		if ch.Mutation.Op.Schema() || ch.Action == planner.Replace || partial(ch) != nil || i >= len(saved.Changes) {
			sub := *current
			sub.Changes = []*planner.Change{ch}
			if err := e.Count(ctx, &sub); err != nil {
				return err
			}
			continue
		}
		c := e.conns[ch.Source]
		if c == nil {
			return fmt.Errorf("%s: source %s is not connected", ch.Address, ch.Source)
		}
		st := sqlgen.WindowCount(c.Dialect, ch.Mutation)
		e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: st.SQL})
		if err := c.DB.QueryRowContext(ctx, st.SQL, st.Args...).Scan(&ch.WindowRows); err != nil {
			return fmt.Errorf("counting the window of %s: %w", ch.Address, e.explain(err, st.SQL, c, ch.Table, e.cfg.Source(ch.Source).JournalSchema))
		}
		was := saved.Changes[i]
		ch.Rows, ch.Metric, ch.Unchanged, ch.NonFinite = was.Rows, was.Metric, was.Unchanged, was.NonFinite
	}
	return nil
}
