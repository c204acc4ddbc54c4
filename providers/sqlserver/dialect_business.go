package sqlserver

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Epoch counts the second boundaries from 1970-01-01 with DATEDIFF_BIG
// (whole seconds, no overflow after 2038); a datetimeoffset value is
// compared in UTC, datetime2, datetime and date values as they stand.
func (Dialect) Epoch(col string, _ planner.Column, _ planner.TimeFormat) string {
	return fmt.Sprintf("DATEDIFF_BIG(SECOND, CAST('1970-01-01T00:00:00' AS datetime2), %s)", col)
}
