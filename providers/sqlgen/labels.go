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
	if family == truth.CategoryShare {
		return segmentShare(d, m)
	}
	a := &args{d: d}
	var conds []string
	if w := window(d, m.Where, "t", a); w != "" {
		conds = append(conds, w)
	}
	where := func(extra ...string) string {
		all := append(append([]string(nil), conds...), extra...)
		if len(all) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(all, " AND ")
	}
	t := d.Table(m.Table) + " t"
	first := func(v []float64) float64 { return v[0] }
	var col string
	if m.Column != nil {
		col = "t." + d.Quote(m.Column.Name)
	}
	switch family {
	case truth.RowCount:
		q.SQL = "SELECT COUNT(*) FROM " + t + where()
		return q.withArgs(a), first, true
	case truth.NullShare:
		if m.Column == nil {
			return q, nil, false
		}
		blank := col + " IS NULL"
		if m.Column.Class == planner.ClassText {
			blank += " OR LTRIM(RTRIM(" + col + ")) = ''"
		}
		q.SQL = fmt.Sprintf("SELECT AVG(CASE WHEN %s THEN 1.0 ELSE 0.0 END) FROM %s%s", blank, t, where())
		return q.withArgs(a), first, true
	case truth.Mean, truth.Stddev:
		if m.Column == nil || !m.Column.Class.Numeric() {
			return q, nil, false
		}
		var extra []string
		if f := finite(d, "t", m.Column); f != "" {
			extra = append(extra, f)
		}
		sd, isSD := d.(StatsDialect)
		fcol := col
		if isSD {
			fcol = sd.Float(col)
		}
		if family == truth.Mean {
			q.SQL = fmt.Sprintf("SELECT AVG(%s) FROM %s%s", fcol, t, where(extra...))
			return q.withArgs(a), first, true
		}
		q.SQL = fmt.Sprintf("SELECT AVG(%s), AVG(%s * %s), COUNT(%s) FROM %s%s", fcol, fcol, fcol, col, t, where(extra...))
		return q.withArgs(a), func(v []float64) float64 {
			mean, sq, n := v[0], v[1], v[2]
			if n < 2 {
				return 0
			}
			x := (sq - mean*mean) * n / (n - 1)
			if x < 0 {
				x = 0
			}
			return math.Sqrt(x)
		}, true
	case truth.Distinct:
		if m.Column == nil {
			return q, nil, false
		}
		q.SQL = fmt.Sprintf("SELECT COUNT(DISTINCT %s) FROM %s%s", col, t, where())
		return q.withArgs(a), first, true
	case truth.Uniqueness:
		if m.Column != nil {
			q.SQL = fmt.Sprintf("SELECT COUNT(DISTINCT %s), COUNT(%s) FROM %s%s", col, col, t, where())
			return q.withArgs(a), func(v []float64) float64 {
				if v[1] == 0 {
					return 0
				}
				return 1 - v[0]/v[1]
			}, true
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
			return q, nil, false
		}
		q.SQL = fmt.Sprintf("SELECT COALESCE(SUM(g.n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n FROM %s%s GROUP BY %s) g",
			t, where(), strings.Join(group, ", "))
		return q.withArgs(a), func(v []float64) float64 {
			if v[0] == 0 {
				return 0
			}
			return (v[0] - v[1]) / v[0]
		}, true
	}
	return q, nil, false
}

// segmentShare is LabelMetric's category_share: the share of the time
// range's rows that match m's segments, for a change that deletes or
// copies them. The segment conditions come first in the SQL, so their
// arguments do too (positional placeholders).
func segmentShare(d Dialect, m *planner.Mutation) (q Statement, finish func([]float64) float64, ok bool) {
	if len(m.Where.Segments) == 0 || (m.Op != planner.OpDelete && m.Op != planner.OpInsert) {
		return q, nil, false
	}
	a := &args{d: d}
	var seg []string
	for _, f := range m.Where.Segments {
		seg = append(seg, filterIn(d, f, "t", a))
	}
	q.SQL = fmt.Sprintf("SELECT AVG(CASE WHEN %s THEN 1.0 ELSE 0.0 END) FROM %s t", strings.Join(seg, " AND "), d.Table(m.Table))
	if w := timeWindow(d, m.Where, "t", a); w != "" {
		q.SQL += " WHERE " + w
	}
	return q.withArgs(a), func(v []float64) float64 { return v[0] }, true
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
