package mysql

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Dialect renders SQL for MySQL 8 and MariaDB 10.6+. The journal schema is a
// database of its own on the same server (default anomgen). DDL commits
// implicitly there, so the executor runs it outside the data transaction
// with a pending marker (see TransactionalDDL).
type Dialect struct{}

var _ sqlgen.Dialect = Dialect{}

func (Dialect) Name() string { return "mysql" }

func (Dialect) Quote(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func (Dialect) Placeholder(int) string { return "?" }

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

func (d Dialect) EnsureJournal(schema string) []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + d.Quote(schema),
		"CREATE TABLE IF NOT EXISTS " + d.CatalogTable(schema) +
			" (id VARCHAR(64) PRIMARY KEY, address VARCHAR(512) NOT NULL, applied_at VARCHAR(40) NOT NULL, entry LONGTEXT NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'applied') ENGINE=InnoDB",
	}
}

func (Dialect) TransactionalDDL() bool { return false }

func (Dialect) Hash(seed string, keys []string) string {
	parts := []string{seed, "':'"}
	for i, k := range keys {
		if i > 0 {
			parts = append(parts, "'|'")
		}
		parts = append(parts, "CAST("+k+" AS CHAR)")
	}
	return fmt.Sprintf("CAST(CONV(SUBSTRING(MD5(CONCAT(%s)), 1, 8), 16, 10) AS UNSIGNED)", strings.Join(parts, ", "))
}

func (Dialect) NotDistinct(a, b string) string { return a + " <=> " + b }

func (Dialect) UpdateJoin(table, journal, col, value, on, cond string) string {
	sql := fmt.Sprintf("UPDATE %s AS t JOIN %s AS j ON %s SET t.%s = %s", table, journal, on, col, value)
	if cond != "" {
		sql += " WHERE " + cond
	}
	return sql
}

func (Dialect) DeleteJoin(table, journal string, keys []string) string {
	on := make([]string, len(keys))
	for i, k := range keys {
		on[i] = "t." + k + " = j." + k
	}
	return fmt.Sprintf("DELETE t FROM %s AS t JOIN %s AS j ON %s", table, journal, strings.Join(on, " AND "))
}

var decimalScale = regexp.MustCompile(`(?i)^\s*decimal\s*\(\s*\d+\s*,\s*(\d+)\s*\)`)

// Scale multiplies in exact decimal arithmetic (the factor is cast to
// DECIMAL), so ROUND rounds halves away from zero like the other dialects;
// a DOUBLE product would round 539.525 down.
func (Dialect) Scale(col string, c planner.Column, factor string) string {
	f := "CAST(" + factor + " AS DECIMAL(38,12))"
	switch c.Class {
	case planner.ClassInteger:
		return fmt.Sprintf("ROUND(%s * %s)", col, f)
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s * %s, %s)", col, f, m[1])
		}
		return fmt.Sprintf("%s * %s", col, f)
	}
	return fmt.Sprintf("%s * %s", col, factor)
}

func (Dialect) TimeArg(t time.Time, _ planner.TimeFormat) any { return t.UTC() }

func (Dialect) InsertRestore(table string, cols []string, _ bool) string {
	return fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(cols, ", "))
}

// LockedRead locks the journaled rows with FOR UPDATE: a locking read
// sees the newest committed version whatever the isolation level.
func (Dialect) LockedRead(table, where string) (from, suffix, pre string) {
	return table + " t", " FOR UPDATE", ""
}

func init() { planner.RegisterCapabilities("mysql", Dialect{}.Capabilities()) }

// Capabilities declares what MySQL can do; the planner's kinds ask these
// instead of naming databases.
func (Dialect) Capabilities() planner.Capabilities {
	return planner.Capabilities{Database: "MySQL", EmptyStringIsNull: false, RegexReplace: true, AlterColumnType: true, Reencode: true}
}
