package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// TestPlanScheduled: plan and apply list a scheduled anomaly (schedule,
// next fire time, the occurrence the daemon applied) and never apply it;
// rollback of a daemon occurrence works by hand and ends that occurrence
// (the daemon does not apply it again, the next one fires); a removed
// scheduled block is destroyed by the daemon through the planner.
func TestPlanScheduled(t *testing.T) {
	daemonFixtures(t, func(t *testing.T, f *fixture) {
		dir := daemonScenario(t, f, true)
		orig := f.checksum(t)
		clock := clockwork.NewFakeClockAt(daemonStart.Add(-time.Hour))
		useDaemonClock(t, clock)
		at := func(tm time.Time) {
			clock.Advance(tm.Sub(clock.Now()))
			planClock = func() time.Time { return tm }
		}
		t.Cleanup(func() { planClock = time.Now })
		at(daemonStart.Add(-time.Hour))
		r := mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "Scheduled (run by anomgen daemon, not by apply):", daemonAddr+": every 6h for 2h on orders; next fire 2026-01-01 04:00:00 UTC", "No changes.")
		if strings.Contains(r.stdout, "will be created") {
			t.Fatalf("plan proposes to create the scheduled anomaly:\n%s", r)
		}
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if f.checksum(t) != orig || daemonState(t, dir) != nil {
			t.Fatal("apply applied the scheduled anomaly")
		}
		planJSON := func() planView {
			t.Helper()
			r := mustOK(t, cli(t, dir, "plan", "-json"))
			validatePlanJSON(t, []byte(r.stdout))
			var v planView
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatal(err)
			}
			if len(v.Scheduled) != 1 || v.Scheduled[0].Address != daemonAddr || len(v.Changes) != 0 {
				t.Fatalf("plan -json: %+v", v)
			}
			return v
		}
		if v := planJSON(); v.Scheduled[0].NextFire == nil || !v.Scheduled[0].NextFire.Equal(daemonStart) || v.Scheduled[0].Applied != nil {
			t.Fatalf("plan -json before the fire: %+v", v.Scheduled[0])
		}
		// The daemon applies the 04:00 occurrence; plan shows it as the
		// daemon's, neither a change nor drift.
		at(daemonStart)
		mustOK(t, cli(t, dir, "daemon", "-once"))
		at(daemonStart.Add(time.Hour))
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "occurrence of 2026-01-01 04:00:00 UTC applied", "reverted 2026-01-01 06:00:00 UTC", "next fire 2026-01-01 10:00:00 UTC", "No changes.")
		if strings.Contains(r.stdout, "Drift") {
			t.Fatalf("the daemon's occurrence shows as drift:\n%s", r)
		}
		v := planJSON()
		if a := v.Scheduled[0].Applied; a == nil || !a.AppliedAt.Equal(daemonStart) || a.Rows == 0 {
			t.Fatalf("plan -json: applied occurrence %+v", a)
		}
		r = mustOK(t, cli(t, dir, "plan", "-format", "markdown"))
		wantAll(t, r, r.stdout, "**Scheduled** (run by anomgen daemon, not by apply):", daemonAddr)
		// A changed block: plan says the daemon replaces it; apply leaves
		// it alone.
		file := filepath.Join(dir, "anomalies.hcl")
		old := readFile(t, file)
		writeFile(t, dir, "anomalies.hcl", strings.Replace(old, "volume = 0.5", "volume = 0.7", 1))
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "its block changed since it was applied: the daemon replaces it", "No changes.")
		applied := f.checksum(t)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if f.checksum(t) != applied {
			t.Fatal("apply acted on the daemon's occurrence")
		}
		writeFile(t, dir, "anomalies.hcl", old)
		// Rolled back by hand: restored and recorded as ended; the daemon
		// does not apply the same occurrence again.
		r = mustOK(t, cli(t, dir, "rollback", daemonAddr, "-auto-approve"))
		if a := daemonState(t, dir); a == nil || a.Status != state.StatusExpired || f.checksum(t) != orig {
			t.Fatalf("after the rollback: %+v (checksum original %v)\n%s", a, f.checksum(t) == orig, r)
		}
		mustOK(t, cli(t, dir, "daemon", "-once"))
		if a := daemonState(t, dir); a.Status != state.StatusExpired || f.checksum(t) != orig {
			t.Fatalf("the daemon applied the rolled-back occurrence again: %+v", a)
		}
		// The next occurrence fires as usual.
		at(daemonStart.Add(6 * time.Hour))
		mustOK(t, cli(t, dir, "daemon", "-once"))
		if a := daemonState(t, dir); a.Status != "" || !a.AppliedAt.Equal(daemonStart.Add(6*time.Hour)) {
			t.Fatalf("the next occurrence did not fire: %+v", a)
		}
		// The block removed: plan shows the destroy, the daemon carries it
		// out.
		writeFile(t, dir, "anomalies.hcl", "# no scheduled anomaly\n")
		at(daemonStart.Add(7 * time.Hour))
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, daemonAddr+" will be destroyed", "Plan: 0 to create, 0 to replace, 1 to destroy.")
		r = mustOK(t, cli(t, dir, "daemon", "-once"))
		wantAll(t, r, r.stdout, "Plan: 0 to create, 0 to replace, 1 to destroy.")
		if a := daemonState(t, dir); a != nil || f.checksum(t) != orig {
			t.Fatalf("the removed block's occurrence was not reverted: %+v", a)
		}
	})
}

// TestDaemonAppliedBeforeScheduled: an anomaly applied by apply before its
// block had a schedule never expires by itself; the daemon skips its
// occurrences and says how to let them run (rollback); after the rollback
// the next run takes the occurrence on.
func TestDaemonAppliedBeforeScheduled(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	sched := readFile(t, filepath.Join(dir, "anomalies.hcl"))
	i := strings.Index(sched, "  schedule {")
	writeFile(t, dir, "anomalies.hcl", sched[:i]+"}\n")
	planClock = func() time.Time { return daemonStart.Add(-time.Hour) }
	t.Cleanup(func() { planClock = time.Now })
	mustOK(t, cli(t, dir, "apply", "-auto-approve")) // applied now (the real clock)
	if a := daemonState(t, dir); a == nil || a.ExpiresAt != nil {
		t.Fatalf("the one-time anomaly: %+v", a)
	}
	writeFile(t, dir, "anomalies.hcl", sched)
	// A fire time after the apply: tomorrow 04:00 UTC.
	fire := time.Now().UTC().Truncate(24 * time.Hour).Add(28 * time.Hour)
	when := fire.Format(time.RFC3339)
	useDaemonClock(t, clockwork.NewFakeClockAt(fire))
	r := mustOK(t, cli(t, dir, "daemon", "-once"))
	wantAll(t, r, r.stdout, "skipped the occurrence of "+when+": it is applied without an end", "anomgen rollback "+daemonAddr)
	mustOK(t, cli(t, dir, "rollback", daemonAddr, "-auto-approve"))
	if f.checksum(t) != orig || daemonState(t, dir) != nil {
		t.Fatal("the rollback did not restore the table and forget the anomaly")
	}
	r = mustOK(t, cli(t, dir, "daemon", "-once"))
	wantAll(t, r, r.stdout, daemonAddr+": occurrence of "+when)
	if strings.Contains(r.stdout, "skipped") {
		t.Fatalf("still skipped after the rollback:\n%s", r)
	}
}

// TestDaemonChangedBlockProtected: a block changed while its target became
// protected: the daemon rolls the applied occurrence back at once and
// refuses a new one (as protect refuses any apply).
func TestDaemonChangedBlockProtected(t *testing.T) {
	f, dir, orig, clock := appliedThenChangedAndProtected(t)
	clock.Advance(time.Hour)
	r := cli(t, dir, "daemon", "-once")
	wantAll(t, r, r.stdout, daemonAddr+": its block changed: the applied occurrence is rolled back; its target is protected now")
	wantAll(t, r, r.stderr, "protected")
	if r.code == 0 {
		t.Errorf("the refused occurrence did not fail the run:\n%s", r)
	}
	if f.checksum(t) != orig || daemonState(t, dir) != nil {
		t.Fatalf("the occurrence on the protected target is still applied: %+v", daemonState(t, dir))
	}
}
