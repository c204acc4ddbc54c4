package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// daemonBuf is an output buffer the serving daemon writes while the test
// reads it.
type daemonBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (d *daemonBuf) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.Write(p)
}

func (d *daemonBuf) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.String()
}

// servingDaemon is a daemon serving in-process on a fake clock.
type servingDaemon struct {
	t           *testing.T
	clock       *clockwork.FakeClock
	out, errb   *daemonBuf
	done        chan int
	cancel      context.CancelFunc
	reload      chan struct{}
	reloaded    chan struct{}
	stopped     bool
	code        int
	stopTimeout time.Duration
}

// startDaemon starts `anomgen daemon args...` in dir with the clock and
// settings daemonHook gives (useDaemonClock with a fake clock), plus a
// reload channel, and waits until it serves.
func startDaemon(t *testing.T, dir string, args ...string) *servingDaemon {
	t.Helper()
	d := &servingDaemon{t: t, out: &daemonBuf{}, errb: &daemonBuf{}, done: make(chan int, 1),
		reload: make(chan struct{}), reloaded: make(chan struct{}, 16)}
	prev := daemonHook
	daemonHook = func(o *daemonOptions) {
		if prev != nil {
			prev(o)
		}
		d.clock, _ = o.clock.(*clockwork.FakeClock)
		o.reload = d.reload
		o.reloaded = func() { d.reloaded <- struct{}{} }
	}
	t.Cleanup(func() { daemonHook = prev })
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		d.done <- run(ctx, append([]string{"-chdir", dir, "daemon"}, args...), strings.NewReader(""), d.out, d.errb)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(d.out.String(), "anomgen daemon: serving") {
		select {
		case code := <-d.done:
			t.Fatalf("the daemon ended (exit %d) before serving:\n%s\n%s", code, d.out, d.errb)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the daemon did not start serving:\n%s\n%s", d.out, d.errb)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d.clock == nil {
		cancel()
		t.Fatal("startDaemon needs a fake clock (useDaemonClock)")
	}
	t.Cleanup(d.stop)
	return d
}

// advanceUntil moves the fake clock towards to, a minute at a time, until
// cond holds (it fails the test after 30 s of wall time).
func (d *servingDaemon) advanceUntil(what string, to time.Time, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: timed out at fake %s\n--- stdout ---\n%s--- stderr ---\n%s", what, d.clock.Now(), d.out, d.errb)
		}
		if now := d.clock.Now(); now.Before(to) {
			step := to.Sub(now)
			if step > time.Minute {
				step = time.Minute
			}
			d.clock.Advance(step)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reloadNow asks for a reload and waits until it is done.
func (d *servingDaemon) reloadNow() {
	d.t.Helper()
	select {
	case d.reload <- struct{}{}:
	case <-time.After(20 * time.Second):
		d.t.Fatal("the daemon did not take the reload")
	}
	d.waitReloaded()
}

func (d *servingDaemon) waitReloaded() {
	d.t.Helper()
	select {
	case <-d.reloaded:
	case <-time.After(30 * time.Second):
		d.t.Fatalf("the reload did not finish:\n%s\n%s", d.out, d.errb)
	}
}

// stop stops the daemon (as SIGTERM does) and checks it exits 0.
func (d *servingDaemon) stop() {
	if d.stopped {
		return
	}
	d.stopped = true
	d.cancel()
	select {
	case d.code = <-d.done:
		if d.code != 0 {
			d.t.Errorf("exit %d:\n%s\n%s", d.code, d.out, d.errb)
		}
	case <-time.After(30 * time.Second):
		d.t.Error("the daemon did not stop")
	}
}

// reloadScenario: three scheduled anomalies on orders, on separate rows:
//   - null_rate "hourly": fires 04:00 every 6h for 2h, window the 30m
//     before (orders 210..239);
//   - volume_drop "gap": fires 03:00 every 6h for 2h, window the 30m before
//     (orders 150..179);
//   - numeric_shift "shift" (added by the reload): fires 05:00 every 6h
//     for 1h, window the 30m before (orders 270..299).
func reloadBlock(name string) string {
	switch name {
	case "hourly":
		return `anomaly "null_rate" "hourly" {
  target = target.orders
  column = "email"
  volume = VOLUME
  seed   = 7
  window {
    last = "30m"
  }
  schedule {
    every    = "6h"
    duration = "2h"
    start    = "2026-01-01T04:00:00Z"
  }
}
`
	case "gap":
		return `anomaly "volume_drop" "gap" {
  target = target.orders
  volume = 0.5
  window {
    last = "30m"
  }
  schedule {
    every    = "6h"
    duration = "2h"
    start    = "2026-01-01T03:00:00Z"
  }
}
`
	}
	return `anomaly "numeric_shift" "shift" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.5
  window {
    last = "30m"
  }
  schedule {
    every    = "6h"
    duration = "1h"
    start    = "2026-01-01T05:00:00Z"
  }
}
`
}

// TestDaemonReload (SQLite, PostgreSQL): the serving daemon has applied
// two occurrences; the files change (one block removed, one changed, one
// added) and a reload (SIGHUP's) carries it out through the planner: the
// removed block's occurrence is reverted (its rows are back), the changed
// one is replaced by the new settings for its running occurrence, the new
// block fires at its time. A reload with a broken file reports it at
// file:line:col and keeps serving. After the last expiry the table is the
// original.
func TestDaemonReload(t *testing.T) {
	daemonFixtures(t, func(t *testing.T, f *fixture) {
		dir := daemonScenario(t, f, true)
		hourly := strings.Replace(reloadBlock("hourly"), "VOLUME", "0.3", 1)
		writeFile(t, dir, "anomalies.hcl", hourly+"\n"+reloadBlock("gap"))
		orig := f.checksum(t)
		clock := clockwork.NewFakeClockAt(daemonStart.Add(-61 * time.Minute))
		useDaemonClock(t, clock)
		d := startDaemon(t, dir)
		gap, hr := "anomaly.volume_drop.gap", "anomaly.null_rate.hourly"
		applied := func(addr string, at time.Time) func() bool {
			return func() bool {
				a := daemonStateOf(t, dir, addr)
				return a != nil && a.Status == "" && a.AppliedAt.Equal(at)
			}
		}
		d.advanceUntil("gap fires", daemonStart.Add(-time.Hour), applied(gap, daemonStart.Add(-time.Hour)))
		d.advanceUntil("hourly fires", daemonStart, applied(hr, daemonStart))
		visible := func() int64 { return queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id >= 150 AND id < 180") }
		if n := visible(); n >= 30 {
			t.Fatalf("gap hid nothing: %d of 30 rows visible", n)
		}
		nulls := f.nullsInWindow(t, 210, 240)
		before := daemonStateOf(t, dir, hr)
		// 04:10: gap removed, hourly's volume 0.3 → 0.9, shift added.
		d.clock.Advance(10 * time.Minute)
		writeFile(t, dir, "anomalies.hcl", strings.Replace(reloadBlock("hourly"), "VOLUME", "0.9", 1)+"\n"+reloadBlock("shift"))
		d.reloadNow()
		if a := daemonStateOf(t, dir, gap); a != nil {
			t.Fatalf("the removed block's occurrence is still recorded: %+v", a)
		}
		if n := visible(); n != 30 {
			t.Fatalf("the removed block's rows are not back: %d of 30", n)
		}
		after := daemonStateOf(t, dir, hr)
		if after == nil || after.Status != "" || after.ParamsHash == before.ParamsHash || !after.AppliedAt.Equal(daemonStart) || after.Journal.ID == before.Journal.ID {
			t.Fatalf("the changed block was not replaced for its running occurrence: before %+v, after %+v", before, after)
		}
		if got := f.nullsInWindow(t, 210, 240); got <= nulls {
			t.Fatalf("the new volume 0.9 did not take: %d NULLs in the window, %d with 0.3", got, nulls)
		}
		out := d.out.String()
		for _, want := range []string{"anomgen daemon: reloading", "Plan: 0 to create, 0 to replace, 1 to destroy.", "Plan: 0 to create, 1 to replace, 0 to destroy.", "anomgen daemon: reloaded"} {
			if !strings.Contains(out, want) {
				t.Errorf("the reload's log lacks %q:\n%s", want, out)
			}
		}
		// A broken file: reported at file:line:col, the previous files
		// stay in service.
		writeFile(t, dir, "broken.hcl", "anomaly \"null_rate\" {\n")
		d.reloadNow()
		if e := d.errb.String(); !strings.Contains(e, "broken.hcl line 1, column") || !strings.Contains(e, "keeps serving the previous files") {
			t.Errorf("the broken reload is not reported with its position:\n%s", e)
		}
		// The added block fires at 05:00.
		d.advanceUntil("shift fires", daemonStart.Add(time.Hour), applied("anomaly.numeric_shift.shift", daemonStart.Add(time.Hour)))
		if a := daemonStateOf(t, dir, "anomaly.numeric_shift.shift"); a.Rows == 0 {
			t.Fatalf("the added block changed nothing: %+v", a)
		}
		// 06:00: hourly (04:00 + 2h) and shift (05:00 + 1h) expire.
		d.advanceUntil("both expire", daemonStart.Add(2*time.Hour), func() bool {
			a, b := daemonStateOf(t, dir, hr), daemonStateOf(t, dir, "anomaly.numeric_shift.shift")
			return a.Status == state.StatusExpired && b.Status == state.StatusExpired
		})
		if f.checksum(t) != orig {
			t.Fatal("the table is not the original after the expiries")
		}
		d.stop()
	})
}

// TestDaemonWatchReloads: with -watch, writing a workspace's *.hcl file
// reloads it (no signal): a removed block's occurrence is reverted.
func TestDaemonWatchReloads(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(daemonStart)
	useDaemonClock(t, clock)
	d := startDaemon(t, dir, "-watch")
	if a := daemonState(t, dir); a == nil || a.Status != "" {
		t.Fatalf("not applied at start: %+v", a)
	}
	writeFile(t, dir, "anomalies.hcl", "# nothing scheduled any more\n")
	d.waitReloaded()
	if a := daemonState(t, dir); a != nil || f.checksum(t) != orig {
		t.Fatalf("the removed block was not reverted by -watch: %+v", a)
	}
	d.stop()
}

// TestDaemonSIGHUP: SIGHUP to the process reloads the served workspaces.
func TestDaemonSIGHUP(t *testing.T) {
	f := sqliteFixture(t)
	dir := daemonScenario(t, f, true)
	orig := f.checksum(t)
	useDaemonClock(t, clockwork.NewFakeClockAt(daemonStart))
	d := startDaemon(t, dir)
	if f.checksum(t) == orig {
		t.Fatal("nothing applied at start")
	}
	writeFile(t, dir, "anomalies.hcl", "# nothing scheduled any more\n")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitReloaded()
	if f.checksum(t) != orig {
		t.Fatal("SIGHUP did not reload: the removed block's occurrence is still applied")
	}
	d.stop()
	if !strings.Contains(d.out.String(), "reloaded") {
		t.Errorf("no reload in the log:\n%s", d.out)
	}
}
