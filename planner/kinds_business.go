package planner

// Business-insight kinds: a metric that moves (level_shift, trend_change),
// a rhythm that breaks (seasonality_break), a category mix that shifts
// (category_mix_shift), and one segment that rises or vanishes
// (segment_spike, segment_drop). Segments are the anomaly's segment blocks
// (selection.go); weekdays and hours become time ranges of the window.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func init() {
	register(&Kind{
		Name:             "level_shift",
		Category:         Business,
		Summary:          "a metric jumps by amplitude from the window's start (e.g. revenue −30% in one segment)",
		Description:      "Multiplies the column's values in the window by 1 + amplitude, as a lost customer group, a price change or a broken tracking of one channel would: the metric steps to a new level at the window's start and stays there. A segment block narrows it to one slice (country, channel). Integers are rounded, decimals keep their scale. The default (−0.3) takes the daily sum and mean of the column 30% down. Measured on the demo shop with the example's column (without its segment): at the defaults a daily monitor sees the mean of amount at z = −21.",
		Monitor:          "metric: the daily sum and mean of the column step by amplitude (−30%) at the window's start, in the segment",
		NeedsColumn:      true,
		Suits:            numeric,
		ColumnTypes:      "numeric columns: integer, decimal, float",
		DefaultVolume:    1,
		DefaultAmplitude: -0.3,
		DefaultWindow:    24 * time.Hour,
		UsesVolume:       true,
		UsesAmplitude:    true,
		Example: `anomaly "level_shift" "mobile_revenue_drop" {
  target    = target.orders
  column    = "amount"
  amplitude = -0.3
  segment {
    column = "channel"
    values = ["mobile"]
  }
  window {
    last = "48h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(Scale{Factor: 1 + b.Amplitude}), nil
		},
	})
	register(&Kind{
		Name:             "trend_change",
		Category:         Business,
		Summary:          "a metric drifts linearly from 0 to amplitude across the window",
		Description:      "Multiplies each value in the window by 1 + amplitude · (t − start) / (end − start), t being the row's time: a drift that starts at nothing and reaches amplitude at the window's end, as a slow churn or a creeping price error would. The factor is computed per row in SQL from the time column. Integers are rounded, decimals keep their scale. The default (+0.6 over 24 hours) raises the day's mean by about 30%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the mean of amount at z = +25.",
		Monitor:          "metric: the column's hourly mean climbs steadily across the window, ending amplitude (+60%) above its level; the daily mean moves by about half of amplitude",
		NeedsColumn:      true,
		NeedsTime:        true,
		Suits:            numeric,
		ColumnTypes:      "numeric columns: integer, decimal, float",
		DefaultVolume:    1,
		DefaultAmplitude: 0.6,
		DefaultWindow:    24 * time.Hour,
		UsesVolume:       true,
		UsesAmplitude:    true,
		Example: `anomaly "trend_change" "creeping_prices" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.6
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(Ramp{Amplitude: b.Amplitude}), nil
		},
	})
	register(&Kind{
		Name:          "seasonality_break",
		Category:      Business,
		Summary:       "the weekly or daily rhythm changes: chosen weekdays or hours get factor × their rows",
		Description:   "Scales the row volume of the chosen UTC weekdays (weekdays = [\"sat\", \"sun\"]) or hours of the day (hours = [0, 1, 2]) in the window by factor, as a campaign, an outage pattern or a changed opening time would. Below 1 a share 1 − factor of those rows is deleted (kept whole in the journal); above 1 copies are inserted under fresh keys (like volume_spike, with the same time so they stay on their day and hour). With both weekdays and hours, a row must match both; with neither, Saturdays and Sundays are chosen. Plan shows the rows per chosen day (or hour) before → after. The default factor 0.3 takes 70% of the chosen days' rows away. Measured on the demo shop: at the defaults a daily monitor sees the distinct count of amount at z = −4.0 on a Saturday (the row count at −3.5: the busiest day of the week falls below an ordinary weekday).",
		Monitor:       "volume: the row count of the chosen weekdays or hours moves to factor × its usual level (−70%), while other days and hours stay as they were",
		NeedsTime:     true,
		DefaultVolume: 1,
		DefaultWindow: 14 * 24 * time.Hour,
		Params: []Param{
			{Name: "weekdays", Type: "list(string)", Default: `["sat", "sun"]`, Unit: "UTC weekdays", Doc: `weekdays to rescale: "mon" … "sun"; without weekdays and hours, Saturday and Sunday`},
			{Name: "hours", Type: "list(number)", Unit: "UTC hours", Doc: "hours of the day to rescale, 0 to 23"},
			{Name: "factor", Type: "number", Default: "0.3", Unit: "× rows", Doc: "what the chosen periods' row volume is multiplied by: below 1 rows are deleted, above 1 copied (at most 11)"},
			{Name: "flatten_weekend", Type: "bool", Default: "false", Doc: "instead of weekdays/hours/factor: thin Saturdays and Sundays to the weekdays' level, deleting the share 1 − (weekday rows per hour ÷ weekend rows per hour) of the window's weekend rows, measured in SQL; nothing where weekends are not busier"},
		},
		Example: `anomaly "seasonality_break" "quiet_weekend" {
  target   = target.orders
  weekdays = ["sat", "sun"]
  factor   = 0.3
  window {
    last = "14d"
  }
}`,
		Build: buildSeasonality,
	})
	register(&Kind{
		Name:          "category_mix_shift",
		Category:      Business,
		Summary:       "a share of the rows moves from one category value to another",
		Description:   "Sets a share (volume) of the window's rows whose column holds from to to, as a mislabelled channel, a product moved between categories or a changed default would. Only rows holding from are touched; the total row count stays. The default volume 0.5 halves from's share and gives it to to. Measured on the demo shop with the example's column and values: at the defaults a daily monitor sees the share of 'store' in channel at z = +30.",
		Monitor:       "distribution: the share of from falls by volume (−50%) and the share of to rises by as many rows, in the window",
		NeedsColumn:   true,
		Suits:         categoryColumn,
		ColumnTypes:   "text columns, and enum columns (from and to must be labels of the type)",
		DefaultVolume: 0.5,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "from", Type: "string", Required: true, Doc: "the category value rows move away from"},
			{Name: "to", Type: "string", Required: true, Doc: "the category value they move to"},
		},
		Example: `anomaly "category_mix_shift" "web_counted_as_store" {
  target = target.orders
  column = "channel"
  from   = "web"
  to     = "store"
  volume = 0.5
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			from, diags := b.str("from", "")
			to, d := b.str("to", "")
			if diags = append(diags, d...); diags.HasErrors() {
				return nil, diags
			}
			if from == to {
				return nil, b.errorAt("to", "Nothing to shift", fmt.Sprintf("from and to are both %q: name two different values of %s.", from, b.Column.Name))
			}
			if d := append(labelRefusal(b, b.Column, "from", []string{from}), labelRefusal(b, b.Column, "to", []string{to})...); d.HasErrors() { // enums.go
				return nil, d
			}
			b.Where.Segments = append(b.Where.Segments, Filter{Column: *b.Column, Values: []string{from}})
			return b.set(SetText{Value: to}), nil
		},
	})
	register(&Kind{
		Name:             "segment_spike",
		Category:         Business,
		Summary:          "one segment's volume rises: copies of its rows with fresh keys (+amplitude)",
		Description:      "Inserts copies of the segment's rows in the window under fresh keys, amplitude × as many as there were (1 = the segment doubles), as a bot wave in one country or a double-counting channel would. The segment block names the slice; other segments stay as they were. Integer keys continue after the table's maximum, text keys get a suffix, uuid keys new uuids; rollback deletes exactly the copies. The default (+100%) doubles the segment's daily count. Measured on the demo shop with the example's segment: at the defaults a daily monitor sees the share of 'store' in channel at z = +12 (the row count only at +0.3).",
		Monitor:          "distribution: the segment's share of its column rises (a quarter becomes two fifths at +100%), as its row count rises by amplitude (+100%) in the window while the other segments' counts stay; the table's count rises by the segment's share only",
		DefaultWindow:    24 * time.Hour,
		DefaultAmplitude: 1,
		UsesAmplitude:    true,
		Example: `anomaly "segment_spike" "store_bot_wave" {
  target    = target.orders
  amplitude = 1
  segment {
    column = "channel"
    values = ["store"]
  }
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if diags := needSegment(b); diags.HasErrors() {
				return nil, diags
			}
			if b.Amplitude <= 0 || b.Amplitude > 10 {
				return nil, b.errorAt("amplitude", "Invalid amplitude", fmt.Sprintf("amplitude is the extra share of the segment's rows, above 0 and at most 10 (1 = +100%%); got %g.", b.Amplitude))
			}
			return copies(b, b.Amplitude)
		},
	})
	register(&Kind{
		Name:          "segment_drop",
		Category:      Business,
		Summary:       "one segment vanishes in the window (e.g. a country stops reporting)",
		Description:   "Deletes every row of the segment in the window, as a country that stops reporting or a channel whose tracking broke would. The segment block names the slice; other segments stay. Rows are kept whole in the journal and come back byte-identical on rollback. The segment's daily count falls to zero. Measured on the demo shop with the example's segment (store, about 11% of the rows): at the defaults a daily monitor sees the share of 'store' in channel at z = −15 (the row count only at −0.9).",
		Monitor:       "distribution: the segment's share of its column falls to 0 in the window, as its row count does; the table's count falls by the segment's share only",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		Example: `anomaly "segment_drop" "store_stops_reporting" {
  target = target.orders
  segment {
    column = "channel"
    values = ["store"]
  }
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if diags := needSegment(b); diags.HasErrors() {
				return nil, diags
			}
			b.Where.Share = 1
			return &Mutation{Op: OpDelete, Where: b.Where}, nil
		},
	})
}

func categoryColumn(c Column) (bool, string) {
	if c.Class != ClassText && c.Class != ClassEnum { // enums.go
		return false, fmt.Sprintf("column %s has type %s; this kind needs a text or enum column holding categories", c.Name, c.Type)
	}
	return true, ""
}

// needSegment refuses a segment kind without a segment block.
func needSegment(b *build) hcl.Diagnostics {
	if len(b.Anomaly.Segments) > 0 {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Missing segment",
		Detail:  fmt.Sprintf("Kind %s changes one segment: add segment { column = \"channel\" values = [\"store\"] } to %s.", b.Anomaly.Kind, b.Anomaly.Addr()),
		Subject: b.Anomaly.DeclRange.Ptr()}}
}

// copies is an insert of extra × the selected rows in rounds (like
// volume_spike).
func copies(b *build, extra float64) (*Mutation, hcl.Diagnostics) {
	key, diags := freshKey(b)
	if diags.HasErrors() {
		return nil, diags
	}
	var rounds []float64
	for k := 0; float64(k) < extra-1e-9; k++ {
		rounds = append(rounds, math.Min(1, extra-float64(k)))
	}
	return &Mutation{Op: OpInsert, Rounds: rounds, FreshKey: key, Where: b.Where}, nil
}

// defaultWeekdays are seasonality_break's weekdays when the block names
// neither weekdays nor hours.
var defaultWeekdays = []string{"sat", "sun"}

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// maxCalendarRanges bounds the time ranges weekdays and hours turn into
// (two bind parameters each).
const maxCalendarRanges = 500

func buildSeasonality(b *build) (*Mutation, hcl.Diagnostics) {
	days, diags := b.strings("weekdays")
	if diags.HasErrors() {
		return nil, diags
	}
	hours, diags := bizInts(b, "hours")
	if diags.HasErrors() {
		return nil, diags
	}
	factor, diags := bizNumber(b, "factor", 0.3)
	if diags.HasErrors() {
		return nil, diags
	}
	flatten, diags := bizBool(b, "flatten_weekend")
	if diags.HasErrors() {
		return nil, diags
	}
	if flatten {
		return buildFlatten(b, len(days) > 0 || len(hours) > 0)
	}
	if len(days) == 0 && len(hours) == 0 {
		days = defaultWeekdays // the smallest block rescales the weekend
	}
	wd := map[time.Weekday]bool{}
	for _, d := range days {
		w, ok := weekdayNames[strings.ToLower(d)]
		if !ok {
			return nil, b.errorAt("weekdays", "Invalid weekday", fmt.Sprintf("%q is not a weekday: use mon, tue, wed, thu, fri, sat or sun.", d))
		}
		wd[w] = true
	}
	hs := map[int]bool{}
	for _, h := range hours {
		if h < 0 || h > 23 {
			return nil, b.errorAt("hours", "Invalid hour", fmt.Sprintf("hours are 0 to 23 (UTC); got %d.", h))
		}
		hs[h] = true
	}
	if factor < 0 || factor > 11 || factor == 1 {
		return nil, b.errorAt("factor", "Invalid factor", fmt.Sprintf("factor multiplies the chosen periods' row volume: at least 0, at most 11 and not 1 (0.3 = −70%%, 2 = twice as many); got %g.", factor))
	}
	from, to := b.Where.From, b.Where.To
	ranges := hourRanges(from, to, func(h time.Time) bool {
		return (len(wd) == 0 || wd[h.Weekday()]) && (len(hs) == 0 || hs[h.Hour()])
	})
	if diags := checkRanges(b, ranges); diags.HasErrors() {
		return nil, diags
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].From.Before(ranges[j].From) })
	b.Where.Ranges = ranges
	if factor < 1 {
		b.Where.Share = 1 - factor
		return &Mutation{Op: OpDelete, Where: b.Where}, nil
	}
	return copies(b, factor-1)
}

// bizNumber returns the number argument name, or def when absent.
func bizNumber(b *build, name string, def float64) (float64, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name, Detail: name + " must be a number.", Subject: p.Range.Ptr()}}
	}
	f, _ := v.AsBigFloat().Float64()
	return f, nil
}

// bizInts returns the list of whole numbers name (nil when absent).
func bizInts(b *build, name string) ([]int, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return nil, nil
	}
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name, Detail: name + " must be a list of whole numbers, e.g. [0, 1, 2].", Subject: p.Range.Ptr()}}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsListType() || v.Type().IsTupleType()) {
		return nil, bad
	}
	var out []int
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.Number {
			return nil, bad
		}
		f, _ := e.AsBigFloat().Float64()
		if f != math.Trunc(f) {
			return nil, bad
		}
		out = append(out, int(f))
	}
	return out, nil
}

// hourRanges are the UTC hours of [from, to) that keep accepts, clipped to
// the window and merged where they touch.
func hourRanges(from, to time.Time, keep func(hour time.Time) bool) []TimeRange {
	var ranges []TimeRange
	for h := from.Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		if !keep(h) {
			continue
		}
		r := TimeRange{From: h, To: h.Add(time.Hour)}
		if r.From.Before(from) {
			r.From = from
		}
		if r.To.After(to) {
			r.To = to
		}
		if n := len(ranges); n > 0 && ranges[n-1].To.Equal(r.From) {
			ranges[n-1].To = r.To
			continue
		}
		ranges = append(ranges, r)
	}
	return ranges
}

func checkRanges(b *build, ranges []TimeRange) hcl.Diagnostics {
	if len(ranges) == 0 {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No chosen period in the window",
			Detail:  fmt.Sprintf("The window %s → %s holds none of the chosen weekdays and hours (UTC); widen the window.", b.Where.From.Format(time.RFC3339), b.Where.To.Format(time.RFC3339)),
			Subject: b.Anomaly.DeclRange.Ptr()}}
	}
	if len(ranges) > maxCalendarRanges {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too many periods",
			Detail:  fmt.Sprintf("The chosen weekdays and hours make %d separate periods in the window, more than %d; use a shorter window.", len(ranges), maxCalendarRanges),
			Subject: b.Anomaly.DeclRange.Ptr()}}
	}
	return nil
}

// buildFlatten thins the window's weekend (Saturday and Sunday, UTC) to
// the weekday level (Flatten): the share deleted is 1 − (weekday rows per
// hour) / (weekend rows per hour), measured over the window in SQL.
func buildFlatten(b *build, chosen bool) (*Mutation, hcl.Diagnostics) {
	if _, ok := b.Anomaly.Params["factor"]; ok || chosen {
		return nil, b.errorAt("flatten_weekend", "flatten_weekend takes no weekdays, hours or factor",
			"flatten_weekend = true thins Saturdays and Sundays to the weekdays' level, measured from the data; remove weekdays, hours and factor, or set flatten_weekend = false.")
	}
	weekend := func(h time.Time) bool { return h.Weekday() == time.Saturday || h.Weekday() == time.Sunday }
	from, to := b.Where.From, b.Where.To
	we := hourRanges(from, to, weekend)
	wd := hourRanges(from, to, func(h time.Time) bool { return !weekend(h) })
	if len(we) == 0 || len(wd) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No weekend and weekdays to compare",
			Detail:  fmt.Sprintf("flatten_weekend compares the window's weekend with its weekdays; the window %s → %s lacks one of them. Use a window of at least a week (last = \"14d\").", from.Format(time.RFC3339), to.Format(time.RFC3339)),
			Subject: b.Anomaly.DeclRange.Ptr()}}
	}
	if diags := checkRanges(b, append(slices.Clone(we), wd...)); diags.HasErrors() {
		return nil, diags
	}
	b.Where.Ranges, b.Where.Share = we, 1
	b.Where.Flatten = &Flatten{Reference: wd}
	return &Mutation{Op: OpDelete, Where: b.Where}, nil
}

// bizBool returns the bool argument name (false when absent).
func bizBool(b *build, name string) (bool, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return false, nil
	}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Bool {
		return false, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name, Detail: name + " must be true or false.", Subject: p.Range.Ptr()}}
	}
	return v.True(), nil
}
