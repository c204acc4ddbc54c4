package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

func planBusiness(t *testing.T, body string) (*Plan, string) {
	t.Helper()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	return p, ""
}

func TestSeasonalityBreakRanges(t *testing.T) {
	// 2026-11-27 is a Friday: the last 7 days hold Saturday 21 and Sunday 22.
	p, err := planBusiness(t, `anomaly "seasonality_break" "w" {
  target   = target.orders
  weekdays = ["sat", "sun"]
  hours    = [0, 1, 23]
  factor   = 2.5
  window {
    last = "7d"
  }
}`)
	if err != "" {
		t.Fatal(err)
	}
	m := p.Changes[0].Mutation
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := []TimeRange{
		{at("2026-11-21T00:00:00Z"), at("2026-11-21T02:00:00Z")},
		{at("2026-11-21T23:00:00Z"), at("2026-11-22T02:00:00Z")},
		{at("2026-11-22T23:00:00Z"), at("2026-11-23T00:00:00Z")},
	}
	if len(m.Where.Ranges) != len(want) {
		t.Fatalf("ranges %v, want %v", m.Where.Ranges, want)
	}
	for i := range want {
		if !m.Where.Ranges[i].From.Equal(want[i].From) || !m.Where.Ranges[i].To.Equal(want[i].To) {
			t.Errorf("range %d is %v, want %v", i, m.Where.Ranges[i], want[i])
		}
	}
	if m.Op != OpInsert || len(m.Rounds) != 2 || m.Rounds[0] != 1 || m.Rounds[1] != 0.5 {
		t.Errorf("factor 2.5: op %s rounds %v, want insert [1 0.5]", m.Op, m.Rounds)
	}
}

func TestBusinessKindsRefuseMistakes(t *testing.T) {
	for body, want := range map[string]string{
		`anomaly "seasonality_break" "x" {
  target = target.orders
}`: "Nothing to rescale",
		`anomaly "seasonality_break" "x" {
  target   = target.orders
  weekdays = ["sat"]
  factor   = 1
}`: "Invalid factor",
		`anomaly "seasonality_break" "x" {
  target   = target.orders
  weekdays = ["saturday"]
}`: "Invalid weekday",
		`anomaly "seasonality_break" "x" {
  target = target.orders
  hours  = [24]
}`: "Invalid hour",
		`anomaly "seasonality_break" "x" {
  target          = target.orders
  flatten_weekend = true
  factor          = 0.5
  window {
    last = "14d"
  }
}`: "flatten_weekend takes no",
		`anomaly "seasonality_break" "x" {
  target          = target.orders
  flatten_weekend = true
  window {
    last = "12h"
  }
}`: "No weekend and weekdays",
		`anomaly "segment_drop" "x" {
  target = target.orders
}`: "Missing segment",
		`anomaly "segment_spike" "x" {
  target = target.orders
}`: "Missing segment",
		`anomaly "category_mix_shift" "x" {
  target = target.orders
  column = "status"
  from   = "paid"
  to     = "paid"
}`: "Nothing to shift",
		`anomaly "category_mix_shift" "x" {
  target = target.orders
  column = "amount"
  from   = "1"
  to     = "2"
}`: "does not suit",
	} {
		_, err := planBusiness(t, body)
		if !strings.Contains(err, want) {
			t.Errorf("%s\n: error %q, want it to say %q", body, err, want)
		}
	}
}
