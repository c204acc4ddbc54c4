package postgres_test

// Benchmarks of anomgen profile on a large PostgreSQL table against the
// hand-written queries that compute the same figures. Run them with
//
//	go test -run '^$' -bench 'Profile(1M|3M)$' -benchtime 1x -timeout 30m ./providers/postgres/
//	go test -run '^$' -bench 'Profile10M$' -benchtime 1x -timeout 60m ./providers/postgres/
//
// Each benchmark seeds one table once (generate_series, then VACUUM
// ANALYZE): id bigint primary key, created_at timestamptz over 120 days,
// amount numeric(10,2), status text (5 values) and email text (200,000
// values, 2% NULL). Every iteration runs both sides twice, interleaved
// (alternating which goes first):
//
//	anomgen      providers.Open → Profiler.Stats(public.orders, created_at):
//	             the catalog lookup, the one aggregate pass, the daily counts,
//	             the top values of status, and 1,000 values of each text
//	             column for their shapes.
//	handwritten  the same figures written by hand: one SELECT of count(*)
//	             and, per column, count, count(DISTINCT), min, max, avg and
//	             stddev_samp (numbers) or char_length range (text); a GROUP
//	             BY of created_at::date; the top 5 statuses; and 1,000
//	             values of each text column.
//
// It reports anomgen-ms/op, hand-ms/op, ratio (anomgen / handwritten; the
// issue's goal is ≤ 1.3) and peak-heap-MB, the largest live Go heap seen
// while anomgen profiled (sampled every millisecond from runtime/metrics;
// it must stay flat as the table grows, since every figure is computed in
// SQL). Both sides must agree on the row count, every column's non-NULL and
// distinct counts, min and max, and the daily counts, or the benchmark
// fails. The table is read once with the timer stopped first, so both sides
// find it cached. With PROFILE_BENCH_TRACE=1 anomgen's statements are
// logged with their start times on standard error.

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

func BenchmarkProfile1M(b *testing.B) { benchmarkProfile(b, 1_000_000) }

func BenchmarkProfile3M(b *testing.B) { benchmarkProfile(b, 3_000_000) }

func BenchmarkProfile10M(b *testing.B) { benchmarkProfile(b, 10_000_000) }

// profileHand is what the hand-written side measures.
type profileHand struct {
	rows              int64
	nonNull, distinct map[string]int64
	min, max          map[string]string
	days              map[string]int64
	top               []string
}

func benchmarkProfile(b *testing.B, rows int) {
	pg := providertest.NewPostgres(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	step := benchSpan.Seconds() / float64(rows)
	start := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: `CREATE TABLE public.orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, amount numeric(10,2),
			status text, email text) WITH (autovacuum_enabled = false)`},
		{sql: `INSERT INTO public.orders
			SELECT i, $1::timestamptz - interval '120 days' + (i - 1) * $2::double precision * interval '1 second',
				((i * 7919) % 100000) / 100.0,
				(ARRAY['new', 'paid', 'shipped', 'delivered', 'cancelled'])[1 + i % 5],
				CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || (i % 200000) || '@example.com' END
			FROM generate_series(1, $3::bigint) AS i`, args: []any{now, step, rows}},
		{sql: `VACUUM ANALYZE public.orders`},
	} {
		if _, err := pg.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("seeding: %v\n%s", err, q.sql)
		}
	}
	b.Logf("seeded %d rows in %s", rows, time.Since(start).Round(time.Millisecond))

	// The hand-written side reads days in UTC, as anomgen's sessions do.
	sep := "?"
	if strings.Contains(pg.DSN, "?") {
		sep = "&"
	}
	hand, err := sql.Open("pgx", pg.DSN+sep+"timezone=UTC")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { hand.Close() })
	conn, err := providers.Open(ctx, pg.Settings())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	prof, ok := conn.Inspector.(providers.Profiler)
	if !ok {
		b.Fatal("the postgres inspector is not a Profiler")
	}

	// Warm the cache with the timer stopped.
	want := profileByHand(b, hand)
	b.ResetTimer()

	var ag, hw time.Duration
	var peakBytes uint64
	for i := 0; i < b.N; i++ {
		for k := 0; k < 2; k++ {
			if (i+k)%2 == 0 {
				peak := startHeapPeak()
				sctx := ctx
				if os.Getenv("PROFILE_BENCH_TRACE") != "" {
					sctx = providers.WithLogger(ctx, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
				}
				t0 := time.Now()
				st, err := prof.Stats(sctx, "public.orders", "created_at", planner.StatsOptions{})
				ag += time.Since(t0)
				if p := peak.stop(); p > peakBytes {
					peakBytes = p
				}
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				checkProfile(b, st, want)
				b.StartTimer()
			} else {
				t0 := time.Now()
				got := profileByHand(b, hand)
				hw += time.Since(t0)
				b.StopTimer()
				if got.rows != want.rows || len(got.days) != len(want.days) {
					b.Fatalf("the hand-written side is not deterministic: %d rows, %d days; want %d, %d", got.rows, len(got.days), want.rows, len(want.days))
				}
				b.StartTimer()
			}
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(ag.Milliseconds())/n, "anomgen-ms/op")
	b.ReportMetric(float64(hw.Milliseconds())/n, "hand-ms/op")
	b.ReportMetric(float64(ag)/float64(hw), "ratio")
	b.ReportMetric(float64(peakBytes)/(1<<20), "peak-heap-MB")
}

// profileByHand computes the figures with hand-written SQL.
func profileByHand(b *testing.B, db *sql.DB) *profileHand {
	b.Helper()
	ctx := context.Background()
	h := &profileHand{nonNull: map[string]int64{}, distinct: map[string]int64{}, min: map[string]string{}, max: map[string]string{}, days: map[string]int64{}}
	var (
		nID, dID, nAt, dAt, nAmt, dAmt, nSt, dSt, nEm, dEm int64
		minID, maxID                                       int64
		minAt, maxAt                                       time.Time
		minAmt, maxAmt                                     string
		avgID, sdID, avgAmt, sdAmt                         float64
		minLSt, maxLSt, minLEm, maxLEm                     int64
	)
	err := db.QueryRowContext(ctx, `SELECT count(*),
		count(id), count(DISTINCT id), min(id), max(id), avg(id::float8), stddev_samp(id::float8),
		count(created_at), count(DISTINCT created_at), min(created_at), max(created_at),
		count(amount), count(DISTINCT amount), min(amount)::text, max(amount)::text, avg(amount::float8), stddev_samp(amount::float8),
		count(status), count(DISTINCT status), min(char_length(status)), max(char_length(status)),
		count(email), count(DISTINCT email), min(char_length(email)), max(char_length(email))
		FROM public.orders`).Scan(&h.rows,
		&nID, &dID, &minID, &maxID, &avgID, &sdID,
		&nAt, &dAt, &minAt, &maxAt,
		&nAmt, &dAmt, &minAmt, &maxAmt, &avgAmt, &sdAmt,
		&nSt, &dSt, &minLSt, &maxLSt,
		&nEm, &dEm, &minLEm, &maxLEm)
	if err != nil {
		b.Fatal(err)
	}
	h.nonNull = map[string]int64{"id": nID, "created_at": nAt, "amount": nAmt, "status": nSt, "email": nEm}
	h.distinct = map[string]int64{"id": dID, "created_at": dAt, "amount": dAmt, "status": dSt, "email": dEm}
	h.min = map[string]string{"id": fmt.Sprint(minID), "created_at": minAt.UTC().Format(time.RFC3339Nano), "amount": minAmt}
	h.max = map[string]string{"id": fmt.Sprint(maxID), "created_at": maxAt.UTC().Format(time.RFC3339Nano), "amount": maxAmt}

	rows, err := db.QueryContext(ctx, `SELECT created_at::date, count(*) FROM public.orders GROUP BY 1 ORDER BY 1`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var d time.Time
		var c int64
		if err := rows.Scan(&d, &c); err != nil {
			b.Fatal(err)
		}
		h.days[d.Format(time.DateOnly)] = c
	}
	if rows.Close(); rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	rows, err = db.QueryContext(ctx, `SELECT status, count(*) FROM public.orders WHERE status IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var s string
		var c int64
		if err := rows.Scan(&s, &c); err != nil {
			b.Fatal(err)
		}
		h.top = append(h.top, s)
	}
	if rows.Close(); rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	for _, col := range []string{"status", "email"} {
		rows, err := db.QueryContext(ctx, `SELECT `+col+` FROM public.orders WHERE `+col+` IS NOT NULL LIMIT 1000`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				b.Fatal(err)
			}
		}
		if rows.Close(); rows.Err() != nil {
			b.Fatal(rows.Err())
		}
	}
	return h
}

// checkProfile fails unless anomgen's figures are the hand-written ones.
func checkProfile(b *testing.B, st *planner.TableStats, want *profileHand) {
	b.Helper()
	if st.Rows != want.rows {
		b.Fatalf("anomgen counted %d rows, the hand-written query %d", st.Rows, want.rows)
	}
	for col, n := range want.nonNull {
		c := st.Column(col)
		if c == nil {
			b.Fatalf("anomgen has no figures for %s", col)
		}
		if c.NonNull != n || c.Distinct != want.distinct[col] {
			b.Fatalf("%s: anomgen %d non-NULL, %d distinct; hand-written %d, %d", col, c.NonNull, c.Distinct, n, want.distinct[col])
		}
		if m, ok := want.min[col]; ok && (!sameFigure(c.Min, m) || !sameFigure(c.Max, want.max[col])) {
			b.Fatalf("%s: anomgen min %s max %s; hand-written %s, %s", col, c.Min, c.Max, m, want.max[col])
		}
	}
	if len(st.Daily) != len(want.days) {
		b.Fatalf("anomgen has %d days, the hand-written query %d", len(st.Daily), len(want.days))
	}
	for _, d := range st.Daily {
		if want.days[d.Day] != d.Rows {
			b.Fatalf("%s: anomgen %d rows, hand-written %d", d.Day, d.Rows, want.days[d.Day])
		}
	}
	top := st.Column("status").Top
	if len(top) != len(want.top) {
		b.Fatalf("status: anomgen has %d top values, hand-written %d", len(top), len(want.top))
	}
	for i, v := range top {
		if v.Value != want.top[i] {
			b.Fatalf("status top %d: anomgen %s, hand-written %s", i, v.Value, want.top[i])
		}
	}
}

// sameFigure compares two renderings of a number or a time.
func sameFigure(a, b string) bool {
	if a == b {
		return true
	}
	var x, y float64
	if _, err := fmt.Sscan(a, &x); err == nil {
		if _, err := fmt.Sscan(b, &y); err == nil {
			return math.Abs(x-y) < 1e-9
		}
	}
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}
