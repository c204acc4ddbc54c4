package postgres

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.RowDialect = Dialect{}

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

// SyncKey moves the sequence that feeds the key column (serial, bigserial
// or identity: pg_get_serial_sequence finds all three) to the column's new
// maximum, when it is behind it, so the application's next inserts do not
// collide with the copies. It never moves a sequence back, and does
// nothing for a column without a sequence.
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
	return fmt.Sprintf("SELECT setval(s.seq, m.v) FROM (SELECT pg_get_serial_sequence(%s, %s) AS seq) s, (SELECT MAX(%s) AS v FROM %s) m "+
		"WHERE s.seq IS NOT NULL AND m.v > COALESCE(CASE WHEN has_sequence_privilege(s.seq, 'SELECT,USAGE') THEN pg_sequence_last_value(CAST(s.seq AS regclass)) END, 0)",
		lit(table), lit(key.Name), d.Quote(key.Name), table)
}
