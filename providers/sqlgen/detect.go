package sqlgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
)

// The queries of anomgen detect, the reference monitor. Every figure is an
// aggregate computed by the database (GROUP BY the bucket of the time
// column); no query returns a table's rows.

// HourDialect is implemented by a Dialect that can bucket a time column by
// hour (anomgen detect -grain hour).
type HourDialect interface {
	// Hour returns the start of the UTC hour of time column expression
	// col, as a timestamp or as text starting with YYYY-MM-DD HH (a 'T'
	// in place of the space is fine). f is the column's storage format.
	Hour(col string, f planner.TimeFormat) string
}

// Translator is implemented by a Dialect with a TRANSLATE(expr, from, to)
// function (one character of from becomes the character of to at the same
// place); the others get nested REPLACEs.
type Translator interface {
	Translate(expr, from, to string) string
}

// Shaper is implemented by a Dialect with a shape function of its own (the
// SQLite provider registers one written in Go): ShapeExpr then calls it
// instead of nesting 80 REPLACEs, which cost SQLite most of a detect run.
type Shaper interface {
	Shape(expr string) string
}

// DetectSpec says what the bucketed query measures.
type DetectSpec struct {
	TimeColumn string
	// Grain is "day" or "hour".
	Grain string
	// Before excludes rows at or after it (the current, incomplete
	// bucket); zero: no bound.
	Before time.Time
	// Shapes maps a text column to its commonest shape: the query counts
	// the values of that shape per bucket.
	Shapes map[string]string
}

// DetectField says what one column of the bucketed query holds: Measure
// is bucket, rows, max_time, non_null, empty, mean, stddev, mean_sq,
// distinct or shape.
type DetectField struct {
	Column  string
	Measure string
}

// DetectQuery is a statement with its arguments and the meaning of its
// result columns.
type DetectQuery struct {
	SQL    string
	Args   []any
	Fields []DetectField
}

// DetectBucket renders the bucket expression of the time column.
func DetectBucket(d Dialect, p *planner.TableProfile, s DetectSpec) (string, error) {
	col := d.Quote(s.TimeColumn)
	switch s.Grain {
	case "", "day":
		return d.Day(col, p.TimeFormat), nil
	case "hour":
		h, ok := d.(HourDialect)
		if !ok {
			return "", fmt.Errorf("-grain hour is not supported on %s (use -grain day)", d.Name())
		}
		return h.Hour(col, p.TimeFormat), nil
	}
	return "", fmt.Errorf("-grain %q: use day or hour", s.Grain)
}

// detectWhere is the time column not NULL and before s.Before.
func detectWhere(d Dialect, p *planner.TableProfile, s DetectSpec, a *args) string {
	col := d.Quote(s.TimeColumn)
	conds := []string{col + " IS NOT NULL"}
	if !s.Before.IsZero() {
		conds = append(conds, col+" < "+a.add(d.TimeArg(s.Before, p.TimeFormat)))
	}
	return whereClause(conds)
}

// shapeLetters are the characters a shape maps: lower case letters to a,
// upper case to A, digits to 9; everything else is kept.
const (
	shapeLower = "abcdefghijklmnopqrstuvwxyz"
	shapeUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	shapeDigit = "0123456789"
)

// ShapeExpr renders the shape of text expression expr: lower case letters
// become a, upper case A, digits 9, other characters stay, and runs of a,
// A or 9 collapse to one (up to 64 long), so that "user123@example.com"
// and "bo7@mail.org" are both a9@a.a. Shape (Go) computes the same for a
// string; detect_test checks them against each other.
func ShapeExpr(d Dialect, expr string) string {
	if sh, ok := d.(Shaper); ok {
		return sh.Shape(expr)
	}
	from := shapeLower + shapeUpper + shapeDigit
	to := strings.Repeat("a", 26) + strings.Repeat("A", 26) + strings.Repeat("9", 10)
	var s string
	if t, ok := d.(Translator); ok {
		s = t.Translate(expr, "'"+from+"'", "'"+to+"'")
	} else {
		s = expr
		for i := range from {
			s = "REPLACE(" + s + ", '" + from[i:i+1] + "', '" + to[i:i+1] + "')"
		}
	}
	for _, c := range []string{"a", "A", "9"} {
		for i := 0; i < 6; i++ { // 2^6 = 64
			s = "REPLACE(" + s + ", '" + c + c + "', '" + c + "')"
		}
	}
	return s
}

// Shape is ShapeExpr in Go: a run of L letters (or digits) of one class
// becomes ceil(L/64) of its symbol, as six halvings leave it.
func Shape(v string) string {
	var b strings.Builder
	var run byte
	n := 0
	flush := func() {
		for i := 0; i < (n+63)/64; i++ {
			b.WriteByte(run)
		}
		run, n = 0, 0
	}
	for _, r := range v {
		var c byte
		switch {
		case r >= 'a' && r <= 'z':
			c = 'a'
		case r >= 'A' && r <= 'Z':
			c = 'A'
		case r >= '0' && r <= '9':
			c = '9'
		default:
			flush()
			b.WriteRune(r)
			continue
		}
		if c != run {
			flush()
			run = c
		}
		n++
	}
	flush()
	return b.String()
}

// detectText reports whether column c is text that detect measures the
// empty share, shape and categories of.
func detectText(d Dialect, c planner.Column) bool {
	return c.Class == planner.ClassText && Comparable(d, c)
}

// DetectMetrics renders the bucketed aggregate pass: per bucket the row
// count and the latest time; per column its non-NULL count, and for text
// its blank count (empty or whitespace only) and the count of its commonest shape,
// for numbers the mean and standard deviation (or mean of squares), and
// for comparable columns other than floats the distinct count.
func DetectMetrics(d Dialect, p *planner.TableProfile, s DetectSpec) (DetectQuery, error) {
	bucket, err := DetectBucket(d, p, s)
	if err != nil {
		return DetectQuery{}, err
	}
	a := &args{d: d}
	q := DetectQuery{}
	var sel []string
	add := func(col, measure, expr string) {
		sel = append(sel, expr)
		q.Fields = append(q.Fields, DetectField{Column: col, Measure: measure})
	}
	cnt := count(d)
	tc := d.Quote(s.TimeColumn)
	add("", "bucket", bucket)
	add("", "rows", cnt+"(*)")
	add(s.TimeColumn, "max_time", "MAX("+tc+")")
	for _, c := range p.Columns {
		if c.Name == s.TimeColumn {
			continue
		}
		col := d.Quote(c.Name)
		add(c.Name, "non_null", cnt+"("+col+")")
		key := len(p.PrimaryKey) == 1 && p.PrimaryKey[0] == c.Name
		switch {
		case c.Class.Numeric() && key:
			// A key's mean and spread follow time; its distinct count
			// (below) gives its duplicate ratio.
		case c.Class.Numeric():
			if nf := nonFinite(d, col, c); nf != "" {
				col = "CASE WHEN NOT " + nf + " THEN " + col + " END"
			}
			f := d.Float(col)
			add(c.Name, "mean", "AVG("+f+")")
			if sd := d.Stddev(f); sd != "" {
				add(c.Name, "stddev", sd)
			} else {
				add(c.Name, "mean_sq", "AVG("+f+" * "+f+")")
			}
		case detectText(d, c):
			add(c.Name, "empty", cnt+"(CASE WHEN LTRIM(RTRIM("+col+")) = '' THEN 1 END)")
			if shape, ok := s.Shapes[c.Name]; ok {
				add(c.Name, "shape", cnt+"(CASE WHEN "+ShapeExpr(d, col)+" = "+a.add(shape)+" THEN 1 END)")
			}
		}
		if Comparable(d, c) && c.Class != planner.ClassFloat {
			add(c.Name, "distinct", cnt+"(DISTINCT "+col+")")
		}
	}
	q.SQL = fmt.Sprintf("SELECT %s FROM %s%s GROUP BY %s ORDER BY 1", strings.Join(sel, ", "), d.Table(p.Table), detectWhere(d, p, s, a), bucket)
	q.Args = a.vals
	return q, nil
}

// DetectTopShape renders the commonest shape of text column column (over
// the rows before s.Before) and its count: one row, or none.
func DetectTopShape(d Dialect, p *planner.TableProfile, column string, s DetectSpec) DetectQuery {
	a := &args{d: d}
	col := d.Quote(column)
	shape := ShapeExpr(d, col)
	w := detectWhere(d, p, s, a) + " AND " + col + " IS NOT NULL"
	sql := d.Limit(fmt.Sprintf("SELECT %s, %s(*) FROM %s%s GROUP BY %s ORDER BY 2 DESC, 1", shape, count(d), d.Table(p.Table), w, shape), 1)
	return DetectQuery{SQL: sql, Args: a.vals}
}

// DetectDistinct renders the whole-table distinct count of each column
// (one row, in the order given), to find the low-cardinality ones.
func DetectDistinct(d Dialect, p *planner.TableProfile, columns []string, s DetectSpec) DetectQuery {
	a := &args{d: d}
	var sel []string
	for _, c := range columns {
		sel = append(sel, count(d)+"(DISTINCT "+d.Quote(c)+")")
	}
	return DetectQuery{SQL: fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), d.Table(p.Table), detectWhere(d, p, s, a)), Args: a.vals}
}

// DetectCategories renders the row count of each bucket and value of
// column (NULL included): buckets × distinct values rows, for a
// low-cardinality column.
func DetectCategories(d Dialect, p *planner.TableProfile, column string, s DetectSpec) (DetectQuery, error) {
	bucket, err := DetectBucket(d, p, s)
	if err != nil {
		return DetectQuery{}, err
	}
	a := &args{d: d}
	col := d.Quote(column)
	return DetectQuery{SQL: fmt.Sprintf("SELECT %s, %s, %s(*) FROM %s%s GROUP BY %s, %s ORDER BY 1, 2", bucket, col, count(d), d.Table(p.Table), detectWhere(d, p, s, a), bucket, col), Args: a.vals}, nil
}

// DetectFuture renders the count of rows whose time column lies after now
// (rows dated in the future), and their latest time.
func DetectFuture(d Dialect, p *planner.TableProfile, timeColumn string, now time.Time) DetectQuery {
	a := &args{d: d}
	col := d.Quote(timeColumn)
	return DetectQuery{SQL: fmt.Sprintf("SELECT %s(*), MAX(%s) FROM %s WHERE %s > %s", count(d), col, d.Table(p.Table), col, a.add(d.TimeArg(now, p.TimeFormat))), Args: a.vals}
}
