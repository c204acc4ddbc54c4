package postgres

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.RowDialect   = Dialect{}
	_ sqlgen.MicroShifter = Dialect{}
)

// AddSeconds adds an interval made from the seconds, which keeps the
// column's type for timestamp and timestamptz (a date becomes a timestamp
// and is truncated back to the date on assignment).
func (Dialect) AddSeconds(col string, _ planner.Column, _ planner.TimeFormat, secs string) string {
	return fmt.Sprintf("%s + make_interval(secs => %s)", col, secs)
}

func (Dialect) FirstRow(cols, from, where, order string) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT 1", cols, from, where, order)
}

func (Dialect) TextSuffix(key, suffix string) string { return key + " || " + suffix }

// DerivedUUID casts the MD5 digest's 32 hex digits, with the version and
// variant digits set, to uuid, which reads them as its 16 bytes in order.
func (Dialect) DerivedUUID(seed, key string, _ planner.Column) string {
	return fmt.Sprintf("CAST(overlay(overlay(md5(CAST(%s AS text) || ':' || CAST(%s AS text)) placing '4' from 13) placing '8' from 17) AS uuid)", seed, key)
}

func (Dialect) DeleteMatching(table, journal string, _ []string, on, cond string) string {
	return fmt.Sprintf("DELETE FROM %s AS t USING %s AS j WHERE %s AND %s", table, journal, on, cond)
}

// SyncKey moves the sequence that feeds the key column to the column's new
// maximum, when it is behind it, so the application's next inserts do not
// collide with the copies: the sequence of a serial, bigserial or identity
// column (pg_get_serial_sequence, which finds those the column owns), or
// else the sequence the column's default calls nextval on (found through
// pg_depend: a sequence created on its own, not OWNED BY the column, as
// Pagila's are). It never moves a sequence back, and does nothing for a
// column without a sequence.
//
// Sequences are not transactional: a setval stays even when the data
// transaction then rolls back, and rollback of the anomaly does not move
// it back either. Both only leave a gap in the key values, which
// sequences leave anyway (nextval is not rolled back).
//
// setval needs UPDATE on the sequence (its owner has it); without it the
// apply fails with a permission error and changes nothing. The sequence's
// last value is read only with SELECT or USAGE on it (as pg_sequences
// does); without those it counts as never used.
func (d Dialect) SyncKey(table string, name planner.TableName, key planner.Column) string {
	lit := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	// The default's sequence: pg_attrdef depends on every relation its
	// expression names, and of those only a sequence can be nextval's.
	byDefault := fmt.Sprintf("(SELECT CAST(CAST(dep.refobjid AS regclass) AS text) FROM pg_attrdef ad "+
		"JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum "+
		"JOIN pg_depend dep ON dep.classid = CAST('pg_attrdef' AS regclass) AND dep.objid = ad.oid AND dep.refclassid = CAST('pg_class' AS regclass) "+
		"JOIN pg_class sq ON sq.oid = dep.refobjid AND sq.relkind = 'S' "+
		"WHERE ad.adrelid = CAST(%s AS regclass) AND a.attname = %s ORDER BY dep.refobjid LIMIT 1)", lit(table), lit(key.Name))
	return fmt.Sprintf("SELECT setval(s.seq, m.v) FROM (SELECT COALESCE(pg_get_serial_sequence(%s, %s), %s) AS seq) s, (SELECT MAX(%s) AS v FROM %s) m "+
		"WHERE s.seq IS NOT NULL AND m.v > COALESCE(CASE WHEN has_sequence_privilege(s.seq, 'SELECT,USAGE') THEN pg_sequence_last_value(CAST(s.seq AS regclass)) END, 0)",
		lit(table), lit(key.Name), byDefault, d.Quote(key.Name), table)
}

// AddMicros moves a timestamp by whole microseconds (copies that keep a
// unique index holding the time column).
func (Dialect) AddMicros(col string, _ planner.Column, micros string) string {
	return fmt.Sprintf("%s + CAST(%s AS double precision) * INTERVAL '1 microsecond'", col, micros)
}

// ScratchTable is a temporary table LIKE the target with its CHECK
// constraints (domains come with the column types), dropped by the
// rollback of the transaction that made it.
func (d Dialect) ScratchTable(table, scratch string) (create, fallback string, drop []string) {
	return fmt.Sprintf("CREATE TEMPORARY TABLE %s (LIKE %s INCLUDING CONSTRAINTS) ON COMMIT DROP", scratch, table), "", nil
}
