package providertest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// goldenNumScenario has the numeric-kind variants the catalog examples of
// Golden do not reach: numeric_shift with offset, and the window-statistic
// expressions on integer and float columns.
const goldenNumScenario = `source "postgres" "db" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.db
  table       = "shop.orders"
  time_column = "created_at"
}
anomaly "numeric_shift" "offset_amount" {
  target = target.orders
  column = "amount"
  offset = -2.5
}
anomaly "numeric_shift" "offset_qty" {
  target = target.orders
  column = "qty"
  offset = 3
}
anomaly "outliers" "qty" {
  target = target.orders
  column = "qty"
  seed   = 42
}
anomaly "outliers" "score" {
  target    = target.orders
  column    = "score"
  amplitude = 4.5
  seed      = 42
}
anomaly "variance_change" "qty" {
  target    = target.orders
  column    = "qty"
  amplitude = -0.5
}
anomaly "date_format" "epoch" {
  target      = target.orders
  column      = "status"
  from_layout = "2006-01-02 15:04:05"
  layout      = "epoch"
}
anomaly "date_format" "european" {
  target      = target.orders
  column      = "email"
  from_layout = "2006-01-02T15:04:05"
  layout      = "02.01.2006 15:04"
}
anomaly "precision_loss" "score" {
  target = target.orders
  column = "score"
  digits = 1
}
`

// GoldenNum renders the statements of goldenNumScenario with dialect d and
// compares them with testdata/num_<address>.golden, like Golden.
func GoldenNum(t *testing.T, d sqlgen.Dialect) {
	cfg, diags := config.LoadFiles("/golden", map[string][]byte{"/golden/main.hcl": []byte(goldenNumScenario)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatalf("golden scenario: %s", diags.Error())
	}
	p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: map[string]*planner.TableProfile{"orders": GoldenProfile()},
		Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if diags.HasErrors() {
		t.Fatalf("golden plan: %s", diags.Error())
	}
	if len(p.Changes) != 8 {
		t.Fatalf("golden plan has %d changes, want 8", len(p.Changes))
	}
	for _, ch := range p.Changes {
		t.Run(ch.Address, func(t *testing.T) {
			got := renderGolden(t, d, ch)
			path := filepath.Join("testdata", "num_"+strings.ReplaceAll(ch.Address, ".", "_")+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
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
				t.Errorf("SQL for %s differs from %s (run with -update and review the diff):\n%s", ch.Address, path, diffLines(string(want), got))
			}
		})
	}
}
