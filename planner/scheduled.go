package planner

import (
	"fmt"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

// Scheduled is an anomaly with a schedule block as plan and apply see it:
// the daemon applies and reverts its occurrences, so plan lists it (with
// its next fire time and the occurrence applied now, if any) instead of
// planning a change, and apply leaves it alone. The daemon plans with
// Input.Occurrences, which makes each occurrence an ordinary change.
type Scheduled struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	// Schedule says how it recurs and how long each occurrence lasts,
	// e.g. "every 6h for 2h" or "cron 0 3 * * 1-5 (Europe/Berlin) for 1h".
	Schedule string `json:"schedule"`
	// Next is the next fire time after the plan's now (nil: none left,
	// until or max_runs reached).
	Next *time.Time `json:"next,omitempty"`
	// Applied is the occurrence applied now (by the daemon), nil when none.
	Applied *state.Anomaly `json:"applied,omitempty"`
	// Note says what the daemon will do about the applied occurrence when
	// it differs from the files (settings changed, duration over).
	Note string `json:"note,omitempty"`
}

// ScheduleText describes a resolved schedule: how it recurs, for how long.
func ScheduleText(s *config.Schedule) string {
	how := "every " + FormatDuration(s.Every)
	if s.Cron != "" {
		how = "cron " + s.Cron
		if s.Timezone != "" {
			how += " (" + s.Location().String() + ")"
		}
	}
	if s.Duration > 0 {
		how += " for " + FormatDuration(s.Duration)
	}
	if s.Jitter > 0 {
		how += ", jitter " + FormatDuration(s.Jitter)
	}
	if !s.Until.IsZero() {
		how += ", until " + s.Until.UTC().Format(time.RFC3339)
	}
	if s.MaxRuns > 0 {
		how += fmt.Sprintf(", at most %d runs", s.MaxRuns)
	}
	return how
}

// scheduled is a's entry in Plan.Scheduled; prior is its state entry (an
// applied occurrence, an expired one, or nil) and prof its table's profile
// (nil when unknown: the applied occurrence is then not compared).
func scheduled(a *config.Anomaly, prior *state.Anomaly, prof *TableProfile, now time.Time) *Scheduled {
	e := &Scheduled{Address: a.Addr(), Kind: a.Kind, Schedule: ScheduleText(a.Schedule)}
	if a.Target != nil {
		e.Target = a.Target.Name
	}
	if n := NextFires(a.Schedule, now, 1, a.Addr()); len(n) > 0 {
		e.Next = &n[0]
	}
	if prior == nil || prior.Status != "" {
		return e
	}
	e.Applied = prior
	switch {
	case prior.ExpiresAt != nil && !now.Before(*prior.ExpiresAt):
		e.Note = fmt.Sprintf("its duration ended at %s: the daemon reverts it when it next wakes up", fmtTime(*prior.ExpiresAt))
	case prof != nil:
		if ch, d := plan(a, prof, now); !d.HasErrors() && ch.ParamsHash != prior.ParamsHash {
			e.Note = "its block changed since it was applied: the daemon replaces it (the old occurrence rolled back, the new settings applied) when it next wakes up or reloads"
		}
	}
	return e
}

// OccurrenceDuration is how long each occurrence of the scheduled anomaly
// a stays applied, as its planned change's Duration says: the schedule's
// duration, except where the kind's own timing decides: late_arrival
// hiding rows (no load_time_column) releases them after its delay. 0 when
// neither gives one.
func OccurrenceDuration(a *config.Anomaly) time.Duration {
	if a.Kind == "late_arrival" && a.Target != nil && a.Target.LoadTimeColumn == "" {
		b := &build{Anomaly: a}
		if d, diags := b.duration("delay", lateArrivalDelay); !diags.HasErrors() {
			return d
		}
	}
	if a.Schedule != nil {
		return a.Schedule.Duration
	}
	return 0
}
