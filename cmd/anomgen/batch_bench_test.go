package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
)

// The benchmarks of batched changes on PostgreSQL (ANOMGEN_TEST_POSTGRES).
// They report figures; they assert nothing about time. Run them with
//
//	go test ./cmd/anomgen -run '^$' -bench 'ApplyVsBareUpdate|AppLatency' -benchtime 1x

// benchTable creates payments(id, amount, hits, created_at) with n rows,
// one every 10 seconds from 2026-01-01, and returns the workspace folder
// for it with batch_rows = batchRows and a numeric_shift of every row.
func benchTable(b *testing.B, p *providertest.Postgres, n, batchRows int) string {
	b.Helper()
	execSQL(b, p.DB,
		`CREATE TABLE IF NOT EXISTS payments (id bigint PRIMARY KEY, amount numeric(12,2), hits bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL)`,
		fmt.Sprintf(`INSERT INTO payments (id, amount, created_at) SELECT i, (i %% 997) + 1.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '10 seconds'
		 FROM generate_series(1, %d) i ON CONFLICT DO NOTHING`, n),
		`VACUUM ANALYZE payments`,
	)
	src := pgSource(p, "bench", true)
	src = src[:strings.LastIndex(src, "}")] + fmt.Sprintf("  batch_rows = %d\n}\n", batchRows)
	dir := b.TempDir()
	writeFile(b, dir, "main.hcl", src+"target \"payments\" {\n  source      = source.postgres.bench\n  table       = \"payments\"\n  time_column = \"created_at\"\n}\n")
	writeFile(b, dir, "anomalies.hcl", "anomaly \"numeric_shift\" \"prices\" {\n  target    = target.payments\n  column    = \"amount\"\n  amplitude = 0.1\n  volume    = 1\n  window {\n    start    = \"2025-12-01T00:00:00Z\"\n    duration = \"365d\"\n  }\n  seed = 1\n}\n")
	return dir
}

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// BenchmarkApplyVsBareUpdate: `anomgen apply` of a numeric_shift of all
// 300,000 rows of a table, in one transaction (batch_rows = 0) and in
// batches (the default, 10,000 rows, one statement per batch), against
// one bare UPDATE of the same rows (the floor: no journal). apply is the
// whole command (connect, profile, count, journal, change); apply FILE
// applies a saved plan, which is not counted again.
func BenchmarkApplyVsBareUpdate(b *testing.B) {
	const rows = 300_000
	p := providertest.NewPostgres(b)
	one := benchTable(b, p, rows, 0)
	batched := benchTable(b, p, rows, 10000)
	sum := func() string {
		var s string
		if err := p.DB.QueryRow(`SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM payments t`).Scan(&s); err != nil {
			b.Fatal(err)
		}
		return s
	}
	before := sum()
	var bare, oneTx, inBatches, oneTxFile, inBatchesFile time.Duration
	restore := func() {
		execSQL(b, p.DB, `TRUNCATE payments`, fmt.Sprintf(`INSERT INTO payments (id, amount, created_at) SELECT i, (i %% 997) + 1.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '10 seconds' FROM generate_series(1, %d) i`, rows), `VACUUM ANALYZE payments`)
	}
	for i := 0; i < b.N; i++ {
		bare += timed(func() {
			tx, err := p.DB.Begin()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(`UPDATE payments SET amount = ROUND(amount * 1.1, 2) WHERE created_at >= '2025-12-01' AND created_at < '2026-12-01'`); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		})
		restore()
		for _, w := range []struct {
			dir        string
			full, file *time.Duration
		}{{one, &oneTx, &oneTxFile}, {batched, &inBatches, &inBatchesFile}} {
			// apply: plan, count and apply in one command.
			*w.full += timed(func() { mustOK(b, cli(b, w.dir, "apply", "-auto-approve")) })
			mustOK(b, cli(b, w.dir, "rollback", "-auto-approve", "-all"))
			if got := sum(); got != before {
				b.Fatalf("checksum after rollback %s, want %s", got, before)
			}
			execSQL(b, p.DB, `VACUUM ANALYZE payments`)
			// apply FILE: the reviewed plan, not counted again.
			mustOK(b, cli(b, w.dir, "plan", "-out", filepath.Join(w.dir, "plan.json")))
			*w.file += timed(func() { mustOK(b, cli(b, w.dir, "apply", "-auto-approve", filepath.Join(w.dir, "plan.json"))) })
			mustOK(b, cli(b, w.dir, "rollback", "-auto-approve", "-all"))
			if got := sum(); got != before {
				b.Fatalf("checksum after rollback %s, want %s", got, before)
			}
			execSQL(b, p.DB, `VACUUM ANALYZE payments`)
		}
	}
	n := float64(b.N)
	b.ReportMetric(bare.Seconds()/n, "bare-update-s")
	b.ReportMetric(oneTx.Seconds()/n, "apply-one-tx-s")
	b.ReportMetric(inBatches.Seconds()/n, "apply-batched-s")
	b.ReportMetric(oneTxFile.Seconds()/n, "applyfile-one-tx-s")
	b.ReportMetric(inBatchesFile.Seconds()/n, "applyfile-batched-s")
	b.ReportMetric(oneTx.Seconds()/bare.Seconds(), "ratio-one-tx")
	b.ReportMetric(inBatches.Seconds()/bare.Seconds(), "ratio-batched")
	b.ReportMetric(oneTxFile.Seconds()/bare.Seconds(), "ratio-file-one-tx")
	b.ReportMetric(inBatchesFile.Seconds()/bare.Seconds(), "ratio-file-batched")
}

// BenchmarkAppLatencyDuringApply: an application updates single random
// rows of the window in a loop while `anomgen apply` shifts every row of a
// 1,000,000-row table, in batches (the default) and in one transaction
// (batch_rows = 0), then rolls it back; it reports the p99 and the
// longest wait of the application's UPDATEs during each apply and each
// rollback.
func BenchmarkAppLatencyDuringApply(b *testing.B) {
	const rows = 1_000_000
	p := providertest.NewPostgres(b)
	batched := benchTable(b, p, rows, 10000)
	one := benchTable(b, p, rows, 0)
	for i := 0; i < b.N; i++ {
		for _, w := range []struct {
			name, dir string
		}{{"batched", batched}, {"one-tx", one}} {
			for _, cmd := range [][]string{{"apply", "-auto-approve"}, {"rollback", "-auto-approve", "-all"}} {
				ctx, cancel := context.WithCancel(context.Background())
				var mu sync.Mutex
				var waits []time.Duration
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(1, 2))
					for ctx.Err() == nil {
						id := 1 + r.Int64N(rows)
						start := time.Now()
						if _, err := p.DB.ExecContext(ctx, `UPDATE payments SET hits = hits + 1 WHERE id = $1`, id); err != nil && ctx.Err() == nil {
							b.Error(err)
							return
						}
						d := time.Since(start)
						mu.Lock()
						waits = append(waits, d)
						mu.Unlock()
					}
				}()
				took := timed(func() { mustOK(b, cli(b, w.dir, cmd...)) })
				cancel()
				wg.Wait()
				slices.Sort(waits)
				if len(waits) == 0 {
					b.Fatal("the application made no write")
				}
				p99 := waits[len(waits)*99/100]
				longest := waits[len(waits)-1]
				name := w.name + "-" + cmd[0]
				b.ReportMetric(float64(p99.Microseconds())/1000, name+"-p99-ms")
				b.ReportMetric(float64(longest.Microseconds())/1000, name+"-max-ms")
				b.ReportMetric(took.Seconds(), name+"-s")
				b.Logf("%s: %s, %d application writes, p99 %s, max %s", name, took.Round(time.Millisecond), len(waits), p99.Round(time.Millisecond), longest.Round(time.Millisecond))
			}
		}
	}
}
