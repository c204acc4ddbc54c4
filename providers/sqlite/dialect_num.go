package sqlite

import (
	"database/sql/driver"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
	sqlite "modernc.org/sqlite"
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_trunc", 2, truncFunc)
}

// NumFit rounds integers and decimals with anomgen_scale (factor 1), half
// away from zero in exact decimal arithmetic; floats stay as they are.
func (Dialect) NumFit(expr string, c planner.Column) string {
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("anomgen_scale(%s, 1, 0)", expr)
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("anomgen_scale(%s, 1, %s)", expr, m[1])
		}
	}
	return expr
}

func (Dialect) NumMean(x string) string { return "AVG(" + x + ")" }

// NumPower is pow(), one of SQLite's math functions (3.35+, built into
// modernc.org/sqlite), a REAL.
func (Dialect) NumPower(x string, p float64) string {
	return fmt.Sprintf("pow(%s, %s)", x, strconv.FormatFloat(p, 'f', -1, 64))
}

// NumStdDev is the population standard deviation from the moments (SQLite
// has no STDDEV): sqrt(E[x²] − E[x]²), clamped at 0 against rounding.
func (Dialect) NumStdDev(x string) string {
	return fmt.Sprintf("sqrt(MAX(AVG(%s * %s) - AVG(%s) * AVG(%s), 0))", x, x, x, x)
}

// NumRound rounds with anomgen_scale and truncates with anomgen_trunc,
// both in exact decimal arithmetic.
func (Dialect) NumRound(x string, _ planner.Column, digits int, trunc bool) string {
	if trunc {
		return fmt.Sprintf("anomgen_trunc(%s, %d)", x, digits)
	}
	return fmt.Sprintf("anomgen_scale(%s, 1, %d)", x, digits)
}

// truncFunc is anomgen_trunc(value, digits): value cut toward zero to
// digits decimal places in decimal arithmetic; an integer for digits 0.
func truncFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	v, ok1 := decimalOf(args[0])
	digits, ok2 := args[1].(int64)
	if !ok1 || !ok2 || digits < 0 {
		return nil, fmt.Errorf("anomgen_trunc: cannot truncate %v to %v digits", args[0], args[1])
	}
	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(digits), nil)
	x := new(big.Rat).Mul(v, new(big.Rat).SetInt(unit))
	q := new(big.Int).Quo(x.Num(), x.Denom()) // toward zero
	if digits == 0 && q.IsInt64() {
		return q.Int64(), nil
	}
	r, _ := new(big.Rat).SetFrac(q, unit).Float64()
	return r, nil
}

func (Dialect) DateSubstr(x string, pos, n int) string {
	return fmt.Sprintf("substr(%s, %d, %d)", x, pos, n)
}
func (Dialect) DateLength(x string) string       { return "length(" + x + ")" }
func (Dialect) DateConcat(parts []string) string { return strings.Join(parts, " || ") }
func (Dialect) DateEpoch(iso string) string      { return fmt.Sprintf("strftime('%%s', %s)", iso) }
