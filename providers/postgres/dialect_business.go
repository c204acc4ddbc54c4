package postgres

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Epoch is extract(epoch), a numeric: seconds since 1970 UTC for
// timestamptz, and for timestamp and date the wall time read as UTC (how
// anomgen's windows read them too).
func (Dialect) Epoch(col string, _ planner.Column, _ planner.TimeFormat) string {
	return fmt.Sprintf("extract(epoch from %s)", col)
}
