package planner

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func profile() *TableProfile {
	return &TableProfile{
		Table: TableName{Schema: "public", Name: "orders"},
		Columns: []Column{
			{Name: "id", Type: "bigint", Class: ClassInteger},
			{Name: "created_at", Type: "timestamp", Class: ClassTime},
			{Name: "email", Type: "text", Class: ClassText, Nullable: true},
			{Name: "amount", Type: "numeric(10,2)", Class: ClassDecimal},
			{Name: "status", Type: "text", Class: ClassText},
			{Name: "total", Type: "numeric", Class: ClassDecimal, Generated: true, Nullable: true},
		},
		PrimaryKey: []string{"id"},
		Rows:       100000,
	}
}

const head = `
source "postgres" "shop" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.shop
  table       = "public.orders"
  time_column = "created_at"
}
`

func mustLoad(t *testing.T, body string) *config.Config {
	t.Helper()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if d := Validate(cfg); d.HasErrors() {
		t.Fatal(d.Error())
	}
	return cfg
}

func mustPlan(t *testing.T, cfg *config.Config, st *state.State) *Plan {
	t.Helper()
	p, diags := Make(Input{Config: cfg, State: st, Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return p
}

const nulls = `
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

func TestCreateThenNoOpThenReplaceThenDestroy(t *testing.T) {
	cfg := mustLoad(t, nulls)
	st := state.New()
	p := mustPlan(t, cfg, st)
	if len(p.Changes) != 1 || p.Changes[0].Action != Create {
		t.Fatalf("want one create, got %+v", p.Changes)
	}
	ch := p.Changes[0]
	m := ch.Mutation
	if m.Op != OpUpdate || m.Column.Name != "email" || m.Where.Share != 0.3 || m.Where.Seed != 7 || !m.Where.SkipNull {
		t.Fatalf("mutation = %+v", m)
	}
	if !m.Where.From.Equal(now.Add(-48*time.Hour)) || !m.Where.To.Equal(now) {
		t.Fatalf("window %v → %v", m.Where.From, m.Where.To)
	}
	st.Put(&state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Source: ch.Source, Target: ch.Target, Rows: 10, AppliedAt: now})

	// A relative window moves with the clock, but the declaration did not change.
	later, diags := Make(Input{Config: cfg, State: st, Profiles: map[string]*TableProfile{"orders": profile()}, Now: now.Add(time.Hour)})
	if diags.HasErrors() || !later.Empty() {
		t.Fatalf("same scenario an hour later should be a no-op: %+v %s", later.Changes, diags.Error())
	}

	p = mustPlan(t, mustLoad(t, strings.Replace(nulls, "0.3", "0.5", 1)), st)
	if p.Changes[0].Action != Replace || p.Changes[0].Prior == nil {
		t.Fatalf("changed volume should replace, got %s", p.Changes[0].Action)
	}

	p = mustPlan(t, mustLoad(t, ""), st)
	if len(p.Changes) != 1 || p.Changes[0].Action != Destroy || p.Changes[0].Address != ch.Address {
		t.Fatalf("removed block should destroy, got %+v", p.Changes)
	}
}

func TestExpireAndDestroyOrderNewestFirst(t *testing.T) {
	cfg := mustLoad(t, nulls)
	ch := mustPlan(t, cfg, state.New()).Changes[0]
	due := now.Add(-time.Minute)
	st := state.New()
	st.Put(&state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, AppliedAt: now.Add(-2 * time.Hour), ExpiresAt: &due})
	p := mustPlan(t, cfg, st)
	if p.Changes[0].Action != Expire {
		t.Fatalf("due anomaly should expire, got %s", p.Changes[0].Action)
	}
	st.Put(&state.Anomaly{Address: "anomaly.volume_drop.a", Kind: "volume_drop", AppliedAt: now.Add(-3 * time.Hour)})
	st.Put(&state.Anomaly{Address: "anomaly.volume_drop.b", Kind: "volume_drop", AppliedAt: now.Add(-1 * time.Hour)})
	p, diags := Make(Input{Config: cfg, State: st, Now: now, Destroy: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	var order []string
	for _, c := range p.Changes {
		order = append(order, c.Address)
	}
	want := "anomaly.volume_drop.b anomaly.null_rate.email_nulls anomaly.volume_drop.a"
	if strings.Join(order, " ") != want {
		t.Fatalf("destroy order = %v, want newest first: %s", order, want)
	}
}

func TestPlanErrorsNameTheFix(t *testing.T) {
	cases := []struct{ name, body, want string }{
		{"missing column", strings.Replace(nulls, `"email"`, `"emial"`, 1), `Did you mean "email"?`},
		{"not nullable", strings.Replace(nulls, `"email"`, `"status"`, 1), "NOT NULL"},
		{"wrong type", `anomaly "numeric_shift" "x" {
  target = target.orders
  column = "email"
}`, "Columns of public.orders that suit numeric_shift: amount."},
		{"key column", `anomaly "numeric_shift" "x" {
  target = target.orders
  column = "id"
}`, "in the key"},
		{"generated column", `anomaly "null_rate" "x" {
  target = target.orders
  column = "total"
}`, "generated by the database"},
		{"amplitude", `anomaly "numeric_shift" "x" {
  target = target.orders
  column = "amount"
  amplitude = -1
}`, "above -1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := mustLoad(t, c.body)
			_, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), c.want) {
				t.Fatalf("want an error containing %q, got %q", c.want, diags.Error())
			}
			if diags[0].Subject == nil || diags[0].Subject.Filename != "main.hcl" {
				t.Fatalf("diagnostic has no source range: %+v", diags[0])
			}
		})
	}
}

func TestNoKey(t *testing.T) {
	cfg := mustLoad(t, nulls)
	prof := profile()
	prof.PrimaryKey = nil
	_, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "no primary key") || !strings.Contains(diags.Error(), `key = ["..."]`) {
		t.Fatalf("want a no-key error naming the fix, got %q", diags.Error())
	}
}

func TestValidateUnknownKind(t *testing.T) {
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + strings.Replace(nulls, `"null_rate"`, `"null_rat"`, 1))}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	d := Validate(cfg)
	if !d.HasErrors() || !strings.Contains(d.Error(), `Did you mean "null_rate"?`) || !strings.Contains(d.Error(), "volume_drop") {
		t.Fatalf("unknown kind: %q", d.Error())
	}
	if d[0].Subject.Start.Line != 11 {
		t.Fatalf("points at line %d, want 11", d[0].Subject.Start.Line)
	}
}

func TestSelectionIsStableAcrossPlans(t *testing.T) {
	a := mustPlan(t, mustLoad(t, nulls), state.New()).Changes[0]
	b := mustPlan(t, mustLoad(t, nulls), state.New()).Changes[0]
	if a.ParamsHash != b.ParamsHash || a.Mutation.Where.Threshold() != b.Mutation.Where.Threshold() {
		t.Fatal("two plans of the same scenario differ")
	}
	if got := a.Mutation.Where.Threshold(); got != 1288490189 { // round(0.3 * 2^32)
		t.Fatalf("threshold = %d", got)
	}
}

// TestPlanTextGolden moved with the text view to cmd/anomgen (planview_test.go).

func TestValidateUnsupportedDatabase(t *testing.T) {
	k := LookupKind("volume_drop")
	declared := map[string]Capabilities{}
	for _, t := range config.SourceTypes {
		declared[t] = Capabilities{Database: t, EmptyStringIsNull: t == "postgres"}
	}
	withCapabilities(t, declared)
	k.Requires = []Requirement{{Has: func(c Capabilities) bool { return !c.EmptyStringIsNull }, Why: func(Capabilities) string { return "PostgreSQL cannot do this (test)" }}}
	defer func() { k.Requires = nil }()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + `
anomaly "volume_drop" "x" {
  target = target.orders
}
`)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	d := Validate(cfg)
	if !d.HasErrors() || !strings.Contains(d.Error(), "does not run on postgres") || !strings.Contains(d.Error(), "PostgreSQL cannot do this") || !strings.Contains(d.Error(), "runs on: mysql, oracle, sqlite, sqlserver") {
		t.Fatalf("unsupported database: %q", d.Error())
	}
	if got := strings.Join(LookupKind("null_rate").Databases(), ","); got != "mysql,oracle,postgres,sqlite,sqlserver" {
		t.Fatalf("null_rate runs on %s, want all five", got)
	}
}

func TestExpiredAnomalyIsNotAppliedAgain(t *testing.T) {
	cfg := mustLoad(t, nulls)
	ch := mustPlan(t, cfg, state.New()).Changes[0]
	st := state.New()
	st.Put(&state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Status: state.StatusExpired, AppliedAt: now.Add(-time.Hour)})
	if p := mustPlan(t, cfg, st); !p.Empty() {
		t.Fatalf("an expired anomaly with the same settings must be a no-op, got %s", p.Changes[0].Action)
	}
	if p := mustPlan(t, mustLoad(t, strings.Replace(nulls, "0.3", "0.4", 1)), st); p.Changes[0].Action != Create || p.Changes[0].Prior != nil {
		t.Fatalf("changed settings after expiry: %s (prior %v), want a plain create", p.Changes[0].Action, p.Changes[0].Prior)
	}
	p := mustPlan(t, mustLoad(t, ""), st)
	if len(p.Changes) != 1 || p.Changes[0].Action != Destroy {
		t.Fatalf("removed block of an expired anomaly: %+v", p.Changes)
	}
	if p.Changes[0].Prior == nil || p.Changes[0].Prior.Status != state.StatusExpired {
		t.Fatalf("the destroy of an expired anomaly should carry its expired prior (plan text says it only forgets): %+v", p.Changes[0].Prior)
	}
}

func TestEveryCatalogExampleValidatesAndPlans(t *testing.T) {
	shop := &TableProfile{
		Table: TableName{Name: "orders"},
		Columns: []Column{
			{Name: "id", Type: "INTEGER", Class: ClassInteger},
			{Name: "customer_id", Type: "INTEGER", Class: ClassInteger},
			{Name: "created_at", Type: "TEXT", Class: ClassTime},
			{Name: "amount", Type: "NUMERIC(10,2)", Class: ClassDecimal},
			{Name: "status", Type: "TEXT", Class: ClassText},
			{Name: "channel", Type: "TEXT", Class: ClassText},
			{Name: "email", Type: "TEXT", Class: ClassText, Nullable: true},
		},
		PrimaryKey: []string{"id"},
		TimeFormat: TimeFormat{Layout: "2006-01-02 15:04:05"},
	}
	for _, k := range Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			if k.Example == "" || k.Summary == "" || k.Description == "" || k.Monitor == "" {
				t.Fatal("a kind needs a summary, a description, what a monitor sees and an example")
			}
			cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + k.Example + "\n")}, config.Options{Getenv: func(string) string { return "" }})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if d := Validate(cfg); d.HasErrors() {
				t.Fatal(d.Error())
			}
			p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": shop}, Now: now})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if len(p.Changes) != 1 || p.Changes[0].Action != Create || p.Changes[0].Mutation == nil {
				t.Fatalf("example plans to %+v", p.Changes)
			}
		})
	}
}

// withCapabilities declares capabilities for the test's duration, as
// providers do (planner tests cannot import them).
func withCapabilities(t *testing.T, declared map[string]Capabilities) {
	t.Helper()
	capsMu.Lock()
	saved := caps
	caps = declared
	capsMu.Unlock()
	t.Cleanup(func() { capsMu.Lock(); caps = saved; capsMu.Unlock() })
}

func TestSuggestFollowsTheCatalog(t *testing.T) {
	withCapabilities(t, map[string]Capabilities{"sqlite": {Database: "SQLite", RegexReplace: true, Reencode: true}})
	s, err := Suggest(profile(), "sqlite", nil, true, "")
	if err != nil {
		t.Fatal(err)
	}
	byCol := map[string]string{}
	for _, x := range s {
		byCol[x.Column] = strings.Join(x.Kinds, ",")
	}
	if !strings.Contains(byCol["email"], "null_rate") || strings.Contains(byCol["status"], "null_rate") {
		t.Errorf("null_rate suits nullable email only: email %q, status %q", byCol["email"], byCol["status"])
	}
	if !strings.Contains(byCol["amount"], "numeric_shift") || strings.Contains(byCol["email"], "numeric_shift") {
		t.Errorf("numeric_shift suits amount only: %q / %q", byCol["amount"], byCol["email"])
	}
	if byCol["id"] != "" || byCol["total"] != "" {
		t.Errorf("key and generated columns take no kinds: id %q total %q", byCol["id"], byCol["total"])
	}
	if strings.Contains(byCol["amount"], "schema_change_type") {
		t.Errorf("schema_change_type does not run on sqlite: %q", byCol["amount"])
	}
	if !strings.Contains(byCol[""], "volume_drop") || !strings.Contains(byCol[""], "stale_data") {
		t.Errorf("whole-table kinds: %q", byCol[""])
	}
	if _, err := Suggest(profile(), "postgres", nil, true, "emial"); err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("unknown column: %v", err)
	}
}

func TestDescribeShowsArgumentsAndExample(t *testing.T) {
	var buf bytes.Buffer
	WriteDescription(&buf, LookupKind("late_arrival"))
	for _, want := range []string{"late_arrival (pipeline)", "What a monitor sees", "delay", "2h", "volume", "0.3", "Example:", `anomaly "late_arrival"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("describe late_arrival lacks %q:\n%s", want, buf.String())
		}
	}
	var list bytes.Buffer
	if err := WriteKinds(&list, "quality", false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(list.String(), "null_rate") || strings.Contains(list.String(), "volume_drop") {
		t.Errorf("quality list:\n%s", list.String())
	}
	if err := WriteKinds(&list, "nonsense", false); err == nil {
		t.Error("an unknown category must be an error")
	}
}

func TestLimitsAndWarnings(t *testing.T) {
	cfg := mustLoad(t, nulls)
	p := mustPlan(t, cfg, state.New())
	ch := p.Changes[0]
	ch.Rows, ch.WindowRows = 60000, 80000
	if w := strings.Join(ch.LimitWarnings(), "; "); !strings.Contains(w, "more than half of the table (60,000 of 100,000 rows)") {
		t.Fatalf("warnings: %q", w)
	}
	if got := p.CheckLimits(DefaultMaxRowsPerApply); len(got) != 0 {
		t.Fatalf("60,000 rows is within the defaults: %v", got)
	}
	ch.Rows = DefaultMaxRows + 1
	if got := strings.Join(p.CheckLimits(0), "; "); !strings.Contains(got, "over its max_rows of 1,000,000") || !strings.Contains(got, "max_rows = 1000001") {
		t.Fatalf("over max_rows: %q", got)
	}
	ch.Rows = 500
	if got := strings.Join(p.CheckLimits(100), "; "); !strings.Contains(got, "over the limit of 100 per apply") || !strings.Contains(got, "-max-rows 500") {
		t.Fatalf("over the per-apply limit: %q", got)
	}
	ch.Protected = true
	if got := strings.Join(p.CheckLimits(0), "; "); !strings.Contains(got, "is protected") {
		t.Fatalf("protected: %q", got)
	}
	cfg = mustLoad(t, strings.Replace(nulls, "seed   = 7", "seed   = 7\n  max_rows = 10", 1))
	if got := mustPlan(t, cfg, state.New()).Changes[0].MaxRows; got != 10 {
		t.Fatalf("max_rows on the block: %d", got)
	}
}

func TestMetricAfter(t *testing.T) {
	p := mustPlan(t, mustLoad(t, nulls+`
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.6
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "48h"
  }
}
`), state.New())
	nullsCh, drop := p.Changes[0], p.Changes[1]
	nullsCh.Rows, nullsCh.WindowRows = 300, 1000
	if m := MetricAfter(nullsCh, "null share", 0.02); m == nil || m.String() != "null share 2.0% → 32.0%" {
		t.Fatalf("null share: %v", m)
	}
	drop.Rows, drop.WindowRows = 600, 1000
	if m := MetricAfter(drop, "rows", 1000); m == nil || m.String() != "rows/day 500 → 200" {
		t.Fatalf("rows per day: %v", m)
	}
}

// TestKindsAskCapabilities: what a kind refuses follows the capabilities
// the source's provider declares, not the database's name.
func TestKindsAskCapabilities(t *testing.T) {
	cfg := mustLoad(t, `
anomaly "empty_values" "blank" {
  target = target.orders
  column = "email"
}
anomaly "format_change" "re" {
  target = target.orders
  column = "email"
  regex  = "@.*"
  replacement = "@x"
}
`)
	plan := func() string {
		_, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
		var all []string
		for _, d := range diags {
			all = append(all, d.Summary)
		}
		return strings.Join(all, "; ")
	}
	withCapabilities(t, map[string]Capabilities{"postgres": {Database: "Pretend", RegexReplace: true}})
	if got := plan(); strings.Contains(got, "Empty strings") || strings.Contains(got, "regular expressions") {
		t.Fatalf("a database with regex and real empty strings refused: %s", got)
	}
	withCapabilities(t, map[string]Capabilities{"postgres": {Database: "Pretend", EmptyStringIsNull: true}})
	got := plan()
	if !strings.Contains(got, "Empty strings are NULL on Pretend") || !strings.Contains(got, "No regular expressions on Pretend") {
		t.Fatalf("a database declaring '' as NULL and no regex: %s", got)
	}
}
