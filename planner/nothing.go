package planner

// Changes that would change nothing. Once a create or replace is counted
// (executor.Count fills Rows, WindowRows, Unchanged, NonFinite and, for an
// empty window, Newest), SettleCounts turns one that would change no row
// into a remark with the reason: "nothing to change here", instead of an
// empty update with an empty journal.

import (
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
)

// SettleCounts marks a counted create or replace (not a schema change)
// that would change no row: Nothing says why, and the action becomes no-op
// for a create (nothing is applied or recorded) and destroy for a replace
// (the old anomaly is still rolled back; its new settings change nothing).
// It does nothing to other changes.
func (c *Change) SettleCounts() {
	if c.Rows != 0 || c.Mutation == nil || c.Mutation.Op.Schema() || (c.Action != Create && c.Action != Replace) {
		return
	}
	c.Nothing = c.nothingReason()
	c.Metric = nil
	if c.Action == Replace && c.Prior != nil {
		c.Action, c.Rows, c.WindowRows = Destroy, c.Prior.Rows, -1
		c.Effect = "restore from journal " + c.Prior.Journal.ID
		return
	}
	c.Action = NoOp
}

// nothingReason says why the change would change no row.
func (c *Change) nothingReason() string {
	m := c.Mutation
	switch {
	case c.WindowRows == 0 && c.Window != nil:
		return c.emptyWindow()
	case c.WindowRows == 0:
		return fmt.Sprintf("%s holds no rows", c.Table)
	case c.Unchanged > 0:
		return fmt.Sprintf("the %s rows chosen in the window would keep their values: %s", Thousands(c.Unchanged), unchangedWhy(m))
	case c.NonFinite > 0 && c.NonFinite == c.WindowRows:
		return fmt.Sprintf("every value of %s in the window is NaN or ±Infinity, which are left out", m.Column.Name)
	}
	all := m.Where.Share >= 1 && m.Where.Mechanism == MechanismRandom
	why := fmt.Sprintf("the selection (volume %g) chose none of them", m.Where.Share)
	switch {
	case m.Where.SkipNull && m.Column != nil && all:
		why = fmt.Sprintf("every %s in the window is NULL", m.Column.Name)
	case m.Where.SkipNull && m.Column != nil:
		why = fmt.Sprintf("their %s is NULL, or %s", m.Column.Name, why)
	}
	return fmt.Sprintf("of the %s rows in the window, none is chosen: %s", Thousands(c.WindowRows), why)
}

// emptyWindow explains a window without rows, with where the rows are.
func (c *Change) emptyWindow() string {
	w := c.Window
	s := fmt.Sprintf("the window (%s) holds no rows of %s", fmtWindow(w.Start, w.End), c.Table)
	if segs := c.Mutation.Where.Segments; len(segs) > 0 {
		// The segment is part of what the window count counts.
		var parts []string
		for _, f := range segs {
			parts = append(parts, fmt.Sprintf("%s in (%s)", f.Column.Name, strings.Join(f.Values, ", ")))
		}
		s += " where " + strings.Join(parts, " and ")
		if c.Newest != nil {
			return s + fmt.Sprintf(" (the table's newest row is from %s)", fmtTime(*c.Newest))
		}
		return s
	}
	switch {
	case c.Newest == nil && c.TableRows == 0:
		return s + ": the table is empty"
	case c.Newest == nil:
		return s
	case c.Newest.Before(w.Start):
		gap := w.Start.Sub(*c.Newest)
		s += fmt.Sprintf("; its newest row is from %s, %s before the window starts", fmtTime(*c.Newest), roughDuration(gap))
		if !w.End.IsZero() {
			d := w.End.Sub(w.Start)
			start := c.Newest.Add(-d).Truncate(time.Hour)
			s += fmt.Sprintf(" (for data that old, give the window a start, e.g. start = %q with duration = %q)", start.UTC().Format(time.RFC3339), FormatDuration(d))
		}
		return s
	}
	return s + fmt.Sprintf("; its newest row is from %s", fmtTime(*c.Newest))
}

// roughDuration is d in whole days (or hours, or minutes) for people.
func roughDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int64(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int64(d/time.Hour))
	case d >= 2*time.Minute:
		return fmt.Sprintf("%d minutes", int64(d/time.Minute))
	}
	return d.Round(time.Second).String()
}

// unchanged is an Expr that knows when rows keep their value under it.
type unchanged interface{ unchangedWhy(m *Mutation) string }

// unchangedWhy says why chosen rows would keep their values under m.
func unchangedWhy(m *Mutation) string {
	if u, ok := m.Set.(unchanged); ok {
		return u.unchangedWhy(m)
	}
	switch e := m.Set.(type) {
	case Scale:
		return fmt.Sprintf("multiplied by %g they round back to the same values in %s's type (%s), or they are 0", e.Factor, m.Column.Name, m.Column.Type)
	case FirstInWindow:
		return "they hold the window's first value already"
	case AddSeconds:
		return fmt.Sprintf("moved by %s they are the same in %s's type (%s)", FormatDuration(time.Duration(abs64(e.Seconds))*time.Second), m.Column.Name, m.Column.Type)
	}
	if m.With != nil {
		return fmt.Sprintf("%s and %s hold the same value in them", m.Column.Name, m.With.Name)
	}
	return "each holds already the value the change would write"
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func (Mojibake) unchangedWhy(*Mutation) string {
	return "they hold ASCII characters only, which read the same as UTF-8 and as Latin-1 (encoding_corruption changes values with accents, umlauts, curly quotes and the like)"
}

func (e DateRelayout) unchangedWhy(m *Mutation) string {
	return fmt.Sprintf("none has the length of the layout %q (%d characters), so none reads as a date in it: %s does not hold dates in that layout", e.From, len(e.From), m.Column.Name)
}

func (e ChangeCase) unchangedWhy(*Mutation) string {
	return fmt.Sprintf("they are in %s case already (or hold no letters the database changes)", e.Case)
}

func (e Truncate) unchangedWhy(*Mutation) string {
	return fmt.Sprintf("none is longer than %d characters", e.Length)
}

func (e SetValue) unchangedWhy(*Mutation) string {
	return fmt.Sprintf("they hold %q already", e.Value)
}

func (e SetText) unchangedWhy(*Mutation) string {
	return fmt.Sprintf("they hold %q already", e.Value)
}

func (e Reformat) unchangedWhy(*Mutation) string {
	var what []string
	for _, r := range e.Replace {
		what = append(what, fmt.Sprintf("%q", r.From))
	}
	if e.Regex != "" {
		what = append(what, fmt.Sprintf("matches of %q", e.Regex))
	}
	if len(what) == 0 {
		return "the new format is the one they have"
	}
	return "they hold none of " + strings.Join(what, ", ")
}

func (Pad) unchangedWhy(m *Mutation) string {
	return fmt.Sprintf("%s (%s) drops the padding when it stores them", m.Column.Name, m.Column.Type)
}

func (Typo) unchangedWhy(*Mutation) string {
	return "their typo swaps two equal characters"
}

func (Negate) unchangedWhy(m *Mutation) string {
	return fmt.Sprintf("none of their %s is positive", m.Column.Name)
}

func (e RoundTo) unchangedWhy(m *Mutation) string {
	return fmt.Sprintf("none of their %s has more than %d decimal places", m.Column.Name, e.Digits)
}

// CountNotes are plan's remarks on a counted change's selection: chosen
// rows left out because they would not change, values that are NaN or
// ±Infinity.
func (c *Change) CountNotes() []string {
	var out []string
	if c.Rows > 0 && c.Unchanged > 0 && c.Mutation != nil {
		out = append(out, fmt.Sprintf("%s more chosen rows would keep their values (%s): left out, neither changed nor journaled", Thousands(c.Unchanged), unchangedWhy(c.Mutation)))
	}
	if c.NonFinite > 0 {
		col := c.Column
		out = append(out, fmt.Sprintf("%s rows of the window hold NaN or ±Infinity in %s: left out of the selection and of the window's statistics", Thousands(c.NonFinite), col))
	}
	return out
}

// declaredAt is file:line of a's window, or of a without one.
func declaredAt(a *config.Anomaly) string {
	r := a.DeclRange
	if a.Window != nil {
		r = a.Window.Range
	}
	if r.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}
