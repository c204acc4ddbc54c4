package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// reviewScenario declares a create (email_nulls, not applied), a replace
// (outage, applied with volume 0.3, now 0.6) and an expire (night_outage,
// applied and past its duration); the state adds a destroy (old_nulls, its
// block removed) and drift (dupes, its journal lost).
const reviewScenario = viewNulls + `
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.6
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "6h"
  }
}

anomaly "volume_drop" "night_outage" {
  target   = target.orders
  volume   = 0.5
  duration = "2h"
  window {
    start    = "2026-11-26T00:00:00Z"
    duration = "6h"
  }
}
`

// reviewPlan is one plan with every action and drift, counted by hand,
// with a fixed clock and fixed data: the input of the views' golden files.
func reviewPlan(t *testing.T) *planner.Plan {
	t.Helper()
	cfg := viewLoad(t, reviewScenario)
	fresh := viewPlan(t, cfg, state.New())
	hash := map[string]string{}
	for _, c := range fresh.Changes {
		hash[c.Address] = c.ParamsHash
	}
	at := func(h int) time.Time { return viewNow.Add(time.Duration(-h) * time.Hour) }
	due := at(1)
	st := state.New()
	st.Put(&state.Anomaly{Address: "anomaly.volume_drop.outage", Kind: "volume_drop", ParamsHash: "0123456789abcdef", Source: "source.postgres.shop", Target: "orders",
		Window: &state.Window{Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)}, Rows: 300,
		Journal: state.Journal{ID: "j-outage", Schema: "anomgen", Op: "delete", TableSchema: "public", Table: "orders", Key: []string{"id"}}, AppliedAt: at(48),
		Settings: []state.Setting{{Name: "volume", Value: "0.3"}, {Name: "seed", Value: "1554956787"}}})
	st.Put(&state.Anomaly{Address: "anomaly.volume_drop.night_outage", Kind: "volume_drop", ParamsHash: hash["anomaly.volume_drop.night_outage"], Source: "source.postgres.shop", Target: "orders",
		Window: &state.Window{Start: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)}, Rows: 450,
		Journal: state.Journal{ID: "j-night", Schema: "anomgen", Op: "delete", TableSchema: "public", Table: "orders", Key: []string{"id"}}, AppliedAt: at(3), ExpiresAt: &due})
	st.Put(&state.Anomaly{Address: "anomaly.null_rate.old_nulls", Kind: "null_rate", ParamsHash: "fedcba9876543210", Source: "source.postgres.shop", Target: "orders", Column: "email",
		Window: &state.Window{Start: at(96), End: at(72)}, Rows: 77,
		Journal: state.Journal{ID: "j-old", Schema: "anomgen", Op: "update", TableSchema: "public", Table: "orders", Key: []string{"id"}, Column: "email"}, AppliedAt: at(24)})
	st.Put(&state.Anomaly{Address: "anomaly.duplicate_rows.dupes", Kind: "duplicate_rows", ParamsHash: "00ff00ff00ff00ff", Source: "source.postgres.shop", Target: "orders",
		Rows: 40, Status: state.StatusLost, Lost: "its journal table anomgen.j_dupes is gone",
		Journal: state.Journal{ID: "j-dupes", Schema: "anomgen", Op: "insert", TableSchema: "public", Table: "orders", Key: []string{"id"}}, AppliedAt: at(30)})
	p := viewPlan(t, cfg, st)
	p.Lineage, p.Serial = "3f6c2a9e-0000-4000-8000-000000000012", 7
	by := map[string]*planner.Change{}
	for _, c := range p.Changes {
		by[c.Address] = c
	}
	want := map[string]planner.Action{
		"anomaly.null_rate.email_nulls": planner.Create, "anomaly.volume_drop.outage": planner.Replace,
		"anomaly.volume_drop.night_outage": planner.Expire, "anomaly.null_rate.old_nulls": planner.Destroy,
		"anomaly.duplicate_rows.dupes": planner.NoOp,
	}
	for addr, a := range want {
		if by[addr] == nil || by[addr].Action != a {
			t.Fatalf("%s: %+v, want %s", addr, by[addr], a)
		}
	}
	create := by["anomaly.null_rate.email_nulls"]
	create.Rows, create.WindowRows = 1234, 4113
	create.Metric = &planner.Metric{Name: "null share", Before: 0.02, After: 0.02 + 1234.0/4113}
	create.SQL = []planner.Statement{{SQL: `UPDATE "public"."orders" SET "email" = NULL WHERE "created_at" >= $1 AND "created_at" < $2 AND "email" IS NOT NULL AND anomgen_hash("id", 7) < 1288490189`, Args: []string{"2026-11-25T12:00:00Z", "2026-11-27T12:00:00Z"}}}
	create.ReverseSQL = []planner.Statement{{SQL: `UPDATE "public"."orders" AS t SET "email" = j."anomgen_before" FROM "anomgen"."j_email_nulls" AS j WHERE t."id" = j."id"`}}
	replace := by["anomaly.volume_drop.outage"]
	replace.Rows, replace.WindowRows = 600, 1000
	replace.Metric = &planner.Metric{Name: "rows", Before: 1000, After: 400}
	// The planner says why (the state keeps the applied settings).
	if len(replace.Reasons) != 1 || replace.Reasons[0] != "settings changed" || len(replace.Changed) != 1 ||
		replace.Changed[0] != (planner.AttrChange{Name: "volume", Before: "0.3", After: "0.6"}) {
		t.Fatalf("replace reasons %q and changed settings %v", replace.Reasons, replace.Changed)
	}
	replace.SQL = []planner.Statement{{SQL: `DELETE FROM "public"."orders" WHERE "created_at" >= $1 AND "created_at" < $2 AND anomgen_hash("id", 1554956787) < 2576980378`, Args: []string{"2026-11-20T00:00:00Z", "2026-11-20T06:00:00Z"}}}
	replace.ReverseSQL = []planner.Statement{{SQL: `INSERT INTO "public"."orders" SELECT * FROM "anomgen"."j_outage"`}}
	return p
}

// TestPlanViewsGolden pins the text, JSON and Markdown of one plan with a
// create, a replace (its reasons and changed settings), a destroy, an
// expire and drift (a lost journal).
func TestPlanViewsGolden(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "0.0.0-test"
	p := reviewPlan(t)

	text := planText(p, textOptions{})
	golden(t, "review_plan.txt", text)
	for _, want := range []string{"Drift: changed outside anomgen", "anomaly.duplicate_rows.dupes: its journal is lost",
		"# because: settings changed", "volume    = 0.3 → 0.6 # forces replacement", "has expired", "will be destroyed",
		"Plan: 1 to create, 1 to replace, 1 to destroy, 1 to expire."} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}

	var j bytes.Buffer
	if err := writePlanJSON(&j, p); err != nil {
		t.Fatal(err)
	}
	golden(t, "review_plan.json", j.String())
	var v struct {
		FormatVersion string `json:"format_version"`
		Drift         []struct {
			Address string   `json:"address"`
			Actions []string `json:"actions"`
		} `json:"drift"`
		Changes []struct {
			Address  string   `json:"address"`
			Category string   `json:"category"`
			Actions  []string `json:"actions"`
			Window   map[string]any
		} `json:"changes"`
	}
	if err := json.Unmarshal(j.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, c := range v.Changes {
		actions[c.Address] = strings.Join(c.Actions, ",")
		if c.Category == "" {
			t.Errorf("%s has no category", c.Address)
		}
	}
	if v.FormatVersion != "1.0" || len(v.Drift) != 1 || v.Drift[0].Address != "anomaly.duplicate_rows.dupes" ||
		actions["anomaly.null_rate.email_nulls"] != "create" || actions["anomaly.volume_drop.outage"] != "delete,create" ||
		actions["anomaly.null_rate.old_nulls"] != "delete" || actions["anomaly.volume_drop.night_outage"] != "delete" || actions["anomaly.duplicate_rows.dupes"] != "no-op" {
		t.Errorf("JSON view: %+v", v)
	}
	validatePlanJSON(t, j.Bytes())

	var md bytes.Buffer
	if err := writePlanMarkdown(&md, p, 0); err != nil {
		t.Fatal(err)
	}
	golden(t, "review_plan.md", md.String())
	m := md.String()
	if !strings.HasPrefix(m, "### anomgen plan: 1 to create, 1 to replace, 1 to destroy, 1 to expire.\n") ||
		strings.Index(m, "**Drift**") > strings.Index(m, "| address |") || !strings.Contains(m, "**0.3 → 0.6**") || strings.Count(m, "<details>") != 4 {
		t.Errorf("Markdown view:\n%s", m)
	}
}

// A long plan's Markdown stays under its bound: details go first, then the
// table's last rows become "and N more changes"; the table is never cut.
func TestPlanMarkdownBounded(t *testing.T) {
	p := reviewPlan(t)
	base := p.Changes
	for i := 0; len(p.Changes) < 2000; i++ {
		for _, c := range base {
			cp := *c
			cp.Address += "_" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + "_" + time.Duration(i).String()
			p.Changes = append(p.Changes, &cp)
		}
	}
	for _, limit := range []int{markdownLimit, 20000, 3000} {
		m := planMarkdown(p, limit)
		if len(m) > limit {
			t.Errorf("limit %d: %d characters", limit, len(m))
		}
		if !strings.Contains(m, "more changes (`anomgen plan` lists them all)") || strings.Contains(m, "<details>") && limit < 5000 {
			t.Errorf("limit %d: no summary of the rest:\n%s", limit, m[max(0, len(m)-500):])
		}
		// Every table line is whole: the table ends with a row, then a blank line.
		lines := strings.Split(m, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "| ") && !strings.HasSuffix(l, " |") {
				t.Errorf("limit %d: line %d cut: %q", limit, i, l)
			}
		}
	}
	if m := planMarkdown(reviewPlan(t), markdownLimit); strings.Contains(m, "left out") || strings.Contains(m, "more changes") {
		t.Errorf("a short plan is summarised:\n%s", m)
	}
}

func TestPlanFormatFlag(t *testing.T) {
	for _, c := range []struct {
		format string
		json   bool
		want   string
	}{{"text", false, "text"}, {"", false, "text"}, {"json", false, "json"}, {"text", true, "json"}, {"json", true, "json"},
		{"markdown", false, "markdown"}, {"MD", false, "markdown"}, {"markdown", true, ""}, {"yaml", false, ""}} {
		got, err := planFormat(c.format, c.json)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("-format %q -json=%v: %q, %v; want %q", c.format, c.json, got, err, c.want)
		}
	}
	// A plan without changes, with drift only: no table, the drift first.
	p := reviewPlan(t)
	var drift []*planner.Change
	for _, c := range p.Changes {
		if c.Drift != "" {
			drift = append(drift, c)
		}
	}
	p.Changes = drift
	m := planMarkdown(p, markdownLimit)
	if !strings.HasPrefix(m, "### anomgen plan: no changes\n\n**Drift**") || strings.Contains(m, "| address |") || !strings.HasSuffix(m, "No changes. The applied anomalies match the scenario files.\n") {
		t.Errorf("Markdown of a plan without changes:\n%s", m)
	}
}
