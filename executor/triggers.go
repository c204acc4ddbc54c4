package executor

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// withTriggersOff puts the statements that switch ts off before the first
// mutation statement of stmts and those that switch them back on after
// the last, all inside the data transaction (triggers = "disable": the
// planner only allows it where that is transactional, PostgreSQL).
func withTriggersOff(d sqlgen.Dialect, stmts []sqlgen.Statement, ts []planner.Trigger) ([]sqlgen.Statement, error) {
	off, on, err := sqlgen.TriggerSwitches(d, ts)
	if err != nil || len(off) == 0 {
		return stmts, err
	}
	first, last := -1, -1
	for i, s := range stmts {
		if s.Role == sqlgen.RoleMutation {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return stmts, nil
	}
	out := append([]sqlgen.Statement(nil), stmts[:first]...)
	out = append(out, off...)
	out = append(out, stmts[first:last+1]...)
	out = append(out, on...)
	return append(out, stmts[last+1:]...), nil
}

// rollbackTriggers returns the statements that switch the table's enabled
// user triggers off and back on around the restore of a journal made with
// triggers = "disable", as the table has them now; none for other
// journals.
func (e *Engine) rollbackTriggers(ctx context.Context, c *providers.Conn, j state.Journal) (off, on []sqlgen.Statement, err error) {
	if j.Triggers != state.TriggersDisable {
		return nil, nil, nil
	}
	lister, ok := c.Inspector.(providers.TriggerLister)
	if !ok {
		return nil, nil, fmt.Errorf("journal %s was made with the triggers of %s switched off, and %s cannot list them to do the same on rollback", j.ID, j.Table, c.Dialect.Name())
	}
	ts, err := lister.Triggers(ctx, planner.TableName{Schema: j.TableSchema, Name: j.Table})
	if err != nil {
		return nil, nil, err
	}
	return sqlgen.TriggerSwitches(c.Dialect, ts)
}

// execTriggers runs the trigger switches stmts in tx, each announced as a
// statement event.
func (e *Engine) execTriggers(ctx context.Context, tx providers.Tx, addr string, table planner.TableName, stmts []sqlgen.Statement) (string, error) {
	for _, s := range stmts {
		e.emit(Event{Kind: EventStatement, Address: addr, Message: s.SQL})
		if _, err := tx.ExecContext(ctx, s.SQL, s.Args...); err != nil {
			return s.SQL, &triggerSwitchError{table: table, err: err}
		}
	}
	return "", nil
}

// triggerSwitchError is a failed ALTER TABLE ... DISABLE or ENABLE
// TRIGGER: it needs ownership of the table, which UPDATE does not.
type triggerSwitchError struct {
	table planner.TableName
	err   error
}

func (t *triggerSwitchError) Error() string { return t.err.Error() }
func (t *triggerSwitchError) Unwrap() error { return t.err }

func (t *triggerSwitchError) runError(addr string) *RunError {
	pe := describe(t.err)
	return &RunError{Address: addr, Class: pe.Class, Err: t.err,
		Detail: fmt.Sprintf("switching the triggers of %s off and on (triggers = \"disable\") failed: %s", t.table, providers.FirstLine(t.err.Error())),
		Hint:   "Only the table's owner (or a superuser) may switch its triggers: run anomgen as the owner, or switch the triggers off yourself while the anomaly is applied, or set triggers = \"ignore\" on the target"}
}
