package examples

import (
	"os"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// shopProfile is the demo shop's orders table as the SQLite inspector
// describes it (created_at, stored as text, is the time column).
func shopProfile() *planner.TableProfile {
	return &planner.TableProfile{
		Table: planner.TableName{Name: "orders"},
		Columns: []planner.Column{
			{Name: "id", Type: "INTEGER", Class: planner.ClassInteger},
			{Name: "customer_id", Type: "INTEGER", Class: planner.ClassInteger},
			{Name: "created_at", Type: "TEXT", Class: planner.ClassTime},
			{Name: "amount", Type: "NUMERIC(10,2)", Class: planner.ClassDecimal},
			{Name: "status", Type: "TEXT", Class: planner.ClassText},
			{Name: "channel", Type: "TEXT", Class: planner.ClassText},
			{Name: "email", Type: "TEXT", Class: planner.ClassText, Nullable: true},
		},
		PrimaryKey: []string{"id"},
		Rows:       300000,
		TimeFormat: planner.TimeFormat{Layout: "2006-01-02 15:04:05"},
	}
}

// TestCategoryExamplesCoverTheCatalog checks that examples/quality and
// examples/business use every kind of their category and plan, each block
// to one change, against the demo shop's orders table.
func TestCategoryExamplesCoverTheCatalog(t *testing.T) {
	for dir, category := range map[string]planner.Category{"quality": planner.Quality, "business": planner.Business} {
		t.Run(dir, func(t *testing.T) {
			cfg, diags := config.Load(dir, config.Options{Getenv: os.Getenv})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			used := map[string]bool{}
			for _, a := range cfg.Anomalies {
				used[a.Kind] = true
			}
			for _, k := range planner.Kinds() {
				if k.Category == category && !used[k.Name] {
					t.Errorf("examples/%s does not use %s", dir, k.Name)
				}
			}
			p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: map[string]*planner.TableProfile{"orders": shopProfile()},
				Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if len(p.Changes) != len(cfg.Anomalies) {
				t.Fatalf("the plan has %d changes for %d anomalies", len(p.Changes), len(cfg.Anomalies))
			}
		})
	}
}
