package executor

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// scanCounts runs a count statement (sqlgen.Count) and fills ch from its
// integers: rows in the window and rows changed, then for a column update
// the rows chosen before unchanged ones were left out (ch.Unchanged is
// the difference) and the window's non-finite values.
func scanCounts(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error), stmt sqlgen.Statement, ch *planner.Change) error {
	rows, err := query(ctx, stmt.SQL, stmt.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	vals := make([]sql.NullInt64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	if len(vals) < 2 {
		return fmt.Errorf("a count yielded %d values, want at least 2", len(vals))
	}
	ch.WindowRows, ch.Rows = vals[0].Int64, vals[1].Int64
	ch.Unchanged, ch.NonFinite = 0, 0
	if len(vals) > 2 {
		ch.Unchanged = max(0, vals[2].Int64-ch.Rows)
	}
	if len(vals) > 3 {
		ch.NonFinite = vals[3].Int64
	}
	return rows.Err()
}

// settle finishes a counted change: for a window without rows it reads the
// time of the table's newest row, then planner.SettleCounts turns a change
// of no row into a remark. A failure to read the newest row only leaves
// it out of the remark.
func (e *Engine) settle(ctx context.Context, c *providers.Conn, ch *planner.Change) {
	if ch.Rows != 0 || ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
		return
	}
	if ch.WindowRows == 0 && ch.Window != nil {
		if t, ok, err := providers.Newest(ctx, c.DB.QueryRowContext, c.Dialect, ch.Mutation); err == nil && ok {
			ch.Newest = &t
		}
	}
	ch.SettleCounts()
}
