package planner

import (
	"fmt"
	"strings"
	"time"
)

// Metric is a change's effect on the metric a monitor watches, over its
// window: the null share, a mean, a distinct count, or rows per day.
type Metric struct {
	Name   string  `json:"name"`
	Before float64 `json:"before"`
	// After is exact for NULL shares, row counts and whole-window scales;
	// otherwise Estimated is true (apply -dry-run measures it).
	After     float64 `json:"after"`
	Estimated bool    `json:"estimated,omitempty"`
}

// MetricAfter derives the metric after the change from its value before
// (queried over the window) and the change's exact counts. It returns nil
// when the after value cannot be derived without running the change.
func MetricAfter(c *Change, name string, before float64) *Metric {
	m := c.Mutation
	mt := &Metric{Name: name, Before: before}
	switch e := m.Set.(type) {
	case SetNull:
		if c.WindowRows <= 0 {
			return nil
		}
		mt.After = before + float64(c.Rows)/float64(c.WindowRows) // only non-NULL rows are chosen
	case Scale:
		if m.Where.Share < 1 {
			mt.After, mt.Estimated = before*(1+(e.Factor-1)*float64(c.Rows)/float64(max(c.WindowRows, 1))), true
		} else {
			mt.After = before * e.Factor
		}
	case nil:
		switch m.Op {
		case OpDelete:
			mt.After = before - float64(c.Rows)
		case OpInsert:
			mt.After = before + float64(c.Rows)
		default:
			return nil
		}
	default:
		return nil
	}
	if name == "rows" && len(m.Where.Ranges) > 0 {
		// Chosen weekdays or hours (seasonality_break): the rows counted
		// are those of the chosen periods only, so the rate is per chosen
		// day (or hour), not averaged over the whole window.
		secs := float64(RangeSeconds(m.Where.Ranges))
		switch {
		case secs <= 0:
		case dayAligned(m.Where.Ranges, m.Where.From, m.Where.To):
			mt.Name, mt.Before, mt.After = "rows/day (chosen days)", mt.Before*86400/secs, mt.After*86400/secs
		default:
			mt.Name, mt.Before, mt.After = "rows/hour (chosen hours)", mt.Before*3600/secs, mt.After*3600/secs
		}
		return mt
	}
	if name == "rows" && c.Window != nil && !c.Window.End.IsZero() {
		days := c.Window.End.Sub(c.Window.Start).Hours() / 24
		if days >= 1 {
			mt.Name, mt.Before, mt.After = "rows/day", mt.Before/days, mt.After/days
		}
	}
	return mt
}

// dayAligned reports whether ranges are whole UTC days (clipped at the
// window's edges from and to) covering at least one day in all.
func dayAligned(ranges []TimeRange, from, to time.Time) bool {
	if RangeSeconds(ranges) < 86400 {
		return false
	}
	midnight := func(t time.Time) bool { return t.Equal(t.UTC().Truncate(24 * time.Hour)) }
	for _, r := range ranges {
		if !(r.From.Equal(from) || midnight(r.From)) || !(r.To.Equal(to) || midnight(r.To)) {
			return false
		}
	}
	return true
}

// String renders "null share 0.4% → 30.1%".
func (m *Metric) String() string {
	f := func(v float64) string {
		switch {
		case m.Name == "null share":
			return fmt.Sprintf("%.1f%%", 100*v)
		case strings.HasPrefix(m.Name, "rows") || strings.HasPrefix(m.Name, "distinct"):
			return Thousands(int64(v + 0.5))
		}
		return fmt.Sprintf("%.4g", v)
	}
	s := fmt.Sprintf("%s %s → %s", m.Name, f(m.Before), f(m.After))
	if m.Estimated {
		s += " (estimated; apply -dry-run measures it)"
	}
	return s
}
