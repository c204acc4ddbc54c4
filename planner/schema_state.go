package planner

import (
	"fmt"

	"github.com/anomgen/anomgen/state"
)

// The schema kinds change the table's definition, so the live profile of a
// table with an applied schema anomaly no longer shows the table the
// anomaly was planned against. These two functions move a profile across
// one schema change, in memory: forward (what apply leaves, for checking a
// change and rendering its rollback) and backward (what the table was, for
// planning an applied anomaly again: unchanged, it is a no-op; changed, it
// is replaced, and apply restores the table before it changes it again).

// AfterSchemaChange returns a copy of p as it is once the schema change m
// has been applied. Column classes of retyped columns are kept: only the
// database knows the class of a type it has not reported.
func (p *TableProfile) AfterSchemaChange(m *Mutation) *TableProfile {
	out := p.clone()
	switch m.Op {
	case OpAddColumn:
		def := m.Def
		c := Column{Name: def.Name, Type: def.Type, Class: ClassOther, Nullable: true}
		if def.DefaultValue != nil {
			c.Default = *def.DefaultValue // a value, not SQL: only presence matters here
		}
		if out.Column(def.Name) == nil {
			out.Columns = append(out.Columns, c)
		}
	case OpDropColumn:
		out.Columns = without(out.Columns, m.Column.Name)
	case OpRenameColumn:
		if c := out.Column(m.Column.Name); c != nil && out.Column(m.NewName) == nil {
			c.Name = m.NewName
		}
	case OpChangeType:
		if c := out.Column(m.Column.Name); c != nil {
			c.Type = m.Def.Type
		}
	}
	return out
}

// BeforeSchemaChange returns a copy of p as it was before the schema change
// journaled in j was applied. A dropped column comes back after the column
// it followed, with class ClassOther (its type is known, not its class).
func (p *TableProfile) BeforeSchemaChange(j state.Journal) *TableProfile {
	out := p.clone()
	switch Op(j.Op) {
	case OpAddColumn:
		out.Columns = without(out.Columns, j.Column)
	case OpDropColumn:
		if j.Def == nil || out.Column(j.Def.Name) != nil {
			break
		}
		c := Column{Name: j.Def.Name, Type: j.Def.Type, Class: ClassOther, Nullable: j.Def.Nullable, Default: j.Def.Default}
		at := 0
		if j.Def.After != "" {
			at = len(out.Columns)
			for i, x := range out.Columns {
				if x.Name == j.Def.After {
					at = i + 1
				}
			}
		}
		out.Columns = append(out.Columns[:at], append([]Column{c}, out.Columns[at:]...)...)
	case OpRenameColumn:
		if c := out.Column(j.NewName); c != nil && out.Column(j.Column) == nil {
			c.Name = j.Column
		}
	case OpChangeType:
		if c := out.Column(j.Column); c != nil && j.Def != nil {
			c.Type, c.Nullable, c.Default = j.Def.Type, j.Def.Nullable, j.Def.Default
		}
	}
	return out
}

func (p *TableProfile) clone() *TableProfile {
	out := *p
	out.Columns = append([]Column(nil), p.Columns...)
	return &out
}

func without(cols []Column, name string) []Column {
	var out []Column
	for _, c := range cols {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

// SchemaRows is plan's rows line for a schema change: it changes no row,
// and a dropped or retyped column has every value journaled.
func SchemaRows(rows, tableRows int64, effect string) string {
	if rows == 0 {
		return fmt.Sprintf("0 (a schema change; the table has %s rows): %s", Thousands(tableRows), effect)
	}
	return fmt.Sprintf("%s of %s (a schema change; every value is journaled): %s", Thousands(rows), Thousands(tableRows), effect)
}

// SchemaRestoreRows is plan's rows line for the rollback of a schema change.
func SchemaRestoreRows(prior *state.Anomaly) string {
	if prior.Rows == 0 {
		return fmt.Sprintf("0 (a schema change, undone with journal %s)", prior.Journal.ID)
	}
	return fmt.Sprintf("%s values to restore from journal %s after the schema change is undone", Thousands(prior.Rows), prior.Journal.ID)
}

// unfinished says what an unfinished journal's status means for its
// table: "changing" is a schema change (or its rollback) stopped between
// its DDL steps, with every value it can lose in the journal.
func unfinished(status string) string {
	if status == "changing" {
		return "The table may be partly changed (every value it can lose is in the journal, and rollback restores it)"
	}
	return "The table is consistent"
}
