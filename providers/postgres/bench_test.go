package postgres_test

// Benchmarks of null_rate apply+rollback on a large PostgreSQL table,
// anomgen's real code path against the hand-written journal SQL that does the
// same job. Run them with
//
//	go test -run '^$' -bench NullRate -benchtime 3x ./providers/postgres/
//
// Each top-level benchmark seeds one table once; its leaves are
//
//	anomgen      config text → Engine → planner.Make → Count → Apply, then a
//	             destroy plan → Apply. ns/op, B/op and allocs/op cover
//	             apply+rollback only; plan-ms/op is Refresh+Profiles+Make+
//	             Count (timer stopped); peak-heap-MB is the largest live Go
//	             heap seen during the leaf.
//	handwritten  CREATE TABLE j AS SELECT ... WHERE <same predicate>;
//	             UPDATE ... FROM j; then UPDATE ... FROM j; DROP TABLE j.
//	ratio        both, interleaved in the same iterations (alternating which
//	             goes first); reports anomgen-ms/op, hand-ms/op, ratio
//	             (apply+rollback) and ratio+count (anomgen including plan and
//	             count). Its ns/op includes the housekeeping below; read the
//	             metrics. The goal is ratio ≤ 1.3.
//
// Every run of either side must change and restore exactly the rows the
// predicate chooses (counted once after seeding; anomgen's plan count must
// match too), so both sides touch the same rows or the benchmark fails; at
// the end of each leaf the table must checksum as seeded.
//
// Before every measured run the table is VACUUMed and a CHECKPOINT taken with
// the timer stopped, so both sides start from the same table state and no
// checkpoint or autovacuum (disabled on the table) falls inside one side only.

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	_ "github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

const (
	benchSeed   = 7
	benchVolume = 0.3
	benchWindow = 30 * 24 * time.Hour
	benchSpan   = 120 * 24 * time.Hour
)

func BenchmarkNullRate250k(b *testing.B) { benchmarkNullRate(b, 250_000) }

func BenchmarkNullRate1M(b *testing.B) { benchmarkNullRate(b, 1_000_000) }

func benchmarkNullRate(b *testing.B, rows int) {
	nb := newNullRateBench(b, rows)
	b.Run("anomgen", func(b *testing.B) {
		r := nb.newAnomgen(b)
		peak := startHeapPeak()
		var planTime time.Duration
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			nb.prepare(b)
			pt, p := r.plan(b)
			planTime += pt
			b.StartTimer()
			changed, restored := r.applyRollback(b, p)
			b.StopTimer()
			nb.checkRows(b, "anomgen", changed, restored)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(planTime.Milliseconds())/float64(b.N), "plan-ms/op")
		b.ReportMetric(float64(peak.stop())/(1<<20), "peak-heap-MB")
		nb.checkRestored(b)
	})
	b.Run("handwritten", func(b *testing.B) {
		peak := startHeapPeak()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			nb.prepare(b)
			b.StartTimer()
			changed, restored := nb.handwritten(b)
			b.StopTimer()
			nb.checkRows(b, "handwritten", changed, restored)
			b.StartTimer()
		}
		b.StopTimer()
		b.ReportMetric(float64(peak.stop())/(1<<20), "peak-heap-MB")
		nb.checkRestored(b)
	})
	b.Run("ratio", func(b *testing.B) {
		r := nb.newAnomgen(b)
		var ag, agPlan, hw time.Duration
		for i := 0; i < b.N; i++ {
			for k := 0; k < 2; k++ {
				nb.prepare(b)
				if (i+k)%2 == 0 {
					pt, p := r.plan(b)
					start := time.Now()
					changed, restored := r.applyRollback(b, p)
					ag += time.Since(start)
					agPlan += pt
					nb.checkRows(b, "anomgen", changed, restored)
				} else {
					start := time.Now()
					changed, restored := nb.handwritten(b)
					hw += time.Since(start)
					nb.checkRows(b, "handwritten", changed, restored)
				}
			}
		}
		n := float64(b.N)
		b.ReportMetric(float64(ag.Milliseconds())/n, "anomgen-ms/op")
		b.ReportMetric(float64((ag+agPlan).Milliseconds())/n, "anomgen+count-ms/op")
		b.ReportMetric(float64(hw.Milliseconds())/n, "hand-ms/op")
		b.ReportMetric(float64(ag)/float64(hw), "ratio")
		b.ReportMetric(float64(ag+agPlan)/float64(hw), "ratio+count")
		nb.checkRestored(b)
	})
}

// nullRateBench is one seeded table shared by the leaves of a benchmark.
type nullRateBench struct {
	pg        *providertest.Postgres
	rows      int
	now       time.Time // the planner's now: the table's newest row is just before it
	from, to  time.Time
	threshold int64
	// want is the number of rows the predicate chooses.
	want int64
	// baseline is the table's email checksum after seeding.
	baseline string
}

func newNullRateBench(b *testing.B, rows int) *nullRateBench {
	b.Helper()
	pg := providertest.NewPostgres(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	nb := &nullRateBench{pg: pg, rows: rows, now: now, from: now.Add(-benchWindow), to: now,
		threshold: planner.Selection{Share: benchVolume}.Threshold()}
	step := benchSpan.Seconds() / float64(rows)
	start := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: `CREATE TABLE public.orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, email text,
			amount numeric(10,2), status text) WITH (autovacuum_enabled = false)`},
		// 2% of emails are NULL already, so the predicate's IS NOT NULL matters.
		{sql: `INSERT INTO public.orders
			SELECT i, $1::timestamptz - interval '120 days' + (i - 1) * $2::double precision * interval '1 second',
				CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || (i % 200000) || '@example.com' END,
				((i * 7919) % 100000) / 100.0,
				(ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + i % 5]
			FROM generate_series(1, $3::bigint) AS i`, args: []any{now, step, rows}},
		{sql: `VACUUM ANALYZE public.orders`},
	} {
		if _, err := pg.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("seeding: %v\n%s", err, q.sql)
		}
	}
	if err := pg.DB.QueryRowContext(ctx, `SELECT count(*) FROM public.orders t WHERE `+handPredicate,
		nb.from, nb.to, nb.threshold).Scan(&nb.want); err != nil {
		b.Fatal(err)
	}
	nb.baseline = nb.checksum(b)
	b.Logf("seeded %d rows in %s; the predicate chooses %d rows", rows, time.Since(start).Round(time.Millisecond), nb.want)
	return nb
}

// prepare gives every measured run the same starting point: no dead tuples
// from the previous run, and no checkpoint pending.
func (nb *nullRateBench) prepare(b *testing.B) {
	b.Helper()
	for _, q := range []string{"VACUUM public.orders", "CHECKPOINT"} {
		if _, err := nb.pg.DB.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

func (nb *nullRateBench) checkRows(b *testing.B, who string, changed, restored int64) {
	b.Helper()
	if changed != nb.want || restored != nb.want {
		b.Fatalf("%s changed %d rows and restored %d; the predicate chooses %d (both sides must touch the same rows)", who, changed, restored, nb.want)
	}
}

func (nb *nullRateBench) checksum(b *testing.B) string {
	b.Helper()
	var nulls int64
	var sum string
	if err := nb.pg.DB.QueryRow(`SELECT count(*) FILTER (WHERE email IS NULL),
		COALESCE(sum(hashtextextended(COALESCE(email, '<null>'), id)), 0)::text FROM public.orders`).Scan(&nulls, &sum); err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("%d nulls, sum %s", nulls, sum)
}

func (nb *nullRateBench) checkRestored(b *testing.B) {
	b.Helper()
	if got := nb.checksum(b); got != nb.baseline {
		b.Fatalf("the table was not restored: %s, want %s", got, nb.baseline)
	}
}

// handPredicate is the selection written by hand: the window ($1, $2), the
// column not already NULL, and the first 32 bits of md5(seed || ':' || id)
// below the threshold ($3).
var handPredicate = fmt.Sprintf(`t.created_at >= $1 AND t.created_at < $2 AND t.email IS NOT NULL
	AND ('x' || substr(md5('%d:' || t.id::text), 1, 8))::bit(32)::bigint < $3`, benchSeed)

// handwritten applies and restores with a hand-written journal, each half in
// one transaction like anomgen's. It returns the UPDATEs' row counts.
func (nb *nullRateBench) handwritten(b *testing.B) (changed, restored int64) {
	ctx := context.Background()
	type stmt struct {
		sql  string
		args []any
	}
	// run executes stmts in one transaction and returns the row count of the
	// statement at index counted.
	run := func(counted int, stmts ...stmt) int64 {
		tx, err := nb.pg.DB.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		var n int64
		for i, s := range stmts {
			r, err := tx.ExecContext(ctx, s.sql, s.args...)
			if err != nil {
				b.Fatalf("%v\n%s", err, s.sql)
			}
			if i == counted {
				n, _ = r.RowsAffected()
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		return n
	}
	changed = run(1,
		stmt{sql: `CREATE TABLE public.hand_j AS SELECT t.id, t.email FROM public.orders t WHERE ` + handPredicate,
			args: []any{nb.from, nb.to, nb.threshold}},
		stmt{sql: `UPDATE public.orders t SET email = NULL FROM public.hand_j j WHERE t.id = j.id`})
	restored = run(0,
		stmt{sql: `UPDATE public.orders t SET email = j.email FROM public.hand_j j WHERE t.id = j.id`},
		stmt{sql: `DROP TABLE public.hand_j`})
	return changed, restored
}

// anomgenRun is anomgen's real code path over the seeded table: config text
// decoded by config.LoadFiles, an executor.Engine, planner.Make, Count and
// Apply, state saved to a file after every change as the CLI does.
type anomgenRun struct {
	nb        *nullRateBench
	cfg       *config.Config
	eng       *executor.Engine
	st        *state.State
	statePath string
	done      []executor.Event
}

func (nb *nullRateBench) newAnomgen(b *testing.B) *anomgenRun {
	b.Helper()
	src := fmt.Sprintf(`
source "postgres" "bench" {
  dsn          = %q
  allow_writes = true
}

target "orders" {
  source      = source.postgres.bench
  table       = "public.orders"
  time_column = "created_at"
}

anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = %g
  window {
    last = "%s"
  }
  seed = %d
}
`, nb.pg.DSN, benchVolume, benchWindow, benchSeed)
	dir := b.TempDir()
	cfg, diags := config.LoadFiles(dir, map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(src)}, config.Options{})
	if !diags.HasErrors() {
		diags = append(diags, planner.Validate(cfg)...)
	}
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	r := &anomgenRun{nb: nb, cfg: cfg, eng: executor.New(cfg), st: state.New(), statePath: filepath.Join(dir, ".anomgen", "state.json")}
	r.eng.Events = func(ev executor.Event) {
		if ev.Kind == executor.EventDone {
			r.done = append(r.done, ev)
		}
	}
	ctx := context.Background()
	if err := r.eng.Open(ctx, executor.SourcesFor(cfg, r.st, nil)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.eng.Close)
	return r
}

// plan is what `anomgen apply` does before it changes anything: refresh the
// state from the journal catalog, profile, plan, count.
func (r *anomgenRun) plan(b *testing.B) (time.Duration, *planner.Plan) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	if _, err := r.eng.Refresh(ctx, r.st); err != nil {
		b.Fatal(err)
	}
	profiles, diags := r.eng.Profiles(ctx, nil)
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	p, diags := planner.Make(planner.Input{Config: r.cfg, State: r.st, Profiles: profiles, Now: r.nb.now})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	if err := r.eng.Count(ctx, p); err != nil {
		b.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Action != planner.Create {
		b.Fatalf("expected one create, got %+v", p.Changes)
	}
	if ch := p.Changes[0]; ch.Rows != r.nb.want {
		b.Fatalf("the plan counted %d rows; the predicate chooses %d", ch.Rows, r.nb.want)
	}
	return time.Since(start), p
}

// applyRollback applies p, then plans the destroy and applies that.
func (r *anomgenRun) applyRollback(b *testing.B, p *planner.Plan) (changed, restored int64) {
	ctx := context.Background()
	save := func(st *state.State) error { return state.Save(r.statePath, st) }
	r.done = r.done[:0]
	if _, err := r.eng.Apply(ctx, p, r.st, save); err != nil {
		b.Fatal(err)
	}
	d, diags := planner.Make(planner.Input{Config: r.cfg, State: r.st, Now: r.nb.now, Destroy: true})
	if diags.HasErrors() {
		b.Fatal(diags.Error())
	}
	if _, err := r.eng.Apply(ctx, d, r.st, save); err != nil {
		b.Fatal(err)
	}
	if len(r.done) != 2 {
		b.Fatalf("expected an apply and a rollback, got %+v", r.done)
	}
	return r.done[0].Rows, r.done[1].Rows
}

// heapPeak samples the live Go heap every millisecond and keeps the
// largest value seen.
type heapPeak struct {
	quit chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{quit: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.quit:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) stop() uint64 {
	close(h.quit)
	h.wg.Wait()
	return h.peak
}
