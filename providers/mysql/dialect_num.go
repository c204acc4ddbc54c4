package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

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

// NumPower is POW, a DOUBLE.
func (Dialect) NumPower(x string, p float64) string {
	return fmt.Sprintf("POW(%s, %s)", x, strconv.FormatFloat(p, 'f', -1, 64))
}

func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("TRUNCATE(%s, %d)", x, digits)
	}
	return fmt.Sprintf("ROUND(%s, %d)", x, digits)
}

func (Dialect) DateSubstr(x string, pos, n int) string {
	return fmt.Sprintf("SUBSTRING(%s, %d, %d)", x, pos, n)
}
func (Dialect) DateLength(x string) string       { return "CHAR_LENGTH(" + x + ")" }
func (Dialect) DateConcat(parts []string) string { return "CONCAT(" + strings.Join(parts, ", ") + ")" }

// DateEpoch uses UNIX_TIMESTAMP, which reads the DATETIME in the session's
// time zone: anomgen's connections run at +00:00.
func (Dialect) DateEpoch(iso string) string {
	return fmt.Sprintf("CAST(UNIX_TIMESTAMP(CAST(%s AS DATETIME)) AS CHAR)", iso)
}
