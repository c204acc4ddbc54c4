package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// TestBatchBoundsReadAhead: the bounds of the next batches read in one
// query (sqlgen.BatchBounds) are the keys that BatchBound finds one batch
// at a time, for a one-column and a two-column key, a window in the
// middle of the table and batch sizes that do and do not divide the
// window's rows; fewer than k keys come back where the window ends.
func TestBatchBoundsReadAhead(t *testing.T) {
	pg := providertest.NewPostgres(t)
	for _, s := range []string{
		`CREATE TABLE one (id bigint PRIMARY KEY, created_at timestamptz NOT NULL)`,
		// Keys with gaps, times not in key order.
		`INSERT INTO one SELECT i * 3, timestamptz '2026-01-01 00:00:00+00' + ((i * 7919) % 1000) * interval '1 minute' FROM generate_series(1, 1000) i`,
		`CREATE TABLE two (a integer, b text, created_at timestamptz NOT NULL, PRIMARY KEY (a, b))`,
		`INSERT INTO two SELECT i % 13, 'k' || i, timestamptz '2026-01-01 00:00:00+00' + ((i * 7919) % 1000) * interval '1 minute' FROM generate_series(1, 1000) i`,
	} {
		if _, err := pg.DB.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	d := postgres.Dialect{}
	tc := planner.Column{Name: "created_at", Type: "timestamp with time zone", Class: planner.ClassTime}
	from := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	mutation := func(table string, key ...planner.Column) *planner.Mutation {
		return &planner.Mutation{Op: planner.OpDelete, Table: planner.TableName{Schema: "public", Name: table}, Key: key,
			Where: planner.Selection{TimeColumn: &tc, From: from, To: from.Add(10 * time.Hour), Share: 1}}
	}
	scan := func(q sqlgen.Statement, n int) [][]any {
		t.Helper()
		rows, err := pg.DB.Query(q.SQL, q.Args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, q.SQL)
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, m := range []*planner.Mutation{
		mutation("one", planner.Column{Name: "id", Type: "bigint", Class: planner.ClassInteger}),
		mutation("two", planner.Column{Name: "a", Type: "integer", Class: planner.ClassInteger}, planner.Column{Name: "b", Type: "text", Class: planner.ClassText}),
	} {
		for _, n := range []int64{1, 7, 60, 600, 1000} {
			// One bound at a time, as before.
			var want []string
			var lo []any
			for {
				got := scan(sqlgen.BatchBound(d, m, lo, n), len(m.Key))
				if len(got) == 0 {
					break
				}
				lo = got[0]
				want = append(want, fmt.Sprint(lo))
			}
			if n <= 60 && len(want) < 5 {
				t.Fatalf("%s, n = %d: only %d bounds, the test needs more", m.Table.Name, n, len(want))
			}
			// Read ahead, k at a time.
			for _, k := range []int{1, 3, 8} {
				var got []string
				lo = nil
				for {
					q, ok := sqlgen.BatchBounds(d, m, lo, n, k)
					if !ok {
						t.Fatal("BatchBounds does not serve PostgreSQL")
					}
					keys := scan(q, len(m.Key))
					if len(keys) > k {
						t.Fatalf("%s, n = %d, k = %d: %d bounds", m.Table.Name, n, k, len(keys))
					}
					for _, key := range keys {
						got = append(got, fmt.Sprint(key))
					}
					if len(keys) < k {
						break
					}
					lo = keys[len(keys)-1]
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s, n = %d, k = %d: bounds %v, one at a time %v", m.Table.Name, n, k, got, want)
				}
			}
		}
	}
}
