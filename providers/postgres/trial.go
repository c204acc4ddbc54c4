package postgres

import (
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.TrialNeeder = Dialect{}

// TrialNeeded: the count computes a column update's new values as
// CAST(new AS type) (Differs), which refuses what the UPDATE's assignment
// refuses for PostgreSQL's own base types (out of range, numeric overflow,
// an invalid timestamp) but not a CHECK constraint, and not for every
// type: an explicit cast to character(n), character varying(n), bit(n)
// and bit varying(n) truncates where the assignment refuses. So the value
// trial is needed where the table or one of its partitions has a CHECK
// constraint (any, validated or not: an UPDATE checks them all on the new
// row), or the column's type is not one of pg_catalog's base types other
// than those four and arrays (a domain, enum, range, composite, or a
// user's base type).
func (d Dialect) TrialNeeded(table planner.TableName, c planner.Column) sqlgen.Statement {
	return sqlgen.Statement{SQL: `WITH RECURSIVE tree(relid) AS (
			SELECT CAST(CAST($1 AS regclass) AS oid)
			UNION ALL
			SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)
		SELECT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.contype = 'c' AND con.conrelid IN (SELECT relid FROM tree))
		OR NOT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
			WHERE a.attrelid = CAST($1 AS regclass) AND a.attname = $2 AND NOT a.attisdropped
			AND ty.typtype = 'b' AND ty.typcategory <> 'A' AND ty.typnamespace = (SELECT n.oid FROM pg_namespace n WHERE n.nspname = 'pg_catalog')
			AND ty.typname NOT IN ('bpchar', 'varchar', 'bit', 'varbit'))`,
		Args: []any{d.Table(table), c.Name}}
}
