package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// The plan's human text view (plan, apply, rollback, demo): the planner
// returns a Plan value; this renders it the way Terraform renders its
// plans. The JSON view is in planjson.go, the Markdown one in planmd.go.

// textOptions tune plan text.
type textOptions struct {
	Color bool
	// Daily, when set, holds rows per day by target name (see
	// planner.FillDays); a windowed change then shows them as a sparkline
	// with the window's days marked.
	Daily map[string][]planner.DayCount
}

// writePlanText renders p: drift, remarks on changes that change nothing,
// one block per change, then a summary line.
func writePlanText(w io.Writer, p *planner.Plan, opt textOptions) {
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
			fmt.Fprintln(w, paint(bold, "Drift: changed outside anomgen since apply:"))
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
		at := ""
		if c.At != "" {
			at = " (" + c.At + ")"
		}
		fmt.Fprintf(w, "  %s %s%s: %s: %s.\n", paint(yellow, "!"), c.Address, at, nothingWhat(c), c.Nothing)
	}
	if nothing {
		fmt.Fprintln(w)
	}
	if len(p.Scheduled) > 0 {
		fmt.Fprintln(w, paint(bold, "Scheduled (run by anomgen daemon, not by apply):"))
		for _, sc := range p.Scheduled {
			fmt.Fprintf(w, "  %s %s\n", paint(green, "@"), scheduledLine(sc))
		}
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
		if c.Action == planner.NoOp {
			continue
		}
		fmt.Fprintln(w)
		sym, color := c.Action.Symbol(), green
		var why string
		switch c.Action {
		case planner.Create:
			why = "will be created"
		case planner.Replace:
			why, color = "must be replaced (its settings changed: the old one is rolled back first)", yellow
		case planner.Destroy:
			why, color = "will be destroyed (rolled back from its journal)", red
		case planner.Expire:
			if c.Prior.ExpiresAt.After(p.Now) {
				why, color = fmt.Sprintf("is an occurrence the daemon applied (applied %s, until %s); it will be rolled back now and recorded as ended", fmtPlanTime(c.Prior.AppliedAt), fmtPlanTime(*c.Prior.ExpiresAt)), red
				break
			}
			why, color = fmt.Sprintf("has expired (applied %s, due %s) and will be rolled back", fmtPlanTime(c.Prior.AppliedAt), fmtPlanTime(*c.Prior.ExpiresAt)), red
		}
		fmt.Fprintf(w, "  %s\n", paint(bold, "# "+c.Address+" "+why))
		if len(c.Reasons) > 0 {
			fmt.Fprintf(w, "  # because: %s\n", strings.Join(c.Reasons, "; "))
		}
		kind, name := splitAddr(c.Address)
		fmt.Fprintf(w, "%s anomaly %q %q {\n", paint(color, fmt.Sprintf("%3s", sym)), kind, name)
		kv := func(k, v string) { fmt.Fprintf(w, "      %-9s = %s\n", k, v) }
		kv("target", fmt.Sprintf("%s (%s, table %s)", c.Target, c.Source, c.Table))
		if c.Column != "" {
			kv("column", c.Column)
		}
		kv("window", windowText(c))
		if c.Window != nil {
			if spark, marks, span := planner.WindowSpark(opt.Daily[c.Target], c.Window.Start, c.Window.End); spark != "" {
				kv("daily", spark+"  rows per day, "+span)
				fmt.Fprintf(w, "      %-9s   %s window\n", "", marks)
			}
		}
		for _, r := range settingRows(c) {
			switch {
			case r.Extra:
				fmt.Fprintf(w, "    %s %-9s = %s # forces replacement\n", paint(yellow, "~"), r.Name, r.Value)
			case r.Changed:
				kv(r.Name, r.Value+" # forces replacement")
			default:
				kv(r.Name, r.Value)
			}
		}
		switch c.Action {
		case planner.Create, planner.Replace:
			rows := "(not counted)"
			if c.Rows >= 0 {
				rows = fmt.Sprintf("%s of %s in the window: %s", planner.Thousands(c.Rows), planner.Thousands(c.WindowRows), c.Effect)
				if c.Mutation != nil && c.Mutation.Op.Schema() {
					rows = planner.SchemaRows(c.Rows, c.WindowRows, c.Effect)
				}
			}
			if c.Action == planner.Replace {
				rows += fmt.Sprintf(" (after restoring %s rows)", planner.Thousands(c.Prior.Rows))
			}
			kv("rows", rows)
			if c.Metric != nil {
				kv("metric", c.Metric.String())
			}
			for _, warn := range changeWarnings(c) {
				fmt.Fprintf(w, "      %s %s\n", paint(yellow, "!"), warn)
			}
		default:
			kv("rows", revertRows(c.Prior))
		}
		fmt.Fprintln(w, "    }")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, paint(bold, planSummary(p)))
}

// The per-change facts the text, JSON and Markdown views share.

// nothingWhat says what becomes of a change that changes nothing.
func nothingWhat(c *planner.Change) string {
	if c.Action == planner.Destroy {
		return "its new settings change nothing, so it is only rolled back"
	}
	return "nothing to change"
}

// windowText is a change's window, or "whole table".
func windowText(c *planner.Change) string {
	if c.Window == nil {
		return "whole table"
	}
	return planner.FormatWindow(c.Window)
}

// changeWarnings are the limit warnings and count notes of a create or a
// replace (cautions are among the limit warnings); nil otherwise.
func changeWarnings(c *planner.Change) []string {
	if c.Action != planner.Create && c.Action != planner.Replace {
		return nil
	}
	return append(c.LimitWarnings(), c.CountNotes()...)
}

// settingRow is one setting of a change as the views list it.
type settingRow struct {
	Name, Value string
	// Changed: Value is the change's "before → after" (attrChangeText).
	// Extra: a changed setting that is not among the change's settings,
	// listed after them.
	Changed, Extra bool
}

// settingRows are a change's settings, the changed ones (which force a
// replacement) shown as "before → after", then the changed settings it no
// longer has.
func settingRows(c *planner.Change) []settingRow {
	changed := map[string]planner.AttrChange{}
	for _, ac := range c.Changed {
		changed[ac.Name] = ac
	}
	shown := map[string]bool{}
	var out []settingRow
	for _, s := range c.Settings {
		if ac, ok := changed[s.Name]; ok {
			shown[s.Name] = true
			out = append(out, settingRow{Name: s.Name, Value: attrChangeText(ac), Changed: true})
			continue
		}
		out = append(out, settingRow{Name: s.Name, Value: s.Value})
	}
	for _, ac := range c.Changed {
		if !shown[ac.Name] {
			out = append(out, settingRow{Name: ac.Name, Value: attrChangeText(ac), Changed: true, Extra: true})
		}
	}
	return out
}

// revertRows is the rows line of a destroy or an expire.
func revertRows(prior *state.Anomaly) string {
	if prior.Status == state.StatusExpired {
		return "none: it expired and was rolled back already; the state forgets it"
	}
	if planner.Op(prior.Journal.Op).Schema() {
		return planner.SchemaRestoreRows(prior)
	}
	return fmt.Sprintf("%s to restore from journal %s", planner.Thousands(prior.Rows), prior.Journal.ID)
}

// scheduledLine is one scheduled anomaly as the text and Markdown views
// list it: address, schedule, next fire time, the occurrence applied now.
func scheduledLine(sc *planner.Scheduled) string {
	line := fmt.Sprintf("%s: %s", sc.Address, sc.Schedule)
	if sc.Target != "" {
		line += " on " + sc.Target
	}
	if sc.Next != nil {
		line += "; next fire " + fmtPlanTime(*sc.Next)
	} else {
		line += "; no fire time left (until or max_runs reached)"
	}
	if a := sc.Applied; a != nil {
		line += fmt.Sprintf("; occurrence of %s applied (%s rows", fmtPlanTime(a.AppliedAt), planner.Thousands(a.Rows))
		if a.ExpiresAt != nil {
			line += ", reverted " + fmtPlanTime(*a.ExpiresAt)
		}
		line += ")"
	}
	if sc.Note != "" {
		line += "; " + sc.Note
	}
	return line
}

// planSummary is the plan's last line, e.g. "Plan: 1 to create, 0 to
// replace, 0 to destroy."
func planSummary(p *planner.Plan) string {
	n := p.Counts()
	line := fmt.Sprintf("Plan: %d to create, %d to replace, %d to destroy.", n[planner.Create], n[planner.Replace], n[planner.Destroy])
	if n[planner.Expire] > 0 {
		line = strings.TrimSuffix(line, ".") + fmt.Sprintf(", %d to expire.", n[planner.Expire])
	}
	return line
}

// attrChangeText is a changed setting as "before → after".
func attrChangeText(ac planner.AttrChange) string {
	before, after := ac.Before, ac.After
	if before == "" {
		before = "(unset)"
	}
	if after == "" {
		after = "(unset)"
	}
	return before + " → " + after
}

func splitAddr(addr string) (string, string) {
	parts := strings.SplitN(addr, ".", 3)
	if len(parts) != 3 {
		return addr, ""
	}
	return parts[1], parts[2]
}

func fmtPlanTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// planFormat is the view plan -format (or -json) asks for.
func planFormat(format string, asJSON bool) (string, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	switch {
	case asJSON && f != "text" && f != "json":
		return "", fmt.Errorf("-json and -format %s disagree: use one of them", format)
	case asJSON:
		return "json", nil
	case f == "" || f == "text" || f == "json":
		if f == "" {
			f = "text"
		}
		return f, nil
	case f == "markdown" || f == "md":
		return "markdown", nil
	}
	return "", fmt.Errorf("unknown -format %q: use text, json or markdown", format)
}
