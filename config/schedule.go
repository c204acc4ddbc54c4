package config

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/robfig/cron/v3"
)

// cronParser reads standard 5-field cron expressions (minute hour
// day-of-month month day-of-week) and descriptors such as @daily.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a schedule block's cron expression.
func ParseCron(expr string) (cron.Schedule, error) {
	return cronParser.Parse(expr)
}

// Location is the schedule's time zone for cron expressions (UTC when
// none is given or the name is unknown; decode reports unknown names).
func (s *Schedule) Location() *time.Location {
	if s.Timezone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

var scheduleSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "every"}, {Name: "cron"}, {Name: "duration"}, {Name: "start"}, {Name: "until"},
	{Name: "max_runs"}, {Name: "jitter"}, {Name: "timezone"}, {Name: "catch_up"},
}}

// decodeSchedule decodes an anomaly's schedule block. Settings left out
// stay zero: the planner fills the frequency and duration from the kind's
// catalog defaults (planner.ResolveSchedule) and reports a kind without
// them. Checks needing only the block are made here.
func decodeSchedule(ctx *hcl.EvalContext, b *hcl.Block) (*Schedule, hcl.Diagnostics) {
	content, diags := b.Body.Content(scheduleSchema)
	s := &Schedule{DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}}
	for n, at := range content.Attributes {
		s.Ranges[n] = at.Expr.Range()
	}
	bad := func(n, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: s.Range(n)})
	}
	a := attrs{ctx: ctx, m: content.Attributes}
	a.duration("every", &s.Every, &diags)
	a.str("cron", &s.Cron, &diags)
	a.duration("duration", &s.Duration, &diags)
	a.duration("jitter", &s.Jitter, &diags)
	a.str("timezone", &s.Timezone, &diags)
	a.bool("catch_up", &s.CatchUp, &diags)
	a.int64("max_runs", &s.MaxRuns, &diags)
	if s.MaxRuns < 0 {
		bad("max_runs", "Invalid max_runs", fmt.Sprintf("max_runs is how many occurrences fire at most, counted from start: a whole number of 0 (no limit) or more; got %d.", s.MaxRuns))
	}
	for _, n := range []string{"start", "until"} {
		var str string
		a.str(n, &str, &diags)
		if _, ok := content.Attributes[n]; !ok || str == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, str)
		if err != nil {
			bad(n, "Invalid schedule "+n, fmt.Sprintf("%s = %q is not an RFC 3339 time: write e.g. \"2026-12-01T00:00:00Z\".", n, str))
			continue
		}
		if n == "start" {
			s.Start = t.UTC()
		} else {
			s.Until = t.UTC()
		}
	}
	_, hasEvery := content.Attributes["every"]
	_, hasCron := content.Attributes["cron"]
	if hasEvery && hasCron {
		bad("cron", "Conflicting schedule settings",
			`A schedule fires either at a fixed interval (every = "6h") or on a cron expression (cron = "0 3 * * 1-5"), not both. Remove one.`)
	}
	if hasEvery && s.Every <= 0 && !diags.HasErrors() {
		bad("every", "Invalid every", "every is the interval between occurrences: a positive duration such as \"6h\".")
	}
	if hasCron {
		if _, err := ParseCron(s.Cron); err != nil {
			bad("cron", "Invalid cron expression",
				fmt.Sprintf("cron = %q does not parse: %v. Write five fields (minute hour day-of-month month day-of-week), e.g. \"0 3 * * 1-5\" for 03:00 on weekdays, or @daily, @hourly.", s.Cron, err))
		}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			bad("timezone", "Unknown timezone",
				fmt.Sprintf("timezone = %q is not an IANA time zone anomgen knows: write e.g. \"Europe/Berlin\", \"America/New_York\" or \"UTC\".", s.Timezone))
		}
	}
	if _, ok := content.Attributes["duration"]; ok && s.Duration <= 0 {
		bad("duration", "Invalid schedule duration", "duration is how long each occurrence lasts before it is reverted: a positive duration such as \"2h\".")
	}
	if s.Every > 0 && s.Duration > s.Every {
		bad("duration", "Occurrences would overlap",
			fmt.Sprintf("duration = %q is longer than every = %q: an occurrence would still be applied when the next one fires. Make duration at most the interval.", FormatDuration(s.Duration), FormatDuration(s.Every)))
	}
	if s.Jitter < 0 {
		bad("jitter", "Invalid jitter", "jitter delays each fire time by up to this much: a duration of 0 or more.")
	}
	if !s.Start.IsZero() && !s.Until.IsZero() && s.Until.Before(s.Start) {
		bad("until", "Schedule ends before it starts",
			fmt.Sprintf("until (%s) is before start (%s): no occurrence would fire.", s.Until.Format(time.RFC3339), s.Start.Format(time.RFC3339)))
	}
	if s.MaxRuns > 0 && s.Start.IsZero() {
		bad("max_runs", "max_runs needs start",
			"max_runs counts occurrences from start: give start = \"...\" (RFC 3339) so every replica and restart counts the same runs.")
	}
	return s, diags
}

// decodeAnomalySchedule decodes an's schedule block, if any, and checks
// that its window is relative: each occurrence's window is measured back
// from its fire time, so an absolute start cannot recur.
func decodeAnomalySchedule(ctx *hcl.EvalContext, content *hcl.BodyContent, an *Anomaly) hcl.Diagnostics {
	blocks := content.Blocks.OfType("schedule")
	if len(blocks) == 0 {
		return nil
	}
	var diags hcl.Diagnostics
	if len(blocks) > 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate schedule block",
			Detail: "An anomaly takes at most one schedule block.", Subject: blocks[1].DefRange.Ptr()})
	}
	s, d := decodeSchedule(ctx, blocks[0])
	diags = append(diags, d...)
	an.Schedule = s
	if an.Window != nil && an.Window.Start != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Absolute window on a scheduled anomaly",
			Detail:  fmt.Sprintf("%s has a schedule, so each occurrence's window is measured back from its fire time: write window { last = \"1h\" } (or no window, for the kind's default), not a start.", an.Addr()),
			Subject: an.Window.Range.Ptr()})
	}
	return diags
}
