package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Dialect renders SQL for PostgreSQL 12+.
type Dialect struct{}

var _ sqlgen.Dialect = Dialect{}

func (Dialect) Name() string { return "postgres" }

func (Dialect) Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (Dialect) Placeholder(n int) string { return fmt.Sprintf("$%d", n) }

func (d Dialect) Table(t planner.TableName) string {
	if t.Schema == "" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

func (d Dialect) JournalTable(schema, id string) string {
	return d.Quote(schema) + "." + d.Quote("j_"+id)
}

func (d Dialect) CatalogTable(schema string) string {
	return d.Quote(schema) + "." + d.Quote("journals")
}

// EnsureJournal creates the journal schema only when it is missing: CREATE
// SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema
// exists, so a user granted USAGE and CREATE on a schema an administrator
// made could not apply.
func (d Dialect) EnsureJournal(schema string) []string {
	literal := "'" + strings.ReplaceAll(schema, "'", "''") + "'"
	return []string{
		fmt.Sprintf("DO $anomgen$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s) THEN CREATE SCHEMA %s; END IF; END $anomgen$", literal, d.Quote(schema)),
		"CREATE TABLE IF NOT EXISTS " + d.CatalogTable(schema) +
			" (id text PRIMARY KEY, address text NOT NULL, applied_at text NOT NULL, entry text NOT NULL, status text NOT NULL DEFAULT 'applied')",
	}
}

func (Dialect) Hash(seed string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "CAST(" + k + " AS text)"
	}
	return fmt.Sprintf("('x' || substr(md5(CAST(%s AS text) || ':' || %s), 1, 8))::bit(32)::bigint", seed, strings.Join(parts, " || '|' || "))
}

// NotDistinct compares text forms: json, point, xml and some other types
// have no equality operator, and every type has an exact text form (floats
// included, since PostgreSQL 12), so equal texts mean equal values.
func (Dialect) NotDistinct(a, b string) string {
	return "CAST(" + a + " AS text) IS NOT DISTINCT FROM CAST(" + b + " AS text)"
}

func (Dialect) UpdateJoin(table, journal, col, value, on, cond string) string {
	where := on
	if cond != "" {
		where += " AND " + cond
	}
	return fmt.Sprintf("UPDATE %s AS t SET %s = %s FROM %s AS j WHERE %s", table, col, value, journal, where)
}

func (Dialect) TransactionalDDL() bool { return true }

func (Dialect) DeleteJoin(table, journal string, keys []string) string {
	on := make([]string, len(keys))
	for i, k := range keys {
		on[i] = "t." + k + " = j." + k
	}
	return fmt.Sprintf("DELETE FROM %s AS t USING %s AS j WHERE %s", table, journal, strings.Join(on, " AND "))
}

func (Dialect) Scale(col string, c planner.Column, factor string) string {
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("CAST(ROUND(%s * CAST(%s AS numeric)) AS %s)", col, factor, c.Type)
	case planner.ClassFloat:
		return fmt.Sprintf("%s * CAST(%s AS double precision)", col, factor)
	}
	return fmt.Sprintf("%s * CAST(%s AS numeric)", col, factor)
}

func (Dialect) TimeArg(t time.Time, _ planner.TimeFormat) any { return t.UTC() }

func (Dialect) InsertRestore(table string, cols []string, identity bool) string {
	head := fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(cols, ", "))
	if identity {
		head += " OVERRIDING SYSTEM VALUE"
	}
	return head
}

// LockedRead locks the journaled rows with FOR UPDATE: under READ
// COMMITTED a locking read waits for a concurrent writer and then reads
// the row's newest version.
func (Dialect) LockedRead(table, where string) (from, suffix, pre string) {
	return table + " t", " FOR UPDATE OF t", ""
}

func init() { planner.RegisterCapabilities("postgres", Dialect{}.Capabilities()) }

// Capabilities declares what PostgreSQL can do; the planner's kinds ask these
// instead of naming databases.
func (Dialect) Capabilities() planner.Capabilities {
	return planner.Capabilities{Database: "PostgreSQL", EmptyStringIsNull: false, RegexReplace: true, AlterColumnType: true, Reencode: true}
}
