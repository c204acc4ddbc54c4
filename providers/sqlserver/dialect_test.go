package sqlserver_test

import (
	"crypto/md5"
	"encoding/binary"
	"math/big"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

var d = sqlserver.Dialect{}

// TestHashExpression pins the T-SQL of the selection hash and checks, step
// by step in Go, that it computes the rule every dialect shares: the first
// 32 bits (big-endian, unsigned) of MD5 over seed ":" k1 "|" k2 ..., keys
// as text. On a server, this returns 1494077868 (md5("42:1") starts with
// 59 0d d1 ac):
//
//	SELECT CONVERT(bigint, CONVERT(binary(4), HASHBYTES('MD5',
//	    CONVERT(varchar(8000), N'42') + ':' + CONVERT(varchar(8000), CONVERT(bigint, 1)))))
func TestHashExpression(t *testing.T) {
	got := d.Hash("@p1", []string{"t.[id]"})
	want := "CONVERT(bigint, CONVERT(binary(4), HASHBYTES('MD5', CONVERT(varchar(8000), @p1) + ':' + CONVERT(varchar(8000), t.[id]))))"
	if got != want {
		t.Errorf("Hash:\n got %s\nwant %s", got, want)
	}
	if got := d.Hash("@p1", []string{"t.[a]", "t.[b]"}); got != "CONVERT(bigint, CONVERT(binary(4), HASHBYTES('MD5', CONVERT(varchar(8000), @p1) + ':' + CONVERT(varchar(8000), t.[a]) + '|' + CONVERT(varchar(8000), t.[b]))))" {
		t.Errorf("Hash of two keys: %s", got)
	}

	// The expression, evaluated by hand:
	tsql := func(seed string, keys ...string) int64 {
		// CONVERT(varchar(8000), x): integers in decimal; ASCII text keeps
		// its bytes (varchar, not UTF-16 nvarchar).
		text := seed + ":" + strings.Join(keys, "|") // + ':' + ... + '|' + ...
		digest := md5.Sum([]byte(text))              // HASHBYTES('MD5', varchar): 16 bytes
		first4 := digest[:4]                         // CONVERT(binary(4), varbinary(16)) keeps the leftmost bytes
		// CONVERT(bigint, binary(4)) pads on the left with zero bytes to 8
		// and reads big-endian: never negative.
		padded := append(make([]byte, 4), first4...)
		return new(big.Int).SetBytes(padded).Int64()
	}
	rule := func(seed string, keys ...string) int64 { // providertest's chosen()
		sum := md5.Sum([]byte(seed + ":" + strings.Join(keys, "|")))
		return int64(binary.BigEndian.Uint32(sum[:4]))
	}
	for _, c := range []struct {
		seed string
		keys []string
		want int64
	}{
		{"42", []string{"1"}, 1494077868},
		{"42", []string{"2"}, 2010484695},
		{"7", []string{"12345"}, 4248230906}, // above 2^31: unsigned
		{"42", []string{"1", "abc"}, 785065859},
	} {
		if got := tsql(c.seed, c.keys...); got != c.want || got != rule(c.seed, c.keys...) {
			t.Errorf("hash(%s, %v) = %d, want %d (rule %d)", c.seed, c.keys, got, c.want, rule(c.seed, c.keys...))
		}
	}
}

func TestQuoteHostile(t *testing.T) {
	for in, want := range map[string]string{
		"orders":            "[orders]",
		"a]b":               "[a]]b]",
		"x; DROP TABLE y--": "[x; DROP TABLE y--]",
		"[x]":               "[[x]]]",
		"it's":              "[it's]",
	} {
		if got := d.Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := d.Table(planner.TableName{Schema: "a]b", Name: "x; DROP TABLE y--"}); got != "[a]]b].[x; DROP TABLE y--]" {
		t.Errorf("Table = %s", got)
	}
	if got := d.Table(planner.TableName{Name: "orders"}); got != "[dbo].[orders]" {
		t.Errorf("Table without schema = %s, want [dbo].[orders]", got)
	}
	// Names inside string literals are escaped for the literal too.
	ens := d.EnsureJournal("it's]x")
	if ens[0] != "IF SCHEMA_ID(N'it''s]x') IS NULL EXEC(N'CREATE SCHEMA [it''s]]x]')" {
		t.Errorf("EnsureJournal schema statement: %s", ens[0])
	}
	if !strings.HasPrefix(ens[1], "IF OBJECT_ID(N'[it''s]]x].[journals]', N'U') IS NULL CREATE TABLE [it's]]x].[journals] (") {
		t.Errorf("EnsureJournal catalog statement: %s", ens[1])
	}
	if got := d.RestoreInsert("[a'b].[t]", []string{"[id]"}, true, "SELECT j.[id] FROM j"); !strings.Contains(got, "OBJECT_ID(N'[a''b].[t]')") {
		t.Errorf("RestoreInsert does not escape the table in its literal: %s", got)
	}
}

func TestPlaceholders(t *testing.T) {
	if d.Placeholder(1) != "@p1" || d.Placeholder(12) != "@p12" {
		t.Errorf("placeholders %s %s", d.Placeholder(1), d.Placeholder(12))
	}
}

func TestScale(t *testing.T) {
	for _, c := range []struct {
		col  planner.Column
		want string
	}{
		{planner.Column{Type: "int", Class: planner.ClassInteger}, "CONVERT(int, ROUND(x * CONVERT(decimal(18,8), @p1), 0))"},
		{planner.Column{Type: "bigint", Class: planner.ClassInteger}, "CONVERT(bigint, ROUND(x * CONVERT(decimal(18,8), @p1), 0))"},
		{planner.Column{Type: "dbo.weird type", Class: planner.ClassInteger}, "CONVERT(bigint, ROUND(x * CONVERT(decimal(18,8), @p1), 0))"},
		{planner.Column{Type: "decimal(10,2)", Class: planner.ClassDecimal}, "ROUND(x * CONVERT(decimal(18,8), @p1), 2)"},
		{planner.Column{Type: "numeric(38,4)", Class: planner.ClassDecimal}, "ROUND(x * CONVERT(decimal(18,8), @p1), 4)"},
		{planner.Column{Type: "money", Class: planner.ClassDecimal}, "ROUND(x * CONVERT(decimal(18,8), @p1), 4)"},
		{planner.Column{Type: "float", Class: planner.ClassFloat}, "x * @p1"},
	} {
		if got := d.Scale("x", c.col, "@p1"); got != c.want {
			t.Errorf("Scale(%s) = %s, want %s", c.col.Type, got, c.want)
		}
	}
}

func TestJoinForms(t *testing.T) {
	if got := d.UpdateJoin("[s].[t]", "[anomgen].[j_x]", "[c]", "j.[anomgen_after]", "t.[id] = j.[id]", ""); got != "UPDATE t SET t.[c] = j.[anomgen_after] FROM [s].[t] AS t JOIN [anomgen].[j_x] AS j ON t.[id] = j.[id]" {
		t.Errorf("UpdateJoin: %s", got)
	}
	if got := d.UpdateJoin("[s].[t]", "[j]", "[c]", "v", "t.[id] = j.[id]", "cond"); !strings.HasSuffix(got, " WHERE cond") {
		t.Errorf("UpdateJoin with a condition: %s", got)
	}
	if got := d.DeleteJoin("[s].[t]", "[j]", []string{"[a]", "[b]"}); got != "DELETE t FROM [s].[t] AS t JOIN [j] AS j ON t.[a] = j.[a] AND t.[b] = j.[b]" {
		t.Errorf("DeleteJoin: %s", got)
	}
	if got := d.NotDistinct("t.[c]", "j.[c]"); got != "(CONVERT(varbinary(max), t.[c]) = CONVERT(varbinary(max), j.[c]) OR (t.[c] IS NULL AND j.[c] IS NULL))" {
		t.Errorf("NotDistinct: %s", got)
	}
}

// The journal is made with SELECT INTO, and the restore of deleted rows is
// one batch with IDENTITY_INSERT switched on and off around the INSERT.
func TestJournalAndRestoreForms(t *testing.T) {
	m := &planner.Mutation{Op: planner.OpDelete, Table: planner.TableName{Schema: "dbo", Name: "orders"},
		Key:     []planner.Column{{Name: "id", Type: "int", Class: planner.ClassInteger, Identity: true}},
		Columns: []planner.Column{{Name: "id", Identity: true}, {Name: "total"}, {Name: "doubled", Generated: true}},
		Where:   planner.Selection{Share: 1}}
	stmts, err := sqlgen.Apply(d, "anomgen", "abc", m)
	if err != nil {
		t.Fatal(err)
	}
	var journal string
	for _, s := range stmts {
		if s.Role == sqlgen.RoleJournal && s.DDL {
			journal = s.SQL
		}
	}
	if journal != "SELECT t.* INTO [anomgen].[j_abc] FROM [dbo].[orders] t WHERE 1 = 0 UNION ALL SELECT t.* FROM [dbo].[orders] t WHERE 1 = 0" {
		t.Errorf("journal table statement: %s", journal)
	}
	r := sqlgen.RenderRollback(d, m.Journal("abc", "anomgen"), false)
	if len(r.Restore) != 1 {
		t.Fatalf("restore statements: %v", r.Restore)
	}
	want := "IF OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'TableHasIdentity') = 1 SET IDENTITY_INSERT [dbo].[orders] ON;\n" +
		"BEGIN TRY\n" +
		"  INSERT INTO [dbo].[orders] ([id], [total]) SELECT j.[id], j.[total] FROM [anomgen].[j_abc] j WHERE NOT EXISTS (SELECT 1 FROM [dbo].[orders] t WHERE t.[id] = j.[id]);\n" +
		"END TRY\n" +
		"BEGIN CATCH\n" +
		"  IF OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'TableHasIdentity') = 1 SET IDENTITY_INSERT [dbo].[orders] OFF;\n" +
		"  THROW;\n" +
		"END CATCH;\n" +
		"IF OBJECTPROPERTY(OBJECT_ID(N'[dbo].[orders]'), N'TableHasIdentity') = 1 SET IDENTITY_INSERT [dbo].[orders] OFF"
	if got := r.Restore[0].SQL; got != want {
		t.Errorf("restore:\n%s\nwant:\n%s", got, want)
	}
	if got := d.RestoreInsert("[t]", []string{"[a]"}, false, "SELECT 1"); got != "INSERT INTO [t] ([a]) SELECT 1" {
		t.Errorf("restore without identity: %s", got)
	}
}
