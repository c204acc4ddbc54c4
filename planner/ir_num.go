package planner

import (
	"fmt"
	"strings"
)

// Numeric data-quality expressions (kinds_quality_num.go). Providers render
// them through sqlgen.NumDialect (providers/sqlgen/num.go).

// Offset adds Add to a numeric column (integers rounded, decimals kept to
// their scale).
type Offset struct{ Add float64 }

// Outlier sets the column to the window's mean plus or minus K population
// standard deviations of the column over the window; the sign comes from a
// second hash of the key (seed "<seed>:sign"): below 2^31 is plus.
//
// With KeepSign, where the column holds no negative value (its minimum over
// the whole table is at least 0, read in SQL when the statement runs), the
// low side is mean² / (mean + K·σ) instead of mean − K·σ: as many times
// below the mean as the high side is above it, so the value stays at or
// above zero. Without KeepSign (allow_negative = true), or on a column that
// holds negative values, the low side is mean − K·σ.
type Outlier struct {
	K        float64
	KeepSign bool
}

// Spread scales each value's distance from the window's mean by Factor:
// mean + (x - mean) * Factor. The mean is kept, the spread multiplied.
//
// With KeepSign (only meaningful for Factor > 1, the only factors that can
// push a value across zero), where the column holds no negative value (its
// minimum over the whole table is at least 0, read in SQL), the spread is
// scaled on a log scale instead: x^Factor · mean / mean(x^Factor), the
// means over the window. Every value keeps its sign (zeros stay zero), the
// window's mean is kept, and the spread of log(x) is multiplied by Factor.
type Spread struct {
	Factor   float64
	KeepSign bool
}

// RoundTo rounds (half away from zero) or, with Truncate, cuts the column to
// Digits decimal places (Digits >= 0).
type RoundTo struct {
	Digits   int
	Truncate bool
}

// Negate flips the sign of positive values; zero and negative values stay.
type Negate struct{}

func (Offset) isExpr()  {}
func (Outlier) isExpr() {}
func (Spread) isExpr()  {}
func (RoundTo) isExpr() {}
func (Negate) isExpr()  {}

func (e Offset) describe(m *Mutation) string {
	return fmt.Sprintf("add %g to %s", e.Add, m.Column.Name)
}
func (e Outlier) describe(m *Mutation) string {
	s := fmt.Sprintf("set %s to the window's mean ± %g standard deviations", m.Column.Name, e.K)
	if e.KeepSign {
		s += fmt.Sprintf(" (the low side mean²/(mean + %gσ) if %s holds no negative value)", e.K, m.Column.Name)
	}
	return s
}
func (e Spread) describe(m *Mutation) string {
	if e.KeepSign {
		return fmt.Sprintf("scale %s's spread by %g, the window's mean kept: on a log scale (x^%g) if %s holds no negative value, around the mean otherwise", m.Column.Name, e.Factor, e.Factor, m.Column.Name)
	}
	return fmt.Sprintf("scale %s's distance from the window's mean by %g", m.Column.Name, e.Factor)
}
func (e RoundTo) describe(m *Mutation) string {
	how := "round"
	if e.Truncate {
		how = "truncate"
	}
	return fmt.Sprintf("%s %s to %d decimal places", how, m.Column.Name, e.Digits)
}
func (Negate) describe(m *Mutation) string { return "flip the sign of positive " + m.Column.Name }

// describer is an Expr that says in words what it does (plan's Effect).
type describer interface{ describe(m *Mutation) string }

// UniqueIndex is a unique index or constraint of a table.
type UniqueIndex struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// Partition, when set, is the partition the index is declared on
	// (PostgreSQL): it keeps rows unique within that partition only, so it
	// proves no key unique, but copies of its rows must keep it too.
	Partition string `json:"partition,omitempty"`
}

// Reference is a foreign key of the profiled table: its Columns refer to
// ParentColumns of Parent.
type Reference struct {
	Name          string    `json:"name,omitempty"`
	Columns       []string  `json:"columns"`
	Parent        TableName `json:"parent"`
	ParentColumns []string  `json:"parent_columns,omitempty"`
	// Partition, when set, is the partition the foreign key is declared on
	// (PostgreSQL), rather than the table itself.
	Partition string `json:"partition,omitempty"`
}

// Orphan makes a reference point at a parent that does not exist: an
// integer moves past every value the column holds, x + MAX(column over the
// whole table) + Offset; text (Suffix set) gets Suffix appended.
type Orphan struct {
	Offset int64
	Suffix string
}

func (Orphan) isExpr() {}

func (e Orphan) describe(m *Mutation) string {
	if e.Suffix != "" {
		return fmt.Sprintf("append %q to %s (orphaned references)", e.Suffix, m.Column.Name)
	}
	return fmt.Sprintf("move %s past its maximum by %d (orphaned references)", m.Column.Name, e.Offset)
}

// DateRelayout rewrites a text date from one fixed-width layout to another by
// moving its fields: From and To are Go layouts made of the fields 2006,
// 01, 02, 15, 04 and 05 and the separators - / . : space and T; To may be
// "epoch" (seconds since 1970, UTC). Fields of To missing from From (the
// time of a date) are 00. Values whose length is not From's stay as they
// are.
type DateRelayout struct{ From, To string }

func (DateRelayout) isExpr() {}

func (e DateRelayout) describe(m *Mutation) string {
	return fmt.Sprintf("rewrite %s from %q to %q", m.Column.Name, e.From, e.To)
}

// NumDateField is one piece of a date layout: a field (Name is 2006, 01, 02,
// 15, 04 or 05) at byte Pos, or a literal separator (Name "").
type NumDateField struct {
	Name    string
	Pos     int
	Literal string
}

// NumDateFields splits a layout into fields and separators; ok is false for a
// layout with anything else.
func NumDateFields(layout string) ([]NumDateField, bool) {
	var out []NumDateField
	for i := 0; i < len(layout); {
		switch {
		case strings.HasPrefix(layout[i:], "2006"):
			out = append(out, NumDateField{Name: "2006", Pos: i})
			i += 4
		case len(layout)-i >= 2 && strings.Contains(" 01 02 15 04 05 ", " "+layout[i:i+2]+" "):
			out = append(out, NumDateField{Name: layout[i : i+2], Pos: i})
			i += 2
		case strings.ContainsRune("-/.: T", rune(layout[i])):
			out = append(out, NumDateField{Literal: layout[i : i+1], Pos: i})
			i++
		default:
			return nil, false
		}
	}
	return out, len(out) > 0
}
