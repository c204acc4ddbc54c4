package sqlite

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Dialect renders SQL for SQLite 3.35+. SQLite has no schemas of its own
// kind, so journal tables live in the main database with the journal
// schema as a name prefix (anomgen_journals, anomgen_j_<id>).
type Dialect struct{}

var _ sqlgen.Dialect = Dialect{}

func (Dialect) Name() string { return "sqlite" }

func (Dialect) Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (Dialect) Placeholder(n int) string { return fmt.Sprintf("?%d", n) }

func (d Dialect) Table(t planner.TableName) string {
	if t.Schema == "" || t.Schema == "main" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

func (d Dialect) JournalTable(schema, id string) string { return d.Quote(schema + "_j_" + id) }

func (d Dialect) CatalogTable(schema string) string { return d.Quote(schema + "_journals") }

func (d Dialect) EnsureJournal(schema string) []string {
	return []string{"CREATE TABLE IF NOT EXISTS " + d.CatalogTable(schema) +
		" (id TEXT PRIMARY KEY, address TEXT NOT NULL, applied_at TEXT NOT NULL, entry TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'applied')"}
}

// Hash calls anomgen_hash, a Go function registered with the driver that
// computes the same value as the other dialects' MD5 expressions.
func (Dialect) Hash(seed string, keys []string) string {
	return fmt.Sprintf("anomgen_hash(%s, %s)", seed, strings.Join(keys, ", "))
}

func (Dialect) NotDistinct(a, b string) string { return a + " IS " + b }

func (Dialect) UpdateJoin(table, journal, col, value, on, cond string) string {
	where := on
	if cond != "" {
		where += " AND " + cond
	}
	return fmt.Sprintf("UPDATE %s AS t SET %s = %s FROM %s AS j WHERE %s", table, col, value, journal, where)
}

func (Dialect) TransactionalDDL() bool { return true }

func (Dialect) DeleteJoin(table, journal string, keys []string) string {
	k := strings.Join(keys, ", ")
	return fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s)", table, k, k, journal)
}

var decimalScale = regexp.MustCompile(`(?i)^\s*(?:numeric|decimal)\s*\(\s*\d+\s*,\s*(\d+)\s*\)`)

func (Dialect) Scale(col string, c planner.Column, factor string) string {
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("anomgen_scale(%s, %s, 0)", col, factor)
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("anomgen_scale(%s, %s, %s)", col, factor, m[1])
		}
	}
	return fmt.Sprintf("%s * %s", col, factor)
}

// TimeArg renders a window bound in the column's storage format. Stored
// values are whole units of that format (seconds, milliseconds, days), so
// the bound is rounded up to the next whole unit: v >= from and v < to then
// hold exactly when they hold for the unrounded bound. (Truncating instead
// would take in rows just before the window's start and leave out rows
// just before its end.)
func (Dialect) TimeArg(t time.Time, f planner.TimeFormat) any {
	t = t.UTC()
	switch {
	case f.Epoch == "s":
		return ceilTime(t, time.Second).Unix()
	case f.Epoch == "ms":
		return ceilTime(t, time.Millisecond).UnixMilli()
	case f.Layout != "":
		unit := time.Second
		if strings.Contains(f.Layout, ".000") {
			unit = time.Millisecond
		} else if !strings.Contains(f.Layout, "05") {
			unit = 24 * time.Hour // a date
		}
		return ceilTime(t, unit).Format(f.Layout)
	}
	return ceilTime(t, time.Second).Format("2006-01-02 15:04:05")
}

// ceilTime rounds t up to a multiple of unit (UTC days for 24h).
func ceilTime(t time.Time, unit time.Duration) time.Time {
	if r := t.Truncate(unit); r.Before(t) {
		return r.Add(unit)
	}
	return t
}

func (Dialect) InsertRestore(table string, cols []string, _ bool) string {
	return fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(cols, ", "))
}

// LockedRead needs no lock: SQLite has one writer at a time, and a write
// transaction that began on an older snapshot fails instead of writing.
func (Dialect) LockedRead(table, where string) (from, suffix, pre string) {
	return table + " t", "", ""
}

func init() { planner.RegisterCapabilities("sqlite", Dialect{}.Capabilities()) }

// Capabilities declares what SQLite can do; the planner's kinds ask these
// instead of naming databases.
func (Dialect) Capabilities() planner.Capabilities {
	return planner.Capabilities{Database: "SQLite", EmptyStringIsNull: false, RegexReplace: true, AlterColumnType: false, Reencode: true}
}
