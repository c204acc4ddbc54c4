package sqlgen

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// Schema changes (planner.Op.Schema: add, drop, rename a column, change its
// type) are rendered here. Each is one unit with a journal table and a
// catalog entry, like the row kinds:
//
//   - schema_add_column and schema_rename_column journal nothing but the
//     key columns' shape (an empty journal table keeps the machinery
//     uniform); their rollback is one DDL statement;
//   - schema_drop_column and schema_change_type journal the key and the
//     column's value of every row (anomgen_before), and the column's
//     definition goes in the catalog entry (state.Journal.Def); their
//     rollback puts the definition back and refills the values by key.
//
// Where DDL is transactional (PostgreSQL, SQLite, SQL Server) the executor
// runs journal, change and catalog entry in one transaction. Where it is
// not (MySQL, Oracle) the order is, each step committed before the next:
//
//  1. the catalog entry, status pending, and the empty journal table;
//  2. in one data transaction: the journal rows and the catalog status
//     changing (the journal is complete from here on);
//  3. the change: DDL statements (each commits by itself) and, for
//     Oracle's type change, data statements in transactions of their own;
//  4. the catalog status applied.
//
// Nothing that loses data runs before the journal is committed, so a stop
// at any point leaves pending (the table untouched: rollback drops the
// journal) or changing (the table anywhere between before and after:
// rollback inspects it and restores it from the journal) or applied. A
// rollback marks the entry changing, restores, marks it restored and drops
// the journal; every restore step is rendered from the table's inspected
// state, so a rollback that stopped half-way is finished by the next one.

// StatusChanging is the catalog status of a schema change whose journal is
// complete while its table is being changed or restored, where DDL is not
// transactional. Rollback restores such a table from the journal.
const StatusChanging = "changing"

// ColumnSpec is a column definition as DDL needs it.
type ColumnSpec struct {
	Name string
	// Type is the database's type name, e.g. numeric(10,2).
	Type     string
	Nullable bool
	// Default is SQL text (a catalog default, or a literal rendered by
	// StringLiteral); "" for none.
	Default string
	// Place asks for the column to go after After ("" for first) where the
	// database can place columns (PlacesColumns); otherwise it goes last.
	Place bool
	After string
}

// SchemaDialect renders the DDL of the schema kinds. Every dialect
// implements it; one that cannot do something returns an error saying so,
// which plan and apply report before anything is changed.
type SchemaDialect interface {
	// StringLiteral renders a scenario's value as a string literal for
	// DDL, which takes no bind parameters: quotes (and backslashes, where
	// the database reads them as escapes) are escaped, so the value can
	// only ever be a value.
	StringLiteral(v string) string
	// AddColumn returns the DDL that adds column c to table.
	AddColumn(table planner.TableName, c ColumnSpec) ([]string, error)
	// DropColumn returns the DDL that drops column col of table.
	DropColumn(table planner.TableName, col string) []string
	// RenameColumn returns the DDL that renames column from of table to to.
	RenameColumn(table planner.TableName, from, to string) []string
	// AlterColumn returns the DDL that changes column from (its current
	// definition) into to: type (values converted by the database),
	// default and nullability, only what differs (nothing when nothing
	// does). It returns an error where the database cannot alter a
	// column in place (SQLite).
	AlterColumn(table planner.TableName, from, to ColumnSpec) ([]string, error)
	// EmptyTypeChange reports whether the database changes the type of a
	// column only while it holds no values (Oracle): the values are then
	// set to NULL (they are in the journal), the type changed, and the
	// values written back converted.
	EmptyTypeChange() bool
	// PlacesColumns reports whether AddColumn honours ColumnSpec.Place
	// (MySQL's AFTER); elsewhere a column that comes back goes last.
	PlacesColumns() bool
	// ColumnDependents returns a query whose rows (one text column each)
	// name what depends on column col of table that op would drop with
	// the column, or lose, or fail on (indexes, constraints, views ...),
	// so that apply refuses it up front; false when nothing needs
	// checking for op.
	ColumnDependents(op planner.Op, table planner.TableName, col string) (Statement, bool)
}

// SchemaCount returns the count statement of a schema change: the table's
// rows, and the rows whose values are journaled (every row for drop and
// change_type, none for add and rename).
func SchemaCount(d Dialect, m *planner.Mutation) Statement {
	journaled := "COUNT(*)"
	if m.Op == planner.OpAddColumn || m.Op == planner.OpRenameColumn {
		journaled = "0"
	}
	return Statement{Role: RoleJournal, SQL: fmt.Sprintf("SELECT COUNT(*), %s FROM %s t", journaled, d.Table(m.Table))}
}

// SchemaChange holds the statements of one schema change, in order.
type SchemaChange struct {
	// Ensure creates the journal schema and catalog when missing (DDL).
	Ensure []Statement
	// Journal creates the (empty) journal table (DDL).
	Journal Statement
	// Fill copies the key and the column's value of every row into the
	// journal (drop and change_type; nil otherwise); its count is the
	// anomaly's rows.
	Fill *Statement
	// Change changes the table: DDL (DDL set) and data statements.
	Change []Statement
}

// ApplySchema renders the schema change m with journal id in the journal
// schema. It returns an error when the dialect cannot make the change.
func ApplySchema(d Dialect, schema, id string, m *planner.Mutation) (*SchemaChange, error) {
	j := d.JournalTable(schema, id)
	t := d.Table(m.Table)
	keys := strings.Join(qualify(d, "t", m.Key), ", ")
	out := &SchemaChange{}
	for _, s := range d.EnsureJournal(schema) {
		out.Ensure = append(out.Ensure, Statement{SQL: s, Role: RoleSchema, DDL: true})
	}
	ddl := func(sqls []string) {
		for _, s := range sqls {
			out.Change = append(out.Change, Statement{SQL: s, Role: RoleMutation, DDL: true})
		}
	}
	journalValues := func() {
		col := "t." + d.Quote(m.Column.Name)
		out.Journal = Statement{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j, fmt.Sprintf("%s, %s AS %s", keys, col, d.Quote(BeforeCol)), t+" t")}
		cols := append(quoteAll(d, names(m.Key)), d.Quote(BeforeCol))
		// A locking read where DDL is transactional: no application write
		// slips in between the copy and the change (where DDL commits by
		// itself, the copy commits before the change and cannot hold its
		// locks that long).
		from, suffix := t+" t", ""
		if d.TransactionalDDL() {
			from, suffix, _ = d.LockedRead(t, "1 = 1")
		}
		out.Fill = &Statement{Role: RoleJournal, SQL: fmt.Sprintf("INSERT INTO %s (%s) SELECT %s, %s FROM %s%s", j, strings.Join(cols, ", "), keys, col, from, suffix)}
	}
	switch m.Op {
	case planner.OpAddColumn:
		out.Journal = Statement{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j, keys, t+" t")}
		c := ColumnSpec{Name: m.Def.Name, Type: m.Def.Type, Nullable: true}
		if m.Def.DefaultValue != nil {
			c.Default = d.StringLiteral(*m.Def.DefaultValue)
		}
		add, err := d.AddColumn(m.Table, c)
		if err != nil {
			return nil, err
		}
		ddl(add)
	case planner.OpRenameColumn:
		out.Journal = Statement{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j, keys, t+" t")}
		ddl(d.RenameColumn(m.Table, m.Column.Name, m.NewName))
	case planner.OpDropColumn:
		if err := droppable(m.Column); err != nil {
			return nil, err
		}
		journalValues()
		ddl(d.DropColumn(m.Table, m.Column.Name))
	case planner.OpChangeType:
		if err := droppable(m.Column); err != nil {
			return nil, err
		}
		journalValues()
		from := spec(*m.Column)
		to := from
		to.Type = m.Def.Type
		steps, err := retype(d, m.Table, j, names(m.Key), from, to, fmt.Sprintf("CAST(j.%s AS %s)", d.Quote(BeforeCol), m.Def.Type), RoleMutation)
		if err != nil {
			return nil, err
		}
		out.Change = steps
	default:
		return nil, fmt.Errorf("sqlgen: %s is not a schema change", m.Op)
	}
	return out, nil
}

// droppable refuses columns whose definition a restore cannot recreate.
func droppable(c *planner.Column) error {
	switch {
	case c.Identity:
		return fmt.Errorf("column %s is an identity column: dropping it or changing its type would lose its sequence, which a rollback cannot recreate", c.Name)
	case c.Generated:
		return fmt.Errorf("column %s is generated by the database: a rollback could not recreate its expression", c.Name)
	}
	return nil
}

// SchemaDependents returns the query that lists what depends on m's column
// in a way that m would break (see SchemaDialect.ColumnDependents), or
// false when there is nothing to check.
func SchemaDependents(d Dialect, m *planner.Mutation) (Statement, bool) {
	if m.Column == nil {
		return Statement{}, false
	}
	return d.ColumnDependents(m.Op, m.Table, m.Column.Name)
}

func spec(c planner.Column) ColumnSpec {
	return ColumnSpec{Name: c.Name, Type: c.Type, Nullable: c.Nullable, Default: c.Default}
}

func defSpec(def *state.ColumnDef) ColumnSpec {
	return ColumnSpec{Name: def.Name, Type: def.Type, Nullable: def.Nullable, Default: def.Default}
}

// SameType compares type names as the database reports them, ignoring case
// and spacing.
func SameType(a, b string) bool {
	norm := func(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), "") }
	return norm(a) == norm(b)
}

// retype returns the steps that turn column from into to. refill, when
// not empty, is the value (an expression over the journal, aliased j)
// written into every journaled row afterwards: the converted value on
// apply where the database changes types only of empty columns, the exact
// value on rollback.
func retype(d Dialect, table planner.TableName, journal string, keys []string, from, to ColumnSpec, refill string, role Role) ([]Statement, error) {
	t := d.Table(table)
	on := keyJoin(d, keys, "t", "j")
	col := d.Quote(from.Name)
	var out []Statement
	alter := func(a, b ColumnSpec) error {
		sqls, err := d.AlterColumn(table, a, b)
		for _, s := range sqls {
			out = append(out, Statement{SQL: s, Role: role, DDL: true})
		}
		return err
	}
	set := func(value string) {
		out = append(out, Statement{SQL: d.UpdateJoin(t, journal, col, value, on, ""), Role: role})
	}
	if !d.EmptyTypeChange() || SameType(from.Type, to.Type) {
		if role != RoleRestore {
			if err := alter(from, to); err != nil {
				return nil, err
			}
			return out, nil
		}
		// NOT NULL comes back after the refill: a column put back by a
		// rollback that stopped half-way may still hold NULLs.
		mid := to
		mid.Nullable = to.Nullable || from.Nullable
		if err := alter(from, mid); err != nil {
			return nil, err
		}
		set(refill)
		if err := alter(mid, to); err != nil {
			return nil, err
		}
		return out, nil
	}
	// Empty the column (its values are in the journal), change the type,
	// write the values back, then restore nullability and default.
	cur := from
	if !cur.Nullable {
		next := cur
		next.Nullable = true
		if err := alter(cur, next); err != nil {
			return nil, err
		}
		cur = next
	}
	set("NULL")
	next := cur
	next.Type = to.Type
	if err := alter(cur, next); err != nil {
		return nil, err
	}
	set(refill)
	if err := alter(next, to); err != nil {
		return nil, err
	}
	return out, nil
}

// SchemaRestore holds the statements that undo one schema change, rendered
// for the table as it was inspected.
type SchemaRestore struct {
	// Steps restore the table, in order: DDL (DDL set) and data
	// statements.
	Steps []Statement
	// Notes say what the table showed where it was not plainly the
	// change's result, and where a restored column goes.
	Notes []string
	// Conflict, when set, says why the table cannot be restored from the
	// journal as it is (the journal is kept); Steps is then empty.
	Conflict string
	// Drop removes the journal table and its catalog entry.
	Drop []Statement
}

// RenderSchemaRollback renders the undoing of the schema change journaled
// in j, for the table as it is now (cur, from the inspector). Every step
// follows from what cur shows, so the rollback of a change that stopped
// half-way, or of a rollback that did, finishes the job. With redo (a
// forced rollback, or one of a change whose catalog status is changing),
// a column that is back already is refilled rather than a conflict.
func RenderSchemaRollback(d Dialect, j state.Journal, cur *planner.TableProfile, redo bool) (*SchemaRestore, error) {
	table := planner.TableName{Schema: j.TableSchema, Name: j.Table}
	tname := table.String()
	jt := d.JournalTable(j.Schema, j.ID)
	r := &SchemaRestore{Drop: []Statement{
		{Role: RoleCleanup, SQL: "DROP TABLE " + jt, DDL: true},
		{Role: RoleCleanup, SQL: fmt.Sprintf("DELETE FROM %s WHERE id = %s", d.CatalogTable(j.Schema), d.Placeholder(1)), Args: []any{j.ID}},
	}}
	ddl := func(sqls []string) {
		for _, s := range sqls {
			r.Steps = append(r.Steps, Statement{SQL: s, Role: RoleRestore, DDL: true})
		}
	}
	// Every refill is an UPDATE-join value; columns the database rewrites
	// on UPDATE are kept (keep.go).
	refill := "j." + d.Quote(BeforeCol) + keep(d, j.Keep)
	switch planner.Op(j.Op) {
	case planner.OpAddColumn:
		if findColumn(cur, j.Column) == nil {
			r.Notes = append(r.Notes, fmt.Sprintf("column %s is no longer in %s: nothing to drop", j.Column, tname))
			break
		}
		ddl(d.DropColumn(table, j.Column))
	case planner.OpRenameColumn:
		old, renamed := findColumn(cur, j.Column), findColumn(cur, j.NewName)
		switch {
		case renamed != nil && old == nil:
			ddl(d.RenameColumn(table, j.NewName, j.Column))
		case old != nil && renamed == nil:
			r.Notes = append(r.Notes, fmt.Sprintf("column %s of %s has its old name already: nothing to rename", j.Column, tname))
		case old == nil:
			r.Conflict = fmt.Sprintf("%s has neither %s nor %s: the renamed column was dropped or renamed again since", tname, j.NewName, j.Column)
		default:
			r.Conflict = fmt.Sprintf("%s has both %s and %s: a column %s was added since, so %s cannot get its name back", tname, j.NewName, j.Column, j.Column, j.NewName)
		}
	case planner.OpDropColumn:
		if j.Def == nil {
			return nil, fmt.Errorf("journal %s of a dropped column has no column definition", j.ID)
		}
		def := defSpec(j.Def)
		if c := findColumn(cur, def.Name); c != nil {
			if !redo {
				r.Conflict = fmt.Sprintf("%s has a column %s again (added since the drop): refilling it would overwrite its values; `anomgen rollback -force` does", tname, def.Name)
				break
			}
			// Back already (a rollback that stopped half-way): refill and
			// restore its definition.
			steps, err := retype(d, table, jt, j.Key, spec(*c), def, refill, RoleRestore)
			if err != nil {
				return nil, err
			}
			r.Steps = append(r.Steps, steps...)
			break
		}
		def.Place = true
		def.After = j.Def.After
		if def.After != "" && findColumn(cur, def.After) == nil {
			def.Place = false
			r.Notes = append(r.Notes, fmt.Sprintf("column %s followed %s, which is gone: it comes back as the last column", def.Name, def.After))
		} else if !d.PlacesColumns() && !lastColumn(cur, def.After) {
			r.Notes = append(r.Notes, columnComesBackLast(d, def.Name, def.After, tname))
		}
		// Added nullable, refilled, then given its NOT NULL back; where
		// a column cannot be altered in place (SQLite) it is added with
		// its whole definition.
		added := def
		added.Nullable = true
		finish, err := d.AlterColumn(table, added, def)
		if err != nil {
			added, finish = def, nil
		}
		add, err := d.AddColumn(table, added)
		if err != nil {
			return nil, fmt.Errorf("column %s of %s could not be put back after a drop (%w), so anomgen does not drop it", def.Name, tname, err)
		}
		ddl(add)
		r.Steps = append(r.Steps, Statement{SQL: d.UpdateJoin(d.Table(table), jt, d.Quote(def.Name), refill, keyJoin(d, j.Key, "t", "j"), ""), Role: RoleRestore})
		ddl(finish)
	case planner.OpChangeType:
		if j.Def == nil {
			return nil, fmt.Errorf("journal %s of a type change has no column definition", j.ID)
		}
		c := findColumn(cur, j.Column)
		if c == nil {
			r.Conflict = fmt.Sprintf("%s has no column %s any more (dropped or renamed since): its values stay in journal %s", tname, j.Column, j.ID)
			break
		}
		steps, err := retype(d, table, jt, j.Key, spec(*c), defSpec(j.Def), refill, RoleRestore)
		if err != nil {
			return nil, err
		}
		r.Steps = steps
	default:
		return nil, fmt.Errorf("sqlgen: %s is not a schema change", j.Op)
	}
	return r, nil
}

// findColumn finds a column by its exact name (names in journals are as
// the database spells them).
func findColumn(p *planner.TableProfile, name string) *planner.Column {
	if p == nil {
		return nil
	}
	for i := range p.Columns {
		if p.Columns[i].Name == name {
			return &p.Columns[i]
		}
	}
	return nil
}

// lastColumn reports whether after names the last column of p: a column
// that followed it comes back in its place wherever columns are added.
func lastColumn(p *planner.TableProfile, after string) bool {
	if p == nil || len(p.Columns) == 0 {
		return after == ""
	}
	return p.Columns[len(p.Columns)-1].Name == after
}

// columnComesBackLast says that a dropped column comes back at the end of
// its table, not where it was, on a database that cannot place columns.
func columnComesBackLast(d Dialect, col, after, table string) string {
	where := "first"
	if after != "" {
		where = "after " + after
	}
	return fmt.Sprintf("column %s comes back as the last column of %s, not %s where it is now: %s cannot put a column back in its place (its values, type, default and nullability come back exactly; SELECT * and positional reads see it last)",
		col, table, where, d.Capabilities().Database)
}
