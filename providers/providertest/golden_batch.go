package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// goldenBatchScenario has one batched kind per journal shape: a column
// update on a single key, a delete, and a column update on a composite key.
const goldenBatchScenario = `source "postgres" "db" {
  database   = "shop"
  batch_rows = 10000
}
target "orders" {
  source      = source.postgres.db
  table       = "shop.orders"
  time_column = "created_at"
}
target "lines" {
  source      = source.postgres.db
  table       = "shop.order_lines"
  time_column = "created_at"
  key         = ["order_id", "line"]
}
anomaly "null_rate" "emails" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 42
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.5
  seed   = 42
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "numeric_shift" "prices" {
  target    = target.lines
  column    = "price"
  amplitude = 0.1
  volume    = 1
  seed      = 42
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
`

func goldenBatchProfiles() map[string]*planner.TableProfile {
	return map[string]*planner.TableProfile{
		"orders": {
			Table: planner.TableName{Schema: "shop", Name: "orders"},
			Columns: []planner.Column{
				{Name: "id", Type: "bigint", Class: planner.ClassInteger},
				{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
				{Name: "email", Type: "text", Class: planner.ClassText, Nullable: true},
			},
			PrimaryKey: []string{"id"}, Rows: 1000000,
		},
		"lines": {
			Table: planner.TableName{Schema: "shop", Name: "order_lines"},
			Columns: []planner.Column{
				{Name: "order_id", Type: "bigint", Class: planner.ClassInteger},
				{Name: "line", Type: "int", Class: planner.ClassInteger},
				{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
				{Name: "price", Type: "numeric(10,2)", Class: planner.ClassDecimal, Nullable: true},
			},
			PrimaryKey: []string{"order_id", "line"}, Rows: 1000000,
		},
	}
}

// GoldenBatch renders the statements of a batched change (batch bounds,
// setup, first, middle and last batch, the catalog's progress, resume and
// the batched rollback) with dialect d and compares them with
// testdata/batch_<address>.golden, like Golden.
func GoldenBatch(t *testing.T, d sqlgen.Dialect) {
	const id = "0123456789abcdef"
	for _, ch := range planGolden(t, goldenBatchScenario, goldenBatchProfiles(), 3).Changes {
		t.Run(ch.Address, func(t *testing.T) {
			m := ch.Mutation
			if !sqlgen.Batchable(d, m) {
				t.Fatalf("%s does not batch on %s", ch.Address, d.Name())
			}
			var b goldenText
			write := b.write
			lo, hi := []any{int64(10000)}, []any{int64(20000)}
			if len(m.Key) == 2 {
				lo, hi = []any{int64(5000), int64(2)}, []any{int64(10000), int64(1)}
			}
			if !sqlgen.BoundInBatch(d) {
				write("batch bound: the first batch", sqlgen.BatchBound(d, m, nil, 10000))
				write("batch bound: the batch after lo", sqlgen.BatchBound(d, m, lo, 10000))
			}
			setup, err := sqlgen.ApplySetup(d, "anomgen", id, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range setup {
				write("setup: "+string(s.Role), s)
			}
			for _, r := range []struct {
				name string
				r    sqlgen.KeyRange
			}{{"first batch", sqlgen.KeyRange{Hi: lo}}, {"middle batch", sqlgen.KeyRange{Lo: lo, Hi: hi}}, {"last batch", sqlgen.KeyRange{Lo: hi}}} {
				if sqlgen.BoundInBatch(d) {
					if r.r.Hi == nil {
						continue
					}
					s, err := sqlgen.ApplyBatchNext(d, "anomgen", id, m, sqlgen.NextRange{Lo: r.r.Lo}, 10000)
					if err != nil {
						t.Fatal(err)
					}
					write(r.name+" (up to 10000 rows, returns its last key): "+string(s.Role), s)
					if r.r.Lo == nil && len(m.Key) == 1 {
						s, err := sqlgen.ApplyBatchNext(d, "anomgen", id, m, sqlgen.NextRange{From: int64(5000)}, 10000)
						if err != nil {
							t.Fatal(err)
						}
						write(r.name+" from the window's first key (a saved plan's stale check read it): "+string(s.Role), s)
						s, err = sqlgen.ApplyBatchNext(d, "anomgen", id, m, sqlgen.NextRange{Lo: lo, Upto: int64(15000)}, 10000)
						if err != nil {
							t.Fatal(err)
						}
						write("a lane's batch (after lo, up to the lane's end): "+string(s.Role), s)
					}
					continue
				}
				stmts, err := sqlgen.ApplyBatch(d, "anomgen", id, m, r.r)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range stmts {
					write(r.name+": "+string(s.Role), s)
				}
			}
			entry := `{"address":"` + ch.Address + `"}`
			if d.TransactionalDDL() {
				write("first batch: catalog", sqlgen.CatalogInsert(d, "anomgen", id, ch.Address, goldenNow, entry, sqlgen.StatusPartial))
			}
			write("each batch: catalog progress", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusPartial))
			write("last batch: catalog", sqlgen.CatalogUpdate(d, "anomgen", id, entry, sqlgen.StatusApplied))
			j := m.Journal(id, "anomgen")
			write("resume: where the journal ends", sqlgen.JournalLast(d, j))
			if sqlgen.BoundInBatch(d) && len(m.Key) == 1 {
				if q, ok := sqlgen.KeySpan(d, m); ok {
					write("lanes: the selection's key span (where no stale check read it)", q)
				}
				write("resume: where a lane's journal ends", sqlgen.JournalLastIn(d, j, int64(10000), int64(15000)))
			}
			write("rollback: journal bound after lo", sqlgen.JournalBound(d, j, lo, 10000))
			for _, s := range sqlgen.RollbackBatch(d, j, sqlgen.KeyRange{Lo: lo, Hi: hi}) {
				write("rollback batch: "+string(s.Role), s)
			}
			compareGolden(t, ch.Address, goldenPath("batch_", ch.Address), b.String())
		})
	}
}
