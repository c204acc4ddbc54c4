package planner

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anomgen/anomgen/state"
)

// TextOptions tune plan text.
type TextOptions struct {
	Color bool
	// Daily, when set, holds rows per day by target name (see
	// FillDays); a windowed change then shows them as a sparkline with
	// the window's days marked.
	Daily map[string][]DayCount
}

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// WriteText renders the plan the way Terraform renders its plans: one block
// per change, then a summary line.
func (p *Plan) WriteText(w io.Writer, opt TextOptions) {
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return code + s + reset
	}
	drift := false
	for _, c := range p.Changes {
		if c.Drift == "" {
			continue
		}
		if !drift {
			fmt.Fprintln(w, paint(bold, "Drift: changed outside anomgen (nothing below acts on it):"))
			drift = true
		}
		fmt.Fprintf(w, "  %s %s: %s.\n", paint(yellow, "!"), c.Address, c.Drift)
	}
	if drift {
		fmt.Fprintln(w)
	}
	nothing := false
	for _, c := range p.Changes {
		if c.Nothing == "" {
			continue
		}
		if !nothing {
			fmt.Fprintln(w, paint(bold, "Nothing to change here (not applied):"))
			nothing = true
		}
		what := "nothing to change"
		if c.Action == Destroy {
			what = "its new settings change nothing, so it is only rolled back"
		}
		at := ""
		if c.At != "" {
			at = " (" + c.At + ")"
		}
		fmt.Fprintf(w, "  %s %s%s: %s: %s.\n", paint(yellow, "!"), c.Address, at, what, c.Nothing)
	}
	if nothing {
		fmt.Fprintln(w)
	}
	if p.Empty() {
		if nothing {
			fmt.Fprintln(w, paint(bold, "No changes.")+" Nothing above would change a row.")
			return
		}
		fmt.Fprintln(w, paint(bold, "No changes.")+" The applied anomalies match the scenario files.")
		return
	}
	fmt.Fprintln(w, "anomgen will perform the following actions:")
	for _, c := range p.Changes {
		if c.Action == NoOp {
			continue
		}
		fmt.Fprintln(w)
		sym, color := c.Action.Symbol(), green
		var why string
		switch c.Action {
		case Create:
			why = "will be created"
		case Replace:
			why, color = "must be replaced (its settings changed: the old one is rolled back first)", yellow
		case Destroy:
			why, color = "will be destroyed (rolled back from its journal)", red
		case Expire:
			why, color = fmt.Sprintf("has expired (applied %s, due %s) and will be rolled back", fmtTime(c.Prior.AppliedAt), fmtTime(*c.Prior.ExpiresAt)), red
		}
		fmt.Fprintf(w, "  %s\n", paint(bold, "# "+c.Address+" "+why))
		kind, name := splitAddr(c.Address)
		fmt.Fprintf(w, "%s anomaly %q %q {\n", paint(color, fmt.Sprintf("%3s", sym)), kind, name)
		kv := func(k, v string) { fmt.Fprintf(w, "      %-9s = %s\n", k, v) }
		kv("target", fmt.Sprintf("%s (%s, table %s)", c.Target, c.Source, c.Table))
		if c.Column != "" {
			kv("column", c.Column)
		}
		if c.Window != nil {
			kv("window", fmtWindow(c.Window.Start, c.Window.End))
			if spark, marks, span := windowSpark(opt.Daily[c.Target], c.Window.Start, c.Window.End); spark != "" {
				kv("daily", spark+"  rows per day, "+span)
				fmt.Fprintf(w, "      %-9s   %s window\n", "", marks)
			}
		} else {
			kv("window", "whole table")
		}
		for _, s := range c.Settings {
			kv(s.Name, s.Value)
		}
		switch c.Action {
		case Create, Replace:
			rows := "(not counted)"
			if c.Rows >= 0 {
				rows = fmt.Sprintf("%s of %s in the window: %s", Thousands(c.Rows), Thousands(c.WindowRows), c.Effect)
				if c.Mutation != nil && c.Mutation.Op.Schema() {
					rows = schemaRows(c.Rows, c.WindowRows, c.Effect) // schema_state.go
				}
			}
			if c.Action == Replace {
				rows += fmt.Sprintf(" (after restoring %s rows)", Thousands(c.Prior.Rows))
			}
			kv("rows", rows)
			if c.Metric != nil {
				kv("metric", c.Metric.String())
			}
			for _, warn := range append(c.LimitWarnings(), c.countNotes()...) { // nothing.go
				fmt.Fprintf(w, "      %s %s\n", paint(yellow, "!"), warn)
			}
		default:
			if c.Prior.Status == state.StatusExpired {
				kv("rows", "none: it expired and was rolled back already; the state forgets it")
				break
			}
			if Op(c.Prior.Journal.Op).Schema() {
				kv("rows", schemaRestoreRows(c.Prior)) // schema_state.go
				break
			}
			kv("rows", fmt.Sprintf("%s to restore from journal %s", Thousands(c.Prior.Rows), c.Prior.Journal.ID))
		}
		fmt.Fprintln(w, "    }")
	}
	n := p.Counts()
	fmt.Fprintln(w)
	line := fmt.Sprintf("Plan: %d to create, %d to replace, %d to destroy.", n[Create], n[Replace], n[Destroy])
	if n[Expire] > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d to expire.", n[Expire])
	}
	fmt.Fprintln(w, paint(bold, line))
}

func splitAddr(addr string) (string, string) {
	parts := strings.SplitN(addr, ".", 3)
	if len(parts) != 3 {
		return addr, ""
	}
	return parts[1], parts[2]
}

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

// FormatDuration prints whole days as "7d" and other spans as Go does.
func FormatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return strings.TrimSuffix(d.String(), "0s")
	}
	return d.String()
}

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
