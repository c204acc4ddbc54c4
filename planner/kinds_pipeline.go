package planner

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

func init() {
	register(&Kind{
		Name:          "volume_drop",
		Category:      Pipeline,
		Summary:       "delete a share of the rows in the window (rows are kept in the journal)",
		Description:   "Deletes a share (volume) of the rows in the window, as a partial load or a lost batch would. The rows are kept whole in the journal and come back byte-identical on rollback. Measured on the demo shop: at the defaults a daily monitor sees the freshness at z = +6.1 (the day's last rows went too) and the distinct count of amount at −3.1, but the row count only at −2.8: the weekly rhythm makes daily counts vary by about 18%, which a monitor without seasonality correction counts as noise.",
		Monitor:       "volume: the row count per day or hour falls by volume in the window",
		DefaultVolume: 0.5,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "volume_drop" "checkout_outage" {
  target = target.orders
  volume = 0.6
  window {
    last = "6h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			return &Mutation{Op: OpDelete, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:            "stale_data",
		Category:        Pipeline,
		Summary:         "the table stops updating: rows newer than the cutoff are hidden for a while",
		Description:     "Hides every row from the window's start (the cutoff) on, as if the pipeline had stopped loading at that moment. The rows move into the journal and stay hidden for duration; plan then proposes to expire the anomaly, and apply releases them byte-identical. Rows loaded after apply are not hidden. Measured on the demo shop: at the defaults a daily monitor sees the freshness at z = +710 (the newest row 6 hours old, against under a minute); the day's row count moves only to −2.1.",
		Monitor:         "freshness: max(time column) moves back to before the cutoff, a lag of at least the window, for duration",
		NeedsTime:       true,
		DefaultVolume:   1,
		DefaultWindow:   6 * time.Hour,
		DefaultDuration: 6 * time.Hour,
		Example: `anomaly "stale_data" "pipeline_stopped" {
  target   = target.orders
  duration = "4h"
  window {
    last = "6h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.Share, b.Where.OpenEnd = 1, true
			return &Mutation{Op: OpDelete, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:          "late_arrival",
		Category:      Pipeline,
		Summary:       "a share of the rows in the window arrive late: hidden now, released after delay",
		Description:   "Hides a share (volume) of the rows in the window and releases them after delay, as a late batch would. Where the target names a load_time_column, nothing is hidden: that column is pushed forward by delay instead, so the rows look loaded late. The default (50%) halves the window's row count until delay has passed. Measured on the demo shop: at the defaults a daily monitor sees the distinct count of amount at z = −3.1 (the row count only at −2.9: the weekly rhythm makes daily counts vary by about 18%); at 30% no standard metric passes |z| = 3.",
		Monitor:       "volume and completeness: the window is short of rows until delay has passed (or the load-time lag grows by delay)",
		NeedsTime:     true,
		DefaultVolume: 0.5,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "delay", Type: "duration", Default: "2h", Unit: "time", Doc: "how late the rows arrive"},
		},
		Example: `anomaly "late_arrival" "late_batch" {
  target = target.orders
  volume = 0.3
  delay  = "3h"
  window {
    last = "12h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			delay, diags := b.duration("delay", lateArrivalDelay)
			if diags.HasErrors() {
				return nil, diags
			}
			if name := b.Anomaly.Target.LoadTimeColumn; name != "" {
				c := b.Profile.Column(name)
				if c == nil {
					r := b.Anomaly.Target.Ranges["load_time_column"]
					return nil, hcl.Diagnostics{missingColumn(b.Profile, name, "load_time_column", &r)}
				}
				if c.Class != ClassTime || c.Generated {
					r := b.Anomaly.Target.Ranges["load_time_column"]
					return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "load_time_column is not a writable time column",
						Detail: fmt.Sprintf("Column %s of %s has type %s; late_arrival pushes it forward, so it must be a date or timestamp the database does not generate.", c.Name, b.Profile.Table, c.Type), Subject: &r}}
				}
				return &Mutation{Op: OpUpdate, Column: c, Set: AddSeconds{Seconds: int64(delay / time.Second)}, Where: b.Where}, nil
			}
			b.Duration = delay
			return &Mutation{Op: OpDelete, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:             "volume_spike",
		Category:         Pipeline,
		Summary:          "copies of rows in the window inserted with fresh keys (+amplitude)",
		Description:      "Inserts copies of the rows in the window with fresh keys, amplitude × as many rows as there were (1.5 = +150%: every row copied once, half of them twice), as a replayed batch would. Integer keys continue after the table's maximum, text keys get a suffix, uuid keys get new uuids. Rollback deletes exactly the inserted rows. Measured on the demo shop: at the defaults a daily monitor sees the row count at z = +7.3 (2.4 times the day's rows).",
		Monitor:          "volume: the row count in the window rises by amplitude",
		DefaultWindow:    24 * time.Hour,
		DefaultAmplitude: 1.5,
		UsesAmplitude:    true,
		Example: `anomaly "volume_spike" "replayed_batch" {
  target    = target.orders
  amplitude = 1.5
  window {
    last = "6h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if b.Amplitude <= 0 || b.Amplitude > 10 {
				return nil, b.errorAt("amplitude", "Invalid amplitude", fmt.Sprintf("amplitude is the extra share of rows, above 0 and at most 10 (1.5 = +150%%); got %g.", b.Amplitude))
			}
			key, diags := freshKey(b)
			if diags.HasErrors() {
				return nil, diags
			}
			var rounds []float64
			for k := 0; float64(k) < b.Amplitude; k++ {
				rounds = append(rounds, math.Min(1, b.Amplitude-float64(k)))
			}
			return &Mutation{Op: OpInsert, Rounds: rounds, FreshKey: key, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:          "duplicate_rows",
		Category:      Pipeline,
		Summary:       "exact duplicates of a share of the rows (fresh surrogate key)",
		Description:   "Inserts one exact duplicate of a share (volume) of the rows in the window: the same business values under a fresh surrogate key, as an at-least-once delivery would. Needs a single-column key (integer, text or uuid). Rollback deletes exactly the duplicates. Measured on the demo shop: at the defaults a daily monitor sees the mean of amount at z = +0.3, which it does not flag; a check of the duplicate-row share sees z = +∞ (0 on every day before, 8.7% after; the row count moves only to +0.2).",
		Monitor:       "uniqueness: duplicate business rows appear; the row count rises by volume",
		DefaultVolume: 0.1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "duplicate_rows" "double_delivery" {
  target = target.orders
  volume = 0.1
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			key, diags := freshKey(b)
			if diags.HasErrors() {
				return nil, diags
			}
			return &Mutation{Op: OpInsert, Rounds: []float64{b.Volume}, FreshKey: key, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:          "missing_partition",
		Category:      Pipeline,
		Summary:       "every row of chosen hours or days gone",
		Description:   "Deletes every row of the chosen periods: whole days (\"2026-11-20\") or hours (\"2026-11-20T03\"), UTC, as a lost partition or a skipped load would. Without periods, every row of the window goes. Rows are kept whole in the journal. Measured on the demo shop (the last 24 hours, one whole day): at the defaults a daily monitor sees the freshness at z = +2900 (no row for 24 hours) and the row count at −5.3.",
		Monitor:       "volume: the chosen days or hours have no rows at all",
		NeedsTime:     true,
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		Params: []Param{
			{Name: "periods", Type: "list(string)", Unit: "UTC days or hours", Doc: `days ("2026-11-20") or hours ("2026-11-20T03") to empty; default: the window`},
		},
		Example: `anomaly "missing_partition" "lost_hour" {
  target = target.orders
  window {
    start    = "2026-11-20T03:00:00Z"
    duration = "1h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			periods, diags := b.strings("periods")
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.Share = 1
			for _, p := range periods {
				r, err := parsePeriod(p)
				if err != nil {
					return nil, b.errorAt("periods", "Invalid period", err.Error())
				}
				b.Where.Ranges = append(b.Where.Ranges, r)
			}
			return &Mutation{Op: OpDelete, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:          "stuck_values",
		Category:      Pipeline,
		Summary:       "a column repeats one value across the window (a frozen feed)",
		Description:   "Sets the column on every row of the window to its value on the window's earliest row, as a frozen sensor or a cached lookup would. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the share of 'paid' in status at z = +13 (every row 'paid').",
		Monitor:       "distribution: the column's distinct count in the window drops to 1 and its variance to 0",
		NeedsColumn:   true,
		NeedsTime:     true,
		Suits:         anyColumn,
		ColumnTypes:   "any column that is not part of the key",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		Example: `anomaly "stuck_values" "frozen_status" {
  target = target.orders
  column = "status"
  window {
    last = "12h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.Share = 1
			return b.set(FirstInWindow{}), nil
		},
	})
}

// lateArrivalDelay is late_arrival's default delay (its catalog entry
// says "2h"); a scheduled occurrence lasts it (OccurrenceDuration).
const lateArrivalDelay = 2 * time.Hour

// freshKey picks the key column copies get new values in: the only key
// column, which must be an integer, text or uuid.
func freshKey(b *build) (*Column, hcl.Diagnostics) {
	if len(b.Key) != 1 {
		var names []string
		for _, k := range b.Key {
			names = append(names, k.Name)
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No surrogate key for copies",
			Detail:  fmt.Sprintf("Kind %s inserts copies under fresh keys, which needs a single-column key; %s is keyed by %s. Target a table with a surrogate key, or set key = [\"...\"] on the target to one unique integer, text or uuid column.", b.Anomaly.Kind, b.Profile.Table, strings.Join(names, ", ")),
			Subject: b.Anomaly.Range("kind")}}
	}
	k := b.Key[0]
	t := strings.ToLower(k.Type)
	if k.Class == ClassInteger || k.Class == ClassText || t == "uuid" || t == "uniqueidentifier" {
		return &k, nil
	}
	return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Key type cannot be renewed",
		Detail:  fmt.Sprintf("Kind %s gives copies fresh keys; key column %s of %s has type %s, and anomgen renews integer, text and uuid keys only.", b.Anomaly.Kind, k.Name, b.Profile.Table, k.Type),
		Subject: b.Anomaly.Range("kind")}}
}

// parsePeriod reads "2026-11-20" (a UTC day) or "2026-11-20T03" (an hour).
func parsePeriod(s string) (TimeRange, error) {
	if t, err := time.Parse("2006-01-02T15", s); err == nil {
		return TimeRange{From: t, To: t.Add(time.Hour)}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return TimeRange{From: t, To: t.AddDate(0, 0, 1)}, nil
	}
	if t, err := config.ParseTime(s); err == nil {
		return TimeRange{}, fmt.Errorf("%q is a moment, not a period: write a day (%q) or an hour (%q)", s, t.Format("2006-01-02"), t.Format("2006-01-02T15"))
	}
	return TimeRange{}, fmt.Errorf("%q is not a period: write a UTC day such as \"2026-11-20\" or an hour such as \"2026-11-20T03\"", s)
}
