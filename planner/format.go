package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

// Pure formatting helpers for the values the planner returns (its remarks
// and settings use them); the plan's views live in cmd/anomgen.

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// FormatWindow renders an anomaly's window for people, as plan does.
func FormatWindow(w *state.Window) string { return fmtWindow(w.Start, w.End) }

// fmtWindow renders [from, to); a zero to is an open window (stale_data's
// cutoff: every row from from on, until the anomaly is released).
func fmtWindow(from, to time.Time) string {
	if to.IsZero() {
		return fmt.Sprintf("from %s (open, until released)", fmtTime(from))
	}
	return fmt.Sprintf("%s → %s (%s)", from.UTC().Format("2006-01-02 15:04:05"), fmtTime(to), FormatDuration(to.Sub(from)))
}

// FormatDuration prints whole days as "7d" and other spans as Go does
// (config.FormatDuration, which config's messages use too).
func FormatDuration(d time.Duration) string { return config.FormatDuration(d) }

// Thousands formats n with comma separators.
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
