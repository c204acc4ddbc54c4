package sqlgen

import (
	"fmt"
	"strings"
)

// keep renders the assignments that follow an UpdateJoin's value to hold
// columns the database rewrites on UPDATE (MySQL's ON UPDATE
// CURRENT_TIMESTAMP; planner.Mutation.Kept, state.Journal.Keep) at their
// value: ", t.`updated_at` = t.`updated_at`". A column assigned explicitly
// is not rewritten. Dialects whose SET takes bare names get them bare, like
// updateJoin2's second column.
func keep(d Dialect, cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	const probe = "anomgen_probe_col"
	prefix := ""
	if strings.Contains(d.UpdateJoin("x", "y", probe, "1", "1 = 1", ""), "t."+probe) {
		prefix = "t."
	}
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, ", %s%s = t.%s", prefix, d.Quote(c), d.Quote(c))
	}
	return b.String()
}
