package examples

import (
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// TestQualityExampleUsesEveryQualityKind checks that examples/quality uses
// every quality kind and plans against the demo shop's orders table.
// future_dates and timestamp_shift are the exceptions: they need a DATE or
// TIMESTAMP column and the shop keeps created_at as TEXT.
func TestQualityExampleUsesEveryQualityKind(t *testing.T) {
	cfg, diags := config.Load("quality", config.Options{Getenv: os.Getenv})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	used := map[string]bool{}
	for _, a := range cfg.Anomalies {
		used[a.Kind] = true
	}
	for _, k := range planner.Kinds() {
		if k.Category == planner.Quality && !used[k.Name] && !needsTypedTime[k.Name] {
			t.Errorf("examples/quality does not use %s", k.Name)
		}
	}
	shop := &planner.TableProfile{
		Table: planner.TableName{Name: "orders"},
		Columns: []planner.Column{
			{Name: "id", Type: "INTEGER", Class: planner.ClassInteger},
			{Name: "customer_id", Type: "INTEGER", Class: planner.ClassInteger},
			{Name: "created_at", Type: "TEXT", Class: planner.ClassText}, // as the live profile has it
			{Name: "amount", Type: "NUMERIC(10,2)", Class: planner.ClassDecimal},
			{Name: "status", Type: "TEXT", Class: planner.ClassText},
			{Name: "channel", Type: "TEXT", Class: planner.ClassText},
			{Name: "email", Type: "TEXT", Class: planner.ClassText, Nullable: true},
		},
		PrimaryKey: []string{"id"},
		Rows:       300000,
		TimeFormat: planner.TimeFormat{Layout: "2006-01-02 15:04:05"},
	}
	p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: map[string]*planner.TableProfile{"orders": shop},
		Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(p.Changes) != len(cfg.Anomalies) {
		t.Fatalf("the plan has %d changes for %d anomalies", len(p.Changes), len(cfg.Anomalies))
	}
}

var needsTypedTime = map[string]bool{"future_dates": true, "timestamp_shift": true}
