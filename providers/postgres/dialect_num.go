package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// NumFit computes in numeric (exact) where it can: integers are rounded
// half away from zero by ROUND(numeric) and cast back to their type;
// decimals are cast to numeric, and the assignment to the column's
// numeric(p,s) rounds half away from zero to its scale; floats are doubles.
func (Dialect) NumFit(expr string, c planner.Column) string {
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("CAST(ROUND(CAST(%s AS numeric)) AS %s)", expr, c.Type)
	case planner.ClassFloat:
		return fmt.Sprintf("CAST(%s AS double precision)", expr)
	}
	return fmt.Sprintf("CAST(%s AS numeric)", expr)
}

func (Dialect) NumMean(x string) string   { return "AVG(" + x + ")" }
func (Dialect) NumStdDev(x string) string { return "STDDEV_POP(" + x + ")" }

// NumPower works in double precision (POWER of a numeric is exact but slow
// and grows without bound).
func (Dialect) NumPower(x string, p float64) string {
	return fmt.Sprintf("POWER(CAST(%s AS double precision), %s)", x, strconv.FormatFloat(p, 'f', -1, 64))
}

// NumRound works in numeric (ROUND and TRUNC of a double precision take no
// places), so floats are rounded exactly too and converted back on
// assignment.
func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	f := "ROUND"
	if trunc {
		f = "TRUNC"
	}
	return fmt.Sprintf("%s(CAST(%s AS numeric), %d)", f, x, digits)
}

func (Dialect) DateSubstr(x string, pos, n int) string {
	return fmt.Sprintf("substr(%s, %d, %d)", x, pos, n)
}
func (Dialect) DateLength(x string) string       { return "length(" + x + ")" }
func (Dialect) DateConcat(parts []string) string { return strings.Join(parts, " || ") }

// DateEpoch reads iso as a timestamp without time zone, whose epoch is
// taken as UTC.
func (Dialect) DateEpoch(iso string) string {
	return fmt.Sprintf("CAST(CAST(EXTRACT(EPOCH FROM CAST(%s AS timestamp)) AS bigint) AS text)", iso)
}
