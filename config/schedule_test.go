package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// scheduled is base's volume_drop with a schedule block; the block's
// attributes start on line 31.
func scheduled(body string) string {
	return strings.Replace(base, "anomaly \"volume_drop\" \"outage\" {\n  target = target.orders\n",
		"anomaly \"volume_drop\" \"outage\" {\n  target = target.orders\n  schedule {\n"+body+"  }\n", 1)
}

func TestScheduleDecodes(t *testing.T) {
	cfg, diags := load(t, scheduled(`    cron     = "0 3 * * 1-5"
    duration = "2h"
    start    = "2026-12-01T00:00:00Z"
    until    = "2027-01-01T00:00:00+01:00"
    max_runs = 10
    jitter   = "5m"
    timezone = "Europe/Berlin"
    catch_up = true
`), Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	s := cfg.Anomaly("anomaly.volume_drop.outage").Schedule
	if s == nil {
		t.Fatal("no schedule decoded")
	}
	want := Schedule{Cron: "0 3 * * 1-5", Duration: 2 * time.Hour, Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Until: time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), MaxRuns: 10, Jitter: 5 * time.Minute, Timezone: "Europe/Berlin", CatchUp: true}
	if s.Cron != want.Cron || s.Duration != want.Duration || !s.Start.Equal(want.Start) || !s.Until.Equal(want.Until) ||
		s.MaxRuns != want.MaxRuns || s.Jitter != want.Jitter || s.Timezone != want.Timezone || !s.CatchUp {
		t.Fatalf("decoded %+v, want %+v", *s, want)
	}
	if s.Location().String() != "Europe/Berlin" || s.DeclRange.Start.Line != 30 {
		t.Fatalf("location %s, block at line %d", s.Location(), s.DeclRange.Start.Line)
	}
	if cfg.Anomaly("anomaly.null_rate.email_nulls").Schedule != nil {
		t.Fatal("a block without schedule got one")
	}
	// An empty block decodes with nothing set: the planner fills the kind's defaults.
	cfg, diags = load(t, scheduled(""), Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if s := cfg.Anomaly("anomaly.volume_drop.outage").Schedule; s == nil || s.Every != 0 || s.Cron != "" {
		t.Fatalf("empty schedule decoded as %+v", s)
	}
}

func TestScheduleDiagnostics(t *testing.T) {
	cases := []struct {
		name, body, want string
		line, col        int
	}{
		{"every and cron", "    every = \"6h\"\n    cron = \"0 3 * * *\"\n", "not both", 32, 12},
		{"bad cron", "    cron = \"0 3 * *\"\n", "Invalid cron expression", 31, 12},
		{"bad cron field", "    cron = \"0 25 * * *\"\n", "does not parse", 31, 12},
		{"unknown timezone", "    cron = \"0 3 * * *\"\n    timezone = \"Europe/Berlinn\"\n", "Unknown timezone", 32, 16},
		{"zero duration", "    every = \"6h\"\n    duration = \"0s\"\n", "Invalid schedule duration", 32, 16},
		{"duration over every", "    every = \"6h\"\n    duration = \"7h\"\n", "longer than every", 32, 16},
		{"until before start", "    every = \"6h\"\n    start = \"2026-12-02T00:00:00Z\"\n    until = \"2026-12-01T00:00:00Z\"\n", "before start", 33, 13},
		{"negative max_runs", "    every = \"6h\"\n    max_runs = -1\n", "Invalid max_runs", 32, 16},
		{"max_runs without start", "    every = \"6h\"\n    max_runs = 3\n", "max_runs needs start", 32, 16},
		{"negative jitter", "    every = \"6h\"\n    jitter = \"-5m\"\n", "Invalid jitter", 32, 14},
		{"bad start", "    every = \"6h\"\n    start = \"tomorrow\"\n", "not an RFC 3339 time", 32, 13},
		{"bad every", "    every = \"6 hours\"\n", "Invalid duration for every", 31, 13},
		{"unknown attribute", "    evry = \"6h\"\n", "Unsupported argument", 31, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := load(t, scheduled(c.body), Options{})
			checkDiag(t, diags, c.want, c.line, c.col)
		})
	}
	t.Run("absolute window", func(t *testing.T) {
		src := strings.Replace(base, "  seed   = 7\n", "  seed   = 7\n  schedule {\n    every = \"1d\"\n  }\n", 1)
		_, diags := load(t, src, Options{})
		checkDiag(t, diags, "Absolute window on a scheduled anomaly", 26, 3)
	})
	t.Run("relative window", func(t *testing.T) {
		_, diags := load(t, scheduled("    every = \"1d\"\n"), Options{})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
	})
}

func checkDiag(t *testing.T, diags hcl.Diagnostics, want string, line, col int) {
	t.Helper()
	var found *hcl.Diagnostic
	for _, d := range diags {
		if strings.Contains(d.Summary+" "+d.Detail, want) {
			found = d
		}
	}
	if found == nil {
		t.Fatalf("no diagnostic mentions %q; got: %s", want, diags.Error())
	}
	if found.Subject == nil || found.Subject.Filename != "main.hcl" || found.Subject.Start.Line != line || found.Subject.Start.Column != col {
		t.Fatalf("%q at %v, want main.hcl:%d:%d", want, found.Subject, line, col)
	}
}

func TestScheduleFmtDur(t *testing.T) {
	for d, want := range map[time.Duration]string{7 * time.Hour: "7h", 90 * time.Minute: "1h30m", 48 * time.Hour: "2d", 30 * time.Second: "30s", 5 * time.Minute: "5m"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
