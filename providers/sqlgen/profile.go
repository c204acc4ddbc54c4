package sqlgen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// StatsDialect is implemented by a Dialect whose database can be profiled
// (anomgen profile): the pieces of the statistics queries that differ.
type StatsDialect interface {
	// Day returns the calendar day of time column expression col as a
	// value the driver returns as a date or as text starting with
	// YYYY-MM-DD. f is the column's storage format (SQLite).
	Day(col string, f planner.TimeFormat) string
	// TableSample returns what follows the table in FROM to read about pct
	// percent of it (TABLESAMPLE SYSTEM (pct)), or "" where the database
	// has no such clause; a hash of the key then picks the rows.
	TableSample(pct float64) string
	// Length is the length in characters of text expression expr.
	Length(expr string) string
	// Float converts numeric expression expr to a double.
	Float(expr string) string
	// Stddev is the sample standard deviation aggregate of a double
	// expression, or "" where there is none (it is then computed from the
	// mean of squares).
	Stddev(expr string) string
	// Limit returns query (a SELECT with ORDER BY, or without) limited to
	// its first n rows.
	Limit(query string, n int) string
}

// StatsBigCounter is implemented by a StatsDialect whose COUNT returns a
// 32-bit integer (SQL Server): BigCount names the 64-bit aggregate.
type StatsBigCounter interface {
	BigCount() string
}

func count(sd StatsDialect) string {
	if bc, ok := sd.(StatsBigCounter); ok {
		return bc.BigCount()
	}
	return "COUNT"
}

// StatsField says what one column of the statistics query holds.
type StatsField struct {
	// Column is the table column, or "" for the row count.
	Column string
	// Measure is one of: rows, non_null, distinct, min, max, mean,
	// stddev, mean_sq, min_len, max_len, non_finite.
	Measure string
}

// StatsQuery is the single aggregate pass over the table.
type StatsQuery struct {
	SQL    string
	Fields []StatsField
}

// StatsComparer may be implemented by a StatsDialect whose database
// cannot compare some columns of a comparable class (Oracle's CLOBs).
type StatsComparer interface {
	Comparable(c planner.Column) bool
}

// Comparable reports whether COUNT(DISTINCT) and GROUP BY work on the
// column: never for the class other, and as the dialect says.
func Comparable(sd StatsDialect, c planner.Column) bool {
	if c.Class == planner.ClassOther {
		return false
	}
	if sc, ok := sd.(StatsComparer); ok {
		return sc.Comparable(c)
	}
	return true
}

// statsFrom renders FROM table with the sample clause, and the sample's
// WHERE condition where the dialect has no TABLESAMPLE.
func statsFrom(d Dialect, p *planner.TableProfile, o planner.StatsOptions) (from string, conds []string) {
	from = d.Table(p.Table)
	if !o.Sampled() {
		return from, nil
	}
	if s := d.TableSample(o.SamplePercent); s != "" {
		return from + " " + s, nil
	}
	keys := p.PrimaryKey
	if len(keys) == 0 {
		for _, c := range p.Columns {
			if Comparable(d, c) {
				keys = append(keys, c.Name)
			}
		}
	}
	threshold := int64(o.SamplePercent / 100 * (1 << 32))
	return from, []string{fmt.Sprintf("%s < %d", d.Hash("'profile'", quoteAll(d, keys)), threshold)}
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// ProfileStats renders the aggregate pass: the row count and, per column,
// its non-NULL count, distinct count, and min, max, mean and standard
// deviation (numbers), min and max (times, and timeColumn whatever its
// type) or length range (text).
func ProfileStats(d Dialect, p *planner.TableProfile, timeColumn string, o planner.StatsOptions) StatsQuery {
	from, conds := statsFrom(d, p, o)
	q := StatsQuery{}
	var sel []string
	add := func(col, measure, expr string) {
		sel = append(sel, expr)
		q.Fields = append(q.Fields, StatsField{Column: col, Measure: measure})
	}
	cnt := count(d)
	add("", "rows", cnt+"(*)")
	for _, c := range p.Columns {
		col := d.Quote(c.Name)
		add(c.Name, "non_null", cnt+"("+col+")")
		if Comparable(d, c) {
			add(c.Name, "distinct", cnt+"(DISTINCT "+col+")")
		}
		switch {
		case c.Class.Numeric():
			// NaN and ±Infinity are counted and left out of the
			// figures (unchanged.go).
			if nf := nonFinite(d, col, c); nf != "" {
				add(c.Name, "non_finite", cnt+"(CASE WHEN "+nf+" THEN 1 END)")
				col = "CASE WHEN NOT " + nf + " THEN " + col + " END"
			}
			f := d.Float(col)
			add(c.Name, "min", "MIN("+col+")")
			add(c.Name, "max", "MAX("+col+")")
			add(c.Name, "mean", "AVG("+f+")")
			if s := d.Stddev(f); s != "" {
				add(c.Name, "stddev", s)
			} else {
				add(c.Name, "mean_sq", "AVG("+f+" * "+f+")")
			}
		case c.Class == planner.ClassTime || c.Name == timeColumn:
			add(c.Name, "min", "MIN("+col+")")
			add(c.Name, "max", "MAX("+col+")")
		}
		if c.Class == planner.ClassText && Comparable(d, c) {
			add(c.Name, "min_len", "MIN("+d.Length(col)+")")
			add(c.Name, "max_len", "MAX("+d.Length(col)+")")
		}
	}
	q.SQL = "SELECT " + strings.Join(sel, ", ") + " FROM " + from + whereClause(conds)
	return q
}

// ProfileDaily renders the count of rows per day of the time column.
func ProfileDaily(d Dialect, p *planner.TableProfile, timeColumn string, o planner.StatsOptions) string {
	from, conds := statsFrom(d, p, o)
	day := d.Day(d.Quote(timeColumn), p.TimeFormat)
	conds = append(conds, d.Quote(timeColumn)+" IS NOT NULL")
	return fmt.Sprintf("SELECT %s, %s(*) FROM %s%s GROUP BY %s ORDER BY 1", day, count(d), from, whereClause(conds), day)
}

// ProfileTop renders the commonest n non-NULL values of column with their
// counts, most frequent first.
func ProfileTop(d Dialect, p *planner.TableProfile, column string, n int, o planner.StatsOptions) string {
	from, conds := statsFrom(d, p, o)
	col := d.Quote(column)
	conds = append(conds, col+" IS NOT NULL")
	return d.Limit(fmt.Sprintf("SELECT %s, %s(*) FROM %s%s GROUP BY %s ORDER BY 2 DESC, 1", col, count(d), from, whereClause(conds), col), n)
}

// ProfileValues renders a read of up to n non-NULL values of column (for
// their shapes).
func ProfileValues(d Dialect, p *planner.TableProfile, column string, n int, o planner.StatsOptions) string {
	from, conds := statsFrom(d, p, o)
	col := d.Quote(column)
	conds = append(conds, col+" IS NOT NULL")
	return d.Limit(fmt.Sprintf("SELECT %s FROM %s%s", col, from, whereClause(conds)), n)
}

// Percent renders a sample percentage as SQL number text.
func Percent(pct float64) string { return strconv.FormatFloat(pct, 'f', -1, 64) }
