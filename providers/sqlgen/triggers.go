package sqlgen

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// TriggerSwitcher is implemented by a Dialect whose database can switch a
// table's triggers off and back on inside a transaction, so that nobody
// else ever sees them off (PostgreSQL: ALTER TABLE ... DISABLE TRIGGER is
// transactional, and locks the table until commit). Targets with
// triggers = "disable" need it.
type TriggerSwitcher interface {
	// DisableTrigger switches trigger t off on t.Table only (not on its
	// partitions: each is listed on its own).
	DisableTrigger(t planner.Trigger) string
	// EnableTrigger switches it back on exactly as it was (t.Always: also
	// in replica sessions).
	EnableTrigger(t planner.Trigger) string
}

// RoleTriggers marks the statements that switch triggers off and on.
const RoleTriggers Role = "triggers"

// TriggerSwitches returns the statements that switch the enabled
// triggers of ts off, and those that switch them back on, in the order to
// run them. A Dialect without TriggerSwitcher is an error.
func TriggerSwitches(d Dialect, ts []planner.Trigger) (off, on []Statement, err error) {
	var enabled []planner.Trigger
	for _, t := range ts {
		if !t.Disabled {
			enabled = append(enabled, t)
		}
	}
	if len(enabled) == 0 {
		return nil, nil, nil
	}
	s, ok := d.(TriggerSwitcher)
	if !ok {
		return nil, nil, fmt.Errorf("%s cannot switch triggers off inside a transaction (triggers = \"disable\" works on PostgreSQL only)", d.Name())
	}
	for _, t := range enabled {
		off = append(off, Statement{Role: RoleTriggers, SQL: s.DisableTrigger(t)})
	}
	for i := len(enabled) - 1; i >= 0; i-- {
		on = append(on, Statement{Role: RoleTriggers, SQL: s.EnableTrigger(enabled[i])})
	}
	return off, on, nil
}
