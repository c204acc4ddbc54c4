package sqlserver

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Every piece sqlgen needs is here: a missing method fails to compile.
var _ sqlgen.Dialect = Dialect{}

// Dialect renders T-SQL for SQL Server 2017 and later and Azure SQL
// Database. The journal schema is a real schema in the target database
// (default anomgen). DDL is transactional in SQL Server, so the journal
// table, the mutation and the catalog entry commit together.
//
// Two statements differ in form from the other dialects, through sqlgen's
// optional interfaces:
//
//   - journal tables are made with SELECT ... INTO (TableCreator), since
//     there is no CREATE TABLE ... AS;
//   - the restore of deleted rows is one batch that switches
//     SET IDENTITY_INSERT on around the INSERT when the table has an
//     identity column, and off again afterwards, also when the INSERT
//     fails (RestoreInserter).
type Dialect struct{}

var (
	_ sqlgen.Dialect         = Dialect{}
	_ sqlgen.TableCreator    = Dialect{}
	_ sqlgen.RestoreInserter = Dialect{}
)

func (Dialect) Name() string { return "sqlserver" }

// Quote writes a bracketed identifier; a ] inside is doubled.
func (Dialect) Quote(s string) string { return "[" + strings.ReplaceAll(s, "]", "]]") + "]" }

// Placeholder is @pN, the name go-mssqldb gives the N-th argument.
func (Dialect) Placeholder(n int) string { return fmt.Sprintf("@p%d", n) }

// Table is [schema].[table]; dbo when the name has no schema (the
// inspector always fills in the schema it resolved).
func (d Dialect) Table(t planner.TableName) string {
	schema := t.Schema
	if schema == "" {
		schema = "dbo"
	}
	return d.Quote(schema) + "." + d.Quote(t.Name)
}

func (d Dialect) JournalTable(schema, id string) string {
	return d.Quote(schema) + "." + d.Quote("j_"+id)
}

func (d Dialect) CatalogTable(schema string) string {
	return d.Quote(schema) + "." + d.Quote("journals")
}

// literal is s as an N'...' string literal.
func literal(s string) string { return "N'" + strings.ReplaceAll(s, "'", "''") + "'" }

// EnsureJournal creates the schema and the catalog table when missing.
// CREATE SCHEMA must be alone in its batch, hence EXEC.
func (d Dialect) EnsureJournal(schema string) []string {
	cat := d.CatalogTable(schema)
	return []string{
		fmt.Sprintf("IF SCHEMA_ID(%s) IS NULL EXEC(%s)", literal(schema), literal("CREATE SCHEMA "+d.Quote(schema))),
		fmt.Sprintf("IF OBJECT_ID(%s, N'U') IS NULL CREATE TABLE %s (id nvarchar(64) NOT NULL PRIMARY KEY, address nvarchar(512) NOT NULL, "+
			"applied_at nvarchar(40) NOT NULL, entry nvarchar(max) NOT NULL, status nvarchar(16) NOT NULL DEFAULT N'applied')", literal(cat), cat),
	}
}

// Hash is the first 32 bits of MD5(seed ':' k1 '|' k2 ...), unsigned.
// HASHBYTES hashes the bytes of its argument: over nvarchar those are
// UTF-16, so seed and keys are converted to varchar first, which for ASCII
// text (every integer key) gives the bytes the other dialects hash.
// CONVERT(binary(4), ...) keeps the first four bytes of the digest, and
// CONVERT(bigint, binary(4)) reads them big-endian, padded with zeros on
// the left, so the value is in [0, 2^32). Concatenating with + keeps NULL
// as NULL (no row is chosen for a NULL key, as elsewhere).
func (Dialect) Hash(seed string, keys []string) string {
	parts := []string{"CONVERT(varchar(8000), " + seed + ")", "':'"}
	for i, k := range keys {
		if i > 0 {
			parts = append(parts, "'|'")
		}
		parts = append(parts, "CONVERT(varchar(8000), "+k+")")
	}
	return fmt.Sprintf("CONVERT(bigint, CONVERT(binary(4), HASHBYTES('MD5', %s)))", strings.Join(parts, " + "))
}

// NotDistinct is null-safe equality of the stored bytes. SQL Server 2017
// has no IS NOT DISTINCT FROM. A plain = would follow the column's
// collation ('abc' = 'ABC ' under the usual case-insensitive ones, so a
// row someone changed would pass for unchanged) and is not defined for
// xml, text, ntext, image, geography and geometry; the two sides always
// have the same type here (a table column and its journal copy).
func (Dialect) NotDistinct(a, b string) string {
	return fmt.Sprintf("(CONVERT(varbinary(max), %s) = CONVERT(varbinary(max), %s) OR (%s IS NULL AND %s IS NULL))", a, b, a, b)
}

func (Dialect) UpdateJoin(table, journal, col, value, on, cond string) string {
	sql := fmt.Sprintf("UPDATE t SET t.%s = %s FROM %s AS t JOIN %s AS j ON %s", col, value, table, journal, on)
	if cond != "" {
		sql += " WHERE " + cond
	}
	return sql
}

func (Dialect) TransactionalDDL() bool { return true }

// CreateTableAs makes an empty copy of the columns with SELECT ... INTO.
// SELECT ... INTO copies the IDENTITY property of an identity column,
// which would make the journal refuse the key values inserted into it;
// the UNION ALL with the same empty query drops that property (and only
// that: names, types, lengths and collations stay). Computed columns
// become plain columns holding the computed values.
func (Dialect) CreateTableAs(table, cols, from string) string {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE 1 = 0", cols, from)
	return fmt.Sprintf("SELECT %s INTO %s FROM %s WHERE 1 = 0 UNION ALL %s", cols, table, from, q)
}

func (Dialect) DeleteJoin(table, journal string, keys []string) string {
	on := make([]string, len(keys))
	for i, k := range keys {
		on[i] = "t." + k + " = j." + k
	}
	return fmt.Sprintf("DELETE t FROM %s AS t JOIN %s AS j ON %s", table, journal, strings.Join(on, " AND "))
}

var (
	decimalScale = regexp.MustCompile(`(?i)^\s*(?:numeric|decimal|dec)\s*\(\s*\d+\s*,\s*(\d+)\s*\)`)
	moneyType    = regexp.MustCompile(`(?i)^\s*(?:small)?money\s*$`)
	integerType  = regexp.MustCompile(`(?i)^\s*(tinyint|smallint|int|integer|bigint)\s*$`)
)

// factor is the scale factor as an exact decimal. decimal(18,8) keeps 8
// places of the factor, and its product with any column up to
// decimal(19,s) (bigint is decimal(19,0)) needs at most 38 digits, so
// SQL Server computes it exactly, without dropping places of scale.
func factor(p string) string { return "CONVERT(decimal(18,8), " + p + ")" }

// Scale multiplies in exact decimal arithmetic and rounds with ROUND, which
// rounds halves away from zero for decimals (539.525 becomes 539.53, as in
// PostgreSQL); a float product would round some halves down. Integer
// columns get a whole number converted back to their type, decimal and
// money columns their number of places; float columns are multiplied in
// floating point.
func (Dialect) Scale(col string, c planner.Column, f string) string {
	switch c.Class {
	case planner.ClassInteger:
		typ := "bigint"
		if m := integerType.FindStringSubmatch(c.Type); m != nil {
			typ = strings.ToLower(m[1])
		}
		return fmt.Sprintf("CONVERT(%s, ROUND(%s * %s, 0))", typ, col, factor(f))
	case planner.ClassDecimal:
		if m := decimalScale.FindStringSubmatch(c.Type); m != nil {
			return fmt.Sprintf("ROUND(%s * %s, %s)", col, factor(f), m[1])
		}
		if moneyType.MatchString(c.Type) {
			return fmt.Sprintf("ROUND(%s * %s, 4)", col, factor(f))
		}
		return fmt.Sprintf("%s * %s", col, factor(f))
	}
	return fmt.Sprintf("%s * %s", col, f)
}

// TimeArg passes the bound as a time.Time in UTC, which go-mssqldb sends as
// datetimeoffset(7). Comparisons with datetime2, datetime, smalldatetime
// and date columns then convert the column's value with offset +00:00, so
// they compare UTC instants, the same as for datetimeoffset columns.
func (Dialect) TimeArg(t time.Time, _ planner.TimeFormat) any { return t.UTC() }

// InsertRestore is the plain INSERT head; sqlgen uses RestoreInsert, which
// handles identity columns.
func (Dialect) InsertRestore(table string, cols []string, _ bool) string {
	return fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(cols, ", "))
}

// RestoreInsert puts journaled rows back in one batch. With identity, and
// when the table has an identity column (checked when the batch runs),
// SET IDENTITY_INSERT is on for the INSERT so the rows keep their values,
// and off again afterwards, also when the INSERT fails: it is a session
// setting, only one table per session may have it on, and the session goes
// back to the pool. The SETs and IFs add no affected-row count, so the
// batch's count is the INSERT's.
func (d Dialect) RestoreInsert(table string, cols []string, identity bool, query string) string {
	insert := d.InsertRestore(table, cols, identity) + " " + query
	if !identity {
		return insert
	}
	has := fmt.Sprintf("IF OBJECTPROPERTY(OBJECT_ID(%s), N'TableHasIdentity') = 1", literal(table))
	on := has + " SET IDENTITY_INSERT " + table + " ON;\n"
	off := has + " SET IDENTITY_INSERT " + table + " OFF"
	return on +
		"BEGIN TRY\n" +
		"  " + insert + ";\n" +
		"END TRY\n" +
		"BEGIN CATCH\n" +
		"  " + off + ";\n" +
		"  THROW;\n" +
		"END CATCH;\n" +
		off
}

// LockedRead takes update locks on the journaled rows (held to the end of
// the transaction), so that a concurrent writer waits for the change. Not
// run against a server here: golden SQL only.
func (Dialect) LockedRead(table, where string) (from, suffix, pre string) {
	return table + " AS t WITH (UPDLOCK, ROWLOCK)", "", ""
}

func init() { planner.RegisterCapabilities("sqlserver", Dialect{}.Capabilities()) }

// Capabilities declares what SQL Server can do; the planner's kinds ask these
// instead of naming databases.
func (Dialect) Capabilities() planner.Capabilities {
	return planner.Capabilities{Database: "SQL Server", EmptyStringIsNull: false, RegexReplace: false, AlterColumnType: true, Reencode: false}
}
