package planner

import (
	"fmt"
	"time"
)

func init() {
	register(&Kind{
		Name:          "null_rate",
		Category:      Quality,
		Summary:       "set a share of a column's values in the window to NULL",
		Monitor:       "the column's null share jumps in the window (e.g. 0.4% → 25%)",
		NeedsColumn:   true,
		Suits:         nullable,
		DefaultVolume: 0.25,
		DefaultWindow: 24 * time.Hour,
		Build: func(b *build) *Mutation {
			b.Where.SkipNull = true
			return &Mutation{Op: OpUpdate, Column: b.Column, Set: SetNull{}, Where: b.Where}
		},
	})
	register(&Kind{
		Name:             "numeric_shift",
		Category:         Quality,
		Summary:          "multiply a numeric column by 1+amplitude in the window (a mean shift)",
		Monitor:          "the column's mean moves by amplitude (e.g. +25%) in the window",
		NeedsColumn:      true,
		Suits:            numeric,
		DefaultVolume:    1,
		DefaultAmplitude: 0.25,
		DefaultWindow:    24 * time.Hour,
		UsesAmplitude:    true,
		Build: func(b *build) *Mutation {
			b.Where.SkipNull = true
			return &Mutation{Op: OpUpdate, Column: b.Column, Set: Scale{Factor: 1 + b.Amplitude}, Where: b.Where}
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
