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

// TestSeasonalityBreakDefaults: the smallest block plans (it lists no
// required argument): Saturdays and Sundays of the last 14 days lose 70%
// of their rows, and the plan's metric is the rows per chosen day, not the
// weekend's rows spread over the whole window (issue 11).
func TestSeasonalityBreakDefaults(t *testing.T) {
	p, err := planBusiness(t, `anomaly "seasonality_break" "x" {
  target = target.orders
}`)
	if err != "" {
		t.Fatal(err)
	}
	ch := p.Changes[0]
	m := ch.Mutation
	if m.Op != OpDelete || m.Where.Share < 0.7-1e-9 || m.Where.Share > 0.7+1e-9 {
		t.Errorf("op %s share %g, want delete 0.7 (factor 0.3)", m.Op, m.Where.Share)
	}
	var days float64
	for _, r := range m.Where.Ranges {
		for d := r.From; d.Before(r.To); d = d.Add(time.Hour) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Fatalf("range %v holds %s", r, wd)
			}
		}
		days += r.To.Sub(r.From).Hours() / 24
	}
	if days != 4 { // the 14 days before Friday noon hold two weekends
		t.Errorf("ranges %v cover %g days, want the 4 weekend days", m.Where.Ranges, days)
	}
	// Each weekend day had about 930 rows: 3,720 in the chosen periods,
	// 2,604 of them deleted.
	ch.WindowRows, ch.Rows = 3720, 2604
	if mt := MetricAfter(ch, "rows", 3720); mt == nil || mt.String() != "rows/day (chosen days) 930 → 279" {
		t.Errorf("metric %v, want rows/day (chosen days) 930 → 279", mt)
	}
	p, err = planBusiness(t, `anomaly "seasonality_break" "x" {
  target = target.orders
  hours  = [0, 1]
  factor = 2
}`)
	if err != "" {
		t.Fatal(err)
	}
	ch = p.Changes[0]
	ch.WindowRows, ch.Rows = 2800, 2800 // 28 chosen hours of 100 rows
	if mt := MetricAfter(ch, "rows", 2800); mt == nil || mt.String() != "rows/hour (chosen hours) 100 → 200" {
		t.Errorf("metric %v, want rows/hour (chosen hours) 100 → 200", mt)
	}
}

// TestSmallestBlocksPlan: a kind whose catalog entry lists no required
// argument plans with its smallest block (target, and a column it suits
// where it needs one); kinds that change one segment say so in their
// description and need a segment block.
func TestSmallestBlocksPlan(t *testing.T) {
	for _, k := range Kinds() {
		required := false
		for _, p := range k.Params {
			required = required || p.Required
		}
		if required || strings.Contains(k.Description, "needs a segment") || strings.HasPrefix(k.Name, "segment_") {
			continue
		}
		body := "anomaly \"" + k.Name + "\" \"x\" {\n  target = target.orders\n"
		if k.NeedsColumn {
			col := ""
			for _, c := range profile().Columns {
				if ok, _ := k.Suits(c); ok && c.Name != "id" && !c.Generated {
					col = c.Name
					break
				}
			}
			if col == "" {
				continue
			}
			body += "  column = \"" + col + "\"\n"
		}
		if _, err := planBusiness(t, body+"}\n"); err != "" {
			t.Errorf("%s: the smallest block does not plan although the catalog lists no required argument: %s", k.Name, err)
		}
	}
}
