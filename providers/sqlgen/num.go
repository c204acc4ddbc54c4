package sqlgen

// Numeric data-quality expressions (planner/ir_num.go): Offset, Outlier,
// Spread, RoundTo and Negate. Window statistics are scalar subqueries over
// the same table (alias w) restricted to the mutation's window, read
// before the change: the expressions are evaluated in the journal's
// INSERT ... SELECT, and the UPDATE copies the journaled values.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// NumDialect is what the numeric quality kinds (outliers, variance_change,
// precision_loss, numeric_shift with offset) need from a database beyond
// Dialect. sqlgen finds it by type assertion; a dialect without it refuses
// these expressions with an error. Implementations return SQL text only.
type NumDialect interface {
	// NumFit converts numeric expression expr to the type of column c:
	// integers rounded half away from zero, decimals to their scale,
	// floats as they are. The result is assigned to a column of c's type.
	NumFit(expr string, c planner.Column) string
	// NumMean and NumStdDev are aggregates over numeric expression x: its
	// mean and its population standard deviation (NULLs ignored).
	NumMean(x string) string
	NumStdDev(x string) string
	// NumRound rounds numeric expression x of column c half away from zero
	// to digits (>= 0) decimal places, or with trunc cuts it toward zero.
	NumRound(x string, c planner.Column, digits int, trunc bool) string
	// NumPower raises numeric expression x (never negative where it is
	// used) to the power p (> 1), in floating point; the result is a
	// number that NumFit and arithmetic with NumMean take.
	NumPower(x string, p float64) string
}

// numLit renders a number as an exact SQL decimal literal, parenthesised
// when negative.
func numLit(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if f < 0 {
		return "(" + s + ")"
	}
	return s
}

// windowAgg is a scalar subquery of aggregate agg (over w's column) on the
// rows of m's window.
func windowAgg(d Dialect, m *planner.Mutation, agg string, a *args) string {
	sql := fmt.Sprintf("(SELECT %s FROM %s w", agg, d.Table(m.Table))
	conds := []string{}
	if w := window(d, m.Where, "w", a); w != "" {
		conds = append(conds, w)
	}
	if f := finite(d, "w", m.Column); f != "" { // unchanged.go: NaN and ±Infinity left out
		conds = append(conds, f)
	}
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	return sql + ")"
}

// tableMin is a scalar subquery of the column's minimum over the whole
// table: below 0 when it holds a negative value anywhere (a signed column),
// where Outlier and Spread with KeepSign keep their linear forms.
func tableMin(d Dialect, m *planner.Mutation) string {
	return fmt.Sprintf("(SELECT MIN(w.%s) FROM %s w)", d.Quote(m.Column.Name), d.Table(m.Table))
}

// numSet renders the numeric expressions; ok is false for any other.
func numSet(d Dialect, m *planner.Mutation, a *args) (string, bool, error) {
	col := "t." + d.Quote(m.Column.Name)
	wcol := "w." + d.Quote(m.Column.Name)
	nd := d
	switch e := m.Set.(type) {
	case planner.Negate:
		return fmt.Sprintf("CASE WHEN %s > 0 THEN -%s ELSE %s END", col, col, col), true, nil
	case planner.Offset:
		return nd.NumFit(fmt.Sprintf("%s + %s", col, numLit(e.Add)), *m.Column), true, nil
	case planner.Spread:
		// mean + (x - mean) * f = x * f + mean * (1 - f): one subquery.
		linear := func() string {
			mean := windowAgg(d, m, nd.NumMean(wcol), a)
			return nd.NumFit(fmt.Sprintf("%s * %s + %s * %s", col, numLit(e.Factor), mean, numLit(1-e.Factor)), *m.Column)
		}
		if !e.KeepSign || e.Factor <= 1 {
			return linear(), true, nil
		}
		// Arguments in text order. A column with a negative value anywhere
		// keeps the linear form; otherwise x^f · mean / mean(x^f), zeros
		// left as they are (ABS only guards POWER in the branch not taken).
		sql := fmt.Sprintf("CASE WHEN %s < 0 THEN %s", tableMin(d, m), linear())
		mean := windowAgg(d, m, nd.NumMean(wcol), a)
		pmean := windowAgg(d, m, nd.NumMean(nd.NumPower("ABS("+wcol+")", e.Factor)), a)
		power := nd.NumFit(fmt.Sprintf("%s * %s / %s", nd.NumPower(col, e.Factor), mean, pmean), *m.Column)
		return fmt.Sprintf("%s WHEN %s <= 0 THEN %s ELSE %s END", sql, col, col, power), true, nil
	case planner.Outlier:
		if !e.KeepSign {
			// Arguments in text order: mean, sign, standard deviation.
			mean := windowAgg(d, m, nd.NumMean(wcol), a)
			sign := fmt.Sprintf("CASE WHEN %s < 2147483648 THEN 1 ELSE -1 END", d.Hash(a.add(fmt.Sprintf("%d:sign", m.Where.Seed)), qualify(d, "t", m.Key)))
			sd := windowAgg(d, m, nd.NumStdDev(wcol), a)
			return nd.NumFit(fmt.Sprintf("%s + (%s) * %s * %s", mean, sign, numLit(e.K), sd), *m.Column), true, nil
		}
		// Arguments in text order: sign, then the statistics of each branch.
		// High: mean + k·σ. Low: mean − k·σ on a column with a negative
		// value anywhere, otherwise mean² / (mean + k·σ), which stays at or
		// above zero (0 for an all-zero window).
		sign := d.Hash(a.add(fmt.Sprintf("%d:sign", m.Where.Seed)), qualify(d, "t", m.Key))
		k := numLit(e.K)
		high := nd.NumFit(fmt.Sprintf("%s + %s * %s", windowAgg(d, m, nd.NumMean(wcol), a), k, windowAgg(d, m, nd.NumStdDev(wcol), a)), *m.Column)
		low := nd.NumFit(fmt.Sprintf("%s - %s * %s", windowAgg(d, m, nd.NumMean(wcol), a), k, windowAgg(d, m, nd.NumStdDev(wcol), a)), *m.Column)
		m1 := windowAgg(d, m, nd.NumMean(wcol), a)
		m2 := windowAgg(d, m, nd.NumMean(wcol), a)
		m3 := windowAgg(d, m, nd.NumMean(wcol), a)
		sd := windowAgg(d, m, nd.NumStdDev(wcol), a)
		mirror := nd.NumFit(fmt.Sprintf("COALESCE(%s * %s / NULLIF(%s + %s * %s, 0), 0)", m1, m2, m3, k, sd), *m.Column)
		return fmt.Sprintf("CASE WHEN %s < 2147483648 THEN %s WHEN %s < 0 THEN %s ELSE %s END", sign, high, tableMin(d, m), low, mirror), true, nil
	case planner.RoundTo:
		return nd.NumRound(col, *m.Column, e.Digits, e.Truncate), true, nil
	case planner.DateRelayout:
		set, err := relayout(d, m, e) // num_date.go
		return set, true, err
	case planner.Orphan:
		if e.Suffix != "" {
			return d.TextSuffix(col, "'"+strings.ReplaceAll(e.Suffix, "'", "''")+"'"), true, nil
		}
		// The maximum over the whole table, not the window: past every
		// reference the table holds.
		top := fmt.Sprintf("(SELECT MAX(w.%s) FROM %s w)", d.Quote(m.Column.Name), d.Table(m.Table))
		return fmt.Sprintf("%s + %s + %d", col, top, e.Offset), true, nil
	}
	return "", false, nil
}

// numMetric is the dry-run metric of the numeric expressions over alias t:
// the mean for Offset and Negate, the standard deviation for Outlier and
// Spread, the share of values with more than Digits places for RoundTo,
// the maximum for Orphan (integers) and the distinct count otherwise.
func numMetric(d Dialect, m *planner.Mutation) (string, string, bool) {
	if m.Column == nil {
		return "", "", false
	}
	col := "t." + d.Quote(m.Column.Name)
	switch e := m.Set.(type) {
	case planner.Offset, planner.Negate:
		return fmt.Sprintf("AVG(%s)", col), "mean of " + m.Column.Name, true
	case planner.Outlier, planner.Spread:
		return d.NumStdDev(col), "standard deviation of " + m.Column.Name, true
	case planner.RoundTo:
		return fmt.Sprintf("AVG(CASE WHEN %s <> %s THEN 1.0 ELSE 0.0 END)", col, d.NumRound(col, *m.Column, e.Digits, false)),
			fmt.Sprintf("share of %s with more than %d decimal places", m.Column.Name, e.Digits), true
	case planner.Orphan:
		if e.Suffix == "" {
			return fmt.Sprintf("MAX(%s)", col), "maximum of " + m.Column.Name, true
		}
		return fmt.Sprintf("COUNT(DISTINCT %s)", col), "distinct values of " + m.Column.Name, true
	}
	return "", "", false
}
