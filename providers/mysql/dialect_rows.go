package mysql

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.RowDialect   = Dialect{}
	_ sqlgen.MicroShifter = Dialect{}
)

// AddSeconds is DATE_ADD with a SECOND interval: DATETIME and TIMESTAMP
// keep their fractional seconds.
func (Dialect) AddSeconds(col string, _ planner.Column, _ planner.TimeFormat, secs string) string {
	return fmt.Sprintf("DATE_ADD(%s, INTERVAL %s SECOND)", col, secs)
}

func (Dialect) FirstRow(cols, from, where, order string) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT 1", cols, from, where, order)
}

func (Dialect) TextSuffix(key, suffix string) string { return "CONCAT(" + key + ", " + suffix + ")" }

// DerivedUUID sets the version and variant digits of the MD5 digest and
// groups it 8-4-4-4-12 with INSERT (the string function), evaluating MD5
// once (its seed placeholder is positional). MariaDB's UUID type reads that
// form and refuses other variants; a CHAR(36) key is text and gets a
// suffix instead.
func (Dialect) DerivedUUID(seed, key string, _ planner.Column) string {
	s := fmt.Sprintf("INSERT(INSERT(MD5(CONCAT(%s, ':', CAST(%s AS CHAR))), 13, 1, '4'), 17, 1, '8')", seed, key)
	for _, pos := range []string{"21", "17", "13", "9"} {
		s = "INSERT(" + s + ", " + pos + ", 0, '-')"
	}
	return s
}

// DeleteMatching is a multi-table DELETE: a single-table DELETE could not
// read the table in a subquery (error 1093).
func (Dialect) DeleteMatching(table, journal string, _ []string, on, cond string) string {
	return fmt.Sprintf("DELETE t FROM %s AS t JOIN %s AS j ON %s WHERE %s", table, journal, on, cond)
}

// SyncKey is empty: an explicit value above an AUTO_INCREMENT counter moves
// the counter past it.
func (Dialect) SyncKey(string, planner.TableName, planner.Column) string { return "" }

// AddMicros moves a DATETIME(n) or TIMESTAMP(n) by whole microseconds
// (copies that keep a unique index holding the time column).
func (Dialect) AddMicros(col string, _ planner.Column, micros string) string {
	return fmt.Sprintf("DATE_ADD(%s, INTERVAL %s MICROSECOND)", col, micros)
}

// ScratchTable is a temporary table LIKE the target, with its columns and
// CHECK constraints (CREATE TEMPORARY TABLE does not commit). A temporary
// table cannot be partitioned, and LIKE would copy a partitioned table's
// partitions: for those the fallback copies the column types only. It is
// dropped after the transaction.
func (d Dialect) ScratchTable(table, scratch string) (create, fallback string, drop []string) {
	return fmt.Sprintf("CREATE TEMPORARY TABLE %s LIKE %s", scratch, table),
		fmt.Sprintf("CREATE TEMPORARY TABLE %s AS SELECT * FROM %s WHERE 1 = 0", scratch, table),
		[]string{fmt.Sprintf("DROP TEMPORARY TABLE IF EXISTS %s", scratch)}
}
