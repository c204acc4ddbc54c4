package providers

import (
	"context"

	"github.com/anomgen/anomgen/planner"
)

// TriggerLister is implemented by an Inspector that can list a table's
// user triggers on their own (PostgreSQL), as TableProfile.Triggers holds
// them. Rollback of a journal made with triggers = "disable" uses it to
// switch off the triggers the table has at that moment.
type TriggerLister interface {
	Triggers(ctx context.Context, table planner.TableName) ([]planner.Trigger, error)
}
