package oracle

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// Epoch subtracts DATE '1970-01-01' from the value as a DATE (a number of
// days) and rounds the seconds to whole ones, since day fractions are not
// exact in decimal. A TIMESTAMP WITH TIME ZONE is first moved to UTC with
// SYS_EXTRACT_UTC (a cast to DATE would keep its own zone's wall time);
// TIMESTAMP WITH LOCAL TIME ZONE is read in the session zone, which Open
// sets to UTC.
func (Dialect) Epoch(col string, c planner.Column, _ planner.TimeFormat) string {
	t := strings.ToUpper(c.Type)
	if strings.Contains(t, "TIME ZONE") && !strings.Contains(t, "LOCAL") {
		col = "SYS_EXTRACT_UTC(" + col + ")"
	}
	return fmt.Sprintf("ROUND((CAST(%s AS DATE) - DATE '1970-01-01') * 86400)", col)
}
