package oracle

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// Differs converts the new value to the column's type, as the assignment
// will (NUMBER rounded to its scale, CHAR padded), and compares with
// DECODE, which takes NULL as equal to NULL (the empty string is NULL too). DECODE does
// not take LOBs: CLOB and NCLOB compare with DBMS_LOB.COMPARE, where a
// NULL on either side counts as a change.
func (Dialect) Differs(after, before string, c planner.Column) string {
	typ := strings.ToUpper(strings.TrimSpace(c.Type))
	if typ == "CLOB" || typ == "NCLOB" {
		// COMPARE is NULL when a side is NULL: counted as a change (the
		// new value is named once, for binding by position).
		return fmt.Sprintf("NVL(DBMS_LOB.COMPARE(TO_%s(%s), %s), 1) <> 0", typ, after, before)
	}
	return fmt.Sprintf("DECODE(CAST(%s AS %s), %s, 0, 1) = 1", after, c.Type, before)
}

// NonFinite: BINARY_FLOAT and BINARY_DOUBLE hold NaN and ±Infinity;
// NUMBER and FLOAT do not.
func (Dialect) NonFinite(col string, c planner.Column) string {
	switch strings.ToUpper(strings.TrimSpace(c.Type)) {
	case "BINARY_FLOAT", "BINARY_DOUBLE":
		return fmt.Sprintf("(%s IS NOT NULL AND (%s IS NAN OR %s IS INFINITE))", col, col, col)
	}
	return ""
}
