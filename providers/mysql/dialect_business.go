package mysql

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Epoch counts whole seconds from 1970-01-01 with TIMESTAMPDIFF: pure
// calendar arithmetic for DATETIME and DATE, and for TIMESTAMP the value
// in the session time zone, which anomgen sets to UTC (UNIX_TIMESTAMP
// would read DATETIME values in the session zone and stop at 2038 on
// older servers).
func (Dialect) Epoch(col string, _ planner.Column, _ planner.TimeFormat) string {
	return fmt.Sprintf("TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', %s)", col)
}
