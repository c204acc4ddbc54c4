package sqlgen

// Rendering of swapped_columns (planner.Swap): the journal keeps the key,
// both columns' values before (anomgen_before, anomgen_before2) and after
// (anomgen_after, anomgen_after2), and one UPDATE-join sets both columns,
// so the rows are changed, and restored, as a unit.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// Journal columns of the second column of a swap.
const (
	Before2Col = "anomgen_before2"
	After2Col  = "anomgen_after2"
)

// swapFilter is the eligibility condition of a swap over alias t: the two
// values differ (NULL equals NULL), and no NULL would move into a NOT NULL
// column (the database would refuse the apply); "" for other mutations.
func swapFilter(d Dialect, m *planner.Mutation) string {
	if m.With == nil || m.Column == nil {
		return ""
	}
	cond := "NOT (" + d.NotDistinct("t."+d.Quote(m.Column.Name), "t."+d.Quote(m.With.Name)) + ")"
	if !m.Column.Nullable && m.With.Nullable {
		cond += " AND t." + d.Quote(m.With.Name) + " IS NOT NULL"
	}
	if !m.With.Nullable && m.Column.Nullable {
		cond += " AND t." + d.Quote(m.Column.Name) + " IS NOT NULL"
	}
	return cond
}

// updateJoin2 sets two columns in one UPDATE-join through the dialect's
// UpdateJoin, whose SET names one column: the first assignment is spliced
// into the column text. Dialects that qualify the column with the alias
// (t.col: MySQL, SQL Server's UPDATE ... FROM, Oracle's MERGE) get the
// second column qualified too; the others (PostgreSQL, SQLite, whose SET
// refuses qualified names) get it bare.
func updateJoin2(d Dialect, table, journal, col1, val1, col2, val2, on, cond string) string {
	const probe = "anomgen_probe_col"
	prefix := ""
	if strings.Contains(d.UpdateJoin("x", "y", probe, "1", "1 = 1", ""), "t."+probe) {
		prefix = "t."
	}
	return d.UpdateJoin(table, journal, col1+" = "+val1+", "+prefix+col2, val2, on, cond)
}

func applySwap(d Dialect, j, t, on string, m *planner.Mutation) []Statement {
	col, with := "t."+d.Quote(m.Column.Name), "t."+d.Quote(m.With.Name)
	keys := strings.Join(qualify(d, "t", m.Key), ", ")
	out := []Statement{{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j,
		fmt.Sprintf("%s, %s AS %s, %s AS %s, %s AS %s, %s AS %s", keys,
			col, d.Quote(BeforeCol), with, d.Quote(AfterCol), with, d.Quote(Before2Col), col, d.Quote(After2Col)), t+" t")}}
	a := &args{d: d}
	cols := append(quoteAll(d, names(m.Key)), d.Quote(BeforeCol), d.Quote(AfterCol), d.Quote(Before2Col), d.Quote(After2Col))
	out = append(out, journalRead(d, m, fmt.Sprintf("INSERT INTO %s (%s)", j, strings.Join(cols, ", ")),
		fmt.Sprintf("%s, %s, %s, %s, %s", keys, col, with, with, col), a)...)
	out = append(out, Statement{Role: RoleMutation, SQL: updateJoin2(d, t, j,
		d.Quote(m.Column.Name), "j."+d.Quote(AfterCol), d.Quote(m.With.Name), "j."+d.Quote(After2Col)+keep(d, m.Kept()), on, "")})
	return out
}

// rollbackSwap restores both columns where both still hold the injected
// values (all journaled rows with force); a row is done when both hold
// their before values, and a conflict otherwise.
func rollbackSwap(d Dialect, j state.Journal, jt, t, on string, force bool) (conflict string, restore []Statement) {
	col, with := d.Quote(j.Column), d.Quote(j.With)
	both := func(a, b string) string {
		return d.NotDistinct("t."+col, "j."+d.Quote(a)) + " AND " + d.NotDistinct("t."+with, "j."+d.Quote(b))
	}
	ok := fmt.Sprintf("((%s) OR (%s))", both(AfterCol, After2Col), both(BeforeCol, Before2Col))
	conflict = fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s t WHERE %s AND %s)", t, on, ok)
	cond := ""
	if !force {
		cond = both(AfterCol, After2Col)
	}
	restore = []Statement{{Role: RoleRestore, SQL: updateJoin2(d, t, jt, col, "j."+d.Quote(BeforeCol), with, "j."+d.Quote(Before2Col)+keep(d, j.Keep), on, cond)}}
	return conflict, restore
}
