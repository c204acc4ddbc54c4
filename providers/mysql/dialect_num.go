package mysql

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.NumDialect = Dialect{}

// NumFit rounds with ROUND, half away from zero for exact values
// (DECIMAL arithmetic: column plus a decimal literal, AVG of a DECIMAL);
// expressions over STDDEV_POP are doubles, rounded to nearest.
func (Dialect) NumFit(expr string, c planner.Column) string {
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("ROUND(%s)", expr)
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s, %s)", expr, m[1])
		}
	}
	return expr
}

func (Dialect) NumMean(x string) string   { return "AVG(" + x + ")" }
func (Dialect) NumStdDev(x string) string { return "STDDEV_POP(" + x + ")" }

func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("TRUNCATE(%s, %d)", x, digits)
	}
	return fmt.Sprintf("ROUND(%s, %d)", x, digits)
}
