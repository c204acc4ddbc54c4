package planner

import "fmt"

// Ramp multiplies a numeric column by 1 + Amplitude·(t − From)/(To − From),
// where t is the row's value of the selection's time column and [From, To)
// its window: a drift that grows linearly from nothing at the window's
// start to Amplitude at its end (trend_change).
type Ramp struct{ Amplitude float64 }

// SetText sets the column to Value, bound as a parameter
// (category_mix_shift).
type SetText struct{ Value string }

func (Ramp) isExpr()    {}
func (SetText) isExpr() {}

func (r Ramp) describe(m *Mutation) string {
	return fmt.Sprintf("multiply by 1 → %g, rising linearly across the window", 1+r.Amplitude)
}

func (s SetText) describe(m *Mutation) string {
	return fmt.Sprintf("set %s to %q", m.Column.Name, s.Value)
}

// Flatten thins the selection's rows (its Ranges: the weekend hours of the
// window) to the level of Reference (the weekday hours): a row is chosen
// when its hash falls below (1 − r) · 2^32, where r is the weekday rows
// per second of Reference over the weekend rows per second of the
// selection's Ranges, both counted in SQL (with the segments) when the
// statement runs. Where weekends are not busier, nothing is chosen.
type Flatten struct {
	Reference []TimeRange
}

// RangeSeconds is the total length of ranges in whole seconds.
func RangeSeconds(ranges []TimeRange) int64 {
	var n int64
	for _, r := range ranges {
		n += int64(r.To.Sub(r.From).Seconds())
	}
	return n
}
