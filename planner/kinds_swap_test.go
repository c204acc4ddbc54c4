package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

func swapBlock(with string) string {
	return `anomaly "swapped_columns" "s" {
  target = target.orders
  column = "status"
  with   = "` + with + `"
}`
}

func TestSwappedColumnsRefusesMistakes(t *testing.T) {
	for with, want := range map[string]string{
		"status":  "same column",
		"amount":  "different types",
		"id":      "part of the key",
		"total":   "Generated column",
		"missing": "missing",
	} {
		_, err := planBusiness(t, swapBlock(with))
		if !strings.Contains(strings.ToLower(err), strings.ToLower(want)) {
			t.Errorf("with = %q: error %q, want one about %q", with, err, want)
		}
	}
	p, err := planBusiness(t, swapBlock("email"))
	if err != "" {
		t.Fatal(err)
	}
	m := p.Changes[0].Mutation
	if m.Op != OpUpdate || m.Column.Name != "status" || m.With == nil || m.With.Name != "email" {
		t.Fatalf("mutation %+v, want an update of status with email", m)
	}
	if j := m.Journal("x", "anomgen"); j.Column != "status" || j.With != "email" {
		t.Errorf("journal column %q with %q, want status and email", j.Column, j.With)
	}
}

// A trigger on UPDATE OF the with column, or a foreign key to it, stops
// the swap as it would an update of column.
func TestSwappedColumnsGuardsWith(t *testing.T) {
	for name, edit := range map[string]func(p *TableProfile){
		"trigger": func(p *TableProfile) {
			p.Triggers = []Trigger{{Name: "email_audit", Table: p.Table, Timing: "AFTER", Events: []string{"UPDATE"}, Columns: []string{"email"}, Row: true}}
		},
		"foreign key": func(p *TableProfile) {
			p.ReferencedBy = []ForeignKey{{Name: "fk", Table: TableName{Name: "customers"}, Columns: []string{"email"}, RefColumns: []string{"email"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"}}
		},
	} {
		prof := profile()
		edit(prof)
		cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(head + swapBlock("email"))}, config.Options{Getenv: func(string) string { return "" }})
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		_, diags = Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), "email") {
			t.Errorf("%s on email: diagnostics %q, want a refusal naming email", name, diags.Error())
		}
	}
}
