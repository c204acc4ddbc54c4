package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// Continuous kinds in the daemon: stale_data sweeps the rows that arrive
// while it lasts into its journal and releases them all at expiry;
// late_arrival releases its rows when its delay ends.

// staleFire is the stale_data test's fire time: its window (the hour
// before) starts at 07:00 on Jan 2, so it hides orders 1860..2000.
var staleFire = time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)

const staleAddr = "anomaly.stale_data.feed_stopped"

func staleScenario(t *testing.T, f *fixture) string {
	dir := t.TempDir()
	src := strings.Replace(f.source, "allow_writes = true\n", "allow_writes = true\n  daemon       = true\n", 1)
	src = strings.Replace(src, "allow_writes   = true\n", "allow_writes   = true\n  daemon         = true\n", 1)
	writeFile(t, dir, "main.hcl", src+"\n"+f.target())
	writeFile(t, dir, "anomalies.hcl", `anomaly "stale_data" "feed_stopped" {
  target = target.orders
  window {
    last = "1h"
  }
  schedule {
    every    = "6h"
    duration = "2h"
    start    = "2026-01-02T08:00:00Z"
  }
}
`)
	return dir
}

// insertLate inserts n orders created at the given minutes after the fire
// time, with ids from 3001: rows that arrive while the occurrence lasts.
func insertLate(t *testing.T, f *fixture, n int, after time.Duration) {
	t.Helper()
	for i := 1; i <= n; i++ {
		at := staleFire.Add(after + time.Duration(i)*time.Minute).Format("2006-01-02 15:04:05")
		if f.name == "postgres" {
			at += "+00"
		}
		execSQL(t, f.db, fmt.Sprintf("INSERT INTO orders (id, email, amount, created_at, note) VALUES (%d, 'late%d@example.com', %d.5, '%s', 'late')", 3000+i, i, i, at))
	}
}

// journalRows counts the rows of journal id in f's database.
func journalRows(t *testing.T, f *fixture, id string) int64 {
	t.Helper()
	switch f.name {
	case "sqlite":
		return queryInt(t, f.db, `SELECT COUNT(*) FROM "anomgen_j_`+id+`"`)
	case "postgres":
		return queryInt(t, f.db, `SELECT COUNT(*) FROM anomgen.j_`+id)
	}
	m := regexp.MustCompile(`journal_schema = "([^"]+)"`).FindStringSubmatch(f.source)
	if m == nil {
		t.Fatalf("no journal_schema in %s", f.source)
	}
	return queryInt(t, f.db, fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`j_%s`", m[1], id))
}

// TestDaemonStaleDataSweep (SQLite, PostgreSQL, MariaDB): the occurrence
// hides the rows from its cutoff on; rows inserted after the fire are
// swept into its journal at the next run and are gone from the table; at
// expiry every hidden row comes back: the table is the original plus the
// inserted rows, exactly.
func TestDaemonStaleDataSweep(t *testing.T) {
	for _, db := range []struct {
		name    string
		make    func(testing.TB) *fixture
		batched bool
	}{{"sqlite", sqliteFixture, false}, {"postgres", postgresFixture, false}, {"mysql", mysqlFixture, false},
		{"sqlite_batched", sqliteFixture, true}, {"postgres_batched", postgresFixture, true}} {
		t.Run(db.name, func(t *testing.T) {
			f := db.make(t)
			if db.batched { // the occurrence applied in batches of 50 rows
				f.source = strings.Replace(f.source, "allow_writes = true\n", "allow_writes = true\n  batch_rows   = 50\n", 1)
			}
			dir := staleScenario(t, f)
			orig := f.checksum(t)
			clock := clockwork.NewFakeClockAt(staleFire)
			useDaemonClock(t, clock)
			mustOK(t, cli(t, dir, "daemon", "-once"))
			a := daemonStateOf(t, dir, staleAddr)
			if a == nil || a.Status != "" || a.Rows != 141 || (a.Batches != nil) != db.batched {
				t.Fatalf("after the fire (batched %v): %+v", db.batched, a)
			}
			if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id >= 1860"); n != 0 {
				t.Fatalf("%d rows from the cutoff on are visible", n)
			}
			// Five rows arrive while it lasts.
			insertLate(t, f, 5, 10*time.Minute)
			late := providertest.Checksum(t, f.db, "SELECT * FROM orders WHERE id > 3000 ORDER BY id")
			clock.Advance(time.Minute)
			r := mustOK(t, cli(t, dir, "daemon", "-once"))
			wantAll(t, r, r.stdout, staleAddr+": swept 5 rows")
			if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id > 3000"); n != 0 {
				t.Fatalf("%d inserted rows still visible after the sweep", n)
			}
			a = daemonStateOf(t, dir, staleAddr)
			if a.Rows != 146 || journalRows(t, f, a.Journal.ID) != 146 {
				t.Fatalf("after the sweep: state rows %d, journal rows %d, want 146", a.Rows, journalRows(t, f, a.Journal.ID))
			}
			// A second sweep with nothing new changes nothing.
			clock.Advance(time.Minute)
			r = mustOK(t, cli(t, dir, "daemon", "-once"))
			if strings.Contains(r.stdout, "swept") {
				t.Fatalf("a sweep with no new row reported one:\n%s", r)
			}
			// Expiry releases everything, swept rows included.
			clock.Advance(staleFire.Add(2 * time.Hour).Sub(clock.Now()))
			mustOK(t, cli(t, dir, "daemon", "-once"))
			if a := daemonStateOf(t, dir, staleAddr); a.Status != state.StatusExpired {
				t.Fatalf("not expired: %+v", a)
			}
			if got := providertest.Checksum(t, f.db, "SELECT * FROM orders WHERE id > 3000 ORDER BY id"); got != late {
				t.Fatal("the swept rows did not come back as they were inserted")
			}
			execSQL(t, f.db, "DELETE FROM orders WHERE id > 3000")
			if f.checksum(t) != orig {
				t.Fatal("the table is not the original plus the inserted rows")
			}
			if len(f.catalog(t)) != 0 {
				t.Fatalf("journals left: %v", f.catalog(t))
			}
		})
	}
}

// TestDaemonStaleDataSweepScheduler (SQLite): the sweep job of the
// serving daemon (every -sweep, on the fake clock) hides rows inserted
// after the fire without any other wake-up.
func TestDaemonStaleDataSweepScheduler(t *testing.T) {
	f := sqliteFixture(t)
	dir := staleScenario(t, f)
	orig := f.checksum(t)
	clock := clockwork.NewFakeClockAt(staleFire.Add(-time.Minute))
	useDaemonClock(t, clock)
	d := startDaemon(t, dir, "-sweep", "5m")
	d.advanceUntil("the fire", staleFire, func() bool { a := daemonStateOf(t, dir, staleAddr); return a != nil && a.Status == "" })
	insertLate(t, f, 3, 0)
	// The sweep commits, then saves the state: wait for both.
	d.advanceUntil("the sweep", staleFire.Add(15*time.Minute), func() bool {
		return daemonStateOf(t, dir, staleAddr).Rows == 144
	})
	if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id > 3000"); n != 0 {
		t.Fatalf("%d inserted rows visible after the sweep", n)
	}
	d.advanceUntil("the expiry", staleFire.Add(2*time.Hour), func() bool { return daemonStateOf(t, dir, staleAddr).Status == state.StatusExpired })
	if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id > 3000"); n != 3 {
		t.Fatalf("%d of the 3 swept rows came back", n)
	}
	execSQL(t, f.db, "DELETE FROM orders WHERE id > 3000")
	if f.checksum(t) != orig {
		t.Fatal("the table is not the original plus the inserted rows")
	}
	d.stop()
}

// TestDaemonLateArrivalDelay: a scheduled late_arrival occurrence releases
// its hidden rows when its delay ends (30m), not at the schedule's 2h.
func TestDaemonLateArrivalDelay(t *testing.T) {
	daemonFixtures(t, func(t *testing.T, f *fixture) {
		dir := daemonScenario(t, f, true)
		writeFile(t, dir, "anomalies.hcl", `anomaly "late_arrival" "late_batch" {
  target = target.orders
  volume = 0.5
  delay  = "30m"
  window {
    last = "2h"
  }
  schedule {
    every    = "6h"
    duration = "2h"
    start    = "2026-01-01T04:00:00Z"
  }
}
`)
		addr := "anomaly.late_arrival.late_batch"
		orig := f.checksum(t)
		clock := clockwork.NewFakeClockAt(daemonStart)
		useDaemonClock(t, clock)
		mustOK(t, cli(t, dir, "daemon", "-once"))
		a := daemonStateOf(t, dir, addr)
		if a == nil || a.Status != "" || a.Rows == 0 || a.ExpiresAt == nil || !a.ExpiresAt.Equal(daemonStart.Add(30*time.Minute)) {
			t.Fatalf("after the fire: %+v", a)
		}
		hidden := 120 - queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id >= 120 AND id < 240")
		if hidden != a.Rows {
			t.Fatalf("%d rows of the window hidden, state says %d", hidden, a.Rows)
		}
		clock.Advance(30*time.Minute - time.Second)
		mustOK(t, cli(t, dir, "daemon", "-once"))
		if a := daemonStateOf(t, dir, addr); a.Status != "" || f.checksum(t) == orig {
			t.Fatalf("released before its delay ended: %+v", a)
		}
		clock.Advance(time.Second)
		mustOK(t, cli(t, dir, "daemon", "-once"))
		if a := daemonStateOf(t, dir, addr); a.Status != state.StatusExpired || f.checksum(t) != orig {
			t.Fatalf("not released when its delay ended: %+v", a)
		}
		// A daemon started at 10:45 (the 10:00 occurrence's delay is
		// over, its schedule's 2h are not) does not apply it: its
		// occurrence lasts the delay.
		clock.Advance(daemonStart.Add(6*time.Hour + 45*time.Minute).Sub(clock.Now()))
		mustOK(t, cli(t, dir, "daemon", "-once"))
		if a := daemonStateOf(t, dir, addr); a.Status == "" || f.checksum(t) != orig {
			t.Fatalf("applied an occurrence whose delay was over: %+v", a)
		}
	})
}
