package executor

import (
	"context"
	"fmt"

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
