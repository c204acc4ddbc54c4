package sqlite

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Epoch follows the column's storage format: epoch seconds as they are,
// milliseconds divided by 1000, and text through julianday (which reads
// ISO 8601 with an optional zone suffix) counted from the Unix epoch's
// Julian day 2440587.5.
func (Dialect) Epoch(col string, _ planner.Column, f planner.TimeFormat) string {
	switch f.Epoch {
	case "s":
		return col
	case "ms":
		return fmt.Sprintf("(%s / 1000.0)", col)
	}
	return fmt.Sprintf("((julianday(%s) - 2440587.5) * 86400.0)", col)
}
