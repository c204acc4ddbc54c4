package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

var numKinds = []string{"outliers", "variance_change", "unit_change", "precision_loss", "negative_values", "timestamp_shift", "future_dates", "duplicate_keys", "orphan_references", "date_format"}

// numPlan plans body against profile() and returns the single change, or
// the diagnostics' text.
func numPlan(t *testing.T, body string, prof *TableProfile) (*Change, string) {
	t.Helper()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if d := Validate(cfg); d.HasErrors() {
		return nil, d.Error()
	}
	p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof, "k": prof}, Now: now})
	if diags.HasErrors() {
		return nil, diags.Error()
	}
	if len(p.Changes) != 1 {
		t.Fatalf("%d changes, want 1", len(p.Changes))
	}
	return p.Changes[0], ""
}

func TestNumKindExamples(t *testing.T) {
	for _, name := range numKinds {
		k := LookupKind(name)
		if k == nil {
			t.Fatalf("kind %s is not registered", name)
		}
		prof := profile()
		prof.Columns = append(prof.Columns, Column{Name: "channel", Type: "text", Class: ClassText, Nullable: true})
		ch, err := numPlan(t, k.Example, prof)
		if err != "" {
			t.Errorf("%s example: %s", name, err)
			continue
		}
		if ch.Mutation.Op != OpUpdate || ch.Effect == "update" || ch.Effect == "" {
			t.Errorf("%s: op %s, effect %q", name, ch.Mutation.Op, ch.Effect)
		}
	}
}

func TestNumKindExprs(t *testing.T) {
	block := func(kind, attrs string) string {
		return "anomaly \"" + kind + "\" \"x\" {\n  target = target.orders\n" + attrs + "}\n"
	}
	cases := []struct {
		body string
		want Expr
	}{
		{block("numeric_shift", "  column = \"amount\"\n  offset = -2.5\n"), Offset{Add: -2.5}},
		{block("numeric_shift", "  column = \"amount\"\n"), Scale{Factor: 1.25}},
		// On a column without negative values outliers and variance
		// changes keep the sign unless allow_negative (issue 11); shrinking
		// the spread never crosses zero, so it needs nothing.
		{block("outliers", "  column = \"amount\"\n"), Outlier{K: 6, KeepSign: true}},
		{block("outliers", "  column = \"amount\"\n  allow_negative = true\n"), Outlier{K: 6}},
		{block("variance_change", "  column = \"amount\"\n"), Spread{Factor: 2, KeepSign: true}},
		{block("variance_change", "  column = \"amount\"\n  allow_negative = true\n"), Spread{Factor: 2}},
		{block("variance_change", "  column = \"amount\"\n  amplitude = -0.5\n"), Spread{Factor: 0.5}},
		{block("unit_change", "  column = \"amount\"\n"), Scale{Factor: 100}},
		{block("unit_change", "  column = \"amount\"\n  factor = 0.001\n"), Scale{Factor: 0.001}},
		{block("precision_loss", "  column = \"amount\"\n  digits = 1\n  mode = \"truncate\"\n"), RoundTo{Digits: 1, Truncate: true}},
		{block("negative_values", "  column = \"amount\"\n"), Negate{}},
		{block("timestamp_shift", "  column = \"created_at\"\n"), AddSeconds{Seconds: -5 * 3600}},
		{block("timestamp_shift", "  column = \"created_at\"\n  offset = \"-1d2h\"\n"), AddSeconds{Seconds: -26 * 3600}},
		{block("future_dates", "  column = \"created_at\"\n"), AddSeconds{Seconds: 365 * 86400}},
		{block("duplicate_keys", "  column = \"email\"\n"), FirstInWindow{}},
		{block("orphan_references", "  column = \"email\"\n"), Orphan{Suffix: "~orphan"}},
		{block("date_format", "  column = \"status\"\n"), DateRelayout{From: "2006-01-02", To: "01/02/2006"}},
		{block("date_format", "  column = \"status\"\n  from_layout = \"2006-01-02 15:04:05\"\n  layout = \"epoch\"\n"), DateRelayout{From: "2006-01-02 15:04:05", To: "epoch"}},
	}
	for _, c := range cases {
		ch, err := numPlan(t, c.body, profile())
		if err != "" {
			t.Errorf("%s: %s", c.body, err)
			continue
		}
		if ch.Mutation.Set != c.want {
			t.Errorf("%s: set %#v, want %#v", c.body, ch.Mutation.Set, c.want)
		}
	}
	withRef := profile()
	withRef.Columns = append(withRef.Columns, Column{Name: "customer_id", Type: "bigint", Class: ClassInteger, Nullable: true})
	ch, err := numPlan(t, block("orphan_references", "  column = \"customer_id\"\n  offset = 50\n"), withRef)
	if err != "" || ch.Mutation.Set != (Orphan{Offset: 50}) || !ch.Mutation.Where.SkipNull {
		t.Errorf("orphan_references on an integer: %s %#v", err, ch)
	}
}

func TestNumKindRefusals(t *testing.T) {
	block := func(kind, attrs string) string {
		return "anomaly \"" + kind + "\" \"x\" {\n  target = target.orders\n" + attrs + "}\n"
	}
	uniq := profile()
	uniq.Unique = []UniqueIndex{{Name: "orders_email_key", Columns: []string{"email"}}}
	fk := profile()
	fk.References = []Reference{{Name: "orders_email_fkey", Columns: []string{"email"}, Parent: TableName{Schema: "public", Name: "customers"}, ParentColumns: []string{"email"}}}
	unsigned := profile()
	unsigned.Columns[3].Type = "decimal(10,2) unsigned"
	emailKey := profile() // key = ["email"], found unique by the profile step
	emailKey.KeyCheck = &KeyCheck{Columns: []string{"email"}, Rows: 100000}
	cases := []struct {
		body string
		prof *TableProfile
		want string
	}{
		{block("numeric_shift", "  column = \"amount\"\n  offset = 3\n  amplitude = 0.2\n"), profile(), "remove one of them"},
		{block("numeric_shift", "  column = \"amount\"\n  offset = 0\n"), profile(), "other than 0"},
		{block("outliers", "  column = \"status\"\n"), profile(), "numeric column"},
		{block("outliers", "  column = \"amount\"\n  amplitude = 0\n"), profile(), "above 0"},
		{block("variance_change", "  column = \"amount\"\n  amplitude = 0\n"), profile(), "leave the spread"},
		{block("outliers", "  column = \"amount\"\n  allow_negative = \"yes\"\n"), profile(), "true or false"},
		{block("unit_change", "  column = \"amount\"\n  factor = 1\n"), profile(), "not 1"},
		{block("unit_change", "  column = \"amount\"\n  factor = \"x\"\n"), profile(), "must be a number"},
		{block("precision_loss", "  column = \"amount\"\n  digits = 2\n"), profile(), "changes nothing"},
		{block("precision_loss", "  column = \"amount\"\n  mode = \"floor\"\n"), profile(), "round"},
		{block("precision_loss", "  column = \"amount\"\n  digits = 0.5\n"), profile(), "whole number"},
		{block("negative_values", "  column = \"amount\"\n"), unsigned, "below zero"},
		{block("timestamp_shift", "  column = \"amount\"\n"), profile(), "date or timestamp"},
		{block("timestamp_shift", "  column = \"created_at\"\n  offset = \"0h\"\n"), profile(), "moves nothing"},
		{block("future_dates", "  column = \"created_at\"\n  by = \"-1d\"\n"), profile(), "by"},
		{block("duplicate_keys", "  column = \"email\"\n"), uniq, "orders_email_key"},
		{block("orphan_references", "  column = \"email\"\n"), fk, "orders_email_fkey to public.customers(email)"},
		{block("orphan_references", "  column = \"email\"\n  offset = 5\n"), profile(), "Remove offset"},
		{block("orphan_references", "  column = \"amount\"\n"), profile(), "integer or text"},
		{block("date_format", "  column = \"amount\"\n"), profile(), "dates held as text"},
		{block("date_format", "  column = \"status\"\n  from_layout = \"Jan 2, 2006\"\n"), profile(), "fixed-width fields"},
		{block("date_format", "  column = \"status\"\n  from_layout = \"15:04\"\n"), profile(), "at least 2006, 01 and 02"},
		{block("date_format", "  column = \"status\"\n  layout = \"2006/1/2\"\n"), profile(), "must be \"epoch\""},
		{block("date_format", "  column = \"status\"\n  layout = \"2006-01-02\"\n"), profile(), "both"},
		{"anomaly \"duplicate_keys\" \"x\" {\n  target = target.k\n  column = \"id\"\n}\ntarget \"k\" {\n  source = source.postgres.shop\n  table = \"public.orders\"\n  time_column = \"created_at\"\n  key = [\"email\"]\n}\n", emailKey, "part of the primary key"},
	}
	for _, c := range cases {
		_, err := numPlan(t, c.body, c.prof)
		if err == "" || !strings.Contains(err, c.want) {
			t.Errorf("%s: error %q, want one mentioning %q", c.body, err, c.want)
		}
	}
}
