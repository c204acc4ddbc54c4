package postgres

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// PostgreSQL DDL is transactional: a schema change commits with its
// journal and catalog entry, or not at all.

// StringLiteral is '...' with quotes doubled; a value with a backslash is
// written E'...' with backslashes doubled too, which reads the same
// whatever standard_conforming_strings says.
func (Dialect) StringLiteral(v string) string {
	if strings.Contains(v, `\`) {
		return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(v) + "'"
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// AddColumn fills existing rows with the default, as PostgreSQL does.
func (d Dialect) AddColumn(t planner.TableName, c sqlgen.ColumnSpec) ([]string, error) {
	sql := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", d.Table(t), d.Quote(c.Name), c.Type)
	if c.Default != "" {
		sql += " DEFAULT " + c.Default
	}
	if !c.Nullable {
		sql += " NOT NULL"
	}
	return []string{sql}, nil
}

// DropColumn has no CASCADE: a view on the column makes it fail (the
// transaction is rolled back), and the objects it would drop silently
// (indexes, constraints, owned sequences) are refused up front by
// ColumnDependents.
func (d Dialect) DropColumn(t planner.TableName, col string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", d.Table(t), d.Quote(col))}
}

func (d Dialect) RenameColumn(t planner.TableName, from, to string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", d.Table(t), d.Quote(from), d.Quote(to))}
}

// AlterColumn is one ALTER TABLE. A type change converts the values with
// USING CAST(col AS type); the default is dropped first and set again
// afterwards (PostgreSQL would otherwise convert the default too, and fail
// where it cannot, or keep it wrapped in casts), so a rollback puts back
// the default exactly as the catalog had it. PostgreSQL keeps NOT NULL
// and indexes through a type change.
func (d Dialect) AlterColumn(t planner.TableName, from, to sqlgen.ColumnSpec) ([]string, error) {
	col := "ALTER COLUMN " + d.Quote(from.Name)
	retype := !sqlgen.SameType(from.Type, to.Type)
	var parts []string
	if retype && from.Default != "" {
		parts = append(parts, col+" DROP DEFAULT")
	}
	if retype {
		parts = append(parts, fmt.Sprintf("%s TYPE %s USING CAST(%s AS %s)", col, to.Type, d.Quote(from.Name), to.Type))
	}
	switch {
	case to.Default != "" && (retype || to.Default != from.Default):
		parts = append(parts, col+" SET DEFAULT "+to.Default)
	case to.Default == "" && from.Default != "" && !retype:
		parts = append(parts, col+" DROP DEFAULT")
	}
	if from.Nullable != to.Nullable {
		if to.Nullable {
			parts = append(parts, col+" DROP NOT NULL")
		} else {
			parts = append(parts, col+" SET NOT NULL")
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	return []string{"ALTER TABLE " + d.Table(t) + " " + strings.Join(parts, ", ")}, nil
}

func (Dialect) EmptyTypeChange() bool { return false }

func (Dialect) PlacesColumns() bool { return false }

// ColumnDependents lists, for a drop, every object pg_depend records on
// the column except its own default: indexes, constraints (also foreign
// keys of other tables), sequences it owns (serial), generated columns,
// views and rules, triggers with UPDATE OF, statistics, policies. DROP
// COLUMN would drop most of them with it, and a rollback could not bring
// them back. Type changes and renames keep them (or fail on their own).
func (d Dialect) ColumnDependents(op planner.Op, t planner.TableName, col string) (sqlgen.Statement, bool) {
	if op != planner.OpDropColumn {
		return sqlgen.Statement{}, false
	}
	return sqlgen.Statement{SQL: `SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) FROM pg_depend dep
  JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
WHERE dep.refclassid = 'pg_class'::regclass AND dep.refobjid = CAST($1 AS regclass) AND a.attname = $2 AND dep.deptype IN ('n', 'a', 'i')
  AND NOT (dep.classid = 'pg_attrdef'::regclass AND dep.objid IN (SELECT ad.oid FROM pg_attrdef ad WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum))
ORDER BY 1`, Args: []any{d.Table(t), col}}, true
}
