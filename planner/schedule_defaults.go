package planner

import (
	"fmt"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Schedule defaults per kind family, used by a schedule block that leaves
// the frequency or the duration out (a kind's DefaultEvery and
// DefaultDuration win when set):
//
//   - pipeline kinds (volume_drop, stale_data, late_arrival, ...): every
//     24h for 2h, a daily load that goes wrong for a while;
//   - schema kinds (pipeline kinds without a window): every 24h for 1h;
//   - quality kinds (null_rate, typos, ...): every 12h for 1h;
//   - business kinds (level_shift, segment_drop, ...): every 7d for 24h,
//     a weekly shift that lasts a day.
func ScheduleDefaults(k *Kind) (every, duration time.Duration) {
	switch {
	case k.Category == Pipeline && k.NoWindow:
		every, duration = 24*time.Hour, time.Hour
	case k.Category == Pipeline:
		every, duration = 24*time.Hour, 2*time.Hour
	case k.Category == Quality:
		every, duration = 12*time.Hour, time.Hour
	case k.Category == Business:
		every, duration = 7*24*time.Hour, 24*time.Hour
	}
	if k.DefaultEvery > 0 {
		every = k.DefaultEvery
	}
	if k.DefaultDuration > 0 {
		duration = k.DefaultDuration
	}
	if every > 0 && duration > every {
		duration = every
	}
	return every, duration
}

// ResolveSchedule fills a's schedule block (if any) with k's defaults for
// what it leaves out (every when neither every nor cron is given, and
// duration) and reports what only the kind can tell: no default frequency,
// or a default duration or interval that makes occurrences overlap. It is
// idempotent; plan and validate call it through the kind check, and
// `anomgen schedule` and the daemon see the resolved schedule.
func ResolveSchedule(a *config.Anomaly, k *Kind) hcl.Diagnostics {
	s := a.Schedule
	if s == nil {
		return nil
	}
	every, duration := ScheduleDefaults(k)
	var diags hcl.Diagnostics
	_, setEvery := s.Ranges["every"]
	_, setCron := s.Ranges["cron"]
	_, setDur := s.Ranges["duration"]
	if s.Every == 0 && s.Cron == "" && !setEvery && !setCron {
		if every == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Schedule without a frequency",
				Detail:  fmt.Sprintf("Kind %s has no default frequency: give the schedule of %s every = \"24h\" or cron = \"0 3 * * *\".", k.Name, a.Addr()),
				Subject: s.DeclRange.Ptr()})
		}
		s.Every = every
	}
	if s.Duration == 0 && !setDur {
		s.Duration = duration
		if s.Every > 0 && s.Duration > s.Every {
			s.Duration = s.Every
		}
	}
	if s.Every > 0 && s.Duration > s.Every && (!setEvery || !setDur) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Occurrences would overlap",
			Detail:  fmt.Sprintf("The schedule of %s fires every %s (kind %s's default) but each occurrence lasts %s: make duration at most the interval, or set every.", a.Addr(), FormatDuration(s.Every), k.Name, FormatDuration(s.Duration)),
			Subject: s.Range("duration")})
	}
	return diags
}

// ScheduleInfo is a kind's schedule defaults for describe.
type ScheduleInfo struct {
	Every    string `json:"every"`
	Duration string `json:"duration"`
}
