package oracle

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.NumDialect = Dialect{}

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

func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("TRUNC(%s, %d)", x, digits)
	}
	return fmt.Sprintf("ROUND(%s, %d)", x, digits)
}
