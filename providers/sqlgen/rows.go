package sqlgen

// Row-level rendering beyond the first three kinds: open-ended and
// multi-range windows, the AddSeconds and FirstInWindow expressions, and
// OpInsert (copies under fresh keys) with its count and rollback.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// RowDialect is what the row kinds of the pipeline catalog (stuck_values,
// late_arrival with a load-time column, volume_spike, duplicate_rows) need
// from a database beyond Dialect. All five dialects implement it. sqlgen
// finds it by type assertion, so Dialect itself is unchanged: a dialect
// without it still renders SetNull, Scale and OpDelete, and refuses the
// other expressions and OpInsert with an error naming what it cannot
// render. Implementations return SQL text only.
type RowDialect interface {
	// AddSeconds moves time column expression col of column c forward by
	// the number of seconds bound to placeholder secs (an int64), keeping
	// the column's type. f is the column's storage format where anomgen
	// knows it (SQLite, for the target's time column); the zero value
	// means a native time type, or on SQLite a format not inspected, to be
	// recognised from each value.
	AddSeconds(col string, c planner.Column, f planner.TimeFormat, secs string) string
	// FirstRow returns a SELECT of cols from from (a table with its
	// alias) where where holds, ordered by order, that yields at most the
	// first row: LIMIT 1, TOP 1 or FETCH FIRST 1 ROWS ONLY.
	FirstRow(cols, from, where, order string) string
	// TextSuffix appends suffix, a plain SQL string literal such as '~1',
	// to the text expression key.
	TextSuffix(key, suffix string) string
	// DerivedUUID returns a value of uuid column c (uuid, uniqueidentifier)
	// made from the 32 hex digits of MD5(seed || ':' || key rendered as
	// text), where seed is a placeholder bound to the text "<seed>:<round>":
	// digit 13 is replaced by 4 and digit 17 by 8 (a version 4, RFC 4122
	// variant uuid, which MariaDB's UUID type insists on), and the digits
	// are grouped 8-4-4-4-12. The placeholder may appear once only.
	DerivedUUID(seed, key string, c planner.Column) string
	// DeleteMatching deletes the rows of table (aliased t) that match a
	// row of journal (aliased j) by on, the equality of the key columns
	// keys (quoted), and for which cond holds (cond over t and j, never
	// empty). The journal has no index: the statement should find the
	// journal's rows in table by its key, not scan the journal per row.
	DeleteMatching(table, journal string, keys []string, on, cond string) string
	// SyncKey returns a statement that makes the database's own generator
	// of integer column key of table (rendered as table; name is the same
	// table unrendered) continue after the column's new maximum, run
	// after copies were inserted with explicit keys; "" where the database
	// adjusts by itself or cannot (see each dialect).
	SyncKey(table string, name planner.TableName, key planner.Column) string
}

// RoleSequence marks the statement that moves a key generator past the
// keys of inserted copies (RowDialect.SyncKey). It runs after the
// mutation, inside the data transaction.
const RoleSequence Role = "sequence"

// timeWindow renders the selection's time condition over alias: [From, To),
// [From, ∞) with OpenEnd, or any of Ranges; "" when the whole table is
// eligible. Bind arguments are added in text order. window (selection.go)
// adds the segments to it.
func timeWindow(d Dialect, s planner.Selection, alias string, a *args) string {
	if s.TimeColumn == nil {
		return ""
	}
	col := alias + "." + d.Quote(s.TimeColumn.Name)
	rs := boundRanges(d, s)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s >= %s", col, a.add(r[0]))
		if r[1] != nil {
			parts[i] += fmt.Sprintf(" AND %s < %s", col, a.add(r[1]))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i := range parts {
		parts[i] = "(" + parts[i] + ")"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// rowSet renders the new value of the expressions RowDialect serves, over
// alias t, adding its arguments to a (they precede the WHERE's).
func rowSet(d Dialect, m *planner.Mutation, a *args) (string, error) {
	switch e := m.Set.(type) {
	case planner.AddSeconds:
		// The storage format is known for the target's time column only.
		var f planner.TimeFormat
		if tc := m.Where.TimeColumn; tc != nil && tc.Name == m.Column.Name {
			f = m.Where.TimeFormat
		}
		return d.AddSeconds("t."+d.Quote(m.Column.Name), *m.Column, f, a.add(e.Seconds)), nil
	case planner.FirstInWindow:
		s := m.Where
		if s.TimeColumn == nil {
			return "", fmt.Errorf("sqlgen: FirstInWindow needs a time column")
		}
		// The window's earliest row by time, then key, read from the same
		// table: the statement runs as INSERT INTO journal SELECT ..., so
		// the table is only read here (MySQL could not select from a table
		// it updates).
		order := []string{"f." + d.Quote(s.TimeColumn.Name)}
		order = append(order, qualify(d, "f", m.Key)...)
		first := d.FirstRow("f."+d.Quote(m.Column.Name), d.Table(m.Table)+" f", window(d, s, "f", a), strings.Join(order, ", "))
		return "(" + first + ")", nil
	}
	if set, ok, err := numSet(d, m, a); ok { // num.go
		return set, err
	}
	if set, ok, err := textSet(d, m, a); ok { // text.go
		return set, err
	}
	if set, ok, err := businessSet(d, m, a); ok { // business.go
		return set, err
	}
	if set, ok, err := editSet(d, m); ok { // edits.go
		return set, err
	}
	return "", fmt.Errorf("sqlgen: %s cannot render %T", d.Name(), m.Set)
}

// insertColumns are the columns copies are written in: all but generated
// ones, which the database computes.
func insertColumns(cols []planner.Column) []planner.Column {
	var out []planner.Column
	for _, c := range cols {
		if !c.Generated {
			out = append(out, c)
		}
	}
	return out
}

// roundSelection is the selection of copy round k (from 1): seed
// Where.Seed+k, share Rounds[k-1].
func roundSelection(m *planner.Mutation, k int) *planner.Mutation {
	r := *m
	r.Where.Seed = m.Where.Seed + int64(k)
	r.Where.Share = m.Rounds[k-1]
	r.Where.SkipNull = false
	return &r
}

// freshKeyKind says how copies get new key values.
func freshKeyKind(c planner.Column) string {
	switch {
	case c.Class == planner.ClassInteger:
		return "integer"
	case c.Class == planner.ClassText:
		return "text"
	}
	return "uuid"
}

// freshKey renders the new key of a copy in round k, over alias t, for a
// journal table j (already holding the copies of earlier rounds):
//
//   - integers continue after the largest key of the table and the
//     journal: (SELECT MAX over both) + ROW_NUMBER() OVER (ORDER BY key),
//     so they are unique across rounds and the table;
//   - text gets the suffix '~k' (CONCAT or ||), so a copy's key is two
//     characters longer (three from round 10). Under a bounded type
//     (varchar(n), char(n)) a key that no longer fits makes the insert
//     fail (MySQL in non-strict mode would truncate it, and then fail on
//     the unique index), and the apply with it: nothing changes. A table
//     that already holds the suffixed key (say, from another
//     duplicate_rows on it) fails the same way;
//   - uuids are derived from MD5(seed ':' round ':' old key), formatted as
//     a version 4 uuid of the column's type (RowDialect.DerivedUUID): 120
//     bits of the digest, deterministic, and unique in practice.
func freshKey(d Dialect, m *planner.Mutation, j, t string, k int, a *args) string {
	key := *m.FreshKey
	col := "t." + d.Quote(key.Name)
	switch freshKeyKind(key) {
	case "integer":
		q := d.Quote(key.Name)
		return fmt.Sprintf("(SELECT COALESCE(MAX(x.m), 0) FROM (SELECT MAX(t2.%s) AS m FROM %s t2 UNION ALL SELECT MAX(j2.%s) FROM %s j2) x) + ROW_NUMBER() OVER (ORDER BY %s)",
			q, t, q, j, col)
	case "text":
		return d.TextSuffix(col, fmt.Sprintf("'~%d'", k))
	}
	return d.DerivedUUID(a.add(fmt.Sprintf("%d:%d", m.Where.Seed, k)), col, key)
}

// applyInsert renders OpInsert: a journal table with all the target's
// columns, one INSERT INTO journal ... SELECT per round with the copies'
// fresh keys, then the mutation that inserts the journal's rows into the
// table (its affected-row count is the anomaly's), and where the database
// needs it, the statement that moves the key generator past the new keys.
func applyInsert(d Dialect, j, t string, m *planner.Mutation) ([]Statement, error) {
	if m.FreshKey == nil || len(m.Rounds) == 0 {
		return nil, fmt.Errorf("sqlgen: an insert needs a fresh key column and at least one round")
	}
	cols := insertColumns(m.Columns)
	found := false
	for _, c := range cols {
		found = found || c.Name == m.FreshKey.Name
	}
	if !found {
		return nil, fmt.Errorf("sqlgen: fresh key %s is not a writable column of %s", m.FreshKey.Name, m.Table)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = d.Quote(c.Name)
	}
	out := []Statement{{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j, "t.*", t+" t")}}
	for k := 1; k <= len(m.Rounds); k++ {
		a := &args{d: d}
		sel := make([]string, len(cols))
		for i, c := range cols {
			if c.Name == m.FreshKey.Name {
				sel[i] = freshKey(d, m, j, t, k, a)
			} else if v, err := nudged(d, m, c, "t", k, a); err != nil { // copies.go
				return nil, err
			} else if v != "" {
				sel[i] = v
			} else {
				sel[i] = "t." + d.Quote(c.Name)
			}
		}
		sql := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s t WHERE %s",
			j, strings.Join(names, ", "), strings.Join(sel, ", "), t, where(d, roundSelection(m, k), a))
		out = append(out, Statement{Role: RoleJournal, SQL: sql, Args: a.vals})
	}
	jcols := make([]string, len(names))
	for i, n := range names {
		jcols[i] = "j." + n
	}
	out = append(out, Statement{Role: RoleMutation, SQL: restoreInsert(d, t, names, true,
		fmt.Sprintf("SELECT %s FROM %s j", strings.Join(jcols, ", "), j))})
	if freshKeyKind(*m.FreshKey) == "integer" {
		if s := d.SyncKey(t, m.Table, *m.FreshKey); s != "" {
			out = append(out, Statement{Role: RoleSequence, SQL: s})
		}
	}
	return out, nil
}

// countInsert counts the window's rows and the copies all rounds insert:
// the sum over rounds of the rows each round's hash chooses. Every round
// reads the table as it was (the copies go into the journal first), so
// this is exactly what apply inserts.
func countInsert(d Dialect, m *planner.Mutation) Statement {
	a := &args{d: d}
	parts := make([]string, len(m.Rounds))
	for k := 1; k <= len(m.Rounds); k++ {
		r := roundSelection(m, k)
		r.Where.TimeColumn, r.Where.Segments = nil, nil // the window is the outer WHERE
		if r.Where.Share >= 1 {
			parts[k-1] = "1" // every row of the window
			continue
		}
		parts[k-1] = fmt.Sprintf("CASE WHEN %s THEN 1 ELSE 0 END", where(d, r, a))
	}
	sql := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(%s), 0) FROM %s t", strings.Join(parts, " + "), d.Table(m.Table))
	if w := window(d, m.Where, "t", a); w != "" {
		sql += " WHERE " + w
	}
	return Statement{SQL: sql, Args: a.vals, Role: RoleJournal}
}

// rollbackInsert renders the rollback of an insert journal: the copies
// are deleted where they are still identical to their journal rows
// (null-safe, every restorable column); a copy someone changed since is a
// conflict, left alone unless force, which deletes it anyway; a copy
// already gone needs nothing. It returns the conflict condition over j.
func rollbackInsert(d Dialect, j state.Journal, jt, t, on string, force bool) (string, []Statement) {
	var same []string
	for _, c := range j.Columns {
		same = append(same, d.NotDistinct("t."+d.Quote(c), "j."+d.Quote(c)))
	}
	identical := fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE %s AND %s)", t, on, strings.Join(same, " AND "))
	present := fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE %s)", t, on)
	conflict := fmt.Sprintf("%s AND NOT %s", present, identical)
	if force {
		return conflict, []Statement{{Role: RoleRestore, SQL: d.DeleteJoin(t, jt, quoteAll(d, j.Key))}}
	}
	cond := strings.Join(same, " AND ")
	return conflict, []Statement{{Role: RoleRestore, SQL: d.DeleteMatching(t, jt, quoteAll(d, j.Key), on, cond)}}
}
