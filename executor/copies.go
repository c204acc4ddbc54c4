package executor

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// checkCopies refuses, at plan time, copies that keep a unique index by
// moving their time column (planner/copies.go) when a row already holds a
// moved value: the apply would fail on the index. It runs with the count.
func (e *Engine) checkCopies(ctx context.Context, ch *planner.Change, c *providers.Conn, queryRow func(context.Context, string, ...any) *sql.Row) error {
	stmt, ok, err := sqlgen.CopyCollisions(c.Dialect, ch.Mutation)
	if err != nil || !ok {
		return err
	}
	e.emit(Event{Kind: EventStatement, Address: ch.Address, Message: stmt.SQL})
	var n int64
	if err := queryRow(ctx, stmt.SQL, stmt.Args...).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	var names []string
	for _, u := range ch.Mutation.Unique {
		names = append(names, fmt.Sprintf("%s (%s)", u.Name, strings.Join(u.Columns, ", ")))
	}
	return fmt.Errorf("%s: %s of its copies would repeat, once their %s is moved by %s per round, the values of a row %s already holds in unique index %s, so the database would refuse the apply; choose another window or seed, or target a copy of %s without the index",
		ch.Address, planner.Thousands(n), ch.Mutation.Nudge.Column.Name, planner.FormatMicros(ch.Mutation.Nudge.Micros), ch.Table, strings.Join(names, ", "), ch.Table)
}
