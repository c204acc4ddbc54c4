package providertest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// goldenNow is the fixed clock of every golden plan.
var goldenNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// planGolden loads a scenario and plans it against fixed profiles; it
// fails unless the plan has want changes.
func planGolden(t *testing.T, scenario string, profiles map[string]*planner.TableProfile, want int) *planner.Plan {
	t.Helper()
	p := planScenario(t, "golden", scenario, profiles)
	if len(p.Changes) != want {
		t.Fatalf("golden plan has %d changes, want %d", len(p.Changes), want)
	}
	return p
}

// planScenario loads a scenario and plans it against fixed profiles at
// goldenNow; what starts the message of a failure ("<what> scenario: ...",
// "<what> plan: ...").
func planScenario(t *testing.T, what, scenario string, profiles map[string]*planner.TableProfile) *planner.Plan {
	t.Helper()
	cfg, diags := config.LoadFiles("/golden", map[string][]byte{"/golden/main.hcl": []byte(scenario)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatalf("%s scenario: %s", what, diags.Error())
	}
	p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: profiles, Now: goldenNow})
	if diags.HasErrors() {
		t.Fatalf("%s plan: %s", what, diags.Error())
	}
	return p
}

// goldenScenario renders every change of a scenario with dialect d and
// compares it with testdata/<prefix><address>.golden.
func goldenScenario(t *testing.T, d sqlgen.Dialect, prefix, scenario string, profiles map[string]*planner.TableProfile, want int) {
	t.Helper()
	for _, ch := range planGolden(t, scenario, profiles, want).Changes {
		t.Run(ch.Address, func(t *testing.T) {
			compareGolden(t, ch.Address, goldenPath(prefix, ch.Address), renderGolden(t, d, ch))
		})
	}
}

// compareGolden checks got against the golden file at path, or rewrites the
// file with -update. what names the rendered thing in a failure.
func compareGolden(t *testing.T, what, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("SQL for %s differs from %s (run with -update and review the diff):\n%s", what, path, DiffLines(string(want), got))
	}
}
