package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// big is the single large table's part of the results.
type big struct {
	Rows int `json:"rows"`
	// Changed is the rows the anomaly changes (every row of the window:
	// numeric_shift, volume 1), the bare UPDATE's row count too.
	Changed int64 `json:"changed_rows"`
	// Floor is the median of the bare UPDATEs of the same rows (each
	// timed, then rolled back), FloorRuns each one.
	Floor     float64   `json:"bare_update_seconds"`
	FloorRuns []float64 `json:"bare_update_runs_seconds"`
	// Plan is `anomgen plan -out FILE` (the first round's); ApplySaved the
	// median of the rounds' `anomgen apply FILE`, ApplySavedRuns each one;
	// Apply `anomgen apply` (plans and counts, then applies); Rollback
	// `anomgen rollback -all` (the first round's).
	Plan           float64   `json:"plan_seconds"`
	ApplySaved     float64   `json:"apply_saved_plan_seconds"`
	ApplySavedRuns []float64 `json:"apply_saved_plan_runs_seconds"`
	Apply          float64   `json:"apply_seconds"`
	Rollback       float64   `json:"rollback_seconds"`
	// Ratio is ApplySaved / Floor; RatioPlain Apply / Floor.
	Ratio      float64 `json:"ratio_apply_saved_to_bare_update"`
	RatioPlain float64 `json:"ratio_apply_to_bare_update"`
	RSSKB      int64   `json:"anomgen_peak_rss_kb"`
	// The database server's CPU seconds (cpu.go) of each bare UPDATE and
	// each apply FILE, where the server runs on this machine.
	FloorServerCPU      []float64 `json:"bare_update_server_cpu_seconds,omitempty"`
	ApplySavedServerCPU []float64 `json:"apply_saved_plan_server_cpu_seconds,omitempty"`
	// Latency of an application's single-row UPDATE in the window (pgbench,
	// one client) while nothing else runs, during apply and during
	// rollback.
	Idle           *latency `json:"latency_idle,omitempty"`
	DuringApply    *latency `json:"latency_during_apply,omitempty"`
	DuringRollback *latency `json:"latency_during_rollback,omitempty"`
	// ApplyWithLoad and RollbackWithLoad are their wall times while
	// pgbench runs.
	ApplyWithLoad    float64 `json:"apply_with_pgbench_seconds,omitempty"`
	RollbackWithLoad float64 `json:"rollback_with_pgbench_seconds,omitempty"`
	Checksums        int     `json:"checksums_equal"`
	Note             string  `json:"note,omitempty"`
}

// latency summarises pgbench's per-transaction log over an interval.
type latency struct {
	N     int     `json:"transactions"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// Covered is the share of the interval pgbench ran for.
	Covered float64 `json:"covered"`
}

func (l *latency) String() string {
	if l == nil {
		return "not measured"
	}
	s := fmt.Sprintf("p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d updates", l.P50ms, l.P99ms, l.MaxMs, l.N)
	if l.Covered < 0.999 {
		s += fmt.Sprintf(" (pgbench covered %.0f%% of it)", 100*l.Covered)
	}
	return s
}

func (g *big) writeTable(w io.Writer) {
	fmt.Fprintf(w, "\none table of %d rows, numeric_shift on %d rows (every row of the last 30 days):\n", g.Rows, g.Changed)
	fmt.Fprintf(w, "  bare UPDATE of the same rows (the floor)   %.2fs   median of %s\n", g.Floor, runs(g.FloorRuns))
	fmt.Fprintf(w, "  anomgen plan -out FILE                     %.2fs\n", g.Plan)
	fmt.Fprintf(w, "  anomgen apply FILE                         %.2fs   %.2f× the floor; median of %s\n", g.ApplySaved, g.Ratio, runs(g.ApplySavedRuns))
	if len(g.FloorServerCPU) > 0 && len(g.ApplySavedServerCPU) > 0 {
		f, a := median(g.FloorServerCPU), median(g.ApplySavedServerCPU)
		fmt.Fprintf(w, "  database server CPU: bare UPDATE %.2fs (median of %s), apply FILE %.2fs (median of %s), %.2f×\n",
			f, runs(g.FloorServerCPU), a, runs(g.ApplySavedServerCPU), a/f)
	}
	fmt.Fprintf(w, "  anomgen apply (plan + count + apply)       %.2fs   %.2f× the floor\n", g.Apply, g.RatioPlain)
	fmt.Fprintf(w, "  anomgen rollback                           %.2fs\n", g.Rollback)
	fmt.Fprintf(w, "  anomgen peak RSS                           %.1f MB\n", float64(g.RSSKB)/1024)
	fmt.Fprintf(w, "  application's single-row UPDATE in the window (pgbench, 1 client):\n")
	fmt.Fprintf(w, "    idle             %s\n", g.Idle)
	fmt.Fprintf(w, "    during apply     %s (apply took %.2fs)\n", g.DuringApply, g.ApplyWithLoad)
	fmt.Fprintf(w, "    during rollback  %s (rollback took %.2fs)\n", g.DuringRollback, g.RollbackWithLoad)
	fmt.Fprintf(w, "  checksum equal to the seeded data after every rollback: %v (%d times)\n", g.Checksums == len(g.ApplySavedRuns)+1, g.Checksums)
	if g.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", g.Note)
	}
}

// measureBig seeds one table of -big-rows rows and measures apply against a
// bare UPDATE, and pgbench's latency during apply and rollback.
func (b *bench) measureBig(ctx context.Context) error {
	g := &big{Rows: b.opt.BigRows}
	b.res.Big = g
	name := b.opt.Prefix + "_big"
	dsn, err := dbDSN(b.opt.DSN, name)
	if err != nil {
		return err
	}
	admin, err := b.open(b.opt.DSN)
	if err != nil {
		return err
	}
	if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
		return err
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return err
	}
	db, err := b.open(dsn)
	if err != nil {
		return err
	}
	b.logf("big: seeding one table of %d rows", g.Rows)
	if err := seedTable(ctx, db, "big", b.end, b.opt.Days, g.Rows, 0.5); err != nil {
		return err
	}
	sum, err := checksum(ctx, db, "big", g.Rows)
	if err != nil {
		return err
	}
	w := window{from: b.end.Add(-30 * 24 * time.Hour), to: b.end}
	c := &customer{Name: name, DSN: dsn, Dir: filepath.Join(b.workdir, name), Tables: []string{"big"}}
	if err := b.writeWorkspace(c); err != nil {
		return err
	}
	// One anomaly, every row of the window: the bare UPDATE changes exactly
	// the same rows.
	if err := writeFile(filepath.Join(c.Dir, "anomalies.hcl"), fmt.Sprintf(`anomaly "numeric_shift" "big_shift" {
  target    = target.big
  column    = "amount"
  volume    = 1
  amplitude = 0.25
  max_rows  = %d
%s}
`, g.Rows, w.hcl())); err != nil {
		return err
	}
	quiesce := func() error {
		for _, q := range []string{"VACUUM public.big"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err := admin.ExecContext(ctx, "CHECKPOINT")
		return err
	}
	verify := func(after string) error {
		got, err := checksum(ctx, db, "big", g.Rows)
		if err != nil {
			return err
		}
		if got != sum {
			return fmt.Errorf("CHECKSUM MISMATCH after %s on %s.public.big: %s, want %s", after, name, got, sum)
		}
		g.Checksums++
		return nil
	}

	// Rounds, alternating: the floor, one bare UPDATE of the same rows
	// (rolled back), then anomgen plan -out, apply FILE and rollback. The
	// medians are compared: one run of either varies by a third on this
	// kind of machine.
	for round := 1; round <= b.opt.BigRounds; round++ {
		if err := quiesce(); err != nil {
			return err
		}
		b.logf("big: round %d: bare UPDATE", round)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		m := b.startCPU(ctx)
		start := time.Now()
		r, err := tx.ExecContext(ctx, `UPDATE public.big t SET amount = t.amount * 1.25 WHERE `+w.sql())
		g.FloorRuns = append(g.FloorRuns, time.Since(start).Seconds())
		if cpu := m.seconds(ctx); cpu > 0 {
			g.FloorServerCPU = append(g.FloorServerCPU, cpu)
		}
		if err != nil {
			tx.Rollback()
			return err
		}
		g.Changed, _ = r.RowsAffected()
		if err := tx.Rollback(); err != nil {
			return err
		}

		if err := quiesce(); err != nil {
			return err
		}
		b.logf("big: round %d: anomgen plan -out, apply FILE, rollback", round)
		planFile := filepath.Join(c.Dir, "big.plan")
		p, err := b.runAnomgen(ctx, fmt.Sprintf("big-plan-%d.log", round), "-chdir", c.Dir, "plan", "-out", planFile)
		if err != nil {
			return err
		}
		if round == 1 {
			g.Plan = p.wall.Seconds()
		}
		m = b.startCPU(ctx)
		p, err = b.runAnomgen(ctx, fmt.Sprintf("big-apply-saved-%d.log", round), "-chdir", c.Dir, "apply", "-auto-approve", planFile)
		if err != nil {
			return err
		}
		if cpu := m.seconds(ctx); cpu > 0 {
			g.ApplySavedServerCPU = append(g.ApplySavedServerCPU, cpu)
		}
		g.ApplySavedRuns, g.RSSKB = append(g.ApplySavedRuns, p.wall.Seconds()), max(g.RSSKB, p.rssKB)
		if rows, _ := outputRows(p.out); rows != g.Changed {
			return fmt.Errorf("big: anomgen apply changed %d rows, the bare UPDATE %d", rows, g.Changed)
		}
		if err := quiesce(); err != nil {
			return err
		}
		p, err = b.runAnomgen(ctx, fmt.Sprintf("big-rollback-%d.log", round), "-chdir", c.Dir, "rollback", "-all", "-auto-approve")
		if err != nil {
			return err
		}
		if round == 1 {
			g.Rollback = p.wall.Seconds()
		}
		g.RSSKB = max(g.RSSKB, p.rssKB)
		if err := verify(fmt.Sprintf("anomgen rollback (round %d)", round)); err != nil {
			return err
		}
	}
	g.Floor, g.ApplySaved = median(g.FloorRuns), median(g.ApplySavedRuns)
	if err := quiesce(); err != nil {
		return err
	}
	p, err := b.runAnomgen(ctx, "big-apply.log", "-chdir", c.Dir, "apply", "-auto-approve")
	if err != nil {
		return err
	}
	g.Apply, g.RSSKB = p.wall.Seconds(), max(g.RSSKB, p.rssKB)
	if err := quiesce(); err != nil {
		return err
	}
	if _, err := b.runAnomgen(ctx, "big-rollback2.log", "-chdir", c.Dir, "rollback", "-all", "-auto-approve"); err != nil {
		return err
	}
	if g.Floor > 0 {
		g.Ratio, g.RatioPlain = g.ApplySaved/g.Floor, g.Apply/g.Floor
	}
	b.logf("big: bare UPDATE %.2fs, apply FILE %.2fs (%.2f×), apply %.2fs, rollback %.2fs", g.Floor, g.ApplySaved, g.Ratio, g.Apply, g.Rollback)

	// An application's writes during apply and rollback.
	if err := b.latencies(ctx, g, db, c, w); err != nil {
		return err
	}
	return verify("anomgen rollback under pgbench")
}

// pgbenchPath finds pgbench on PATH or in Debian's versioned folders.
func pgbenchPath() string {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	if len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1]
	}
	return ""
}

// latencies runs pgbench (one client updating a random row of the window)
// alone, during an apply and during a rollback.
func (b *bench) latencies(ctx context.Context, g *big, db *sql.DB, c *customer, w window) error {
	pgbench := pgbenchPath()
	if pgbench == "" {
		g.Note = "pgbench not found (Debian: apt-get install postgresql-contrib); application latency not measured"
		return nil
	}
	var lo, hi int64
	if err := db.QueryRowContext(ctx, `SELECT min(id), max(id) FROM public.big t WHERE `+w.sql()).Scan(&lo, &hi); err != nil {
		return err
	}
	script := filepath.Join(c.Dir, "app.sql")
	// qty = qty: the row is written (and waits for any lock on it) but its
	// value stays, so the checksum after rollback still holds.
	if err := writeFile(script, fmt.Sprintf("\\set id random(%d, %d)\nUPDATE public.big SET qty = qty WHERE id = :id;\n", lo, hi)); err != nil {
		return err
	}
	env, err := b.pgEnv(c.DSN)
	if err != nil {
		return err
	}
	// during runs pgbench for about secs seconds around fn, and returns the
	// latencies of the updates that overlapped fn's run.
	during := func(label string, secs float64, fn func() (time.Time, time.Time, error)) (*latency, error) {
		prefix := filepath.Join(c.Dir, "pgbench-"+label)
		old, _ := filepath.Glob(prefix + ".*")
		for _, f := range old {
			os.Remove(f)
		}
		dur := int(math.Ceil(secs)) + 2
		cmd := exec.CommandContext(ctx, pgbench, "-n", "-c", "1", "-j", "1", "-T", strconv.Itoa(dur),
			"-f", script, "-l", "--log-prefix="+prefix)
		cmd.Env = env
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		time.Sleep(time.Second)
		from, to, ferr := fn()
		werr := cmd.Wait()
		ended := time.Now()
		if ferr != nil {
			return nil, ferr
		}
		if werr != nil {
			return nil, fmt.Errorf("pgbench: %w\n%s", werr, out.String())
		}
		logs, _ := filepath.Glob(prefix + ".*")
		if len(logs) == 0 {
			return nil, fmt.Errorf("pgbench wrote no log\n%s", out.String())
		}
		l, err := readPgbenchLog(logs[0], from, to)
		if err != nil {
			return nil, err
		}
		span := to.Sub(from).Seconds()
		l.Covered = 1
		if ended.Before(to) && span > 0 {
			l.Covered = math.Max(0, ended.Sub(from).Seconds()-0.5) / span
		}
		return l, nil
	}
	b.logf("big: pgbench alone")
	idle, err := during("idle", 3, func() (time.Time, time.Time, error) {
		from := time.Now()
		time.Sleep(3 * time.Second)
		return from, time.Now(), nil
	})
	if err != nil {
		return err
	}
	g.Idle = idle
	anomgen := func(label string, wall *float64, args ...string) func() (time.Time, time.Time, error) {
		return func() (time.Time, time.Time, error) {
			from := time.Now()
			p, err := b.runAnomgen(ctx, "big-"+label+"-pgbench.log", append([]string{"-chdir", c.Dir}, args...)...)
			*wall = p.wall.Seconds()
			return from, time.Now(), err
		}
	}
	if err := b.quiesceBig(ctx, db); err != nil {
		return err
	}
	b.logf("big: apply under pgbench")
	if g.DuringApply, err = during("apply", 1.5*g.Apply+10, anomgen("apply", &g.ApplyWithLoad, "apply", "-auto-approve")); err != nil {
		return err
	}
	if err := b.quiesceBig(ctx, db); err != nil {
		return err
	}
	b.logf("big: rollback under pgbench")
	if g.DuringRollback, err = during("rollback", 1.5*g.Rollback+10, anomgen("rollback", &g.RollbackWithLoad, "rollback", "-all", "-auto-approve")); err != nil {
		return err
	}
	b.logf("big: latency idle %s; during apply %s; during rollback %s", g.Idle, g.DuringApply, g.DuringRollback)
	return nil
}

func (b *bench) quiesceBig(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "VACUUM public.big"); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, "CHECKPOINT")
	return err
}

// readPgbenchLog reads pgbench's per-transaction log (client_id
// transaction_no time_us script_no time_epoch time_us_fraction) and
// summarises the transactions that overlapped [from, to].
func readPgbenchLog(path string, from, to time.Time) (*latency, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lat []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 {
			continue
		}
		us, err1 := strconv.ParseInt(fs[2], 10, 64)
		sec, err2 := strconv.ParseInt(fs[4], 10, 64)
		frac, err3 := strconv.ParseInt(fs[5], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		end := time.Unix(sec, frac*1000)
		begin := end.Add(-time.Duration(us) * time.Microsecond)
		if end.Before(from) || begin.After(to) {
			continue
		}
		lat = append(lat, float64(us)/1000)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lat) == 0 {
		return nil, fmt.Errorf("pgbench logged no update between %s and %s (%s)", from.Format(time.TimeOnly), to.Format(time.TimeOnly), path)
	}
	sort.Float64s(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)] }
	return &latency{N: len(lat), P50ms: q(0.5), P99ms: q(0.99), MaxMs: lat[len(lat)-1]}, nil
}

// median is the middle value of xs (the mean of the two middle ones for
// an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// runs lists run times: "1.07s, 1.22s, 1.31s".
func runs(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2fs", x)
	}
	return strings.Join(parts, ", ")
}
