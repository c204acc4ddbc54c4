package sqlite

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// SQLite's DDL is transactional, so a schema change commits with its
// journal. Its ALTER TABLE adds, drops and renames columns, but cannot
// change one in place: schema_change_type is Unsupported in the catalog,
// and a dropped column comes back, last, with its whole definition in one
// ADD COLUMN.

// StringLiteral is '...' with quotes doubled (SQLite has no backslash
// escapes).
func (Dialect) StringLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// AddColumn refuses what SQLite's ADD COLUMN refuses, before anything is
// changed: NOT NULL without a default, and a default that is not a
// constant (CURRENT_TIME, CURRENT_DATE, CURRENT_TIMESTAMP, an expression in
// parentheses).
func (d Dialect) AddColumn(t planner.TableName, c sqlgen.ColumnSpec) ([]string, error) {
	def := strings.ToUpper(strings.TrimSpace(c.Default))
	switch {
	case !c.Nullable && (c.Default == "" || def == "NULL"):
		return nil, fmt.Errorf("SQLite cannot add a NOT NULL column without a default")
	case strings.HasPrefix(def, "CURRENT_") || strings.HasPrefix(def, "("):
		return nil, fmt.Errorf("SQLite cannot add a column whose default, %s, is not a constant", c.Default)
	}
	sql := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.Table(t), d.Quote(c.Name), c.Type)
	if !c.Nullable {
		sql += " NOT NULL"
	}
	if c.Default != "" {
		sql += " DEFAULT " + c.Default
	}
	return []string{d.freshSchema(t), sql}, nil
}

// freshSchema makes the connection read the schema before an ALTER TABLE
// that names a column. SQLite checks the column against the schema the
// connection cached, and ADD, DROP and RENAME COLUMN do not retry with a
// fresh one (other statements do), so a pooled connection that last read
// the schema before another connection changed it would answer "no such
// column" or "duplicate column name". A statement that reads
// sqlite_schema checks the schema cookie and reloads it.
func (d Dialect) freshSchema(t planner.TableName) string {
	if t.Schema == "" || t.Schema == "main" {
		return "SELECT COUNT(*) FROM sqlite_schema"
	}
	return "SELECT COUNT(*) FROM " + d.Quote(t.Schema) + ".sqlite_schema"
}

// DropColumn: SQLite 3.35+ refuses columns in an index, a primary key or
// unique constraint, a foreign key, a CHECK, a generated column, a view or
// a trigger; ColumnDependents names indexes and foreign keys up front, and
// the others fail the statement (and the transaction rolls back).
func (d Dialect) DropColumn(t planner.TableName, col string) []string {
	return []string{d.freshSchema(t), fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", d.Table(t), d.Quote(col))}
}

func (d Dialect) RenameColumn(t planner.TableName, from, to string) []string {
	return []string{d.freshSchema(t), fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", d.Table(t), d.Quote(from), d.Quote(to))}
}

// AlterColumn: SQLite cannot change a column's type, default or NOT NULL
// without rebuilding the table.
func (Dialect) AlterColumn(_ planner.TableName, from, to sqlgen.ColumnSpec) ([]string, error) {
	if sqlgen.SameType(from.Type, to.Type) && from.Nullable == to.Nullable && from.Default == to.Default {
		return nil, nil
	}
	return nil, fmt.Errorf("SQLite cannot change the type, default or NOT NULL of column %s in place (it would have to rebuild the table)", from.Name)
}

func (Dialect) EmptyTypeChange() bool { return false }

func (Dialect) PlacesColumns() bool { return false }

// ColumnDependents lists, for a drop, the indexes on the column (also
// those of PRIMARY KEY and UNIQUE constraints) and the table's foreign
// keys from it: SQLite cannot drop such a column.
func (d Dialect) ColumnDependents(op planner.Op, t planner.TableName, col string) (sqlgen.Statement, bool) {
	if op != planner.OpDropColumn {
		return sqlgen.Statement{}, false
	}
	schema := t.Schema
	if schema == "" {
		schema = "main"
	}
	return sqlgen.Statement{SQL: `SELECT DISTINCT 'index ' || il.name FROM pragma_index_list(?1, ?2) AS il JOIN pragma_index_info(il.name, ?2) AS ii WHERE ii.name = ?3
UNION ALL SELECT 'foreign key to ' || fk."table" FROM pragma_foreign_key_list(?1, ?2) AS fk WHERE fk."from" = ?3`, Args: []any{t.Name, schema, col}}, true
}
