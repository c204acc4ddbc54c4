package oracle

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// NumFit rounds NUMBER arithmetic (exact decimal) with ROUND, half away
// from zero: integers (NUMBER(p,0), or NUMBER(p,-s) to their negative
// scale) and decimals to their scale; BINARY_FLOAT/DOUBLE stay as they are.
func (Dialect) NumFit(expr string, c planner.Column) string {
	switch c.Class {
	case planner.ClassInteger:
		if m := numberScale.FindStringSubmatch(c.Type); m != nil && m[1] != "0" {
			return fmt.Sprintf("ROUND(%s, %s)", expr, m[1])
		}
		return fmt.Sprintf("ROUND(%s)", expr)
	case planner.ClassDecimal:
		if m := numberScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s, %s)", expr, m[1])
		}
	}
	return expr
}

func (Dialect) NumMean(x string) string   { return "AVG(" + x + ")" }
func (Dialect) NumStdDev(x string) string { return "STDDEV_POP(" + x + ")" }

// NumPower is POWER in NUMBER arithmetic (38 digits, up to 1E125).
func (Dialect) NumPower(x string, p float64) string {
	return fmt.Sprintf("POWER(%s, %s)", x, strconv.FormatFloat(p, 'f', -1, 64))
}

func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("TRUNC(%s, %d)", x, digits)
	}
	return fmt.Sprintf("ROUND(%s, %d)", x, digits)
}

func (Dialect) DateSubstr(x string, pos, n int) string {
	return fmt.Sprintf("SUBSTR(%s, %d, %d)", x, pos, n)
}
func (Dialect) DateLength(x string) string       { return "LENGTH(" + x + ")" }
func (Dialect) DateConcat(parts []string) string { return strings.Join(parts, " || ") }

// DateEpoch subtracts DATE '1970-01-01' (a number of days) and scales to
// whole seconds.
func (Dialect) DateEpoch(iso string) string {
	return fmt.Sprintf("TO_CHAR(ROUND((TO_DATE(%s, 'YYYY-MM-DD HH24:MI:SS') - DATE '1970-01-01') * 86400))", iso)
}
