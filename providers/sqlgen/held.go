package sqlgen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anomgen/anomgen/state"
)

// HeldBy returns the count of the rows of journal j that its rollback r
// finds changed (its conflicts) and whose key is in one of the journals
// later: rows that later anomalies of the same workspace changed again
// after j's, and hold in their journals. ok is false when no journal of
// later is keyed like j (their keys cannot be compared).
func HeldBy(d Dialect, j state.Journal, r Rollback, later []state.Journal) (Statement, bool) {
	var held []string
	for _, l := range later {
		if !slices.Equal(l.Key, j.Key) {
			continue
		}
		held = append(held, fmt.Sprintf("EXISTS (SELECT 1 FROM %s l WHERE %s)", d.JournalTable(l.Schema, l.ID), keyJoin(d, j.Key, "l", "j")))
	}
	if len(held) == 0 || r.conflict == "" {
		return Statement{}, false
	}
	return Statement{SQL: fmt.Sprintf("SELECT COUNT(*) FROM %s j WHERE %s AND (%s)", d.JournalTable(j.Schema, j.ID), r.conflict, strings.Join(held, " OR "))}, true
}
