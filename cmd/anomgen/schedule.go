package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/spf13/cobra"
)

// scheduleOccurrence is one upcoming occurrence, as `anomgen schedule
// -json` prints it.
type scheduleOccurrence struct {
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// Schedule says how it recurs: "every 6h" or "cron 0 3 * * 1-5 (Europe/Berlin)".
	Schedule string `json:"schedule"`
	Fire     string `json:"fire"`
	// FireLocal is the fire time in the cron timezone, when one is set.
	FireLocal string `json:"fire_local,omitempty"`
	Timezone  string `json:"timezone,omitempty"`
	// Revert is when the daemon reverts it: fire + duration, or for a
	// late_arrival (without load_time_column) fire + its delay.
	Revert string `json:"revert"`
	// WindowFrom and WindowTo bound the rows in scope (absent for kinds
	// that change the whole table).
	WindowFrom string `json:"window_from,omitempty"`
	WindowTo   string `json:"window_to,omitempty"`

	fire time.Time
}

type scheduleView struct {
	Now         string               `json:"now"`
	Occurrences []scheduleOccurrence `json:"occurrences"`
	// OneTime are the anomalies without a schedule: apply acts on them once.
	OneTime []string `json:"one_time"`
	// Ended are scheduled anomalies with no occurrence left (until or
	// max_runs reached).
	Ended []string `json:"ended"`
}

func (a *app) scheduleCmd() *cobra.Command {
	var n int
	var asJSON bool
	var nowFlag string
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "List the next occurrences of the scheduled anomalies (no database)",
		Long: `schedule reads the scenario files and prints, for every anomaly with a schedule
block, its next -n occurrences sorted by time: when each fires (UTC, and local
time for a cron in a timezone), when the daemon reverts it (fire + duration;
for late_arrival without load_time_column, fire + its delay), and the
window of rows it covers. Anomalies without a schedule are listed as one-time.
No database is opened.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 {
				return fmt.Errorf("-n %d: give how many occurrences per anomaly to show, 1 or more", n)
			}
			now := time.Now().UTC()
			if nowFlag != "" {
				t, err := time.Parse(time.RFC3339, nowFlag)
				if err != nil {
					return fmt.Errorf("-now %q: write an RFC 3339 time such as 2026-12-07T00:00:00Z", nowFlag)
				}
				now = t.UTC()
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			v := buildSchedule(cfg, now, n)
			if asJSON {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			a.writeSchedule(v)
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "n", "n", 10, "how many occurrences of each scheduled anomaly to show")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&nowFlag, "now", "", "list the occurrences after this RFC 3339 `TIME` instead of now")
	return cmd
}

// buildSchedule lists the next n occurrences of each scheduled anomaly of
// cfg after now (cfg is validated: schedules carry the kinds' defaults).
// Jitter is seeded with the anomaly's address, as the daemon seeds it.
func buildSchedule(cfg *config.Config, now time.Time, n int) scheduleView {
	v := scheduleView{Now: now.Format(time.RFC3339), Occurrences: []scheduleOccurrence{}, OneTime: []string{}, Ended: []string{}}
	for _, an := range cfg.Anomalies {
		s := an.Schedule
		if s == nil {
			v.OneTime = append(v.OneTime, an.Addr())
			continue
		}
		how := "every " + planner.FormatDuration(s.Every)
		tz := ""
		if s.Cron != "" {
			how = "cron " + s.Cron
			if s.Timezone != "" {
				tz = s.Location().String()
				how += " (" + tz + ")"
			}
		}
		var last time.Duration
		if k := planner.LookupKind(an.Kind); k != nil && !k.NoWindow {
			last = k.DefaultWindow
		}
		if an.Window != nil && an.Window.Last > 0 {
			last = an.Window.Last
		}
		next := planner.NextFires(s, now, n, an.Addr())
		if len(next) == 0 {
			v.Ended = append(v.Ended, an.Addr())
		}
		for _, f := range next {
			o := scheduleOccurrence{Address: an.Addr(), Kind: an.Kind, Schedule: how, Fire: f.UTC().Format(time.RFC3339),
				Revert: f.Add(occurrenceDuration(an)).UTC().Format(time.RFC3339), Timezone: tz, fire: f}
			if tz != "" {
				o.FireLocal = f.In(s.Location()).Format("2006-01-02T15:04:05 MST")
			}
			if last > 0 {
				o.WindowFrom, o.WindowTo = f.Add(-last).UTC().Format(time.RFC3339), f.UTC().Format(time.RFC3339)
			}
			v.Occurrences = append(v.Occurrences, o)
		}
	}
	sort.SliceStable(v.Occurrences, func(i, j int) bool {
		oi, oj := v.Occurrences[i], v.Occurrences[j]
		if !oi.fire.Equal(oj.fire) {
			return oi.fire.Before(oj.fire)
		}
		return oi.Address < oj.Address
	})
	return v
}

func (a *app) writeSchedule(v scheduleView) {
	switch {
	case len(v.Occurrences) == 0 && len(v.Ended) > 0:
		fmt.Fprintln(a.out, "No upcoming occurrence.")
	case len(v.Occurrences) == 0:
		fmt.Fprintln(a.out, "No scheduled anomaly: add a schedule block (every or cron) to an anomaly to make it recurring.")
	default:
		tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FIRES (UTC)\tLOCAL\tANOMALY\tREVERTS (UTC)\tWINDOW\tSCHEDULE")
		short := func(s string) string { return strings.TrimSuffix(strings.Replace(s, "T", " ", 1), ":00Z") }
		for _, o := range v.Occurrences {
			local, win := "-", "whole table"
			if o.FireLocal != "" {
				local = strings.Replace(o.FireLocal, "T", " ", 1)
			}
			if o.WindowFrom != "" {
				win = short(o.WindowFrom) + " → " + short(o.WindowTo)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", short(o.Fire), local, o.Address, short(o.Revert), win, o.Schedule)
		}
		tw.Flush()
	}
	if len(v.Ended) > 0 {
		fmt.Fprintf(a.out, "\nEnded (until or max_runs reached, nothing left to fire): %s\n", strings.Join(v.Ended, ", "))
	}
	if len(v.OneTime) > 0 {
		fmt.Fprintf(a.out, "\nOne-time (no schedule; apply injects them once): %s\n", strings.Join(v.OneTime, ", "))
	}
}
