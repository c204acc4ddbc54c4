package providertest

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var update = flag.Bool("update", false, "rewrite golden files")

// GoldenProfile is the table every dialect's golden SQL is rendered for.
func GoldenProfile() *planner.TableProfile {
	return &planner.TableProfile{
		Table: planner.TableName{Schema: "shop", Name: "orders"},
		Columns: []planner.Column{
			{Name: "id", Type: "bigint", Class: planner.ClassInteger},
			{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
			{Name: "email", Type: "text", Class: planner.ClassText, Nullable: true},
			{Name: "amount", Type: "numeric(10,2)", Class: planner.ClassDecimal},
			{Name: "qty", Type: "integer", Class: planner.ClassInteger},
			{Name: "score", Type: "double precision", Class: planner.ClassFloat, Nullable: true},
			{Name: "status", Type: "text", Class: planner.ClassText},
			{Name: "channel", Type: "text", Class: planner.ClassText, Nullable: true, Default: "'web'::text"},
		},
		PrimaryKey: []string{"id"},
		Rows:       100000,
		TimeFormat: planner.TimeFormat{Layout: "2006-01-02 15:04:05"},
	}
}

// goldenCases are one anomaly per kind and suitable column of the golden
// profile, so a new kind gets golden SQL without touching this file.
func goldenCases(t *testing.T) *planner.Plan {
	t.Helper()
	prof := GoldenProfile()
	var b strings.Builder
	b.WriteString(`source "postgres" "db" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.db
  table       = "shop.orders"
  time_column = "created_at"
}
`)
	for _, k := range planner.Kinds() {
		// Every kind's catalog example, then (for kinds that take a column
		// and nothing else) one block per suitable column.
		b.WriteString(k.Example + "\n")
		required := false
		for _, p := range k.Params {
			required = required || p.Required
		}
		if required || k.NoWindow || !k.UsesVolume {
			continue
		}
		if !k.NeedsColumn {
			fmt.Fprintf(&b, "anomaly %q \"rows\" {\n  target = target.orders\n  seed = 42\n  window {\n    start = \"2026-11-01T00:00:00Z\"\n    duration = \"7d\"\n  }\n}\n", k.Name)
			continue
		}
		for _, c := range prof.Columns {
			if ok, _ := k.Suits(c); !ok || c.Name == "id" {
				continue
			}
			fmt.Fprintf(&b, "anomaly %q %q {\n  target = target.orders\n  column = %q\n  seed = 42\n  window {\n    start = \"2026-11-01T00:00:00Z\"\n    duration = \"7d\"\n  }\n}\n", k.Name, c.Name, c.Name)
		}
	}
	return planScenario(t, "golden", b.String(), map[string]*planner.TableProfile{"orders": prof})
}

// Golden renders every kind's statements (count, apply, rollback, rollback
// with force) with dialect d and compares them with testdata/<address>.golden
// in the calling package. Run `go test -run Golden -update` to rewrite them,
// then read the diff: that review is the point of these files.
func Golden(t *testing.T, d sqlgen.Dialect) {
	p := goldenCases(t)
	for _, ch := range p.Changes {
		if ch.Mutation.Op.Schema() {
			continue // goldenSchema, below
		}
		if k := planner.LookupKind(ch.Kind); k != nil && k.UnsupportedOn(d.Name()) != "" {
			continue // the planner refuses the kind on this database
		}
		t.Run(ch.Address, func(t *testing.T) {
			var b goldenText
			write := b.write
			write("count", sqlgen.Count(d, ch.Mutation))
			stmts, err := sqlgen.Apply(d, "anomgen", "0123456789abcdef", ch.Mutation)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stmts {
				write("apply: "+string(s.Role), s)
			}
			if one, err := sqlgen.ApplyWindow(d, "anomgen", "0123456789abcdef", ch.Mutation, sqlgen.ByAddressRows); err != nil {
				t.Fatal(err)
			} else if len(one) != len(stmts) || one[len(one)-1].SQL != stmts[len(stmts)-1].SQL {
				write("apply, a window of at most 10,000 rows: "+string(one[len(one)-1].Role), one[len(one)-1])
			}
			entry := `{"address":"` + ch.Address + `"}`
			if d.TransactionalDDL() {
				write("apply: catalog", sqlgen.CatalogInsert(d, "anomgen", "0123456789abcdef", ch.Address,
					goldenNow, entry, sqlgen.StatusApplied))
			} else {
				write("apply: catalog before the journal table (DDL commits on its own)", sqlgen.CatalogInsert(d, "anomgen", "0123456789abcdef", ch.Address,
					goldenNow, entry, sqlgen.StatusPending))
				write("apply: catalog inside the data transaction", sqlgen.CatalogUpdate(d, "anomgen", "0123456789abcdef", entry, sqlgen.StatusApplied))
			}
			j := ch.Mutation.Journal("0123456789abcdef", "anomgen")
			for _, force := range []bool{false, true} {
				r := sqlgen.RenderRollback(d, j, force)
				name := "rollback"
				if force {
					name = "rollback -force"
				}
				write(name+": conflicts", r.Conflicts)
				write(name+": conflict keys", r.ConflictKeys)
				for _, s := range r.Restore {
					write(name+": restore", s)
				}
				for _, s := range r.Drop {
					write(name+": drop", s)
				}
			}
			compareGolden(t, ch.Address, goldenPath("", ch.Address), b.String())
		})
	}
	goldenSchema(t, d) // golden_schema.go
}

// goldenText is the text of a golden file.
type goldenText struct{ strings.Builder }

// write adds a statement as every golden file shows one: a "-- title"
// line, the SQL ended by a semicolon, its arguments (fmtArgs) when it has
// any, and a blank line.
func (b *goldenText) write(title string, s sqlgen.Statement) {
	fmt.Fprintf(b, "-- %s\n%s;\n", title, s.SQL)
	if len(s.Args) > 0 {
		fmt.Fprintf(b, "-- args: %s\n", fmtArgs(s.Args))
	}
	b.WriteString("\n")
}

// goldenPath is testdata/<prefix><address>.golden, the address's dots
// made underscores.
func goldenPath(prefix, address string) string {
	return filepath.Join("testdata", prefix+strings.ReplaceAll(address, ".", "_")+".golden")
}

func fmtArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if tm, ok := a.(time.Time); ok {
			parts[i] = tm.Format(time.RFC3339) + " (time.Time)"
			continue
		}
		parts[i] = fmt.Sprintf("%v (%T)", a, a)
	}
	return strings.Join(parts, ", ")
}

// DiffLines shows the first differing line of two texts.
func DiffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(no line differs)"
}
