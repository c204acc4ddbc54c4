package sqlgen

// The label table: the ground truth of every applied anomaly
// (planner/truth.Label), kept beside the journal catalog in the journal
// schema so that it outlives the rollback (which drops the journal) and a
// lost state file. One row per applied occurrence: its id (the journal
// id), address, when it was injected, the label as JSON, and when it was
// rolled back (NULL while applied).

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/state"
)

// LabelTable names the label table of journal schema schema.
func LabelTable(d Dialect, schema string) string {
	switch d.Name() {
	case "sqlite":
		return d.Quote(schema + "_labels")
	case "oracle":
		return d.Quote(strings.ToUpper(schema + "_labels"))
	}
	return d.Quote(schema) + "." + d.Quote("labels")
}

// LabelsEnsure creates the label table when it is missing (idempotent).
// The journal schema itself is created by EnsureJournal, which runs first.
func LabelsEnsure(d Dialect, schema string) string {
	t := LabelTable(d, schema)
	switch d.Name() {
	case "mysql":
		return "CREATE TABLE IF NOT EXISTS " + t + " (id VARCHAR(64) PRIMARY KEY, address VARCHAR(512) NOT NULL, injected_at VARCHAR(40) NOT NULL, entry LONGTEXT NOT NULL, reverted_at VARCHAR(40) NULL) ENGINE=InnoDB"
	case "sqlserver":
		lit := "N'" + strings.ReplaceAll(t, "'", "''") + "'"
		return fmt.Sprintf("IF OBJECT_ID(%s, N'U') IS NULL CREATE TABLE %s (id nvarchar(64) NOT NULL PRIMARY KEY, address nvarchar(512) NOT NULL, injected_at nvarchar(40) NOT NULL, entry nvarchar(max) NOT NULL, reverted_at nvarchar(40) NULL)", lit, t)
	case "oracle":
		ddl := "CREATE TABLE " + t + " (id VARCHAR2(64) PRIMARY KEY, address VARCHAR2(512) NOT NULL, injected_at VARCHAR2(40) NOT NULL, entry CLOB NOT NULL, reverted_at VARCHAR2(40))"
		return "BEGIN\n  EXECUTE IMMEDIATE '" + strings.ReplaceAll(ddl, "'", "''") + "';\nEXCEPTION\n  WHEN OTHERS THEN\n    IF SQLCODE != -955 THEN\n      RAISE;\n    END IF;\nEND;"
	}
	return "CREATE TABLE IF NOT EXISTS " + t + " (id TEXT PRIMARY KEY, address TEXT NOT NULL, injected_at TEXT NOT NULL, entry TEXT NOT NULL, reverted_at TEXT)"
}

// LabelInsert records a label (entry: its JSON).
func LabelInsert(d Dialect, schema, id, address string, injectedAt time.Time, entry string) Statement {
	return Statement{
		SQL: fmt.Sprintf("INSERT INTO %s (id, address, injected_at, entry) VALUES (%s, %s, %s, %s)",
			LabelTable(d, schema), d.Placeholder(1), d.Placeholder(2), d.Placeholder(3), d.Placeholder(4)),
		Args: []any{id, address, injectedAt.UTC().Format(time.RFC3339Nano), entry},
	}
}

// LabelRevert marks a label rolled back (entry: its JSON with reverted_at).
func LabelRevert(d Dialect, schema, id string, revertedAt time.Time, entry string) Statement {
	return Statement{
		SQL: fmt.Sprintf("UPDATE %s SET entry = %s, reverted_at = %s WHERE id = %s",
			LabelTable(d, schema), d.Placeholder(1), d.Placeholder(2), d.Placeholder(3)),
		Args: []any{entry, revertedAt.UTC().Format(time.RFC3339Nano), id},
	}
}

// LabelList reads every label of the table, oldest first: id and entry.
func LabelList(d Dialect, schema string) Statement {
	return Statement{SQL: fmt.Sprintf("SELECT id, entry FROM %s ORDER BY injected_at, id", LabelTable(d, schema))}
}

// LabelMetric returns the query that measures metric family family
// (truth.Families) over the rows m may touch (its time range and
// segments), or ok false for a family measured otherwise (freshness,
// shapes, categories, references, schema). The query returns one row;
// Finish turns its columns into the figure:
//
//   - row_count: the rows in the range;
//   - null_share: the share of the range's rows whose column is NULL (or,
//     for a text column, blank);
//   - mean: the mean of the column's finite values;
//   - stddev: their sample standard deviation;
//   - distinct: the distinct values of the column;
//   - uniqueness: the duplicate ratio, 1 − distinct ÷ non-NULL values of
//     the column, or for a table-level anomaly (duplicate_rows) the share
//     of the rows that repeat another row on every column but the key;
//   - category_share, for a change that deletes or copies the rows of a
//     segment (segment_drop, segment_spike): the segment's share of the
//     range's rows (not measured for changes that rewrite a category).
func LabelMetric(d Dialect, m *planner.Mutation, family string) (q Statement, finish func([]float64) float64, ok bool) {
	p, ok := labelParts(d, m, family)
	if !ok {
		return q, nil, false
	}
	a := &args{d: d}
	t := d.Table(m.Table) + " t"
	if len(p.group) > 0 {
		q.SQL = fmt.Sprintf("SELECT COALESCE(SUM(g.n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n FROM %s%s GROUP BY %s) g",
			t, whereOf(p.cond(a)), strings.Join(p.group, ", "))
		return q.withArgs(a), p.finish, true
	}
	aggs := make([]string, len(p.aggs))
	for i, agg := range p.aggs {
		aggs[i] = agg(a)
	}
	q.SQL = fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(aggs, ", "), t, whereOf(p.cond(a)))
	return q.withArgs(a), p.finish, true
}

// LabelFold is a label metric a fingerprint query measures in its own
// scan of the table (LabelMetric's figure, as aggregates with a filter).
type LabelFold struct {
	Mutation *planner.Mutation
	Family   string
}

// labelFiltered renders the aggregates of the label metric of f over
// alias t, each filtered to the metric's rows (FILTER (WHERE …)), with
// arguments added to a in the order of the text; ok false where the
// metric is not a list of aggregates (a table's duplicate ratio groups
// rows) or the dialect has no FILTER clause.
func labelFiltered(d Dialect, f LabelFold, a *args) ([]string, bool) {
	if d.Name() != "postgres" && d.Name() != "sqlite" {
		return nil, false
	}
	p, ok := labelParts(d, f.Mutation, f.Family)
	if !ok || len(p.group) > 0 {
		return nil, false
	}
	var out []string
	for _, render := range p.aggs {
		agg := render(a) // its arguments come before its filter's
		if c := p.cond(a); c != "" {
			agg += " FILTER (WHERE " + c + ")"
		}
		out = append(out, agg)
	}
	return out, true
}

// LabelsTogether returns one query that measures the label metrics of
// folds (all on the same table) in one scan: each metric's aggregates,
// filtered to its rows, in the order given, with the number of columns of
// each; ok false where one of them cannot be measured so (labelFiltered).
// Each metric's figures are the ones its own query (LabelMetric) reads.
func LabelsTogether(d Dialect, folds ...LabelFold) (q Statement, cols []int, ok bool) {
	if len(folds) == 0 {
		return q, nil, false
	}
	a := &args{d: d}
	var all []string
	for _, f := range folds {
		if f.Mutation.Table != folds[0].Mutation.Table {
			return q, nil, false
		}
		aggs, ok := labelFiltered(d, f, a)
		if !ok {
			return q, nil, false
		}
		all = append(all, aggs...)
		cols = append(cols, len(aggs))
	}
	q.SQL = fmt.Sprintf("SELECT %s FROM %s t", strings.Join(all, ", "), d.Table(folds[0].Mutation.Table))
	return q.withArgs(a), cols, true
}

// whereOf is " WHERE cond", or "" without a condition.
func whereOf(cond string) string {
	if cond == "" {
		return ""
	}
	return " WHERE " + cond
}

// metricParts is a label metric as what it computes over the rows that
// match cond: aggregates (each rendered with its arguments), or, with
// group set, the duplicate ratio of those columns' groups; finish turns
// the figures into the metric. Where sums is set, the aggregates are sums
// and counts over the rows, each row adding its own share, so the figures
// of a set of rows are those of its parts added up (LabelDelta); rowCond
// is then the part of cond that looks at the metric's column alone.
type metricParts struct {
	aggs    []func(a *args) string
	cond    func(a *args) string
	group   []string
	finish  func([]float64) float64
	sums    bool
	rowCond string
}

// ratio is a / b, 0 where b is 0 (an empty range: what AVG's NULL read).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// labelParts is LabelMetric's family as metricParts.
func labelParts(d Dialect, m *planner.Mutation, family string) (p metricParts, ok bool) {
	if family == truth.CategoryShare {
		return segmentShare(d, m)
	}
	// conds renders the window's conditions and extra ones.
	conds := func(extra ...string) func(a *args) string {
		return func(a *args) string {
			var all []string
			if w := window(d, m.Where, "t", a); w != "" {
				all = append(all, w)
			}
			return strings.Join(append(all, extra...), " AND ")
		}
	}
	fixed := func(aggs ...string) []func(*args) string {
		out := make([]func(*args) string, len(aggs))
		for i, agg := range aggs {
			out[i] = func(*args) string { return agg }
		}
		return out
	}
	first := func(v []float64) float64 { return v[0] }
	var col string
	if m.Column != nil {
		col = "t." + d.Quote(m.Column.Name)
	}
	switch family {
	case truth.RowCount:
		return metricParts{aggs: fixed("COUNT(*)"), cond: conds(), finish: first, sums: true}, true
	case truth.NullShare:
		if m.Column == nil {
			return p, false
		}
		blank := col + " IS NULL"
		if m.Column.Class == planner.ClassText {
			blank += " OR LTRIM(RTRIM(" + col + ")) = ''"
		}
		return metricParts{aggs: fixed(fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END)", blank), "COUNT(*)"), cond: conds(),
			finish: func(v []float64) float64 { return ratio(v[0], v[1]) }, sums: true}, true
	case truth.Mean, truth.Stddev:
		if m.Column == nil || !m.Column.Class.Numeric() {
			return p, false
		}
		var extra []string
		f := finite(d, "t", m.Column)
		if f != "" {
			extra = append(extra, f)
		}
		fcol := col
		if sd, isSD := d.(StatsDialect); isSD {
			fcol = sd.Float(col)
		}
		if family == truth.Mean {
			return metricParts{aggs: fixed(fmt.Sprintf("SUM(%s)", fcol), fmt.Sprintf("COUNT(%s)", col)), cond: conds(extra...),
				finish: func(v []float64) float64 { return ratio(v[0], v[1]) }, sums: true, rowCond: f}, true
		}
		return metricParts{aggs: fixed(fmt.Sprintf("SUM(%s)", fcol), fmt.Sprintf("SUM(%s * %s)", fcol, fcol), fmt.Sprintf("COUNT(%s)", col)), cond: conds(extra...),
			finish: func(v []float64) float64 {
				n := v[2]
				if n < 2 {
					return 0
				}
				mean, sq := v[0]/n, v[1]/n
				x := (sq - mean*mean) * n / (n - 1)
				if x < 0 {
					x = 0
				}
				return math.Sqrt(x)
			}, sums: true, rowCond: f}, true
	case truth.Distinct:
		if m.Column == nil {
			return p, false
		}
		return metricParts{aggs: fixed(fmt.Sprintf("COUNT(DISTINCT %s)", col)), cond: conds(), finish: first}, true
	case truth.Uniqueness:
		if m.Column != nil {
			return metricParts{aggs: fixed(fmt.Sprintf("COUNT(DISTINCT %s)", col), fmt.Sprintf("COUNT(%s)", col)), cond: conds(),
				finish: func(v []float64) float64 {
					if v[1] == 0 {
						return 0
					}
					return 1 - v[0]/v[1]
				}}, true
		}
		key := map[string]bool{}
		for _, k := range m.Key {
			key[k.Name] = true
		}
		if m.FreshKey != nil {
			key[m.FreshKey.Name] = true
		}
		var group []string
		sd, isSD := d.(StatsDialect)
		for _, c := range m.Columns {
			if key[c.Name] || (isSD && !Comparable(sd, c)) {
				continue
			}
			group = append(group, "t."+d.Quote(c.Name))
		}
		if len(group) == 0 {
			return p, false
		}
		return metricParts{group: group, cond: conds(), finish: func(v []float64) float64 {
			if v[0] == 0 {
				return 0
			}
			return (v[0] - v[1]) / v[0]
		}}, true
	}
	return p, false
}

// LabelDelta returns the query that reads, from the journal jt of change
// m, how m moved the figures of the label metric family (LabelMetric's
// columns), which added to the figures before the change give those
// after it without reading the table again, where the metric adds up its
// rows (row count, null share, mean, standard deviation, a segment's
// share of the rows). For a change
// that updates one column, which rows the metric counts must not depend
// on that column (neither the time column nor a segment's): every
// journaled row is then in the metric's range (the change chose it there)
// before and after, it is the only kind of row whose figures changed, and
// the move is the figures over the journal's new values minus those over
// its old ones. For a delete, the journal's rows are the deleted rows,
// whole: the move is their figures in the metric's range, taken away; for
// an insert of copies, the journal's rows are the rows inserted: their
// figures, added. unchanged is true where the change cannot move
// the figures at all (a row count, or a metric of another column): there
// is no query. ok is false otherwise, and where the journal might not hold
// what the table does (triggers that may rewrite the rows).
func LabelDelta(d Dialect, m *planner.Mutation, family, jt string) (q Statement, unchanged, ok bool) {
	a := &args{d: d}
	q.SQL, _, unchanged, ok = labelDelta(d, m, family, jt, a)
	return q.withArgs(a), unchanged, ok
}

// labelDelta is LabelDelta's query over jt, a journal table or a
// statement's own rows under the journal's column names, its arguments
// added to a; cols is how many figures it reads.
func labelDelta(d Dialect, m *planner.Mutation, family, jt string, a *args) (q string, cols int, unchanged, ok bool) {
	switch d.Name() {
	case "postgres", "mysql", "sqlite":
	default:
		return "", 0, false, false // no live test here: the table is read again
	}
	if m.TriggersMayRewrite {
		return "", 0, false, false
	}
	switch m.Op {
	case planner.OpDelete:
		return deleteDelta(d, m, family, jt, a)
	case planner.OpInsert:
		return insertDelta(d, m, family, jt, a)
	}
	if m.Op != planner.OpUpdate || m.Column == nil || m.With != nil {
		return "", 0, false, false
	}
	moved := m.Column.Name
	if tc := m.Where.TimeColumn; tc != nil && tc.Name == moved {
		return "", 0, false, false
	}
	for _, f := range m.Where.Segments {
		if f.Column.Name == moved {
			return "", 0, false, false
		}
	}
	p, ok := labelParts(d, m, family)
	if !ok || !p.sums {
		return "", 0, false, false
	}
	if family == truth.RowCount {
		return "", 0, true, true
	}
	side := func(journalCol, alias string) string {
		aggs := make([]string, len(p.aggs))
		for i, agg := range p.aggs {
			aggs[i] = fmt.Sprintf("%s AS %s%d", agg(a), alias, i)
		}
		return fmt.Sprintf("(SELECT %s FROM (SELECT j.%s AS %s FROM %s j) t%s) %s",
			strings.Join(aggs, ", "), d.Quote(journalCol), d.Quote(moved), jt, whereOf(p.rowCond), alias)
	}
	after := side(AfterCol, "n")
	before := side(BeforeCol, "o")
	sel := make([]string, len(p.aggs))
	for i := range p.aggs {
		sel[i] = fmt.Sprintf("COALESCE(n.n%d, 0) - COALESCE(o.o%d, 0)", i, i) // a SUM of no row is NULL
	}
	return fmt.Sprintf("SELECT %s FROM %s, %s", strings.Join(sel, ", "), after, before), len(sel), false, true
}

// deleteDelta is LabelDelta for a delete, whose journal holds every row
// it deleted, whole and under the table's column names: the metric's
// figures over the journal's rows in the metric's range, taken away.
func deleteDelta(d Dialect, m *planner.Mutation, family, jt string, a *args) (q string, cols int, unchanged, ok bool) {
	return journalRowsDelta(d, m, family, jt, "0 - ", a)
}

// insertDelta is LabelDelta for an insert of copies, whose journal holds
// every row it inserted, as inserted (applyInsert), under the table's
// column names: the metric's figures over the journal's rows in the
// metric's range, added. A generated column among those the range reads
// (the time column, a segment's) is not in the journal as the table
// computes it: ok is false then.
func insertDelta(d Dialect, m *planner.Mutation, family, jt string, a *args) (q string, cols int, unchanged, ok bool) {
	if tc := m.Where.TimeColumn; tc != nil && tc.Generated {
		return "", 0, false, false
	}
	for _, f := range m.Where.Segments {
		if f.Column.Generated {
			return "", 0, false, false
		}
	}
	return journalRowsDelta(d, m, family, jt, "", a)
}

// journalRowsDelta reads the metric's figures over the rows of journal
// jt in the metric's range, each prefixed by sign ("0 - ": taken away).
func journalRowsDelta(d Dialect, m *planner.Mutation, family, jt, sign string, a *args) (q string, cols int, unchanged, ok bool) {
	p, ok := labelParts(d, m, family)
	if !ok || !p.sums {
		return "", 0, false, false
	}
	sel := make([]string, len(p.aggs))
	for i, agg := range p.aggs {
		sel[i] = fmt.Sprintf("%sCOALESCE(%s, 0)", sign, agg(a)) // a SUM of no row is NULL
	}
	return fmt.Sprintf("SELECT %s FROM %s t%s", strings.Join(sel, ", "), jt, whereOf(p.cond(a))), len(sel), false, true
}

// segmentShare is labelParts' category_share: the share of the time
// range's rows that match m's segments, for a change that deletes or
// copies them. The segment conditions come first in the SQL, so their
// arguments do too (positional placeholders).
func segmentShare(d Dialect, m *planner.Mutation) (p metricParts, ok bool) {
	if len(m.Where.Segments) == 0 || (m.Op != planner.OpDelete && m.Op != planner.OpInsert) {
		return p, false
	}
	return metricParts{
		aggs: []func(a *args) string{func(a *args) string {
			var seg []string
			for _, f := range m.Where.Segments {
				seg = append(seg, filterIn(d, f, "t", a))
			}
			return fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END)", strings.Join(seg, " AND "))
		}, func(*args) string { return "COUNT(*)" }},
		cond:   func(a *args) string { return timeWindow(d, m.Where, "t", a) },
		finish: func(v []float64) float64 { return ratio(v[0], v[1]) },
		sums:   true,
	}, true
}

func (s Statement) withArgs(a *args) Statement {
	s.Args = a.vals
	return s
}

// LabelRows returns the query that lists the row-level truth of an applied
// anomaly from its journal j, joined with the table where the table holds
// the injected value: the key columns, then the original value and the
// value in the table now (update journals); the key columns only for
// deleted or inserted rows (delete and insert journals). The journal is
// dropped at rollback, so this works while the anomaly is applied.
func LabelRows(d Dialect, j state.Journal) Statement {
	jt := d.JournalTable(j.Schema, j.ID)
	t := d.Table(planner.TableName{Schema: j.TableSchema, Name: j.Table})
	keys := make([]string, len(j.Key))
	for i, k := range j.Key {
		keys[i] = "j." + d.Quote(k)
	}
	order := " ORDER BY " + strings.Join(keys, ", ")
	if j.Op == string(planner.OpUpdate) && j.Column != "" {
		return Statement{SQL: fmt.Sprintf("SELECT %s, j.%s, t.%s FROM %s j LEFT JOIN %s t ON %s%s",
			strings.Join(keys, ", "), d.Quote(BeforeCol), d.Quote(j.Column), jt, t, keyJoin(d, j.Key, "j", "t"), order)}
	}
	return Statement{SQL: fmt.Sprintf("SELECT %s FROM %s j%s", strings.Join(keys, ", "), jt, order)}
}
