package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// The daemon's tests drive the daemon with a fake clock (daemonHook).

const daemonAddr = "anomaly.null_rate.hourly"

// daemonStart is the first fire time of the test schedule: every 6h from
// 04:00, each occurrence lasting 2h, its window the 2h before it.
var daemonStart = time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)

func daemonScenario(t *testing.T, f *fixture, optIn bool) string {
	return daemonScenarioCatchUp(t, f, optIn, false)
}

// daemonScenarioCatchUp writes the scheduled anomaly with its schedule
// block: every 6h from 04:00, each occurrence lasting 2h.
func daemonScenarioCatchUp(t *testing.T, f *fixture, optIn, catchUp bool) string {
	src := f.source
	if optIn {
		src = strings.Replace(src, "allow_writes = true\n", "allow_writes = true\n  daemon       = true\n", 1)
	}
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", "anomgen {\n  workspace = \"customer-a\"\n}\n\n"+src+"\n"+f.target())
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"hourly\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n  window {\n    last = \"2h\"\n  }\n  schedule {\n    every    = \"6h\"\n    duration = \"2h\"\n    start    = \"2026-01-01T04:00:00Z\"\n    catch_up = "+fmt.Sprint(catchUp)+"\n  }\n}\n")
	return dir
}

// useDaemonClock makes daemon runs use clock.
func useDaemonClock(t *testing.T, clock clockwork.Clock) {
	daemonHook = func(o *daemonOptions) {
		o.clock = clock
		o.stopTimeout = 5 * time.Second
	}
	t.Cleanup(func() { daemonHook = nil })
}

func daemonState(t *testing.T, dir string) *state.Anomaly {
	t.Helper()
	st, err := state.Load(statePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return st.Get(daemonAddr)
}

func auditLines(t *testing.T, dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, ".anomgen", "audit.log"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func daemonFixtures(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteFixture(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresFixture(t)) })
}

// TestDaemonOnceEveryDuration steps the clock through two occurrences with
// -once: each fires at its instant (its window ends at the fire time),
// stays until its duration ends and is reverted then; the table's checksum
// is the original after each revert.
func TestDaemonOnceEveryDuration(t *testing.T) {
	daemonFixtures(t, func(t *testing.T, f *fixture) {
		dir := daemonScenario(t, f, true)
		orig := f.checksum(t)
		clock := clockwork.NewFakeClockAt(daemonStart.Add(-time.Hour))
		useDaemonClock(t, clock)
		once := func(at time.Time) result {
			t.Helper()
			clock.Advance(at.Sub(clock.Now()))
			return mustOK(t, cli(t, dir, "daemon", "-once"))
		}
		once(daemonStart.Add(-time.Minute))
		if a := daemonState(t, dir); a != nil || f.checksum(t) != orig {
			t.Fatalf("applied before the first fire time: %+v", a)
		}
		nulls := f.nullsInWindow(t, 120, 240)
		once(daemonStart)
		a := daemonState(t, dir)
		if a == nil || a.Status != "" || !a.AppliedAt.Equal(daemonStart) || a.ExpiresAt == nil || !a.ExpiresAt.Equal(daemonStart.Add(2*time.Hour)) {
			t.Fatalf("after the first fire: %+v", a)
		}
		// The window is the 2h before the fire time: orders 120..239.
		if got := f.nullsInWindow(t, 120, 240); got <= nulls {
			t.Fatalf("nulls in the occurrence's window: %d, before %d", got, nulls)
		}
		if got := f.nullsInWindow(t, 240, 2001); got != f.nullsInWindow(t, 240, 2001) || f.checksum(t) == orig {
			t.Fatal("nothing changed")
		}
		once(daemonStart.Add(2*time.Hour - time.Second))
		if a := daemonState(t, dir); a.Status != "" {
			t.Fatalf("reverted before its duration ended: %+v", a)
		}
		once(daemonStart.Add(2 * time.Hour))
		if a := daemonState(t, dir); a.Status != state.StatusExpired || f.checksum(t) != orig {
			t.Fatalf("not reverted when its duration ended: %+v (checksum original: %v)", a, f.checksum(t) == orig)
		}
		// The second occurrence: 10:00, window 08:00-10:00 (orders 480..599).
		second := daemonStart.Add(6 * time.Hour)
		once(second.Add(-time.Second))
		if f.checksum(t) != orig {
			t.Fatal("changed before the second fire time")
		}
		nulls = f.nullsInWindow(t, 480, 600)
		once(second)
		if a := daemonState(t, dir); a == nil || a.Status != "" || !a.AppliedAt.Equal(second) {
			t.Fatalf("after the second fire: %+v", a)
		}
		if got := f.nullsInWindow(t, 480, 600); got <= nulls {
			t.Fatalf("second occurrence's window: %d nulls, before %d", got, nulls)
		}
		once(second.Add(2 * time.Hour))
		if a := daemonState(t, dir); a.Status != state.StatusExpired || f.checksum(t) != orig {
			t.Fatalf("second occurrence not reverted: %+v", a)
		}
		// Every occurrence is in the audit log: two applies, two reverts.
		log := strings.Join(auditLines(t, dir), "\n")
		if n := strings.Count(log, `"action":"create"`); n != 2 {
			t.Errorf("%d creates in the audit log:\n%s", n, log)
		}
		if n := strings.Count(log, `"action":"expire"`); n != 2 {
			t.Errorf("%d expires in the audit log:\n%s", n, log)
		}
		// Each record names its occurrence: applied and reverted.
		for _, occ := range []string{"2026-01-01T04:00:00Z", "2026-01-01T10:00:00Z"} {
			if n := strings.Count(log, `"occurrence":"`+occ+`"`); n != 2 {
				t.Errorf("%d records of the occurrence of %s:\n%s", n, occ, log)
			}
		}
	})
}

// TestDaemonOnceRestart: a daemon down across a revert and a whole
// occurrence reverts the overdue one first, skips and logs the missed one
// and applies the current one.
func TestDaemonOnceRestart(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if f.checksum(t) == orig {
		t.Fatal("the first occurrence changed nothing")
	}
	// plan sees the occurrence the daemon applied as applied, unchanged
	// (the schedule's duration is the one it was applied with).
	planClock = func() time.Time { return daemonStart.Add(time.Hour) }
	defer func() { planClock = time.Now }()
	r := mustOK(t, cli(t, dir, "plan"))
	wantAll(t, r, r.stdout, "No changes")
	// Down from 04:00 to 13:00: the 04:00 occurrence is overdue (06:00),
	// the 10:00 one was missed entirely (it ended at 12:00).
	clock.Advance(9 * time.Hour)
	r = mustOK(t, cli(t, dir, "daemon", "-once"))
	wantAll(t, r, r.stdout, "Expiring", "skipped the occurrence of 2026-01-01T10:00:00Z")
	if a := daemonState(t, dir); a.Status != state.StatusExpired || f.checksum(t) != orig {
		t.Fatalf("after the restart: %+v", a)
	}
	log := strings.Join(auditLines(t, dir), "\n")
	if !strings.Contains(log, `"outcome":"skipped"`) || !strings.Contains(log, "2026-01-01T10:00:00Z") {
		t.Errorf("the skipped occurrence is not in the audit log:\n%s", log)
	}
	// 16:30: the 16:00 occurrence is current and runs.
	clock.Advance(3*time.Hour + 30*time.Minute)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if a := daemonState(t, dir); a.Status != "" || !a.AppliedAt.Equal(daemonStart.Add(12*time.Hour)) {
		t.Fatalf("the current occurrence did not run: %+v", a)
	}
}

// TestDaemonCatchUp runs the missed occurrence (applied and reverted at
// once) when catch_up is set.
func TestDaemonCatchUp(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenarioCatchUp(t, f, true, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	clock.Advance(9 * time.Hour)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	log := strings.Join(auditLines(t, dir), "\n")
	if n := strings.Count(log, `"action":"create"`); n != 2 {
		t.Errorf("%d creates (want the first and the caught-up one):\n%s", n, log)
	}
	if n := strings.Count(log, `"action":"expire"`); n != 2 {
		t.Errorf("%d expires:\n%s", n, log)
	}
	if f.checksum(t) != orig {
		t.Error("the table is not the original after the caught-up occurrence")
	}
}

// TestDaemonRefusesWithoutOptIn: a source without daemon = true is
// refused before anything is touched.
func TestDaemonRefusesWithoutOptIn(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, false)
	orig := f.checksum(t)
	useDaemonClock(t, clockwork.NewFakeClockAt(daemonStart))
	r := cli(t, dir, "daemon", "-once")
	if r.code == 0 {
		t.Fatalf("ran on a source without daemon = true:\n%s", r)
	}
	wantAll(t, r, r.stderr, "does not opt in to the daemon", "daemon = true", "on main.hcl line 5")
	if f.checksum(t) != orig || exists(statePath(dir)) {
		t.Fatal("something was changed")
	}
}

// TestDaemonScheduler runs the daemon itself (gocron with a fake clock):
// the occurrence fires at 04:00 and is reverted at 06:00; a stop (the
// context, as SIGTERM does) ends it with exit 0.
func TestDaemonScheduler(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart.Add(-time.Minute))
	useDaemonClock(t, clock)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		var out, errb strings.Builder
		code := run(ctx, []string{"-chdir", dir, "daemon"}, strings.NewReader(""), &out, &errb)
		done <- result{code: code, stdout: out.String(), stderr: errb.String()}
	}()
	// waitUntil advances the clock in small steps until cond holds.
	waitUntil := func(what string, to time.Time, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: timed out at fake %s", what, clock.Now())
			}
			if clock.Now().Before(to) {
				clock.Advance(time.Second)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitUntil("first occurrence", daemonStart, func() bool { a := daemonState(t, dir); return a != nil && a.Status == "" })
	if a := daemonState(t, dir); !a.AppliedAt.Equal(daemonStart) {
		t.Errorf("applied for %s, want %s", a.AppliedAt, daemonStart)
	}
	if f.checksum(t) == orig {
		t.Fatal("nothing changed")
	}
	clock.Advance(2*time.Hour - time.Minute)
	waitUntil("revert", daemonStart.Add(2*time.Hour), func() bool { return daemonState(t, dir).Status == state.StatusExpired })
	if f.checksum(t) != orig {
		t.Fatal("the table is not the original after the revert")
	}
	// The job was moved to the next fire time: 10:00.
	second := daemonStart.Add(6 * time.Hour)
	clock.Advance(second.Add(-time.Minute).Sub(clock.Now()))
	waitUntil("second occurrence", second, func() bool { a := daemonState(t, dir); return a.Status == "" })
	if a := daemonState(t, dir); !a.AppliedAt.Equal(second) {
		t.Errorf("second occurrence applied for %s, want %s", a.AppliedAt, second)
	}
	clock.Advance(second.Add(2*time.Hour - time.Minute).Sub(clock.Now()))
	waitUntil("second revert", second.Add(2*time.Hour), func() bool { return daemonState(t, dir).Status == state.StatusExpired })
	if f.checksum(t) != orig {
		t.Fatal("the table is not the original after the second revert")
	}
	stop()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop")
	}
}

// twoDaemonWorkspaces is the setup of the tests where one daemon serves
// two workspace folders: d1 and d2 (daemonScenario, opted in), each on its
// own SQLite fixture (f1, f2), the daemon's clock at daemonStart.
func twoDaemonWorkspaces(t *testing.T) (f1, f2 *fixture, d1, d2 string, clock *clockwork.FakeClock) {
	t.Helper()
	f1, f2 = sqliteFixture(t), sqliteFixture(t)
	d1, d2 = daemonScenario(t, f1, true), daemonScenario(t, f2, true)
	clock = clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	return f1, f2, d1, d2, clock
}

// TestDaemonOnceTwoWorkspaces: one process serves two workspace folders,
// each with its own database, state and audit log.
func TestDaemonOnceTwoWorkspaces(t *testing.T) {
	f1, f2, d1, d2, clock := twoDaemonWorkspaces(t)
	o1, o2 := f1.checksum(t), f2.checksum(t)
	mustOK(t, cli(t, t.TempDir(), "daemon", "-once", d1, d2))
	for _, d := range []string{d1, d2} {
		if a := daemonState(t, d); a == nil || a.Status != "" {
			t.Fatalf("%s: not applied: %+v", d, a)
		}
	}
	if f1.checksum(t) == o1 || f2.checksum(t) == o2 {
		t.Fatal("a workspace's table did not change")
	}
	clock.Advance(2 * time.Hour)
	mustOK(t, cli(t, t.TempDir(), "daemon", "-once", d1, d2))
	if f1.checksum(t) != o1 || f2.checksum(t) != o2 {
		t.Fatal("a workspace's table is not the original after the revert")
	}
}

// TestDaemonFleetFile: -file serves the workspaces a fleet file lists
// (the same file fleet apply reads), together with any DIR argument; a
// listed folder that does not exist is refused before anything runs.
func TestDaemonFleetFile(t *testing.T) {
	f1, f2, d1, d2, clock := twoDaemonWorkspaces(t)
	o1, o2 := f1.checksum(t), f2.checksum(t)
	list := t.TempDir()
	writeFile(t, list, "fleet.txt", "# customers\n"+d1+"\n")
	mustOK(t, cli(t, t.TempDir(), "daemon", "-once", "-file", filepath.Join(list, "fleet.txt"), d2))
	for _, d := range []string{d1, d2} {
		if a := daemonState(t, d); a == nil || a.Status != "" {
			t.Fatalf("%s: not applied: %+v", d, a)
		}
	}
	if f1.checksum(t) == o1 || f2.checksum(t) == o2 {
		t.Fatal("a workspace's table did not change")
	}
	writeFile(t, list, "bad.txt", "missing-customer\n")
	r := cli(t, t.TempDir(), "daemon", "-once", "-file", filepath.Join(list, "bad.txt"))
	if r.code == 0 || !strings.Contains(r.stderr, "missing-customer is not a folder") {
		t.Fatalf("a fleet file naming a missing folder: exit %d\n%s", r.code, r)
	}
	clock.Advance(2 * time.Hour)
	mustOK(t, cli(t, t.TempDir(), "daemon", "-once", "-file", filepath.Join(list, "fleet.txt"), d2))
	if f1.checksum(t) != o1 || f2.checksum(t) != o2 {
		t.Fatal("a workspace's table is not the original after the revert")
	}
}

// TestDaemonStopDuringApply (PostgreSQL): the occurrence's UPDATE waits on
// rows another transaction holds when the stop comes (SIGTERM and SIGINT
// cancel the command's context); after -stop-timeout its transaction is
// cancelled and rolls back, the daemon exits 0, nothing is changed or
// recorded, and a restart applies the occurrence.
func TestDaemonStopDuringApply(t *testing.T) {
	f := postgresFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart)
	daemonHook = func(o *daemonOptions) {
		o.clock = clock
		o.stopTimeout = time.Second
	}
	t.Cleanup(func() { daemonHook = nil })
	blocker, err := f.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.Exec("SELECT id FROM orders WHERE id BETWEEN 100 AND 300 FOR UPDATE"); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		var out, errb strings.Builder
		code := run(ctx, []string{"-chdir", dir, "daemon"}, strings.NewReader(""), &out, &errb)
		done <- result{code: code, stdout: out.String(), stderr: errb.String()}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for queryInt(t, f.db, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0 {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the occurrence never waited on the held rows:\n%s", <-done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopped := time.Now()
	stop()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r)
		}
		if el := time.Since(stopped); el > 10*time.Second {
			t.Errorf("stopped after %s", el)
		}
		wantAll(t, r, r.stdout, "stopped")
	case <-time.After(30 * time.Second):
		t.Fatal("the daemon did not stop")
	}
	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	if a := daemonState(t, dir); (a != nil && a.Status == "") || f.checksum(t) != orig || len(f.catalog(t)) != 0 {
		t.Fatalf("the cancelled occurrence left something: state %+v, catalog %v, checksum original %v", a, f.catalog(t), f.checksum(t) == orig)
	}
	// The restart carries on: the occurrence still runs (until 06:00).
	clock.Advance(time.Minute)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if a := daemonState(t, dir); a == nil || a.Status != "" || !a.AppliedAt.Equal(daemonStart) {
		t.Fatalf("the restart did not apply the occurrence: %+v", a)
	}
}

// TestDaemonGuards: protect and the daemon's -max-rows refuse an
// occurrence as they refuse an apply; nothing is changed.
func TestDaemonGuards(t *testing.T) {
	f := sqliteFixture(t)
	useDaemonClock(t, clockwork.NewFakeClockAt(daemonStart))
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	r := cli(t, dir, "daemon", "-once", "-max-rows", "5")
	if r.code == 0 {
		t.Fatalf("-max-rows 5 did not refuse the occurrence:\n%s", r)
	}
	wantAll(t, r, r.stderr, "refusing to apply")
	writeFile(t, dir, "main.hcl", strings.Replace(readFile(t, filepath.Join(dir, "main.hcl")), "time_column = \"created_at\"\n", "time_column = \"created_at\"\n  protect     = true\n", 1))
	r = cli(t, dir, "daemon", "-once")
	if r.code == 0 {
		t.Fatalf("a protected target did not refuse the occurrence:\n%s", r)
	}
	wantAll(t, r, r.stderr, "protected")
	if f.checksum(t) != orig || len(f.catalog(t)) != 0 {
		t.Fatal("something was changed")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPeriodicExample runs examples/periodic with -once against the demo
// SQLite database: at a fire time the three anomalies are applied (their
// windows the hours before it); an order that arrives while the stalled
// feed lasts is swept out of sight; and when their durations end the
// orders table is byte-identical to what the demo wrote, plus that order.
func TestPeriodicExample(t *testing.T) {
	dir := t.TempDir()
	mustOK(t, cli(t, dir, "demo", "-seed-only", "-days", "2"))
	demo := filepath.Join(dir, "anomgen-demo")
	for _, name := range []string{"main.hcl", "anomalies.hcl"} {
		writeFile(t, demo, name, readFile(t, filepath.Join("..", "..", "examples", "periodic", name)))
	}
	db := openSQLite(t, filepath.Join(demo, "shop.db"))
	sum := func() string { return providertest.Checksum(t, db, "SELECT * FROM orders ORDER BY 1") }
	orig := sum()
	// A minute after the latest midnight UTC, when both fire (the demo's
	// orders end now, so their windows hold orders).
	fire := time.Now().UTC().Truncate(24 * time.Hour)
	clock := clockwork.NewFakeClockAt(fire.Add(time.Minute))
	useDaemonClock(t, clock)
	r := mustOK(t, cli(t, demo, "daemon", "-once"))
	wantAll(t, r, r.stdout, "anomaly.null_rate.email_nulls: occurrence of", "anomaly.numeric_shift.amount_inflation: occurrence of", "anomaly.stale_data.feed_stalled: occurrence of")
	st, err := state.Load(statePath(demo))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"anomaly.null_rate.email_nulls", "anomaly.numeric_shift.amount_inflation", "anomaly.stale_data.feed_stalled"} {
		if a := st.Get(addr); a == nil || a.Status != "" || !a.AppliedAt.Equal(fire) || a.Rows == 0 {
			t.Fatalf("%s: %+v", addr, a)
		}
	}
	if sum() == orig {
		t.Fatal("nothing changed")
	}
	// An order arrives ten minutes after the fire: the next run sweeps it.
	execSQL(t, db, fmt.Sprintf("INSERT INTO orders (id, customer_id, created_at, amount, status, channel, email) VALUES (10000000, 1, '%s', 9.99, 'paid', 'web', 'late@example.com')", fire.Add(10*time.Minute).Format("2006-01-02 15:04:05")))
	clock.Advance(29 * time.Minute)
	r = mustOK(t, cli(t, demo, "daemon", "-once"))
	wantAll(t, r, r.stdout, "anomaly.stale_data.feed_stalled: swept 1 row")
	if n := queryInt(t, db, "SELECT COUNT(*) FROM orders WHERE id = 10000000"); n != 0 {
		t.Fatal("the order that arrived during the stall is visible")
	}
	clock.Advance(time.Hour + 31*time.Minute)
	mustOK(t, cli(t, demo, "daemon", "-once"))
	if a := daemonStateOf(t, demo, "anomaly.stale_data.feed_stalled"); a.Status != state.StatusExpired {
		t.Fatalf("feed_stalled not reverted after 1h: %+v", a)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM orders WHERE id = 10000000"); n != 1 {
		t.Fatal("the swept order did not come back")
	}
	if a := daemonStateOf(t, demo, "anomaly.null_rate.email_nulls"); a.Status != state.StatusExpired {
		t.Fatalf("email_nulls not reverted after 2h: %+v", a)
	}
	clock.Advance(2 * time.Hour)
	mustOK(t, cli(t, demo, "daemon", "-once"))
	execSQL(t, db, "DELETE FROM orders WHERE id = 10000000")
	if sum() != orig {
		t.Fatal("the orders are not the demo's (plus the swept order) after the durations ended")
	}
}

func daemonStateOf(t *testing.T, dir, addr string) *state.Anomaly {
	t.Helper()
	st, err := state.Load(statePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return st.Get(addr)
}

// TestDaemonSIGTERM (the built binary, the real clock): the daemon applies
// the occurrence running now (every 1h for 1h: there always is one), serves,
// and on SIGTERM exits 0 within seconds; a restart with -once finds the
// occurrence applied and does not apply it again.
func TestDaemonSIGTERM(t *testing.T) {
	bin := anomgenBinary(t)
	dir := t.TempDir()
	mustOK(t, cli(t, dir, "demo", "-seed-only", "-days", "1"))
	demo := filepath.Join(dir, "anomgen-demo")
	writeFile(t, demo, "main.hcl", readFile(t, filepath.Join("..", "..", "examples", "periodic", "main.hcl")))
	writeFile(t, demo, "anomalies.hcl", "anomaly \"null_rate\" \"hourly\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n  window {\n    last = \"6h\"\n  }\n  schedule {\n    every    = \"1h\"\n    duration = \"1h\"\n  }\n}\n")
	cmd := exec.Command(bin, "-chdir", demo, "daemon", "-stop-timeout", "5s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := scanLines(stdout)
	if err := out.waitFor("anomgen daemon: serving", 60*time.Second); err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("%v\n--- stdout ---\n%s--- stderr ---\n%s", err, out.text(), stderr.String())
	}
	a := daemonStateOf(t, demo, "anomaly.null_rate.hourly")
	if a == nil || a.Status != "" {
		_ = cmd.Process.Kill()
		t.Fatalf("the running occurrence was not applied: %+v\n%s", a, out.text())
	}
	stopped := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n--- stdout ---\n%s--- stderr ---\n%s", err, out.text(), stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the daemon did not exit within 20 s of SIGTERM")
	}
	if el := time.Since(stopped); el > 10*time.Second {
		t.Errorf("exit took %s", el)
	}
	if !strings.Contains(out.text(), "anomgen daemon: stopped.") {
		t.Errorf("no stop message:\n%s", out.text())
	}
	// The restart carries on: the occurrence is still applied (or, past
	// the hour, reverted and the next one applied), never doubled.
	mustOK(t, cli(t, demo, "daemon", "-once"))
	if b := daemonStateOf(t, demo, "anomaly.null_rate.hourly"); b == nil || b.Status != "" {
		t.Fatalf("after the restart: %+v", b)
	}
}

// TestDaemonRevertsWhateverTheBlock: an occurrence is reverted when its
// duration ends even if its block changed meanwhile (plan would propose a
// replace) and its target became protected (no new occurrence may run).
func TestDaemonRevertsWhateverTheBlock(t *testing.T) {
	f, dir, orig, clock := appliedThenChangedAndProtected(t)
	clock.Advance(2 * time.Hour)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if f.checksum(t) != orig {
		t.Fatal("the occurrence was not reverted")
	}
	if a := daemonState(t, dir); a != nil && a.Status == "" {
		t.Fatalf("still applied: %+v", a)
	}
}

// appliedThenChangedAndProtected runs daemon -once on a SQLite fixture at
// daemonStart (applying the occurrence), then changes the anomaly's block
// and makes its target protected; it returns the table's checksum before
// the apply and the daemon's fake clock.
func appliedThenChangedAndProtected(t *testing.T) (f *fixture, dir, orig string, clock *clockwork.FakeClock) {
	t.Helper()
	f = sqliteFixture(t)
	dir = daemonScenario(t, f, true)
	orig = f.checksum(t)
	clock = clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if f.checksum(t) == orig {
		t.Fatal("nothing applied")
	}
	writeFile(t, dir, "anomalies.hcl", strings.Replace(readFile(t, filepath.Join(dir, "anomalies.hcl")), "volume = 0.5", "volume = 0.6", 1))
	writeFile(t, dir, "main.hcl", strings.Replace(readFile(t, filepath.Join(dir, "main.hcl")), "time_column = \"created_at\"\n", "time_column = \"created_at\"\n  protect     = true\n", 1))
	return f, dir, orig, clock
}
