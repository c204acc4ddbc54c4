package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// cron, timezone, jitter, until and max_runs through the daemon, on the
// fake clock: each occurrence fires at its instant, and none after until
// or max_runs.

// firesScenario is the daemon scenario with schedule body sched.
func firesScenario(t *testing.T, f *fixture, sched string) string {
	dir := daemonScenario(t, f, true)
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"hourly\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n  window {\n    last = \"2h\"\n  }\n  schedule {\n"+sched+"  }\n}\n")
	return dir
}

// step is one -once run at a fake time and what the state says then:
// the applied occurrence's fire time (zero: none applied).
type step struct {
	at      time.Time
	applied time.Time
}

func runSteps(t *testing.T, f *fixture, dir string, clock *clockwork.FakeClock, steps []step) {
	t.Helper()
	orig := f.checksum(t)
	for _, s := range steps {
		clock.Advance(s.at.Sub(clock.Now()))
		mustOK(t, cli(t, dir, "daemon", "-once"))
		a := daemonState(t, dir)
		switch {
		case s.applied.IsZero() && a != nil && a.Status == "":
			t.Fatalf("at %s: an occurrence of %s is applied, want none", s.at, a.AppliedAt)
		case s.applied.IsZero() && f.checksum(t) != orig:
			t.Fatalf("at %s: the table is not the original", s.at)
		case !s.applied.IsZero() && (a == nil || a.Status != "" || !a.AppliedAt.Equal(s.applied)):
			t.Fatalf("at %s: want the occurrence of %s applied, state %+v", s.at, s.applied, a)
		case !s.applied.IsZero() && f.checksum(t) == orig:
			t.Fatalf("at %s: the occurrence changed nothing", s.at)
		}
	}
}

func TestDaemonFires(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	jitter := planner.Jitter(30*time.Minute, daemonAddr, at(4, 0))
	if jitter < time.Minute {
		t.Fatalf("the jitter of the test's occurrence is %s: pick another seed", jitter)
	}
	jittered := at(4, 0).Add(jitter)
	for _, c := range []struct {
		name  string
		sched string
		steps []step
	}{
		{"cron", "    cron     = \"30 4 * * *\"\n    duration = \"1h\"\n", []step{
			{at(4, 29), time.Time{}},
			{at(4, 30), at(4, 30)},
			{at(5, 29), at(4, 30)},
			{at(5, 30), time.Time{}},
			{at(28, 29), time.Time{}},
			{at(28, 30), at(28, 30)}, // the next day
		}},
		{"cron in a timezone", "    cron     = \"0 5 * * *\"\n    timezone = \"Europe/Berlin\"\n    duration = \"1h\"\n", []step{
			{at(3, 59), time.Time{}},
			{at(4, 0), at(4, 0)}, // 05:00 in Berlin is 04:00 UTC in January
			{at(5, 0), time.Time{}},
		}},
		{"jitter", "    every    = \"6h\"\n    duration = \"2h\"\n    start    = \"2026-01-01T04:00:00Z\"\n    jitter   = \"30m\"\n", []step{
			{at(4, 0), time.Time{}},
			{jittered.Add(-time.Second), time.Time{}},
			{jittered, jittered},
			{jittered.Add(2*time.Hour - time.Second), jittered},
			{jittered.Add(2 * time.Hour), time.Time{}},
		}},
		{"until", "    every    = \"6h\"\n    duration = \"2h\"\n    start    = \"2026-01-01T04:00:00Z\"\n    until    = \"2026-01-01T09:00:00Z\"\n", []step{
			{at(4, 0), at(4, 0)},
			{at(6, 0), time.Time{}},
			{at(10, 0), time.Time{}}, // after until: no occurrence
			{at(16, 0), time.Time{}},
		}},
		{"max_runs", "    every    = \"6h\"\n    duration = \"2h\"\n    start    = \"2026-01-01T04:00:00Z\"\n    max_runs = 2\n", []step{
			{at(4, 0), at(4, 0)},
			{at(6, 0), time.Time{}},
			{at(10, 0), at(10, 0)},
			{at(12, 0), time.Time{}},
			{at(16, 0), time.Time{}}, // the third run is not made
			{at(22, 0), time.Time{}},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := sqliteFixture(t)
			dir := firesScenario(t, f, c.sched)
			clock := clockwork.NewFakeClockAt(c.steps[0].at.Add(-time.Minute))
			useDaemonClock(t, clock)
			runSteps(t, f, dir, clock, c.steps)
		})
	}
}

// TestDaemonFiresScheduler: the serving daemon (gocron on the fake clock)
// runs a cron schedule with until: every half hour from 04:00 for 20m,
// until 05:00; the audit log shows the occurrences of 04:00, 04:30 and
// 05:00, each applied and reverted, and none at 05:30.
func TestDaemonFiresScheduler(t *testing.T) {
	f := sqliteFixture(t)
	dir := firesScenario(t, f, "    cron     = \"*/30 4-5 * * *\"\n    duration = \"20m\"\n    until    = \"2026-01-01T05:00:00Z\"\n")
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart.Add(-5 * time.Minute))
	useDaemonClock(t, clock)
	d := startDaemon(t, dir)
	end := daemonStart.Add(2 * time.Hour)
	d.advanceUntil("06:00", end, func() bool {
		a := daemonState(t, dir)
		return !d.clock.Now().Before(end) && a != nil && a.Status == state.StatusExpired
	})
	d.stop()
	log := strings.Join(auditLines(t, dir), "\n")
	occ := regexp.MustCompile(`"action":"create".*?"occurrence":"([^"]+)"`)
	var creates []string
	for _, m := range occ.FindAllStringSubmatch(log, -1) {
		creates = append(creates, m[1])
	}
	want := []string{"2026-01-01T04:00:00Z", "2026-01-01T04:30:00Z", "2026-01-01T05:00:00Z"}
	if strings.Join(creates, " ") != strings.Join(want, " ") {
		t.Fatalf("occurrences applied: %v, want %v\n%s", creates, want, log)
	}
	if n := strings.Count(log, `"action":"expire"`); n != 3 {
		t.Errorf("%d reverts, want 3:\n%s", n, log)
	}
	if f.checksum(t) != orig {
		t.Fatal("the table is not the original")
	}
}
