package oracle

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Oracle commits every DDL statement by itself, so the executor journals
// first and changes after, with the catalog status telling a stopped run
// where it was (see sqlgen/schema.go).
//
// Type changes: Oracle's MODIFY changes the data type of a column only
// while every value in it is NULL (ORA-01439 otherwise), apart from a few
// widening changes. Of the two ways round that, add-copy-drop-rename (a
// new column of the new type, filled, the old one dropped and the new one
// renamed) moves the column to the end of the table and drops its indexes,
// constraints, comments and grants, and so would its rollback. anomgen
// instead empties the column in place (its values are in the journal
// already), MODIFYs it, and writes the values back converted with CAST:
// the column keeps its position, indexes, constraints and grants, and a
// rollback does the same the other way with the journaled values. The
// price is two UPDATE passes instead of one, and the values of rows
// inserted while the column is empty are the only ones not in the journal
// (a MODIFY then fails and the change is restored).

// StringLiteral is '...' with quotes doubled (Oracle has no backslash
// escapes). Oracle reads an empty string as NULL, so an empty default is
// no default.
func (Dialect) StringLiteral(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// AddColumn fills existing rows with the default (DEFAULT comes before
// NOT NULL in Oracle's column syntax).
func (d Dialect) AddColumn(t planner.TableName, c sqlgen.ColumnSpec) ([]string, error) {
	col := d.Quote(c.Name) + " " + c.Type
	if c.Default != "" {
		col += " DEFAULT " + c.Default
	}
	if !c.Nullable {
		col += " NOT NULL"
	}
	return []string{fmt.Sprintf("ALTER TABLE %s ADD (%s)", d.Table(t), col)}, nil
}

// DropColumn has no CASCADE CONSTRAINTS: a constraint spanning other
// columns or one referenced by a foreign key makes it fail (ORA-12991,
// ORA-12992). Indexes on the column would be dropped silently, so
// ColumnDependents refuses them up front.
func (d Dialect) DropColumn(t planner.TableName, col string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", d.Table(t), d.Quote(col))}
}

func (d Dialect) RenameColumn(t planner.TableName, from, to string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", d.Table(t), d.Quote(from), d.Quote(to))}
}

// AlterColumn is one MODIFY naming only what differs: Oracle refuses to
// set NULL or NOT NULL on a column that has it already (ORA-01451,
// ORA-01442). A default cannot be removed, only set to NULL (which the
// inspector reads as none). A type change is only asked for on an empty
// column (EmptyTypeChange).
func (d Dialect) AlterColumn(t planner.TableName, from, to sqlgen.ColumnSpec) ([]string, error) {
	var parts []string
	if !sqlgen.SameType(from.Type, to.Type) {
		parts = append(parts, to.Type)
	}
	if from.Default != to.Default {
		if to.Default == "" {
			parts = append(parts, "DEFAULT NULL")
		} else {
			parts = append(parts, "DEFAULT "+to.Default)
		}
	}
	if from.Nullable != to.Nullable {
		if to.Nullable {
			parts = append(parts, "NULL")
		} else {
			parts = append(parts, "NOT NULL")
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return []string{fmt.Sprintf("ALTER TABLE %s MODIFY (%s %s)", d.Table(t), d.Quote(from.Name), strings.Join(parts, " "))}, nil
}

func (Dialect) EmptyTypeChange() bool { return true }

func (Dialect) PlacesColumns() bool { return false }

// ColumnDependents lists, for a drop, the indexes on the column (DROP
// COLUMN drops them silently) and the constraints that name it, apart from
// its own NOT NULL. Views that select the column become invalid while it
// is gone and compile again after the rollback.
func (d Dialect) ColumnDependents(op planner.Op, t planner.TableName, col string) (sqlgen.Statement, bool) {
	if op != planner.OpDropColumn {
		return sqlgen.Statement{}, false
	}
	// An empty bind value is NULL in Oracle, so a table without an owner
	// is looked up in the current schema.
	return sqlgen.Statement{SQL: `SELECT 'index ' || ic.INDEX_OWNER || '.' || ic.INDEX_NAME FROM ALL_IND_COLUMNS ic
  WHERE ic.TABLE_OWNER = COALESCE(:1, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')) AND ic.TABLE_NAME = :2 AND ic.COLUMN_NAME = :3
UNION ALL SELECT 'constraint ' || k.CONSTRAINT_NAME FROM ALL_CONS_COLUMNS cc
  JOIN ALL_CONSTRAINTS k ON k.OWNER = cc.OWNER AND k.CONSTRAINT_NAME = cc.CONSTRAINT_NAME
  WHERE cc.OWNER = COALESCE(:4, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')) AND cc.TABLE_NAME = :5 AND cc.COLUMN_NAME = :6
    AND NOT (k.CONSTRAINT_TYPE = 'C' AND k.SEARCH_CONDITION_VC = '"' || cc.COLUMN_NAME || '" IS NOT NULL')`,
		Args: []any{t.Schema, t.Name, col, t.Schema, t.Name, col}}, true
}
