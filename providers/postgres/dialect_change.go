package postgres

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Differs casts the new value to the column's own type, as the assignment
// will (a numeric rounded to its scale, a character(n) padded), and
// compares text forms null-safely, as NotDistinct does: every type has an
// exact text form, and some (json, point) have no equality.
func (Dialect) Differs(after, before string, c planner.Column) string {
	if c.Type != "text" {
		after = fmt.Sprintf("CAST(%s AS %s)", after, c.Type)
	}
	return fmt.Sprintf("CAST(%s AS text) IS DISTINCT FROM CAST(%s AS text)", after, before)
}

// NonFinite: double precision and real hold NaN and ±Infinity, numeric
// holds NaN (and ±Infinity from PostgreSQL 14); their text forms name
// them on every version.
func (Dialect) NonFinite(col string, _ planner.Column) string {
	return fmt.Sprintf("(%s IS NOT NULL AND CAST(%s AS text) IN ('NaN', 'Infinity', '-Infinity'))", col, col)
}
