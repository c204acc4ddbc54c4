package sqlserver

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
)

// Differs converts the new value to the column's type, as the assignment
// will, and compares stored bytes null-safely as NotDistinct does (the
// collation would ignore case and trailing spaces); the new value is
// computed once, in a derived table.
func (Dialect) Differs(after, before string, c planner.Column) string {
	return fmt.Sprintf("NOT EXISTS (SELECT 1 FROM (SELECT CONVERT(varbinary(max), CAST(%s AS %s)) AS v) anomgen_new WHERE anomgen_new.v = CONVERT(varbinary(max), %s) OR (anomgen_new.v IS NULL AND %s IS NULL))",
		after, c.Type, before, before)
}

// NonFinite: SQL Server's float and real hold no NaN or ±Infinity.
func (Dialect) NonFinite(string, planner.Column) string { return "" }
