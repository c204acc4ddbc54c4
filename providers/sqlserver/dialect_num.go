package sqlserver

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// NumFit rounds with ROUND, which rounds halves away from zero for
// decimals: integers to a whole number converted back to their type,
// decimals to their scale, money to 4 places; floats stay as they are.
func (Dialect) NumFit(expr string, c planner.Column) string {
	switch c.Class {
	case planner.ClassInteger:
		typ := "bigint"
		if m := integerType.FindStringSubmatch(c.Type); m != nil {
			typ = strings.ToLower(m[1])
		}
		return fmt.Sprintf("CONVERT(%s, ROUND(%s, 0))", typ, expr)
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s, %s)", expr, m[1])
		}
		if moneyType.MatchString(c.Type) {
			return fmt.Sprintf("ROUND(%s, 4)", expr)
		}
	}
	return expr
}

// NumMean averages in float: AVG of an integer column is an integer in
// SQL Server (truncated), and of a decimal a decimal of the column's scale.
func (Dialect) NumMean(x string) string   { return "AVG(CONVERT(float, " + x + "))" }
func (Dialect) NumStdDev(x string) string { return "STDEVP(" + x + ")" }

// NumPower converts to float first: POWER returns its first argument's
// type, and a decimal(p,s) result would overflow or lose its fraction.
func (Dialect) NumPower(x string, p float64) string {
	return fmt.Sprintf("POWER(CONVERT(float, %s), %s)", x, strconv.FormatFloat(p, 'f', -1, 64))
}

// NumRound uses ROUND's third argument for truncation (toward zero).
func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("ROUND(%s, %d, 1)", x, digits)
	}
	return fmt.Sprintf("ROUND(%s, %d)", x, digits)
}

func (Dialect) DateSubstr(x string, pos, n int) string {
	return fmt.Sprintf("SUBSTRING(%s, %d, %d)", x, pos, n)
}

// DateLength counts trailing spaces too (LEN drops them).
func (Dialect) DateLength(x string) string       { return "(LEN(" + x + " + 'x') - 1)" }
func (Dialect) DateConcat(parts []string) string { return "CONCAT(" + strings.Join(parts, ", ") + ")" }

// DateEpoch converts iso with style 120 (ODBC canonical, yyyy-mm-dd
// hh:mi:ss) and counts seconds from 1970 in bigint.
func (Dialect) DateEpoch(iso string) string {
	return fmt.Sprintf("CONVERT(varchar(20), DATEDIFF_BIG(second, CONVERT(datetime2, '1970-01-01 00:00:00', 120), CONVERT(datetime2, %s, 120)))", iso)
}
