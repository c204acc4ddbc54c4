package sqlserver

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

// AddSeconds is DATEADD, whose number must be an int (a bigint argument is
// refused), so the seconds are converted: delays up to 68 years. A date
// column has no seconds for DATEADD: it moves by the whole days in the
// delay, which is what a date keeps of a time moved by it.
func (Dialect) AddSeconds(col string, c planner.Column, _ planner.TimeFormat, secs string) string {
	if strings.EqualFold(strings.TrimSpace(c.Type), "date") {
		return fmt.Sprintf("DATEADD(day, CONVERT(int, %s / 86400), %s)", secs, col)
	}
	return fmt.Sprintf("DATEADD(second, CONVERT(int, %s), %s)", secs, col)
}

// FirstRow uses TOP 1, which allows ORDER BY in a subquery.
func (Dialect) FirstRow(cols, from, where, order string) string {
	return fmt.Sprintf("SELECT TOP 1 %s FROM %s WHERE %s ORDER BY %s", cols, from, where, order)
}

// TextSuffix uses CONCAT, which keeps nvarchar keys nvarchar.
func (Dialect) TextSuffix(key, suffix string) string { return "CONCAT(" + key + ", " + suffix + ")" }

// DerivedUUID writes the MD5 digest (seed and key hashed as varchar, as in
// Hash) as 32 hex digits (CONVERT style 2), sets the version and variant
// digits and groups them 8-4-4-4-12 with STUFF, then converts the text to
// uniqueidentifier, so the uuid reads as on the other databases. (The
// digest's bytes converted directly would be shown with the first three
// groups byte-swapped.)
func (Dialect) DerivedUUID(seed, key string, _ planner.Column) string {
	s := fmt.Sprintf("CONVERT(varchar(32), HASHBYTES('MD5', CONVERT(varchar(8000), %s) + ':' + CONVERT(varchar(8000), %s)), 2)", seed, key)
	s = "STUFF(STUFF(" + s + ", 13, 1, '4'), 17, 1, '8')"
	for _, pos := range []string{"21", "17", "13", "9"} {
		s = "STUFF(" + s + ", " + pos + ", 0, '-')"
	}
	return "CONVERT(uniqueidentifier, " + s + ")"
}

func (Dialect) DeleteMatching(table, journal string, _ []string, on, cond string) string {
	return fmt.Sprintf("DELETE t FROM %s AS t JOIN %s AS j ON %s WHERE %s", table, journal, on, cond)
}

// SyncKey is empty: the copies are inserted with IDENTITY_INSERT on
// (RestoreInsert), and an explicit value above the identity's current
// value becomes its current value.
func (Dialect) SyncKey(string, planner.TableName, planner.Column) string { return "" }

// AddMicros moves a datetime2 or datetimeoffset by whole microseconds
// (copies that keep a unique index holding the time column; datetime and
// smalldatetime move by whole seconds or minutes, through AddSeconds).
func (Dialect) AddMicros(col string, _ planner.Column, micros string) string {
	return fmt.Sprintf("DATEADD(microsecond, CONVERT(int, %s), %s)", micros, col)
}
