package sqlserver

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// SQL Server's DDL is transactional, so a schema change commits with its
// journal and catalog entry. A column default is a constraint of its own,
// which blocks DROP COLUMN and a type change with ALTER COLUMN: it is
// dropped first (its system-made name is looked up when the batch runs)
// and, where the column keeps a default, added again.

// StringLiteral is N'...' with quotes doubled.
func (Dialect) StringLiteral(v string) string { return literal(v) }

// dropDefault is a batch head that drops the default constraint of column
// col of table, if it has one.
func (d Dialect) dropDefault(t planner.TableName, col string) string {
	table := d.Table(t)
	return fmt.Sprintf("DECLARE @df nvarchar(300) = (SELECT QUOTENAME(dc.name) FROM sys.default_constraints dc"+
		" JOIN sys.columns c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id"+
		" WHERE dc.parent_object_id = OBJECT_ID(%s) AND c.name = %s);\n"+
		"IF @df IS NOT NULL EXEC(N'ALTER TABLE %s DROP CONSTRAINT ' + @df);\n",
		literal(table), literal(col), strings.ReplaceAll(table, "'", "''"))
}

func nullClause(nullable bool) string {
	if nullable {
		return " NULL"
	}
	return " NOT NULL"
}

// AddColumn: WITH VALUES writes the default into the existing rows of a
// nullable column (a NOT NULL one gets it anyway). The default constraint
// gets a system-made name.
func (d Dialect) AddColumn(t planner.TableName, c sqlgen.ColumnSpec) ([]string, error) {
	sql := fmt.Sprintf("ALTER TABLE %s ADD %s %s%s", d.Table(t), d.Quote(c.Name), c.Type, nullClause(c.Nullable))
	if c.Default != "" {
		sql += " DEFAULT " + c.Default
		if c.Nullable {
			sql += " WITH VALUES"
		}
	}
	return []string{sql}, nil
}

// DropColumn drops the column's default constraint, then the column. An
// index, constraint or schema-bound object on it makes SQL Server refuse;
// ColumnDependents names them up front.
func (d Dialect) DropColumn(t planner.TableName, col string) []string {
	return []string{d.dropDefault(t, col) + fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", d.Table(t), d.Quote(col))}
}

// RenameColumn calls sp_rename, which takes the column as one
// schema.table.column name (bracketed parts allowed) and the new name
// as is.
func (d Dialect) RenameColumn(t planner.TableName, from, to string) []string {
	return []string{fmt.Sprintf("EXEC sp_rename %s, %s, N'COLUMN'", literal(d.Table(t)+"."+d.Quote(from)), literal(to))}
}

// AlterColumn is one batch: the default constraint is dropped when the
// type or the default changes, ALTER COLUMN sets type and nullability
// (values converted by the server), and the default is added again.
func (d Dialect) AlterColumn(t planner.TableName, from, to sqlgen.ColumnSpec) ([]string, error) {
	retype := !sqlgen.SameType(from.Type, to.Type)
	var b strings.Builder
	dropped := false
	if from.Default != "" && (retype || to.Default != from.Default) {
		b.WriteString(d.dropDefault(t, from.Name))
		dropped = true
	}
	if retype || from.Nullable != to.Nullable {
		fmt.Fprintf(&b, "ALTER TABLE %s ALTER COLUMN %s %s%s;\n", d.Table(t), d.Quote(from.Name), to.Type, nullClause(to.Nullable))
	}
	if to.Default != "" && (dropped || from.Default == "") {
		fmt.Fprintf(&b, "ALTER TABLE %s ADD DEFAULT %s FOR %s;\n", d.Table(t), to.Default, d.Quote(from.Name))
	}
	if b.Len() == 0 {
		return nil, nil
	}
	return []string{strings.TrimSuffix(b.String(), ";\n")}, nil
}

func (Dialect) EmptyTypeChange() bool { return false }

func (Dialect) PlacesColumns() bool { return false }

// ColumnDependents lists, for a drop, the indexes, foreign keys (from or
// to the column), CHECK constraints and objects that reference the column
// (schema-bound views and functions, computed columns): SQL Server
// refuses to drop it while they exist. For a drop and a type change, it
// also names a collation other than the database's, which a column added
// again or altered without COLLATE does not get back.
func (d Dialect) ColumnDependents(op planner.Op, t planner.TableName, col string) (sqlgen.Statement, bool) {
	if op != planner.OpDropColumn && op != planner.OpChangeType {
		return sqlgen.Statement{}, false
	}
	const this = "c.object_id = OBJECT_ID(@p1) AND c.name = @p2"
	sql := "SELECT N'the collation ' + c.collation_name + N' (the database''s is ' + CONVERT(nvarchar(128), DATABASEPROPERTYEX(DB_NAME(), 'Collation')) + N')' FROM sys.columns c WHERE " + this +
		" AND c.collation_name <> CONVERT(nvarchar(128), DATABASEPROPERTYEX(DB_NAME(), 'Collation'))"
	if op == planner.OpDropColumn {
		sql += "\nUNION ALL SELECT DISTINCT N'index ' + i.name FROM sys.index_columns ic JOIN sys.indexes i ON i.object_id = ic.object_id AND i.index_id = ic.index_id" +
			" JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE " + this +
			"\nUNION ALL SELECT N'foreign key ' + fk.name FROM sys.foreign_key_columns fkc JOIN sys.foreign_keys fk ON fk.object_id = fkc.constraint_object_id" +
			" JOIN sys.columns c ON (c.object_id = fkc.parent_object_id AND c.column_id = fkc.parent_column_id) OR (c.object_id = fkc.referenced_object_id AND c.column_id = fkc.referenced_column_id) WHERE " + this +
			"\nUNION ALL SELECT N'check constraint ' + cc.name FROM sys.check_constraints cc JOIN sys.columns c ON c.object_id = cc.parent_object_id AND c.column_id = cc.parent_column_id WHERE " + this +
			"\nUNION ALL SELECT DISTINCT N'object ' + OBJECT_SCHEMA_NAME(dep.referencing_id) + N'.' + OBJECT_NAME(dep.referencing_id) + COALESCE(N' (column ' + COL_NAME(dep.referencing_id, NULLIF(dep.referencing_minor_id, 0)) + N')', N'')" +
			" FROM sys.sql_expression_dependencies dep JOIN sys.columns c ON c.object_id = dep.referenced_id AND c.column_id = dep.referenced_minor_id WHERE " + this
	}
	return sqlgen.Statement{SQL: sql, Args: []any{d.Table(t), col}}, true
}
