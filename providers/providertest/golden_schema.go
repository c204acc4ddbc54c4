package providertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// schemaGoldenTypes are the golden table's column types and catalog
// defaults as each database's inspector reports them, so that the schema
// goldens (whose DDL restates types and defaults) read as that database's
// own SQL. Columns: id, created_at, email, amount, qty, score, status,
// channel; qty has a default (1), status is NOT NULL without one, channel
// is nullable with the default 'web'.
var schemaGoldenTypes = map[string]struct{ types, defaults [8]string }{
	"postgres": {
		[8]string{"bigint", "timestamp without time zone", "text", "numeric(10,2)", "integer", "double precision", "text", "text"},
		[8]string{4: "1", 7: "'web'::text"}},
	"mysql": {
		[8]string{"bigint(20)", "datetime", "varchar(255)", "decimal(10,2)", "int(11)", "double", "varchar(20)", "varchar(20)"},
		[8]string{4: "1", 7: "'web'"}},
	"sqlite": {
		[8]string{"INTEGER", "TIMESTAMP", "TEXT", "DECIMAL(10,2)", "INTEGER", "REAL", "TEXT", "TEXT"},
		[8]string{4: "1", 7: "'web'"}},
	"sqlserver": {
		[8]string{"bigint", "datetime2(7)", "nvarchar(255)", "decimal(10,2)", "int", "float", "nvarchar(20)", "nvarchar(20)"},
		[8]string{4: "((1))", 7: "(N'web')"}},
	"oracle": {
		[8]string{"NUMBER(19)", "TIMESTAMP(6)", "VARCHAR2(255)", "NUMBER(10,2)", "NUMBER(10)", "BINARY_DOUBLE", "VARCHAR2(20)", "VARCHAR2(20)"},
		[8]string{4: "1", 7: "'web'"}},
}

// schemaGoldenBlocks are the schema anomalies with golden SQL: the
// catalog's examples and the cases their rollbacks differ on (a default
// with a quote and a backslash, a NOT NULL column with and without a
// default, a nullable column with a default retyped).
const schemaGoldenBlocks = `
anomaly "schema_add_column" "with_default" {
  target  = target.orders
  name    = "source_tag"
  type    = "varchar(20)"
  default = "it's a \\ test"
}
anomaly "schema_drop_column" "required_field" {
  target = target.orders
  column = "qty"
}
anomaly "schema_drop_column" "required_no_default" {
  target = target.orders
  column = "status"
}
anomaly "schema_change_type" "channel_shorter" {
  target   = target.orders
  column   = "channel"
  new_type = "varchar(8)"
}
`

// goldenSchema renders every schema anomaly's statements with dialect d,
// in the order the executor runs them, and compares them with
// testdata/<address>.golden like Golden. The rollback is rendered for the
// table as the apply leaves it. A change the dialect refuses has its
// reason in the file instead.
func goldenSchema(t *testing.T, d sqlgen.Dialect) {
	types, ok := schemaGoldenTypes[d.Name()]
	if !ok {
		t.Fatalf("no golden column types for %s", d.Name())
	}
	prof := GoldenProfile()
	for i := range prof.Columns {
		prof.Columns[i].Type, prof.Columns[i].Default = types.types[i], types.defaults[i]
	}
	var b strings.Builder
	b.WriteString("source \"postgres\" \"db\" {\n  database = \"shop\"\n}\ntarget \"orders\" {\n  source = source.postgres.db\n  table  = \"shop.orders\"\n}\n")
	for _, k := range planner.Kinds() {
		if strings.HasPrefix(k.Name, "schema_") {
			b.WriteString(k.Example + "\n")
		}
	}
	b.WriteString(schemaGoldenBlocks)
	p := planScenario(t, "schema golden", b.String(), map[string]*planner.TableProfile{"orders": prof})
	for _, ch := range p.Changes {
		t.Run(ch.Address, func(t *testing.T) {
			got := renderSchemaGolden(d, prof, ch)
			compareGolden(t, ch.Address, goldenPath("", ch.Address), got)
		})
	}
}

func renderSchemaGolden(d sqlgen.Dialect, prof *planner.TableProfile, ch *planner.Change) string {
	const id = "0123456789abcdef"
	var b goldenText
	write := func(title string, s sqlgen.Statement) {
		if s.DDL {
			title += " (DDL)"
		}
		b.write(title, s)
	}
	m := ch.Mutation
	tx := d.TransactionalDDL()
	write("count: table rows, rows whose values are journaled", sqlgen.Count(d, m))
	if dep, ok := sqlgen.SchemaDependents(d, m); ok {
		write("check: what depends on the column (apply refuses it when this finds anything)", dep)
	}
	sc, err := sqlgen.ApplySchema(d, "anomgen", id, m)
	if err != nil {
		fmt.Fprintf(&b, "-- apply refused: %s\n", err)
		return b.String()
	}
	j := m.Journal(id, "anomgen")
	after := prof.AfterSchemaChange(m)
	r, err := sqlgen.RenderSchemaRollback(d, j, after, false)
	if err != nil {
		fmt.Fprintf(&b, "-- apply refused (its rollback could not be done): %s\n", err)
		return b.String()
	}
	entry := `{"address":"` + ch.Address + `"}`
	at := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if tx {
		b.WriteString("-- apply: everything below in one transaction (DDL is transactional)\n\n")
	} else {
		b.WriteString("-- apply: step by step, each committed before the next (DDL commits on its own)\n\n")
	}
	for _, s := range sc.Ensure {
		write("apply: journal schema", s)
	}
	if !tx {
		write("apply: catalog entry, pending", sqlgen.CatalogInsert(d, "anomgen", id, ch.Address, at, entry, sqlgen.StatusPending))
	}
	write("apply: journal table", sc.Journal)
	if sc.Fill != nil {
		title := "apply: journal rows"
		if !tx {
			title += " (a transaction with the next statement)"
		}
		write(title, *sc.Fill)
	}
	if !tx {
		write("apply: catalog entry, changing: the journal is complete", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusChanging))
	}
	for _, s := range sc.Change {
		write("apply: change", s)
	}
	if tx {
		write("apply: catalog entry", sqlgen.CatalogInsert(d, "anomgen", id, ch.Address, at, entry, sqlgen.StatusApplied))
	} else {
		write("apply: catalog entry, applied", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusApplied))
	}
	if tx {
		b.WriteString("-- rollback, of the table as apply left it: everything below in one transaction\n")
	} else {
		b.WriteString("-- rollback, of the table as apply left it: step by step\n")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "-- note: %s\n", n)
	}
	b.WriteString("\n")
	if r.Conflict != "" {
		fmt.Fprintf(&b, "-- rollback refused: %s\n", r.Conflict)
		return b.String()
	}
	if !tx {
		write("rollback: catalog entry, changing", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusChanging))
	}
	for _, s := range r.Steps {
		write("rollback: restore", s)
	}
	if !tx {
		write("rollback: catalog entry, restored", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusRestored))
	}
	for _, s := range r.Drop {
		write("rollback: drop", s)
	}
	return b.String()
}
