package providertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// onUpdateGoldenBlocks are the kinds whose statements write the target's
// rows in each way: an UPDATE of one column, of two (a swap), a delete
// whose rollback inserts the rows back, and a dropped column whose
// rollback refills it with an UPDATE.
const onUpdateGoldenBlocks = `
anomaly "null_rate" "emails" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "swapped_columns" "swap" {
  target = target.orders
  column = "status"
  with   = "channel"
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "volume_drop" "drop" {
  target = target.orders
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "schema_drop_column" "lost_email" {
  target = target.orders
  column = "email"
}
`

// GoldenOnUpdate pins, in testdata/on_update.golden, what anomgen does
// with col, a column the database rewrites whenever a row is updated
// (planner.Column.OnUpdate), added to the golden table: what the plan
// says about it (settings and cautions), and the statements of apply and
// rollback of a column kind, a swap, a delete kind and a dropped column.
func GoldenOnUpdate(t *testing.T, d sqlgen.Dialect, col planner.Column) {
	types, ok := schemaGoldenTypes[d.Name()]
	if !ok {
		t.Fatalf("no golden column types for %s", d.Name())
	}
	prof := GoldenProfile()
	for i := range prof.Columns {
		prof.Columns[i].Type, prof.Columns[i].Default = types.types[i], types.defaults[i]
	}
	prof.Columns = append(prof.Columns, col)
	scenario := "source \"postgres\" \"db\" {\n  database = \"shop\"\n}\ntarget \"orders\" {\n  source      = source.postgres.db\n  table       = \"shop.orders\"\n  time_column = \"created_at\"\n}\n" + onUpdateGoldenBlocks
	p := planGolden(t, scenario, map[string]*planner.TableProfile{"orders": prof}, 4)
	var b strings.Builder
	fmt.Fprintf(&b, "-- column %s %s, rewritten on UPDATE: %s\n\n", col.Name, col.Type, col.OnUpdate)
	for _, ch := range p.Changes {
		fmt.Fprintf(&b, "-- ============ %s\n", ch.Address)
		for _, s := range ch.Settings {
			if s.Name == "on update" {
				fmt.Fprintf(&b, "-- plan: %s = %s\n", s.Name, s.Value)
			}
		}
		for _, c := range ch.Cautions {
			fmt.Fprintf(&b, "-- plan: ! %s\n", c)
		}
		if j := ch.Mutation.Journal("0123456789abcdef", "anomgen"); len(j.Keep) > 0 {
			fmt.Fprintf(&b, "-- journal: keep %s\n", strings.Join(j.Keep, ", "))
		}
		b.WriteString("\n")
		if ch.Mutation.Op.Schema() {
			b.WriteString(renderSchemaGolden(d, prof, ch))
		} else {
			b.WriteString(renderGolden(t, d, ch))
		}
	}
	compareGolden(t, "columns rewritten on UPDATE", filepath.Join("testdata", "on_update.golden"), b.String())
}
