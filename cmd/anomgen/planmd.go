package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// The plan's Markdown view (plan -format markdown): a pull-request comment.
// A summary line, drift first, changes that change nothing, a table of
// the changes, then one collapsible <details> per change with its
// settings and SQL. It stays under a size bound (GitHub refuses comments
// over 65,536 characters): details are dropped first, then the table's
// last rows are summarised as "and N more changes"; a table is never cut
// in the middle.

// markdownLimit is the most characters the Markdown view prints.
const markdownLimit = 60000

// writePlanMarkdown prints the Markdown view of p in at most limit
// characters (markdownLimit when limit <= 0).
func writePlanMarkdown(w io.Writer, p *planner.Plan, limit int) error {
	if limit <= 0 {
		limit = markdownLimit
	}
	_, err := io.WriteString(w, planMarkdown(p, limit))
	return err
}

func planMarkdown(p *planner.Plan, limit int) string {
	head := "### anomgen plan: no changes\n\n"
	if !p.Empty() {
		sum := planSummary(p)
		head = "### anomgen " + strings.ToLower(sum[:1]) + sum[1:] + "\n\n"
	}
	var drift, nothing, rows, details []string
	for _, c := range p.Changes {
		if c.Drift != "" {
			drift = append(drift, fmt.Sprintf("- `%s` (%s): %s.\n", c.Address, strings.Join(planActions(c.Action), ", "), mdText(c.Drift)))
		}
		if c.Nothing != "" {
			nothing = append(nothing, fmt.Sprintf("- `%s`: %s: %s.\n", c.Address, nothingWhat(c), mdText(c.Nothing)))
		}
		if c.Action != planner.NoOp {
			rows = append(rows, mdRow(c))
			details = append(details, mdDetails(c))
		}
	}
	var sched []string
	for _, sc := range p.Scheduled {
		sched = append(sched, "- "+mdText(scheduledLine(sc))+"\n")
	}
	m := mdParts{head: head, drift: drift, nothing: nothing, scheduled: sched, rows: rows, details: details,
		nDrift: len(drift), nNothing: len(nothing), nRows: len(rows), withDetails: make([]bool, len(details))}
	for i := range m.withDetails {
		m.withDetails[i] = true
	}
	if out := m.render(); len(out) <= limit {
		return out
	}
	// Details go first; then they are added back in order while they fit.
	for i := range m.withDetails {
		m.withDetails[i] = false
	}
	if len(m.render()) <= limit {
		for i := range m.withDetails {
			m.withDetails[i] = true
			if len(m.render()) > limit {
				m.withDetails[i] = false
			}
		}
		return m.render()
	}
	// Then the table's last rows, then the lists' last items, are
	// summarised: the most that fit, found by bisection.
	fit := func(n *int, max int) {
		lo, hi := 0, max
		for lo < hi {
			mid := (lo + hi + 1) / 2
			*n = mid
			if len(m.render()) <= limit {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		*n = lo
	}
	m.nRows = 0
	if len(m.render()) <= limit {
		fit(&m.nRows, len(rows))
		return m.render()
	}
	m.nNothing = 0
	if len(m.render()) <= limit {
		fit(&m.nNothing, len(nothing))
		return m.render()
	}
	m.nDrift = 0
	fit(&m.nDrift, len(drift))
	return m.render()
}

// mdParts is the Markdown view's pieces and how many of each are shown.
type mdParts struct {
	head                          string
	drift, nothing, rows, details []string
	// scheduled lists the anomalies the daemon runs (never cut).
	scheduled               []string
	nDrift, nNothing, nRows int
	withDetails             []bool
}

func (m *mdParts) render() string {
	var out strings.Builder
	out.WriteString(m.head)
	list := func(title string, items []string, n int, what string) {
		if len(items) == 0 {
			return
		}
		out.WriteString(title)
		for _, it := range items[:n] {
			out.WriteString(it)
		}
		if n < len(items) {
			fmt.Fprintf(&out, "- …and %d more %s\n", len(items)-n, what)
		}
		out.WriteString("\n")
	}
	list("**Drift**: changed outside anomgen since apply:\n\n", m.drift, m.nDrift, "drifted anomalies")
	list("**Nothing to change** (not applied):\n\n", m.nothing, m.nNothing, "changes that change nothing")
	list("**Scheduled** (run by anomgen daemon, not by apply):\n\n", m.scheduled, len(m.scheduled), "scheduled anomalies")
	if len(m.rows) == 0 {
		if len(m.nothing) > 0 {
			out.WriteString("No changes. Nothing above would change a row.\n")
		} else {
			out.WriteString("No changes. The applied anomalies match the scenario files.\n")
		}
		return out.String()
	}
	if m.nRows > 0 {
		out.WriteString("| | address | action | table | column | window | rows | metric before → after |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range m.rows[:m.nRows] {
			out.WriteString(r)
		}
	}
	if m.nRows < len(m.rows) {
		fmt.Fprintf(&out, "\n…and %d more changes (`anomgen plan` lists them all).\n", len(m.rows)-m.nRows)
	}
	out.WriteString("\n")
	left := 0
	for i, d := range m.details {
		if i < m.nRows && m.withDetails[i] {
			out.WriteString(d)
		} else {
			left++
		}
	}
	if left > 0 {
		fmt.Fprintf(&out, "_Details of %d of %d changes are left out to keep this comment short; `anomgen plan` or `anomgen show FILE` prints them._\n", left, len(m.details))
	}
	return out.String()
}

// mdText makes text safe in a Markdown line or table cell.
func mdText(s string) string {
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

func mdRows(c *planner.Change) string {
	switch c.Action {
	case planner.Create, planner.Replace:
		if c.Rows < 0 {
			return "not counted"
		}
		return fmt.Sprintf("%s of %s", planner.Thousands(c.Rows), planner.Thousands(c.WindowRows))
	}
	if c.Prior == nil {
		return ""
	}
	return revertRows(c.Prior)
}

func mdRow(c *planner.Change) string {
	metric := ""
	if c.Metric != nil {
		metric = c.Metric.String()
	}
	return fmt.Sprintf("| `%s` | `%s` | %s | %s | %s | %s | %s | %s |\n", c.Action.Symbol(), c.Address, string(c.Action), mdText(c.Table.String()),
		mdText(c.Column), mdText(windowText(c)), mdText(mdRows(c)), mdText(metric))
}

func mdDetails(c *planner.Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary><code>%s</code>: %s</summary>\n\n", c.Address, strings.Join(planActions(c.Action), ", "))
	if len(c.Reasons) > 0 {
		fmt.Fprintf(&b, "Because: %s.\n\n", mdText(strings.Join(c.Reasons, "; ")))
	}
	b.WriteString("| setting | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| target | %s (%s, table %s) |\n", mdText(c.Target), mdText(c.Source), mdText(c.Table.String()))
	if c.Column != "" {
		fmt.Fprintf(&b, "| column | %s |\n", mdText(c.Column))
	}
	fmt.Fprintf(&b, "| window | %s |\n", mdText(windowText(c)))
	for _, r := range settingRows(c) {
		if r.Changed {
			fmt.Fprintf(&b, "| %s | **%s** |\n", mdText(r.Name), mdText(r.Value))
			continue
		}
		fmt.Fprintf(&b, "| %s | %s |\n", mdText(r.Name), mdText(r.Value))
	}
	if r := mdRows(c); r != "" {
		if c.Effect != "" && (c.Action == planner.Create || c.Action == planner.Replace) {
			r += ": " + c.Effect
		}
		fmt.Fprintf(&b, "| rows | %s |\n", mdText(r))
	}
	if c.Metric != nil {
		fmt.Fprintf(&b, "| metric | %s |\n", mdText(c.Metric.String()))
	}
	if warns := changeWarnings(c); len(warns) > 0 {
		b.WriteString("\n")
		for _, w := range warns {
			fmt.Fprintf(&b, "- ⚠️ %s\n", mdText(w))
		}
	}
	mdSQL(&b, "SQL", c.SQL)
	mdSQL(&b, "Rollback SQL", c.ReverseSQL)
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// mdSQL prints statements in a fenced block longer than any run of
// backticks in them.
func mdSQL(b *strings.Builder, title string, stmts []planner.Statement) {
	if len(stmts) == 0 {
		return
	}
	fence := "```"
	for _, s := range stmts {
		for strings.Contains(s.SQL, fence) || strings.Contains(strings.Join(s.Args, " "), fence) {
			fence += "`"
		}
	}
	fmt.Fprintf(b, "\n%s:\n\n%ssql\n", title, fence)
	for _, s := range stmts {
		b.WriteString(strings.TrimRight(s.SQL, "; \n"))
		b.WriteString(";\n")
		if len(s.Args) > 0 {
			fmt.Fprintf(b, "-- args: %s\n", strings.ReplaceAll(strings.Join(s.Args, ", "), "\n", " "))
		}
	}
	b.WriteString(fence + "\n")
}
