package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

var updatePlanGolden = flag.Bool("update-plan", false, "rewrite the plan views' golden files in testdata")

// The plan views are tested on plans made by planner.Make from a fixed
// profile and a fixed clock: no database.

var viewNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func viewProfile() *planner.TableProfile {
	return &planner.TableProfile{
		Table: planner.TableName{Schema: "public", Name: "orders"},
		Columns: []planner.Column{
			{Name: "id", Type: "bigint", Class: planner.ClassInteger},
			{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
			{Name: "email", Type: "text", Class: planner.ClassText, Nullable: true},
			{Name: "amount", Type: "numeric(10,2)", Class: planner.ClassDecimal},
			{Name: "status", Type: "text", Class: planner.ClassText},
		},
		PrimaryKey: []string{"id"},
		Rows:       100000,
	}
}

const viewHead = `
source "postgres" "shop" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.shop
  table       = "public.orders"
  time_column = "created_at"
}
`

const viewNulls = `
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 7
  window {
    last = "2d"
  }
}
`

func viewLoad(t *testing.T, body string) *config.Config {
	t.Helper()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(viewHead + body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if d := planner.Validate(cfg); d.HasErrors() {
		t.Fatal(d.Error())
	}
	return cfg
}

func viewPlan(t *testing.T, cfg *config.Config, st *state.State) *planner.Plan {
	t.Helper()
	p, diags := planner.Make(planner.Input{Config: cfg, State: st, Profiles: map[string]*planner.TableProfile{"orders": viewProfile()}, Now: viewNow})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p
}

func planText(p *planner.Plan, opt textOptions) string {
	var b bytes.Buffer
	writePlanText(&b, p, opt)
	return b.String()
}

// golden compares got with testdata/name, rewriting it under -update-plan.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updatePlanGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s differs (go test -run %s -update-plan rewrites it):\n%s", path, t.Name(), got)
	}
}

// TestPlanTextGolden is the text view of two creates (moved here from the
// planner with the view; the golden file is byte for byte the same).
func TestPlanTextGolden(t *testing.T) {
	cfg := viewLoad(t, viewNulls+`
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.6
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "6h"
  }
}
`)
	p := viewPlan(t, cfg, state.New())
	p.Changes[0].Rows, p.Changes[0].WindowRows = 1234, 4113
	p.Changes[1].Rows, p.Changes[1].WindowRows = 600, 1000
	text := planText(p, textOptions{})
	golden(t, "plan.golden", text)
	if !strings.HasSuffix(text, "Plan: 2 to create, 0 to replace, 0 to destroy.\n") {
		t.Fatal("no summary line")
	}
	if empty := planText(&planner.Plan{}, textOptions{}); !strings.HasPrefix(empty, "No changes.") {
		t.Fatalf("empty plan: %q", empty)
	}
}

// The text of changes that change nothing, of count notes, of an expired
// anomaly's destroy, of the daily sparkline and of an open window.
func TestPlanTextRemarks(t *testing.T) {
	cfg := viewLoad(t, `
anomaly "date_format" "dates" {
  target = target.orders
  column = "email"
  window {
    last = "24h"
  }
}
`)
	p := viewPlan(t, cfg, state.New())
	ch := p.Changes[0]
	newest := viewNow.Add(-30 * 24 * time.Hour)
	ch.Rows, ch.WindowRows, ch.Newest = 0, 0, &newest
	ch.SettleCounts()
	text := planText(p, textOptions{})
	if !strings.Contains(text, "! anomaly.date_format.dates (main.hcl:14): nothing to change: the window") || !strings.Contains(text, "No changes. Nothing above would change a row.") {
		t.Errorf("plan text:\n%s", text)
	}

	p = viewPlan(t, cfg, state.New())
	ch = p.Changes[0]
	ch.Rows, ch.WindowRows, ch.Unchanged, ch.NonFinite = 20, 300, 5, 3
	ch.SettleCounts()
	text = planText(p, textOptions{})
	for _, want := range []string{"5 more chosen rows would keep their values", "3 rows of the window hold NaN or ±Infinity in email"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan text lacks %q:\n%s", want, text)
		}
	}

	// An expired anomaly whose block is gone is only forgotten.
	st := state.New()
	st.Put(&state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Status: state.StatusExpired, AppliedAt: viewNow.Add(-time.Hour)})
	text = planText(viewPlan(t, viewLoad(t, ""), st), textOptions{})
	if !strings.Contains(text, "expired and was rolled back already") {
		t.Fatalf("plan text should say it only forgets:\n%s", text)
	}

	// The daily sparkline with the window's days marked.
	var days []planner.DayCount
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		days = append(days, planner.DayCount{Day: start.AddDate(0, 0, i).Format(time.DateOnly), Rows: int64(100 + i%7*10)})
	}
	spark, marks, span := planner.WindowSpark(days, start.AddDate(0, 0, 36), start.AddDate(0, 0, 38))
	p = &planner.Plan{Changes: []*planner.Change{{Address: "anomaly.null_rate.x", Action: planner.Create, Target: "orders", Window: &state.Window{Start: start.AddDate(0, 0, 36), End: start.AddDate(0, 0, 38)}, Rows: 1, WindowRows: 2}}}
	text = planText(p, textOptions{Daily: map[string][]planner.DayCount{"orders": days}})
	if !strings.Contains(text, "daily     = "+spark+"  rows per day, "+span+"\n") || !strings.Contains(text, marks+" window\n") {
		t.Errorf("plan text:\n%s", text)
	}

	// stale_data's open window: never year 1 or a negative duration.
	p = viewPlan(t, viewLoad(t, `
anomaly "stale_data" "stopped" {
  target = target.orders
  window {
    last = "6h"
  }
}
`), state.New())
	p.Changes[0].Rows, p.Changes[0].WindowRows = 5, 5
	days = nil
	for d := viewNow.AddDate(0, 0, -9); !d.After(viewNow); d = d.AddDate(0, 0, 1) {
		days = append(days, planner.DayCount{Day: d.Format(time.DateOnly), Rows: 100})
	}
	text = planText(p, textOptions{Daily: map[string][]planner.DayCount{"orders": days}})
	if !strings.Contains(text, "window    = from 2026-11-27 06:00:00 UTC (open, until released)") {
		t.Errorf("plan text lacks the open window:\n%s", text)
	}
	for _, bad := range []string{"0001-01-01", "-2562047h"} {
		if strings.Contains(text, bad) {
			t.Errorf("plan text shows %s:\n%s", bad, text)
		}
	}
	if !strings.Contains(text, "         ^ window") {
		t.Errorf("the sparkline marks no day of the open window:\n%s", text)
	}
}
