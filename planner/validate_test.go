package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

func loadOnly(t *testing.T, body string) *config.Config {
	t.Helper()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

// validate (no database) catches what the block's arguments alone make
// impossible, each at its file:line.
func TestValidateArguments(t *testing.T) {
	for _, tc := range []struct {
		name, block, want string
		line              int
	}{
		{"unknown weekday", `anomaly "seasonality_break" "x" {
  target   = target.orders
  weekdays = ["sat", "sonday"]
}`, `Invalid weekday: "sonday" is not a weekday`, 12},
		{"negative length", `anomaly "truncation" "x" {
  target = target.orders
  column = "email"
  length = -3
}`, "Invalid value for length: length must be a whole number from 1", 13},
		{"impossible period", `anomaly "missing_partition" "x" {
  target  = target.orders
  periods = ["2026-11-20", "2026-02-30"]
}`, `"2026-02-30" is not a date of the calendar (day out of range)`, 12},
		{"impossible hour", `anomaly "missing_partition" "x" {
  target  = target.orders
  periods = ["2026-11-20T25"]
}`, `"2026-11-20T25" is not a date of the calendar (hour out of range)`, 12},
		{"amplitude and offset", `anomaly "numeric_shift" "x" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.5
  offset    = 10
}`, "amplitude together with offset", 13},
		{"zero delay", `anomaly "late_arrival" "x" {
  target = target.orders
  delay  = "0s"
}`, `Zero duration for delay: delay = "0s" is zero, so it moves nothing`, 12},
		{"zero duration", `anomaly "null_rate" "x" {
  target   = target.orders
  column   = "email"
  duration = "0h"
}`, "Invalid duration: duration is how long anomaly.null_rate.x stays applied", 13},
		{"regex", `anomaly "format_change" "x" {
  target = target.orders
  column = "email"
  regex  = "^(\\d{3}-(\\d{4}$"
}`, "Invalid regular expression: regex \"^(\\\\d{3}-(\\\\d{4}$\" does not compile: error parsing regexp: missing closing )", 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := Validate(loadOnly(t, tc.block))
			if !diags.HasErrors() {
				t.Fatalf("validate accepts it")
			}
			d := diags[0]
			if got := d.Summary + ": " + d.Detail; !strings.Contains(got, tc.want) {
				t.Errorf("diagnostic %q, want %q", got, tc.want)
			}
			if d.Subject == nil || d.Subject.Start.Line != tc.line || !strings.HasSuffix(d.Subject.Filename, "main.hcl") {
				t.Errorf("diagnostic at %v, want main.hcl:%d", d.Subject, tc.line)
			}
		})
	}
	// What the databases' dialects may accept passes: lookahead is not
	// Go's, but PostgreSQL's.
	if d := Validate(loadOnly(t, `anomaly "format_change" "x" {
  target = target.orders
  column = "email"
  regex  = "a(?=b)"
}`)); d.HasErrors() {
		t.Errorf("lookahead refused: %v", d)
	}
}

// A window that starts after now selects rows from the future only: plan
// says so at the window's line.
func TestFutureWindow(t *testing.T) {
	cfg := loadOnly(t, `anomaly "null_rate" "x" {
  target = target.orders
  column = "email"
  window {
    start    = "2026-12-01T00:00:00Z"
    duration = "24h"
  }
}`)
	_, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "Window in the future") || !strings.Contains(diags.Error(), "starts after the time of this plan (2026-11-27 12:00:00 UTC)") {
		t.Fatalf("want a future-window error, got %v", diags)
	}
	if s := diags[0].Subject; s == nil || s.Start.Line != 13 {
		t.Errorf("diagnostic at %v, want line 13", s)
	}
}
