package planner

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
)

func init() {
	register(&Kind{
		Name:          "null_rate",
		Category:      Quality,
		Summary:       "set a share of a column's values in the window to NULL",
		Description:   "Sets a share (volume) of the column's values in the window to NULL, as a broken extraction or a dropped field would. Rows whose value is already NULL are left out, so the share is of the non-NULL values. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the null share of email at z = +210.",
		Monitor:       "completeness: the column's null share jumps in the window (e.g. 0.4% → 25%)",
		NeedsColumn:   true,
		Suits:         nullable,
		ColumnTypes:   "any nullable column that is not part of the key",
		DefaultVolume: 0.25,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Example: `anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			return b.set(SetNull{}), nil
		},
	})
	register(&Kind{
		Name:             "numeric_shift",
		Category:         Quality,
		Summary:          "multiply a numeric column by 1+amplitude in the window (a mean shift)",
		Description:      "Multiplies the column's values in the window by 1 + amplitude, as a unit or pricing bug would. Integers are rounded, decimals keep their scale; rounding is half away from zero in exact decimal arithmetic on every database. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the mean of amount at z = +17.",
		Monitor:          "distribution: the column's mean moves by amplitude (e.g. +25%) in the window",
		NeedsColumn:      true,
		Suits:            numeric,
		ColumnTypes:      "numeric columns: integer, decimal, float",
		DefaultVolume:    1,
		DefaultAmplitude: 0.25,
		DefaultWindow:    24 * time.Hour,
		UsesVolume:       true,
		UsesAmplitude:    true,
		Params: []Param{
			{Name: "offset", Type: "number", Unit: "column units", Doc: "when given, add this constant instead of multiplying by 1 + amplitude (an offset bug; amplitude is then ignored)"},
		},
		Example: `anomaly "numeric_shift" "price_bug" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.25
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			b.Where.SkipNull = true
			if _, ok := b.Anomaly.Params["offset"]; ok { // kinds_quality_num.go
				return offsetShift(b)
			}
			return b.set(Scale{Factor: 1 + b.Amplitude}), nil
		},
	})
}

func nullable(c Column) (bool, string) {
	if !c.Nullable {
		return false, fmt.Sprintf("column %s is NOT NULL, so it cannot hold NULLs", c.Name)
	}
	return true, ""
}

func numeric(c Column) (bool, string) {
	if !c.Class.Numeric() {
		return false, fmt.Sprintf("column %s has type %s; this kind needs a numeric column (integer, decimal or float)", c.Name, c.Type)
	}
	return true, ""
}

func anyColumn(Column) (bool, string) { return true, "" }

func timeColumn(c Column) (bool, string) {
	if c.Class != ClassTime && c.Class != ClassText && !c.Class.Numeric() {
		return false, fmt.Sprintf("column %s has type %s; this kind needs a time column", c.Name, c.Type)
	}
	if c.Class != ClassTime {
		return false, fmt.Sprintf("column %s has type %s, not a date or timestamp", c.Name, c.Type)
	}
	return true, ""
}
