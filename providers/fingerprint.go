package providers

import (
	"time"

	"github.com/anomgen/anomgen/planner"
)

// NewestOf reads v, the MAX of m's time column as a query returned it
// (sqlgen.Newest, sqlgen.Fingerprint), as a time, as Newest does. ok is
// false when v is NULL (no row), m has no time column, or v does not read
// as a time.
func NewestOf(v any, m *planner.Mutation) (t time.Time, ok bool) {
	if v == nil || m.Where.TimeColumn == nil {
		return time.Time{}, false
	}
	s := toText(v, m.Where.TimeColumn, m.Where.TimeFormat, true)
	if l := m.Where.TimeFormat.Layout; l != "" {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	t, ok = parseTime(s)
	return t.UTC(), ok
}
