package oracle

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	go_ora "github.com/sijms/go-ora/v2"
)

// Dialect renders SQL for Oracle Database 19c and later.
//
// Oracle schemas are users, and anomgen does not ask for CREATE USER: the
// journal tables live in the connected user's schema with the journal
// schema as an upper-case name prefix (ANOMGEN_JOURNALS, ANOMGEN_J_<id>),
// like SQLite's. DDL commits implicitly in Oracle, so TransactionalDDL is
// false and the executor runs CREATE and DROP outside the data transaction
// with a pending marker in the catalog.
type Dialect struct{}

var _ sqlgen.Dialect = Dialect{}

func (Dialect) Name() string { return "oracle" }

// Quote quotes an identifier exactly as stored (quoted identifiers are case
// sensitive in Oracle). Oracle identifiers cannot contain a double quote at
// all, so no real table or column has one; doubling it keeps a hostile name
// inside quoted identifiers, where it can only fail to parse.
func (Dialect) Quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (Dialect) Placeholder(n int) string { return fmt.Sprintf(":%d", n) }

func (d Dialect) Table(t planner.TableName) string {
	if t.Schema == "" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

// JournalTable names a journal table in the current schema. The whole name
// is upper case, so that it can also be written unquoted (anomgen_j_...).
func (d Dialect) JournalTable(schema, id string) string {
	return d.Quote(strings.ToUpper(schema + "_j_" + id))
}

// CatalogTable names the catalog table in the current schema.
func (d Dialect) CatalogTable(schema string) string {
	return d.Quote(strings.ToUpper(schema + "_journals"))
}

// EnsureJournal creates the catalog table unless it exists. Oracle 19c has
// no CREATE TABLE IF NOT EXISTS, so a PL/SQL block runs the DDL and ignores
// ORA-00955 (name already used by an existing object). The columns are
// unquoted (ID, ADDRESS, ...) because sqlgen writes them unquoted.
func (d Dialect) EnsureJournal(schema string) []string {
	ddl := "CREATE TABLE " + d.CatalogTable(schema) +
		" (id VARCHAR2(64) PRIMARY KEY, address VARCHAR2(512) NOT NULL, applied_at VARCHAR2(40) NOT NULL," +
		" entry CLOB NOT NULL, status VARCHAR2(16) DEFAULT 'applied' NOT NULL)"
	return []string{"BEGIN\n" +
		"  EXECUTE IMMEDIATE '" + strings.ReplaceAll(ddl, "'", "''") + "';\n" +
		"EXCEPTION\n" +
		"  WHEN OTHERS THEN\n" +
		"    IF SQLCODE != -955 THEN\n" +
		"      RAISE;\n" +
		"    END IF;\n" +
		"END;"}
}

// Hash is the first 32 bits of MD5(seed ':' k1 '|' k2 ...) as a number.
// TO_CHAR renders numbers in decimal (integers without a separator) and
// converts NVARCHAR2 keys to the database character set, so for ASCII keys
// (all integer keys) the bytes hashed are those of every other dialect.
func (Dialect) Hash(seed string, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = "TO_CHAR(" + k + ")"
	}
	return fmt.Sprintf("TO_NUMBER(SUBSTR(RAWTOHEX(STANDARD_HASH(%s || ':' || %s, 'MD5')), 1, 8), 'XXXXXXXX')",
		seed, strings.Join(parts, " || '|' || "))
}

// NotDistinct uses DECODE, which treats two NULLs as equal. It does not
// accept LOB operands (CLOB, BLOB): see the package documentation.
func (Dialect) NotDistinct(a, b string) string { return "DECODE(" + a + ", " + b + ", 1, 0) = 1" }

// UpdateJoin is a MERGE: Oracle has no UPDATE ... FROM, and an updatable
// join view would need a unique key on the journal.
func (Dialect) UpdateJoin(table, journal, col, value, on, cond string) string {
	sql := fmt.Sprintf("MERGE INTO %s t USING %s j ON (%s) WHEN MATCHED THEN UPDATE SET t.%s = %s", table, journal, on, col, value)
	if cond != "" {
		sql += " WHERE " + cond
	}
	return sql
}

func (Dialect) TransactionalDDL() bool { return false }

func (Dialect) DeleteJoin(table, journal string, keys []string) string {
	k := strings.Join(keys, ", ")
	return fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s)", table, k, k, journal)
}

// numberScale finds the scale of NUMBER(p,s), also in the generic spellings
// of other databases (numeric(10,2), decimal(10,2)).
var numberScale = regexp.MustCompile(`(?i)^\s*(?:number|numeric|decimal|dec)\s*\(\s*(?:\d+|\*)\s*,\s*(-?\d+)\s*\)`)

// Scale multiplies in exact NUMBER arithmetic (the driver binds a float64
// factor as a NUMBER from its shortest decimal form, so 1.25 is exactly
// 1.25) and rounds with ROUND, which rounds halves away from zero, to the
// column's scale: 0 places for integer columns, s places for NUMBER(p,s).
// Floating-point columns (BINARY_DOUBLE, FLOAT) are multiplied as they are.
func (Dialect) Scale(col string, c planner.Column, factor string) string {
	switch c.Class {
	case planner.ClassInteger:
		if m := numberScale.FindStringSubmatch(c.Type); m != nil && m[1] != "0" {
			return fmt.Sprintf("ROUND(%s * %s, %s)", col, factor, m[1]) // NUMBER(p,-s)
		}
		return fmt.Sprintf("ROUND(%s * %s)", col, factor)
	case planner.ClassDecimal:
		if m := numberScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s * %s, %s)", col, factor, m[1])
		}
	}
	return fmt.Sprintf("%s * %s", col, factor)
}

// Timestamp is a window bound, bound as an Oracle TIMESTAMP (without time
// zone) holding the UTC wall time. A TIMESTAMP column then compares with it
// directly, so an index on the column can serve the window; a DATE column is
// compared as a TIMESTAMP (fractional seconds of the bound are kept); a
// TIMESTAMP WITH TIME ZONE column converts it with the session time zone,
// which Open sets to UTC. (A time.Time would be bound as TIMESTAMP WITH TIME
// ZONE, which makes Oracle convert every row's value instead.)
type Timestamp time.Time

// Value hands the driver a go-ora TimeStamp, which it binds as TIMESTAMP.
func (t Timestamp) Value() (driver.Value, error) { return go_ora.TimeStamp(t), nil }

func (t Timestamp) String() string { return time.Time(t).UTC().Format(time.RFC3339Nano) }

// TimeArg returns the bound as a Timestamp in UTC.
func (Dialect) TimeArg(t time.Time, _ planner.TimeFormat) any { return Timestamp(t.UTC()) }

// InsertRestore has no override clause: Oracle takes explicit values for
// GENERATED BY DEFAULT identity columns, and has no way to insert into a
// GENERATED ALWAYS one (ORA-32795).
func (Dialect) InsertRestore(table string, cols []string, _ bool) string {
	return fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(cols, ", "))
}

// LockedRead locks the journaled rows before the read: Oracle takes no
// FOR UPDATE in INSERT ... SELECT, but opening a FOR UPDATE cursor locks
// every row it selects (waiting for their writers), and the INSERT that
// follows then reads their newest committed versions.
func (Dialect) LockedRead(table, where string) (from, suffix, pre string) {
	return table + " t", "", fmt.Sprintf("DECLARE CURSOR c IS SELECT 1 FROM %s t WHERE %s FOR UPDATE; BEGIN OPEN c; CLOSE c; END;", table, where)
}

func init() { planner.RegisterCapabilities("oracle", Dialect{}.Capabilities()) }

// Capabilities declares what Oracle can do; the planner's kinds ask these
// instead of naming databases.
func (Dialect) Capabilities() planner.Capabilities {
	return planner.Capabilities{Database: "Oracle", EmptyStringIsNull: true, RegexReplace: true, AlterColumnType: true, Reencode: true}
}
