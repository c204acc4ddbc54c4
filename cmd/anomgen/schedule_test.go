package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const scheduleScenario = `
source "sqlite" "shop" {
  path         = "shop.db"
  allow_writes = true
}
target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
anomaly "volume_drop" "nightly" {
  target = target.orders
  schedule {
    every    = "6h"
    duration = "2h"
  }
  window {
    last = "1h"
  }
}
anomaly "null_rate" "weekday_nulls" {
  target = target.orders
  column = "email"
  schedule {
    cron     = "0 3 * * 1-5"
    timezone = "Europe/Berlin"
    duration = "30m"
  }
}
anomaly "stale_data" "defaults" {
  target = target.orders
  schedule {}
}
anomaly "duplicate_rows" "once" {
  target = target.orders
}
`

func TestScheduleCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", scheduleScenario)
	// Friday 2026-03-27 20:00 UTC; Berlin changes to summer time on Sunday.
	r := mustOK(t, cli(t, dir, "schedule", "-n", "2", "-now", "2026-03-27T20:00:00Z"))
	want := `FIRES (UTC)       LOCAL                     ANOMALY                          REVERTS (UTC)     WINDOW                               SCHEDULE
2026-03-28 00:00  -                         anomaly.stale_data.defaults      2026-03-28 06:00  2026-03-27 18:00 → 2026-03-28 00:00  every 1d
2026-03-28 00:00  -                         anomaly.volume_drop.nightly      2026-03-28 02:00  2026-03-27 23:00 → 2026-03-28 00:00  every 6h
2026-03-28 06:00  -                         anomaly.volume_drop.nightly      2026-03-28 08:00  2026-03-28 05:00 → 2026-03-28 06:00  every 6h
2026-03-29 00:00  -                         anomaly.stale_data.defaults      2026-03-29 06:00  2026-03-28 18:00 → 2026-03-29 00:00  every 1d
2026-03-30 01:00  2026-03-30 03:00:00 CEST  anomaly.null_rate.weekday_nulls  2026-03-30 01:30  2026-03-29 01:00 → 2026-03-30 01:00  cron 0 3 * * 1-5 (Europe/Berlin)
2026-03-31 01:00  2026-03-31 03:00:00 CEST  anomaly.null_rate.weekday_nulls  2026-03-31 01:30  2026-03-30 01:00 → 2026-03-31 01:00  cron 0 3 * * 1-5 (Europe/Berlin)

One-time (no schedule; apply injects them once): anomaly.duplicate_rows.once
`
	if r.stdout != want {
		t.Fatalf("schedule printed:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = mustOK(t, cli(t, dir, "schedule", "-n", "1", "-json", "-now", "2026-03-27T20:00:00Z"))
	var v struct {
		Now         string `json:"now"`
		Occurrences []struct {
			Address, Kind, Schedule, Fire, Revert, Timezone string
			FireLocal                                       string `json:"fire_local"`
			WindowFrom                                      string `json:"window_from"`
			WindowTo                                        string `json:"window_to"`
		} `json:"occurrences"`
		OneTime []string `json:"one_time"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if v.Now != "2026-03-27T20:00:00Z" || len(v.Occurrences) != 3 || len(v.OneTime) != 1 || v.OneTime[0] != "anomaly.duplicate_rows.once" {
		t.Fatalf("unexpected JSON:\n%s", r.stdout)
	}
	last := v.Occurrences[2]
	if last.Address != "anomaly.null_rate.weekday_nulls" || last.Fire != "2026-03-30T01:00:00Z" || last.FireLocal != "2026-03-30T03:00:00 CEST" ||
		last.Timezone != "Europe/Berlin" || last.Revert != "2026-03-30T01:30:00Z" || last.WindowFrom != "2026-03-29T01:00:00Z" || last.Kind != "null_rate" {
		t.Fatalf("cron occurrence in JSON: %+v", last)
	}
	if first := v.Occurrences[0]; first.Address != "anomaly.stale_data.defaults" || first.Schedule != "every 1d" || first.Revert != "2026-03-28T06:00:00Z" {
		t.Fatalf("defaulted occurrence in JSON: %+v", first)
	}
}

func TestScheduleCommandEnded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", strings.Replace(scheduleScenario, `duration = "2h"`, "duration = \"2h\"\n    start = \"2026-03-01T00:00:00Z\"\n    max_runs = 4", 1))
	r := mustOK(t, cli(t, dir, "schedule", "-now", "2026-03-27T20:00:00Z"))
	if !strings.Contains(r.stdout, "Ended (until or max_runs reached, nothing left to fire): anomaly.volume_drop.nightly") ||
		strings.Contains(r.stdout, "every 6h") {
		t.Fatalf("an exhausted schedule is not shown as ended:\n%s", r.stdout)
	}
	r = mustOK(t, cli(t, dir, "schedule", "-json", "-now", "2026-03-27T20:00:00Z"))
	if !strings.Contains(r.stdout, `"ended": [
    "anomaly.volume_drop.nightly"
  ]`) {
		t.Fatalf("ended missing in JSON:\n%s", r.stdout)
	}
}

func TestScheduleCommandErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", strings.Replace(scheduleScenario, `duration = "2h"`, `duration = "7h"`, 1))
	r := cli(t, dir, "schedule")
	if r.code == 0 || !strings.Contains(r.stderr, "longer than every") || !strings.Contains(r.stderr, "main.hcl line 15, column 16") {
		t.Fatalf("a schedule whose occurrences overlap was accepted:\n%s", r)
	}
	writeFile(t, dir, "main.hcl", scheduleScenario)
	if r := cli(t, dir, "schedule", "-n", "0"); r.code == 0 {
		t.Fatalf("-n 0 was accepted:\n%s", r)
	}
	if r := cli(t, dir, "schedule", "-now", "yesterday"); r.code == 0 || !strings.Contains(r.stderr, "RFC 3339") {
		t.Fatalf("a bad -now was accepted:\n%s", r)
	}
}

// TestScheduleLateArrivalRevert: a late_arrival occurrence is reverted
// when its delay ends (as the daemon does), not at fire + the schedule's
// duration; schedule shows that time in text and JSON.
func TestScheduleLateArrivalRevert(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", `
source "sqlite" "shop" {
  path         = "shop.db"
  allow_writes = true
}
target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
anomaly "late_arrival" "late_batch" {
  target = target.orders
  volume = 0.5
  delay  = "30m"
  schedule {
    every    = "6h"
    duration = "2h"
    start    = "2026-01-01T04:00:00Z"
  }
}
`)
	r := mustOK(t, cli(t, dir, "schedule", "-n", "1", "-now", "2026-01-01T00:00:00Z"))
	if !strings.Contains(r.stdout, "2026-01-01 04:00  -      anomaly.late_arrival.late_batch  2026-01-01 04:30") {
		t.Errorf("the text does not show the revert at fire + delay (04:30):\n%s", r.stdout)
	}
	r = mustOK(t, cli(t, dir, "schedule", "-n", "1", "-json", "-now", "2026-01-01T00:00:00Z"))
	var v struct {
		Occurrences []struct{ Fire, Revert string } `json:"occurrences"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if len(v.Occurrences) != 1 || v.Occurrences[0].Fire != "2026-01-01T04:00:00Z" || v.Occurrences[0].Revert != "2026-01-01T04:30:00Z" {
		t.Errorf("JSON occurrence: %+v, want fire 04:00 and revert 04:30 (the delay)", v.Occurrences)
	}
}
