package mysql

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// Differs compares text by its bytes (in utf8mb4), not by the column's
// collation, which may ignore case and trailing spaces; CHAR(n) drops
// trailing spaces on storage, so they are trimmed on both sides first.
// ENUM and SET store the member the value matches under the collation
// ('PAID' into enum('paid') is 'paid'), so they compare with <=>, as do
// other types (the kinds' new values are already of the column's type:
// integers and decimals rounded to their scale).
func (Dialect) Differs(after, before string, c planner.Column) string {
	typ := strings.ToLower(strings.TrimSpace(c.Type))
	if c.Class != planner.ClassText || strings.HasPrefix(typ, "enum") || strings.HasPrefix(typ, "set") {
		return fmt.Sprintf("NOT (%s <=> %s)", after, before)
	}
	bytes := func(x string) string {
		if strings.HasPrefix(typ, "char") {
			x = "RTRIM(" + x + ")"
		}
		return "CAST(CONVERT(" + x + " USING utf8mb4) AS BINARY)"
	}
	return fmt.Sprintf("NOT (%s <=> %s)", bytes(after), bytes(before))
}

// NonFinite: MySQL and MariaDB refuse NaN and ±Infinity in FLOAT and
// DOUBLE columns.
func (Dialect) NonFinite(string, planner.Column) string { return "" }
