package mysql

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// MySQL and MariaDB commit every DDL statement by itself (each ALTER TABLE
// is atomic: MySQL 8's atomic DDL, MariaDB's copy-and-rename), so the
// executor journals first and changes after, with the catalog status
// telling a stopped run where it was (see sqlgen/schema.go).

// StringLiteral is '...' with quotes doubled. A value with a backslash or
// a control character is a hex literal with the utf8mb4 introducer
// (_utf8mb4 X'...'), which reads the same whatever sql_mode says about
// backslash escapes.
func (Dialect) StringLiteral(v string) string {
	plain := true
	for _, r := range v {
		if r == '\\' || r < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return "_utf8mb4 X'" + strings.ToUpper(hex.EncodeToString([]byte(v))) + "'"
}

// blobType matches the types whose default MySQL 8 accepts only as an
// expression in parentheses (MariaDB accepts both forms).
var blobType = regexp.MustCompile(`(?i)^\s*(tiny|medium|long)?(text|blob)\b|^\s*(json|geometry|point|linestring|polygon)\b`)

func defaultClause(typ, def string) string {
	if def == "" {
		return ""
	}
	if blobType.MatchString(typ) && !strings.HasPrefix(def, "(") {
		return " DEFAULT (" + def + ")"
	}
	return " DEFAULT " + def
}

func nullClause(nullable bool) string {
	if nullable {
		return " NULL"
	}
	return " NOT NULL"
}

// AddColumn fills existing rows with the default, and puts the column
// after c.After (FIRST for "") when c.Place is set.
func (d Dialect) AddColumn(t planner.TableName, c sqlgen.ColumnSpec) ([]string, error) {
	sql := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s%s%s", d.Table(t), d.Quote(c.Name), c.Type, nullClause(c.Nullable), defaultClause(c.Type, c.Default))
	if c.Place {
		if c.After == "" {
			sql += " FIRST"
		} else {
			sql += " AFTER " + d.Quote(c.After)
		}
	}
	return []string{sql}, nil
}

func (d Dialect) DropColumn(t planner.TableName, col string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", d.Table(t), d.Quote(col))}
}

// RenameColumn needs MySQL 8 or MariaDB 10.5.
func (d Dialect) RenameColumn(t planner.TableName, from, to string) []string {
	return []string{fmt.Sprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", d.Table(t), d.Quote(from), d.Quote(to))}
}

// AlterColumn is MODIFY COLUMN, which redefines the whole column: type,
// NULL or NOT NULL and default are all restated (left out, they would be
// dropped). It keeps the column's position; the attributes it would lose
// (comment, collation, ON UPDATE, invisibility) are refused up front by
// ColumnDependents. Values are converted by the server (strict mode
// refuses values that do not fit, and the ALTER changes nothing).
func (d Dialect) AlterColumn(t planner.TableName, from, to sqlgen.ColumnSpec) ([]string, error) {
	if sqlgen.SameType(from.Type, to.Type) && from.Nullable == to.Nullable && from.Default == to.Default {
		return nil, nil
	}
	return []string{fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s %s%s%s", d.Table(t), d.Quote(from.Name), to.Type, nullClause(to.Nullable), defaultClause(to.Type, to.Default))}, nil
}

func (Dialect) EmptyTypeChange() bool { return false }

func (Dialect) PlacesColumns() bool { return true }

// ColumnDependents lists, for a drop, the indexes on the column (DROP
// COLUMN takes the column out of them, and drops those left empty) and
// the foreign keys from or to it; for a drop and a type change, the
// attributes that a column added again or redefined with MODIFY does not
// get back: a comment, a collation other than the table's, ON UPDATE,
// AUTO_INCREMENT, INVISIBLE. Views that name the column are not tracked
// by the server; they fail while it is gone and work again after the
// rollback.
func (d Dialect) ColumnDependents(op planner.Op, t planner.TableName, col string) (sqlgen.Statement, bool) {
	if op != planner.OpDropColumn && op != planner.OpChangeType {
		return sqlgen.Statement{}, false
	}
	const schema = "COALESCE(NULLIF(?, ''), DATABASE())"
	var parts []string
	var args []any
	where := func(prefix string) string {
		args = append(args, t.Schema, t.Name, col)
		return fmt.Sprintf("(%sTABLE_SCHEMA = %s AND %sTABLE_NAME = ? AND %sCOLUMN_NAME = ?)", prefix, schema, prefix, prefix)
	}
	if op == planner.OpDropColumn {
		parts = append(parts,
			"SELECT DISTINCT CONCAT('index ', INDEX_NAME) FROM information_schema.STATISTICS WHERE "+where(""),
			"SELECT CONCAT('foreign key ', CONSTRAINT_NAME, ' of ', TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL AND ("+
				where("")+" OR "+where("REFERENCED_")+")")
	}
	// A CHECK constraint or a generated column naming the column: dropping
	// the column drops the constraint with it (MariaDB) or fails on the
	// generated column; a type change may break either.
	args = append(args, t.Schema, t.Name, col, t.Schema, t.Name, col, col)
	parts = append(parts,
		"SELECT CONCAT('check constraint ', cc.CONSTRAINT_NAME) FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc"+
			" ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME WHERE tc.CONSTRAINT_TYPE = 'CHECK'"+
			" AND tc.TABLE_SCHEMA = "+schema+" AND tc.TABLE_NAME = ? AND cc.CHECK_CLAUSE LIKE CONCAT('%`', ?, '`%')",
		"SELECT CONCAT('generated column ', COLUMN_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "+schema+" AND TABLE_NAME = ?"+
			" AND COLUMN_NAME <> ? AND GENERATION_EXPRESSION LIKE CONCAT('%`', ?, '`%')")
	parts = append(parts,
		"SELECT CONCAT('a comment ''', COLUMN_COMMENT, '''') FROM information_schema.COLUMNS WHERE "+where("")+" AND COLUMN_COMMENT <> ''",
		"SELECT CONCAT('the attribute ', EXTRA) FROM information_schema.COLUMNS WHERE "+where("")+
			" AND (EXTRA LIKE '%on update%' OR EXTRA LIKE '%auto_increment%' OR EXTRA LIKE '%invisible%')",
		"SELECT CONCAT('the collation ', c.COLLATION_NAME, ' (the table''s is ', tb.TABLE_COLLATION, ')') FROM information_schema.COLUMNS c"+
			" JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME WHERE "+where("c.")+
			" AND c.COLLATION_NAME IS NOT NULL AND c.COLLATION_NAME <> tb.TABLE_COLLATION")
	return sqlgen.Statement{SQL: strings.Join(parts, "\nUNION ALL "), Args: args}, true
}

// columnDefault turns information_schema.COLUMNS.COLUMN_DEFAULT into SQL
// text. MariaDB (10.2.7+) writes it as SQL already: literals quoted,
// expressions bare, and the string NULL for "no default" (or DEFAULT
// NULL: the same thing). MySQL writes literals unquoted, and marks
// expression defaults DEFAULT_GENERATED in EXTRA (8.0.13+), escaping the
// quotes inside them.
func columnDefault(def *string, extra, dataType string, mariadb bool) string {
	if def == nil {
		return ""
	}
	v := *def
	if mariadb {
		if strings.EqualFold(v, "NULL") {
			return ""
		}
		return v
	}
	upper := strings.ToUpper(v)
	switch {
	case strings.HasPrefix(upper, "CURRENT_TIMESTAMP") || strings.HasPrefix(upper, "NOW(") || strings.HasPrefix(upper, "LOCALTIME"):
		return v
	case strings.Contains(strings.ToUpper(extra), "DEFAULT_GENERATED"):
		return "(" + strings.ReplaceAll(v, `\'`, `'`) + ")"
	case dataType == "bit" && strings.HasPrefix(v, "b'"):
		return v
	}
	return Dialect{}.StringLiteral(v)
}
