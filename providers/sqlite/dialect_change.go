package sqlite

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Differs is IS NOT: null-safe, and the column's affinity applies to the
// new value as it would on storage (10.0 into an INTEGER column is 10);
// text compares by bytes (BINARY collation).
func (Dialect) Differs(after, before string, _ planner.Column) string {
	return fmt.Sprintf("%s IS NOT %s", after, before)
}

// NonFinite: SQLite stores ±Infinity (9e999) in numeric columns; NaN is
// stored as NULL.
func (Dialect) NonFinite(col string, _ planner.Column) string {
	return fmt.Sprintf("(%s IS NOT NULL AND %s IN (9e999, -9e999))", col, col)
}
