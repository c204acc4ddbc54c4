package planner

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Numeric, date and key data-quality kinds. Their expressions are in
// ir_num.go; numeric_shift's offset parameter is in kinds_quality.go.

func init() {
	register(&Kind{
		Name:             "outliers",
		Category:         Quality,
		Summary:          "a share of a numeric column's values pushed to ±k standard deviations from the window's mean",
		Description:      "Sets a share (volume) of the column's values in the window to the window's mean plus or minus amplitude (k) population standard deviations of the column over the window, computed in the database before the change; the sign is drawn per row from the hash of its key. On a column with no negative value (its minimum over the whole table, read when the statement runs, is at least 0) the low side is mean² ÷ (mean + k·σ) instead of mean − k·σ: as far below the mean on a log scale as the high side is above it (on the demo's amounts, mean 60 and σ 52, 372 above and 9.70 below), so no value turns negative; allow_negative = true keeps mean − k·σ. Integers are rounded, decimals keep their scale. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the standard deviation of amount at z = +9.8 (and the mean at +7.8: the low side no longer balances the high one).",
		Monitor:          "distribution: the column's standard deviation jumps and a share of values sits beyond +3σ (and, on a column that holds negative values, below −3σ) in the window",
		NeedsColumn:      true,
		Suits:            numSigned,
		ColumnTypes:      "numeric columns (integer, decimal, float) that can hold the mean ± k·σ",
		DefaultVolume:    0.05,
		DefaultAmplitude: 6,
		DefaultWindow:    24 * time.Hour,
		UsesVolume:       true,
		UsesAmplitude:    true,
		Params: []Param{
			{Name: "allow_negative", Type: "bool", Default: "false", Doc: "true: the low side is mean − k·σ even on a column without negative values (which it may turn negative)"},
		},
		Example: `anomaly "outliers" "amount_spikes" {
  target    = target.orders
  column    = "amount"
  volume    = 0.05
  amplitude = 6
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if b.Amplitude <= 0 || b.Amplitude > 1000 {
				return nil, b.errorAt("amplitude", "Invalid amplitude", fmt.Sprintf("amplitude is k, the distance of the outliers from the mean in standard deviations: above 0 and at most 1000 (6 = ±6σ); got %g.", b.Amplitude))
			}
			allowNeg, diags := bizBool(b, "allow_negative")
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(Outlier{K: b.Amplitude, KeepSign: !allowNeg}), nil
		},
	})
	register(&Kind{
		Name:             "variance_change",
		Category:         Quality,
		Summary:          "the spread of a numeric column around the window's mean scaled by 1+amplitude, the mean kept",
		Description:      "Sets each chosen value x to mean + (x − mean) × (1 + amplitude), where mean is the column's mean over the window before the change, as a broken sensor calibration or a noisy feed would: the mean stays, the standard deviation is multiplied by 1 + amplitude (−0.5 halves it, 1 doubles it). Widening the spread (amplitude above 0) would push the small values of a column with no negative value below zero, so where the column's minimum over the whole table (read when the statement runs) is at least 0 it works on a log scale instead: x becomes x^(1 + amplitude) × mean ÷ mean(x^(1 + amplitude)), both means over the window. Every value keeps its sign (zeros stay 0, and a small integer may round to 0, never below), the mean stays, and the spread of log(x) is multiplied by 1 + amplitude, which widens skewed data such as amounts more than the linear form would (×2.9 on the demo's amounts at amplitude 1); allow_negative = true keeps the linear form. Integers are rounded (so their mean may move by up to half a unit), decimals keep their scale. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the standard deviation of amount at z = +52.",
		Monitor:          "distribution: the column's standard deviation in the window is multiplied by 1 + amplitude (more for a skewed column without negative values), its mean unchanged",
		NeedsColumn:      true,
		Suits:            numSigned,
		ColumnTypes:      "numeric columns: integer, decimal, float",
		DefaultVolume:    1,
		DefaultAmplitude: 1,
		DefaultWindow:    24 * time.Hour,
		UsesVolume:       true,
		UsesAmplitude:    true,
		Params: []Param{
			{Name: "allow_negative", Type: "bool", Default: "false", Doc: "true: scale around the mean even on a column without negative values, which an amplitude above 0 may turn negative"},
		},
		Example: `anomaly "variance_change" "noisy_amounts" {
  target    = target.orders
  column    = "amount"
  amplitude = 1
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if b.Amplitude == 0 {
				return nil, b.errorAt("amplitude", "Invalid amplitude", "amplitude 0 would leave the spread as it is; use e.g. 1 to double it or -0.5 to halve it.")
			}
			allowNeg, diags := bizBool(b, "allow_negative")
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(Spread{Factor: 1 + b.Amplitude, KeepSign: !allowNeg && b.Amplitude > 0}), nil
		},
	})
	register(&Kind{
		Name:          "unit_change",
		Category:      Quality,
		Summary:       "a numeric column's values multiplied by a unit factor (cents for dollars, grams for kilograms)",
		Description:   "Multiplies the column's values in the window by factor (default 100: an amount written in cents where dollars are expected; 1000 for grams instead of kilograms; 0.01 the other way), as a unit mix-up upstream would. Integers are rounded, decimals keep their scale (rounding half away from zero). The default multiplies the daily mean by 100. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the mean of amount at z = +6800.",
		Monitor:       "distribution: the column's mean and maximum jump by factor in the window",
		NeedsColumn:   true,
		Suits:         numeric,
		ColumnTypes:   "numeric columns: integer, decimal, float (wide enough for the scaled values)",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "factor", Type: "number", Default: "100", Unit: "multiplier", Doc: "what values are multiplied by: 100 (cents/dollars), 1000 (g/kg), 0.01 (the reverse)"},
		},
		Example: `anomaly "unit_change" "cents_not_dollars" {
  target = target.orders
  column = "amount"
  factor = 100
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			f, diags := b.numParam("factor", 100)
			if diags.HasErrors() {
				return nil, diags
			}
			if f <= 0 || f == 1 {
				return nil, b.errorAt("factor", "Invalid factor", fmt.Sprintf("factor multiplies the values: above 0 and not 1 (100 for cents/dollars, 0.001 for g to kg); got %g.", f))
			}
			b.Where.SkipNull = true
			return b.set(Scale{Factor: f}), nil
		},
	})
	register(&Kind{
		Name:          "precision_loss",
		Category:      Quality,
		Summary:       "a decimal column's values rounded or truncated to fewer digits",
		Description:   "Rounds (half away from zero) or truncates (mode = \"truncate\") the column's values in the window to digits decimal places (default 0), as a float-to-integer cast or a narrow staging column would. Values that already have no more digits stay as they are. The default rounds amounts to whole units: the share of values with a fractional part falls from about 99% to 0. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the distinct count of amount at z = −5.7 (2,765 values → 239).",
		Monitor:       "distribution: the share of values with more than digits decimal places drops to 0; the distinct count falls",
		NeedsColumn:   true,
		Suits:         fractional,
		ColumnTypes:   "decimal columns with more than digits places, and float columns",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "digits", Type: "number", Default: "0", Unit: "decimal places", Doc: "how many decimal places are kept (0 or more, fewer than the column's scale)"},
			{Name: "mode", Type: "string", Default: "round", Doc: `"round" (half away from zero) or "truncate" (toward zero)`},
		},
		Example: `anomaly "precision_loss" "whole_dollars" {
  target = target.orders
  column = "amount"
  digits = 0
  mode   = "truncate"
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			d, diags := b.numParam("digits", 0)
			if diags.HasErrors() {
				return nil, diags
			}
			if d < 0 || d > 30 || d != math.Trunc(d) {
				return nil, b.errorAt("digits", "Invalid digits", fmt.Sprintf("digits is the number of decimal places kept, a whole number from 0 to 30; got %g.", d))
			}
			if s, ok := decimalScaleOf(b.Column.Type); ok && int(d) >= s {
				return nil, b.errorAt("digits", "Invalid digits", fmt.Sprintf("Column %s has type %s, %d decimal places; rounding it to %g places changes nothing. Use fewer digits.", b.Column.Name, b.Column.Type, s, d))
			}
			mode, diags := b.str("mode", "round")
			if diags.HasErrors() {
				return nil, diags
			}
			if mode != "round" && mode != "truncate" {
				return nil, b.errorAt("mode", "Invalid mode", fmt.Sprintf("mode is \"round\" or \"truncate\"; got %q.", mode))
			}
			b.Where.SkipNull = true
			return b.set(RoundTo{Digits: int(d), Truncate: mode == "truncate"}), nil
		},
	})
	register(&Kind{
		Name:          "negative_values",
		Category:      Quality,
		Summary:       "the sign of a share of a numeric column's positive values flipped",
		Description:   "Flips the sign of a share (volume) of the column's values in the window, as a refund booked as a sale or a sign-convention bug would. Only positive values change: chosen rows holding zero or a negative value keep it (they are still counted and journaled). The default (5%) takes the share of negative values from 0 to 5%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the mean of amount at z = −7.2.",
		Monitor:       "validity: negative values appear (share of values < 0 rises to about volume); the mean falls by twice that share",
		NeedsColumn:   true,
		Suits:         numSigned,
		ColumnTypes:   "signed numeric columns: integer, decimal, float (not unsigned)",
		DefaultVolume: 0.05,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "negative_values" "refunds_as_sales" {
  target = target.orders
  column = "amount"
  volume = 0.05
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(Negate{}), nil
		},
	})
	register(&Kind{
		Name:          "timestamp_shift",
		Category:      Quality,
		Summary:       "a time column's values moved by a fixed offset (a time-zone bug)",
		Description:   "Moves the column's values in the window by offset (default \"-5h\": local time written as UTC on the US east coast), as a time-zone or daylight-saving bug would. Dates move by whole days only when the offset is whole days. Where the column is the target's time column, the rows move out of their hours (or days). The default moves every value of the window 5 hours back: the hour-of-day profile shifts by 5 hours and the rows of the window's last 5 hours vanish from it. Measured on the demo shop with the example's column (the time column): at the defaults a daily monitor sees the freshness at z = +590 (the newest row 5 hours old); the day's row count moves only to −0.6.",
		Monitor:       "timeliness and volume: the hour-of-day profile shifts by offset; events appear before their causes",
		NeedsColumn:   true,
		Suits:         timeColumn,
		ColumnTypes:   "date and timestamp columns that are not part of the key",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "offset", Type: "duration", Default: "-5h", Unit: "time", Doc: `how far values move, backward when negative, e.g. "-5h", "1h", "-1d"`},
		},
		Example: `anomaly "timestamp_shift" "utc_as_local" {
  target = target.orders
  column = "created_at"
  offset = "-5h"
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			off, diags := b.signedDuration("offset", -5*time.Hour)
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(AddSeconds{Seconds: int64(off / time.Second)}), nil
		},
	})
	register(&Kind{
		Name:          "future_dates",
		Category:      Quality,
		Summary:       "a share of a time column's values pushed into the future",
		Description:   "Moves a share (volume) of the column's values in the window forward by by (default \"365d\"), as a wrong year, a swapped day and month or a clock bug would. The default puts 5% of the window's values a year ahead: the share of values after now goes from 0 to 5% and the maximum jumps a year. Measured on the demo shop with the example's column (the time column): at the defaults a daily monitor sees the freshness at z = −1000000 (the newest row a year ahead).",
		Monitor:       "validity: values after now appear (share about volume); max(column) jumps forward by by",
		NeedsColumn:   true,
		Suits:         timeColumn,
		ColumnTypes:   "date and timestamp columns that are not part of the key",
		DefaultVolume: 0.05,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "by", Type: "duration", Default: "365d", Unit: "time", Doc: `how far into the future values move, e.g. "365d", "30d"`},
		},
		Example: `anomaly "future_dates" "wrong_year" {
  target = target.orders
  column = "created_at"
  volume = 0.05
  by     = "365d"
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			by, diags := b.duration("by", 365*24*time.Hour)
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(AddSeconds{Seconds: int64(by / time.Second)}), nil
		},
	})
	register(&Kind{
		Name:          "duplicate_keys",
		Category:      Quality,
		Summary:       "a business key copied across rows so that it is no longer unique",
		Description:   "Sets a share (volume) of the column's values in the window to the column's value on the window's earliest row (by time column, then key), as a reused order number or a mis-joined customer id would: uniqueness of the column breaks. Refused for the table's primary key and for columns with a unique index or constraint, which the database would enforce. The default (10%) puts 10% of the window's rows on one value. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the distinct count of email at z = −0.8, which it does not flag; a check of the top-value share of email sees z = +480 (0.1% → 9.7%).",
		Monitor:       "uniqueness: the column's distinct count in the window falls by about volume; one value appears on many rows",
		NeedsColumn:   true,
		NeedsTime:     true,
		Suits:         keyLike,
		ColumnTypes:   "integer and text columns that are not the primary key and have no unique index",
		DefaultVolume: 0.1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "duplicate_keys" "reused_email" {
  target = target.orders
  column = "email"
  volume = 0.1
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			for _, pk := range b.Profile.PrimaryKey {
				if strings.EqualFold(pk, b.Column.Name) {
					return nil, b.errorAt("column", "Column is constrained unique", fmt.Sprintf("Column %s is part of the primary key of %s, which the database keeps unique: duplicate values would be refused. Choose a business key without a unique constraint.", b.Column.Name, b.Profile.Table))
				}
			}
			if u := uniqueIndexOn(b.Profile, b.Column.Name); u != "" {
				return nil, b.errorAt("column", "Column is constrained unique", fmt.Sprintf("Column %s of %s has the unique index or constraint %s, which the database enforces: duplicate values would be refused. Choose a business key without a unique constraint.", b.Column.Name, b.Profile.Table, u))
			}
			return b.set(FirstInWindow{}), nil
		},
	})
	register(&Kind{
		Name:          "orphan_references",
		Category:      Quality,
		Summary:       "a share of a foreign-key-like column's values pointing at parents that do not exist",
		Description:   "Moves a share (volume) of the column's values in the window to parents that do not exist, as a parent deleted without its children or an id remapped in one system only would: integers become x + max(column) + offset (default 1000000), beyond the largest reference in the table; text gets the suffix '~orphan'. Every orphan is distinct per old parent. Refused where a foreign key constraint on the column would reject the values (the constraint is named). The default (5%) takes the share of rows without a parent from 0 to 5%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the distinct count of email at z = −0.2, which it does not flag; a check of the usual-shape share of email sees z = −∞ (100% → 95%), as would a check of references without a parent.",
		Monitor:       "referential integrity: the share of rows whose reference has no parent row rises to about volume",
		NeedsColumn:   true,
		Suits:         keyLike,
		ColumnTypes:   "integer and text reference columns without a foreign key constraint",
		DefaultVolume: 0.05,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "offset", Type: "number", Default: "1000000", Unit: "key values", Doc: "how far past the column's maximum integer references land (a whole number above 0); text references get the suffix '~orphan' instead"},
		},
		Example: `anomaly "orphan_references" "unknown_customers" {
  target = target.orders
  column = "email" # refers to customers.email, no constraint
  volume = 0.05
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			if ref := referenceOn(b.Profile, b.Column.Name); ref != nil {
				name := ref.Name
				if name == "" {
					name = "(unnamed)"
				}
				return nil, b.errorAt("column", "Column has a foreign key", fmt.Sprintf("Column %s of %s has the foreign key constraint %s to %s(%s), which the database enforces: references to missing parents would be refused. Choose a reference column without a constraint.", b.Column.Name, b.Profile.Table, name, ref.Parent, strings.Join(ref.ParentColumns, ", ")))
			}
			off, diags := b.numParam("offset", 1000000)
			if diags.HasErrors() {
				return nil, diags
			}
			if off < 1 || off != math.Trunc(off) || off > 1e15 {
				return nil, b.errorAt("offset", "Invalid offset", fmt.Sprintf("offset is a whole number above 0 (default 1000000); got %g.", off))
			}
			b.Where.SkipNull = true
			if b.Column.Class == ClassText {
				if _, ok := b.Anomaly.Params["offset"]; ok {
					return nil, b.errorAt("offset", "Offset on a text reference", fmt.Sprintf("Column %s is text: its orphans get the suffix '~orphan', and offset applies to integer references only. Remove offset.", b.Column.Name))
				}
				return b.set(Orphan{Suffix: "~orphan"}), nil
			}
			return b.set(Orphan{Offset: int64(off)}), nil
		},
	})
	register(&Kind{
		Name:          "date_format",
		Category:      Quality,
		Summary:       "dates held as text rewritten in another layout (01/02/2006 instead of 2006-01-02, or epoch seconds)",
		Description:   "Rewrites the column's text dates in the window from from_layout (default \"2006-01-02\", or the target's time-column layout where the column is the time column) to layout (default \"01/02/2006\"), as an upstream system switching locale would. Layouts are Go layouts of fixed-width fields (2006, 01, 02, 15, 04, 05) and the separators - / . : space and T; layout may also be \"epoch\" (seconds since 1970, UTC). The fields are moved in SQL; fields the source lacks (the time of a date) become 00, and values whose length is not from_layout's stay as they are (they are still counted and journaled). The default rewrites every value of the window: the share of values matching the usual pattern falls from 100% to 0 (not measured: the demo shop has no text column of dates).",
		Monitor:       "validity: the share of the column's values matching the expected date pattern drops; parsing downstream fails or swaps day and month",
		NeedsColumn:   true,
		Suits:         textDate,
		ColumnTypes:   "text columns holding dates or timestamps in a fixed-width layout",
		DefaultVolume: 1,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "layout", Type: "string", Default: "01/02/2006", Doc: `the new layout (Go layout, e.g. "01/02/2006", "02.01.2006", "2006-01-02T15:04:05") or "epoch"`},
			{Name: "from_layout", Type: "string", Default: "2006-01-02", Doc: "the values' current layout (Go layout); default the target's time-column layout where the column is the time column"},
		},
		Example: `anomaly "date_format" "us_dates" {
  target = target.orders
  column = "channel" # stands in for a text column of dates such as "2026-11-20"
  layout = "01/02/2006"
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			def := "2006-01-02"
			if tc := b.Where.TimeColumn; tc != nil && tc.Name == b.Column.Name && b.Where.TimeFormat.Layout != "" {
				def = b.Where.TimeFormat.Layout
			}
			from, diags := b.str("from_layout", def)
			if diags.HasErrors() {
				return nil, diags
			}
			to, diags := b.str("layout", "01/02/2006")
			if diags.HasErrors() {
				return nil, diags
			}
			fields, ok := NumDateFields(from)
			have := map[string]bool{}
			for _, f := range fields {
				have[f.Name] = true
			}
			if !ok || !have["2006"] || !have["01"] || !have["02"] {
				return nil, b.errorAt("from_layout", "Invalid from_layout", fmt.Sprintf("from_layout %q must be a Go layout of fixed-width fields with at least 2006, 01 and 02 (plus 15, 04, 05 and the separators - / . : space T), e.g. \"2006-01-02\" or \"2006-01-02 15:04:05\".", from))
			}
			if _, ok := NumDateFields(to); to != "epoch" && !ok {
				return nil, b.errorAt("layout", "Invalid layout", fmt.Sprintf("layout %q must be \"epoch\" or a Go layout of the fields 2006, 01, 02, 15, 04, 05 and the separators - / . : space T, e.g. \"01/02/2006\" or \"02.01.2006\".", to))
			}
			if to == from {
				return nil, b.errorAt("layout", "Nothing to change", fmt.Sprintf("layout and from_layout are both %q.", to))
			}
			b.Where.SkipNull = true
			return b.set(DateRelayout{From: from, To: to}), nil
		},
	})
}

// referenceOn returns a foreign key of p that includes column name, or nil.
func referenceOn(p *TableProfile, name string) *Reference {
	for i, r := range p.References {
		for _, c := range r.Columns {
			if strings.EqualFold(c, name) {
				return &p.References[i]
			}
		}
	}
	return nil
}

// textDate accepts text columns.
func textDate(c Column) (bool, string) {
	if c.Class != ClassText {
		return false, fmt.Sprintf("column %s has type %s; this kind rewrites dates held as text", c.Name, c.Type)
	}
	return true, ""
}

var numScale = regexp.MustCompile(`(?i)^\s*(?:numeric|decimal|number|dec)\s*\(\s*\d+\s*,\s*(-?\d+)\s*\)`)

// decimalScaleOf returns the number of decimal places of a decimal type
// such as numeric(10,2).
func decimalScaleOf(typ string) (int, bool) {
	m := numScale.FindStringSubmatch(typ)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// numSigned accepts numeric columns that can hold negative values.
func numSigned(c Column) (bool, string) {
	if ok, why := numeric(c); !ok {
		return false, why
	}
	if strings.Contains(strings.ToLower(c.Type), "unsigned") {
		return false, fmt.Sprintf("column %s has type %s, which cannot hold values below zero", c.Name, c.Type)
	}
	return true, ""
}

// fractional accepts columns with decimal places to lose.
func fractional(c Column) (bool, string) {
	switch c.Class {
	case ClassFloat:
		return true, ""
	case ClassDecimal:
		if s, ok := decimalScaleOf(c.Type); ok && s <= 0 {
			return false, fmt.Sprintf("column %s has type %s, which has no decimal places to lose", c.Name, c.Type)
		}
		return true, ""
	}
	return false, fmt.Sprintf("column %s has type %s; this kind needs a decimal or float column", c.Name, c.Type)
}

// keyLike accepts columns that can serve as a business key.
func keyLike(c Column) (bool, string) {
	if c.Class != ClassInteger && c.Class != ClassText {
		return false, fmt.Sprintf("column %s has type %s; this kind needs an integer or text key column", c.Name, c.Type)
	}
	return true, ""
}

// uniqueIndexOn names a unique index or constraint of p whose only column
// is name, or "".
func uniqueIndexOn(p *TableProfile, name string) string {
	for _, u := range p.Unique {
		if len(u.Columns) == 1 && strings.EqualFold(u.Columns[0], name) {
			return u.Name
		}
	}
	return ""
}

// numParam returns the number argument name, or def when absent.
func (b *build) numParam(name string, def float64) (float64, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: name + " must be a number.", Subject: p.Range.Ptr()}}
	}
	f, _ := v.AsBigFloat().Float64()
	return f, nil
}

// signedDuration returns the duration argument name, which may be negative
// ("-5h", "-1d"), or def when absent; zero is refused.
func (b *build) signedDuration(name string, def time.Duration) (time.Duration, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	s, diags := b.str(name, "")
	if diags.HasErrors() {
		return 0, diags
	}
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	d, err := config.ParseDuration(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+"))
	if err == nil && d <= 0 {
		err = fmt.Errorf("%q moves nothing: write e.g. \"-5h\" or \"1h\"", s)
	}
	if err != nil {
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid duration for " + name, Detail: err.Error(), Subject: p.Range.Ptr()}}
	}
	if neg {
		d = -d
	}
	return d, nil
}

// offsetShift is numeric_shift with offset: the constant is added.
func offsetShift(b *build) (*Mutation, hcl.Diagnostics) {
	off, diags := b.numParam("offset", 0)
	if diags.HasErrors() {
		return nil, diags
	}
	if off == 0 || math.IsInf(off, 0) || math.IsNaN(off) {
		return nil, b.errorAt("offset", "Invalid offset", "offset is added to the values: a number other than 0, e.g. 10 or -2.5.")
	}
	if b.Anomaly.Amplitude != nil {
		return nil, b.errorAt("amplitude", "Amplitude with offset", "numeric_shift either multiplies by 1 + amplitude or, with offset, adds offset; remove one of them.")
	}
	return b.set(Offset{Add: off}), nil
}
