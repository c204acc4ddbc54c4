package planner

// Checks of an anomaly block's own arguments that need no table: they run
// in kindOf, so `anomgen validate` (which has no database) reports them
// with file:line, and plan reports them the same way before any Build.

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// checkArgs reports the arguments of a (of kind k) that cannot be right
// whatever the table holds: durations that are zero or unreadable, weekday
// names that are none, a length below 1, periods that are not days or
// hours of the calendar, amplitude given together with offset, and a
// regular expression that does not parse.
func checkArgs(a *config.Anomaly, k *Kind) hcl.Diagnostics {
	b := &build{Anomaly: a}
	var diags hcl.Diagnostics
	if r, ok := a.Ranges["duration"]; ok && a.Duration <= 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid duration",
			Detail:  fmt.Sprintf("duration is how long %s stays applied before plan proposes to roll it back: a positive time such as \"4h\" or \"2d\", not %s. Remove it to keep the anomaly until it is rolled back (or for the kind's default).", a.Addr(), FormatDuration(a.Duration)),
			Subject: r.Ptr()})
	}
	for _, p := range k.Params {
		arg, ok := a.Params[p.Name]
		if !ok {
			continue
		}
		if p.Type == "duration" {
			s, d := b.str(p.Name, "")
			if d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			dur, err := config.ParseDuration(s)
			switch {
			case err != nil:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid duration for " + p.Name,
					Detail: fmt.Sprintf("%s; write a duration such as \"2h\", \"90m\" or \"1d\".", err), Subject: arg.Range.Ptr()})
			case dur == 0:
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Zero duration for " + p.Name,
					Detail: fmt.Sprintf("%s = %q is zero, so it moves nothing (%s). Give a duration other than zero, e.g. %q.", p.Name, s, p.Doc, durationExample(p)), Subject: arg.Range.Ptr()})
			}
		}
	}
	if _, ok := a.Params["weekdays"]; ok && k.Param("weekdays") != nil {
		days, d := b.strings("weekdays")
		diags = append(diags, d...)
		for _, day := range days {
			if _, ok := weekdayNames[strings.ToLower(day)]; !ok {
				detail := fmt.Sprintf("%q is not a weekday: use mon, tue, wed, thu, fri, sat or sun.", day)
				if s := config.Nearest(strings.ToLower(day), []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}); s != "" {
					detail += fmt.Sprintf(" Did you mean %q?", s)
				}
				diags = append(diags, b.errorAt("weekdays", "Invalid weekday", detail)...)
			}
		}
	}
	if _, ok := a.Params["length"]; ok && k.Param("length") != nil {
		if _, d := b.integer("length", 0, 1, 1<<31-1); d.HasErrors() {
			d[0].Detail += " length is how many leading characters are kept."
			diags = append(diags, d...)
		}
	}
	if _, ok := a.Params["periods"]; ok && k.Param("periods") != nil {
		periods, d := b.strings("periods")
		diags = append(diags, d...)
		for _, p := range periods {
			if _, err := parsePeriod(p); err != nil {
				diags = append(diags, b.errorAt("periods", "Invalid period", impossibleDate(p, err))...)
			}
		}
	}
	if _, ok := a.Params["offset"]; ok && a.Amplitude != nil && k.UsesAmplitude {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "amplitude together with offset",
			Detail:  fmt.Sprintf("Kind %s either multiplies values by 1 + amplitude or, with offset, adds offset to them; it cannot do both: remove one of them (amplitude, to add offset; offset, to multiply).", k.Name),
			Subject: a.Range("amplitude")})
	}
	if _, ok := a.Params["regex"]; ok && k.Param("regex") != nil {
		if re, d := b.str("regex", ""); !d.HasErrors() {
			if why := badRegex(re); why != "" {
				diags = append(diags, b.errorAt("regex", "Invalid regular expression", fmt.Sprintf("regex %q does not compile: %s.", re, why))...)
			}
		}
	}
	return diags
}

// durationExample is an example value for a duration parameter.
func durationExample(p Param) string {
	if p.Default != "" {
		return p.Default
	}
	return "2h"
}

// impossibleDate explains a period that is not a calendar day or hour,
// naming the field out of range (2026-02-30 has no day 30).
func impossibleDate(p string, err error) string {
	for _, layout := range []string{"2006-01-02T15", "2006-01-02"} {
		if len(p) != len(layout) {
			continue
		}
		if _, perr := time.Parse(layout, p); perr != nil {
			var pe *time.ParseError
			if errors.As(perr, &pe) && strings.Contains(pe.Message, "out of range") {
				return fmt.Sprintf("%q is not a date of the calendar (%s); write a UTC day such as \"2026-11-20\" or an hour such as \"2026-11-20T03\".", p, strings.TrimPrefix(pe.Message, ": "))
			}
		}
	}
	return err.Error() + "."
}

// badRegex says why pattern cannot be a regular expression in any of the
// databases' dialects: unbalanced parentheses or brackets, a trailing
// backslash, a repetition of nothing, a reversed character range. Syntax
// only some dialects accept (lookaround, \y, named groups) passes: the
// database judges it.
func badRegex(pattern string) string {
	_, err := syntax.Parse(pattern, syntax.Perl)
	var se *syntax.Error
	if err == nil || !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case syntax.ErrMissingParen, syntax.ErrUnexpectedParen, syntax.ErrMissingBracket, syntax.ErrTrailingBackslash,
		syntax.ErrMissingRepeatArgument, syntax.ErrInvalidCharRange, syntax.ErrInvalidRepeatOp, syntax.ErrInvalidUTF8:
		return se.Error()
	}
	return ""
}

// futureWindow is the error for a window that starts at or after now: its
// rows would have to come from the future, so it selects none.
func futureWindow(a *config.Anomaly, from, to, now time.Time) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Window in the future",
		Detail: fmt.Sprintf("The window of %s (%s) starts after the time of this plan (%s): the table cannot hold rows in it yet, so the anomaly would change nothing. Give a start in the past, or use last = \"24h\" for the last day.",
			a.Addr(), fmtWindow(from, to), fmtTime(now)),
		Subject: a.Window.Range.Ptr()}
}
