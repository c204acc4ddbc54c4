package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// TestDaemonOverdueRevertScheduled (SQLite): an occurrence whose end
// passed while a run was busy (the fake clock is moved past it before the
// revert job is scheduled) is reverted at once by the serving daemon's
// revert job, not left applied until the next fire (hours later).
func TestDaemonOverdueRevertScheduled(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart.Add(time.Minute))
	useDaemonClock(t, clock)
	mustOK(t, cli(t, dir, "daemon", "-once"))
	if a := daemonState(t, dir); a == nil || a.Status != "" || a.ExpiresAt == nil {
		t.Fatalf("the occurrence was not applied: %+v", a)
	}
	// Past its end (06:00), before the next fire (10:00).
	clock.Advance(3 * time.Hour)
	var out lockedBuf
	a := newApp(strings.NewReader(""), &out, &out)
	a.dir, a.noColor = dir, true
	a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	o := daemonOptions{clock: clock, maxRows: 1_000_000, stopTimeout: 5 * time.Second, catchUpLimit: 1000}
	stop, err := a.observeDaemon(&o)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	r := &wsRunner{a: a, o: o, dir: dir}
	s, err := gocron.NewScheduler(gocron.WithClock(clock), gocron.WithLocation(time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.scheduleExpiry(ctx, s)
	s.Start()
	defer func() { _ = s.Shutdown() }()
	// The fake clock does not move: only a job due at once can run.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a := daemonState(t, dir); a != nil && a.Status == state.StatusExpired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the overdue occurrence was not reverted by the revert job\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if f.checksum(t) != orig {
		t.Error("the table is not the original after the revert")
	}
}
