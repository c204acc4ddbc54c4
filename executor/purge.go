package executor

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Purge drops the journal of an applied anomaly without restoring it: the
// changed rows stay as they are and can no longer be rolled back, and the
// before-images of customer data are gone from the database. The anomaly
// leaves the state.
func (e *Engine) Purge(ctx context.Context, prior *state.Anomaly, st *state.State, save Save) error {
	if prior.Status != state.StatusExpired {
		c := e.conns[prior.Source]
		if c == nil {
			return fmt.Errorf("no connection to %s", prior.Source)
		}
		if err := e.dropJournal(ctx, c, prior, sqlgen.RenderRollback(c.Dialect, prior.Journal, false)); err != nil {
			return err
		}
	}
	st.Remove(prior.Address)
	if err := save(st); err != nil {
		return fmt.Errorf("the journal of %s was purged but the state could not be saved: %w", prior.Address, err)
	}
	e.emit(Event{Kind: EventDone, Address: prior.Address, Message: fmt.Sprintf("journal %s purged; %d changed rows stay as they are", prior.Journal.ID, prior.Rows)})
	return nil
}

// Forget drops the record of an anomaly whose journal is lost: its catalog
// entry where it remains (and a journal table, should one be left), then
// its state entry. The changed rows stay as they are.
func (e *Engine) Forget(ctx context.Context, prior *state.Anomaly, st *state.State, save Save) error {
	if prior.Status != state.StatusLost {
		return fmt.Errorf("%s is not lost (status %q): roll it back or purge its journal", prior.Address, prior.Status)
	}
	if err := e.dropLost(ctx, prior); err != nil {
		return err
	}
	st.Remove(prior.Address)
	return save(st)
}

// dropLost removes what is left of a lost journal: its catalog entry
// where it remains, and its table should one be left.
func (e *Engine) dropLost(ctx context.Context, prior *state.Anomaly) error {
	c := e.conns[prior.Source]
	if c == nil {
		return nil
	}
	for _, s := range sqlgen.RenderRollback(c.Dialect, prior.Journal, false).Drop {
		if _, err := c.DB.ExecContext(ctx, s.SQL, s.Args...); err != nil && !providers.IsUndefinedTable(err) {
			return fmt.Errorf("%s: removing what is left of its lost journal: %w", prior.Address, err)
		}
	}
	return nil
}
