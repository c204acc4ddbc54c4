package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func fmtTimes(ts []time.Time) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.UTC().Format(time.RFC3339))
	}
	return strings.Join(out, " ")
}

func TestNextFires(t *testing.T) {
	for _, c := range []struct {
		name  string
		s     config.Schedule
		after string
		n     int
		want  string
	}{
		{"every 6h from the epoch", config.Schedule{Every: 6 * time.Hour}, "2026-12-06T07:00:00Z", 3,
			"2026-12-06T12:00:00Z 2026-12-06T18:00:00Z 2026-12-07T00:00:00Z"},
		{"strictly after", config.Schedule{Every: 6 * time.Hour}, "2026-12-06T12:00:00Z", 1, "2026-12-06T18:00:00Z"},
		{"every from start", config.Schedule{Every: 90 * time.Minute, Start: ts("2026-12-06T00:10:00Z")}, "2026-12-06T01:00:00Z", 2,
			"2026-12-06T01:40:00Z 2026-12-06T03:10:00Z"},
		{"before start", config.Schedule{Every: 24 * time.Hour, Start: ts("2026-12-10T03:00:00Z")}, "2026-12-01T00:00:00Z", 2,
			"2026-12-10T03:00:00Z 2026-12-11T03:00:00Z"},
		{"until", config.Schedule{Every: 24 * time.Hour, Until: ts("2026-12-08T00:00:00Z")}, "2026-12-05T12:00:00Z", 5,
			"2026-12-06T00:00:00Z 2026-12-07T00:00:00Z 2026-12-08T00:00:00Z"},
		{"max_runs counts from start", config.Schedule{Every: 24 * time.Hour, Start: ts("2026-12-01T00:00:00Z"), MaxRuns: 3}, "2026-12-01T12:00:00Z", 5,
			"2026-12-02T00:00:00Z 2026-12-03T00:00:00Z"},
		{"max_runs all spent", config.Schedule{Every: time.Hour, Start: ts("2026-12-01T00:00:00Z"), MaxRuns: 2}, "2026-12-02T00:00:00Z", 5, ""},
		{"cron UTC weekdays", config.Schedule{Cron: "0 3 * * 1-5"}, "2026-12-04T04:00:00Z", 3, // Friday
			"2026-12-07T03:00:00Z 2026-12-08T03:00:00Z 2026-12-09T03:00:00Z"},
		{"cron in Berlin, winter", config.Schedule{Cron: "0 3 * * *", Timezone: "Europe/Berlin"}, "2026-12-06T12:00:00Z", 1, "2026-12-07T02:00:00Z"},
		// 2026-03-29: Berlin moves from CET (+1) to CEST (+2) at 02:00 local.
		{"cron across spring DST", config.Schedule{Cron: "0 3 * * *", Timezone: "Europe/Berlin"}, "2026-03-27T12:00:00Z", 4,
			"2026-03-28T02:00:00Z 2026-03-29T01:00:00Z 2026-03-30T01:00:00Z 2026-03-31T01:00:00Z"},
		// 02:30 does not exist on 2026-03-29 in Berlin: no occurrence that day.
		{"cron at a skipped local time", config.Schedule{Cron: "30 2 * * *", Timezone: "Europe/Berlin"}, "2026-03-28T12:00:00Z", 2,
			"2026-03-30T00:30:00Z 2026-03-31T00:30:00Z"}, // skipped that day
		// 2026-10-25: back from CEST to CET at 03:00 local; 02:30 happens twice.
		{"cron across autumn DST", config.Schedule{Cron: "0 3 * * *", Timezone: "Europe/Berlin"}, "2026-10-23T12:00:00Z", 3,
			"2026-10-24T01:00:00Z 2026-10-25T02:00:00Z 2026-10-26T02:00:00Z"},
		{"cron at a repeated local time", config.Schedule{Cron: "30 2 * * *", Timezone: "Europe/Berlin"}, "2026-10-24T12:00:00Z", 2,
			"2026-10-25T00:30:00Z 2026-10-26T01:30:00Z"},
		{"after the first of a repeated local time", config.Schedule{Cron: "30 2 * * *", Timezone: "Europe/Berlin"}, "2026-10-25T00:30:00Z", 1,
			"2026-10-26T01:30:00Z"},
		{"cron with start and max_runs", config.Schedule{Cron: "0 * * * *", Start: ts("2026-12-06T10:30:00Z"), MaxRuns: 3}, "2026-12-06T11:30:00Z", 5,
			"2026-12-06T12:00:00Z 2026-12-06T13:00:00Z"},
		{"unresolved", config.Schedule{}, "2026-12-06T00:00:00Z", 3, ""},
	} {
		got := fmtTimes(NextFires(&c.s, ts(c.after), c.n, "anomaly.null_rate.x"))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestNextFiresJitter(t *testing.T) {
	s := &config.Schedule{Every: time.Hour, Jitter: 10 * time.Minute}
	after := ts("2026-12-06T00:00:00Z")
	a := NextFires(s, after, 20, "seed-a")
	b := NextFires(s, after, 20, "seed-a")
	c := NextFires(s, after, 20, "seed-b")
	if fmtTimes(a) != fmtTimes(b) {
		t.Fatalf("jitter is not deterministic")
	}
	if len(a) != 20 || fmtTimes(a) == fmtTimes(c) {
		t.Fatalf("got %d fires; seeds a and b give the same jitter: %v", len(a), fmtTimes(a))
	}
	for i, f := range a {
		if !f.After(after) || i > 0 && !f.After(a[i-1]) {
			t.Errorf("fire %d: %s not after %s / the previous fire", i, f, after)
		}
		nominal := f.Truncate(time.Hour)
		if d := f.Sub(nominal); d < 0 || d >= 10*time.Minute {
			t.Errorf("fire %d: %s is %s from its nominal time, want [0, 10m)", i, f, d)
		}
	}
	// A fire whose nominal time is before after but whose jittered time
	// is after it is still next.
	first := a[0]
	if got := NextFires(s, first.Add(-time.Second), 1, "seed-a"); len(got) != 1 || !got[0].Equal(first) {
		t.Errorf("NextFires just before a jittered fire = %v, want %v", got, first)
	}
}

func TestFiresBetween(t *testing.T) {
	s := &config.Schedule{Every: 6 * time.Hour}
	got := fmtTimes(FiresBetween(s, ts("2026-12-06T00:00:00Z"), ts("2026-12-07T00:00:00Z"), "x"))
	want := "2026-12-06T06:00:00Z 2026-12-06T12:00:00Z 2026-12-06T18:00:00Z 2026-12-07T00:00:00Z"
	if got != want {
		t.Errorf("FiresBetween = %s, want %s", got, want)
	}
	cr := &config.Schedule{Cron: "0 3 * * *", Timezone: "Europe/Berlin", MaxRuns: 2, Start: ts("2026-03-28T00:00:00Z")}
	if got, want := fmtTimes(FiresBetween(cr, ts("2026-03-01T00:00:00Z"), ts("2026-04-30T00:00:00Z"), "x")), "2026-03-28T02:00:00Z 2026-03-29T01:00:00Z"; got != want {
		t.Errorf("FiresBetween cron = %s, want %s", got, want)
	}
	if got := FiresBetween(s, ts("2026-12-07T00:00:00Z"), ts("2026-12-06T00:00:00Z"), "x"); len(got) != 0 {
		t.Errorf("reversed range gave %v", got)
	}
}

func TestResolveSchedule(t *testing.T) {
	stale, nulls := LookupKind("stale_data"), LookupKind("null_rate")
	for _, c := range []struct {
		name          string
		k             *Kind
		s             config.Schedule
		every, dur    time.Duration
		cron, errWant string
	}{
		{"empty pipeline block takes the kind's duration", stale, config.Schedule{}, 24 * time.Hour, 6 * time.Hour, "", ""},
		{"empty quality block", nulls, config.Schedule{}, 12 * time.Hour, time.Hour, "", ""},
		{"every set, duration defaulted and clamped", stale, config.Schedule{Every: 2 * time.Hour, Ranges: map[string]hcl.Range{"every": {}}}, 2 * time.Hour, 2 * time.Hour, "", ""},
		{"cron keeps no every", nulls, config.Schedule{Cron: "0 3 * * *", Ranges: map[string]hcl.Range{"cron": {}}}, 0, time.Hour, "0 3 * * *", ""},
		{"duration over the default interval", nulls, config.Schedule{Duration: 13 * time.Hour, Ranges: map[string]hcl.Range{"duration": {}}}, 12 * time.Hour, 13 * time.Hour, "", "Occurrences would overlap"},
		{"a kind without defaults", &Kind{Name: "x"}, config.Schedule{}, 0, 0, "", "Schedule without a frequency"},
	} {
		s := c.s
		if s.Ranges == nil {
			s.Ranges = map[string]hcl.Range{}
		}
		a := &config.Anomaly{Kind: c.k.Name, Name: "n", Schedule: &s}
		diags := ResolveSchedule(a, c.k)
		if s.Every != c.every || s.Duration != c.dur || s.Cron != c.cron {
			t.Errorf("%s: every %s duration %s cron %q, want %s %s %q", c.name, s.Every, s.Duration, s.Cron, c.every, c.dur, c.cron)
		}
		if got := diags.Error(); (c.errWant == "") != !diags.HasErrors() || !strings.Contains(got, c.errWant) {
			t.Errorf("%s: diagnostics %q, want %q", c.name, got, c.errWant)
		}
	}
	if err := ResolveSchedule(&config.Anomaly{}, nulls); err != nil {
		t.Errorf("no schedule: %v", err)
	}
}

func TestDescribeShowsScheduleDefaults(t *testing.T) {
	in := LookupKind("level_shift").Info()
	if in.Schedule.Every != "7d" || in.Schedule.Duration != "1d" {
		t.Fatalf("level_shift schedule defaults %+v", in.Schedule)
	}
	var b strings.Builder
	WriteDescription(&b, LookupKind("stale_data"))
	if !strings.Contains(b.String(), `schedule   block         every = "1d", duration = "6h"`) {
		t.Fatalf("describe stale_data does not show its schedule defaults:\n%s", b.String())
	}
}

func TestPrevFire(t *testing.T) {
	for _, c := range []struct {
		name string
		s    config.Schedule
		at   string
		want string // "" for none
	}{
		{"every", config.Schedule{Every: 6 * time.Hour}, "2026-12-06T07:00:00Z", "2026-12-06T06:00:00Z"},
		{"at a fire time", config.Schedule{Every: 6 * time.Hour}, "2026-12-06T06:00:00Z", "2026-12-06T06:00:00Z"},
		{"before start", config.Schedule{Every: time.Hour, Start: ts("2026-12-06T00:00:00Z")}, "2026-12-05T23:00:00Z", ""},
		{"after until", config.Schedule{Every: time.Hour, Until: ts("2026-12-01T10:30:00Z")}, "2026-12-06T00:00:00Z", "2026-12-01T10:00:00Z"},
		{"max_runs spent", config.Schedule{Every: time.Hour, Start: ts("2026-12-01T00:00:00Z"), MaxRuns: 3}, "2026-12-06T00:00:00Z", "2026-12-01T02:00:00Z"},
		{"cron in Berlin", config.Schedule{Cron: "0 3 * * 1-5", Timezone: "Europe/Berlin"}, "2026-03-29T12:00:00Z", "2026-03-27T02:00:00Z"},
		{"yearly cron", config.Schedule{Cron: "0 0 1 1 *"}, "2026-12-06T00:00:00Z", "2026-01-01T00:00:00Z"},
	} {
		got, ok := PrevFire(&c.s, ts(c.at), "x")
		g := ""
		if ok {
			g = got.Format(time.RFC3339)
		}
		if g != c.want {
			t.Errorf("%s: PrevFire = %q, want %q", c.name, g, c.want)
		}
	}
	// PrevFire and NextFires agree, jitter included.
	s := &config.Schedule{Cron: "*/20 * * * *", Jitter: 5 * time.Minute}
	next := NextFires(s, ts("2026-12-06T00:00:00Z"), 5, "seed")
	for i := 1; i < len(next); i++ {
		if p, ok := PrevFire(s, next[i].Add(-time.Nanosecond), "seed"); !ok || !p.Equal(next[i-1]) {
			t.Errorf("PrevFire just before fire %d = %v, want %v", i, p, next[i-1])
		}
	}
}
