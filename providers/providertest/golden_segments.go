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

// goldenSegmentsScenario has a segmented null_rate (two segments, one on
// a numeric column) and one anomaly per selection mechanism.
const goldenSegmentsScenario = `source "postgres" "db" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.db
  table       = "shop.orders"
  time_column = "created_at"
}
anomaly "null_rate" "segmented" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 42
  segment {
    column = "channel"
    values = ["web", "mobile"]
  }
  segment {
    column = "customer_id"
    values = ["7", "11"]
  }
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "null_rate" "conditional" {
  target    = target.orders
  column    = "email"
  volume    = 0.3
  seed      = 42
  mechanism = "conditional"
  condition {
    column = "channel"
    values = ["mobile"]
  }
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "numeric_shift" "value_high" {
  target    = target.orders
  column    = "amount"
  volume    = 0.2
  amplitude = 0.5
  seed      = 42
  mechanism = "value_dependent"
  bias      = "high"
  segment {
    column = "channel"
    values = ["web"]
  }
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "null_rate" "value_low" {
  target    = target.orders
  column    = "amount"
  volume    = 0.25
  seed      = 42
  mechanism = "value_dependent"
  bias      = "low"
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
`

// goldenSegmentsProfile is the demo shop's orders table.
func goldenSegmentsProfile() map[string]*planner.TableProfile {
	return map[string]*planner.TableProfile{"orders": {
		Table: planner.TableName{Schema: "shop", Name: "orders"},
		Columns: []planner.Column{
			{Name: "id", Type: "bigint", Class: planner.ClassInteger},
			{Name: "customer_id", Type: "bigint", Class: planner.ClassInteger},
			{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
			{Name: "amount", Type: "numeric(10,2)", Class: planner.ClassDecimal, Nullable: true},
			{Name: "status", Type: "text", Class: planner.ClassText, Nullable: true},
			{Name: "channel", Type: "text", Class: planner.ClassText, Nullable: true},
			{Name: "email", Type: "text", Class: planner.ClassText, Nullable: true},
		},
		PrimaryKey: []string{"id"}, Rows: 100000,
	}}
}

// GoldenSegments renders the statements of goldenSegmentsScenario with
// dialect d and compares them with testdata/segments_<address>.golden,
// like Golden.
func GoldenSegments(t *testing.T, d sqlgen.Dialect) {
	cfg, diags := config.LoadFiles("/golden", map[string][]byte{"/golden/main.hcl": []byte(goldenSegmentsScenario)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatalf("golden scenario: %s", diags.Error())
	}
	p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: goldenSegmentsProfile(),
		Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)})
	if diags.HasErrors() {
		t.Fatalf("golden plan: %s", diags.Error())
	}
	if len(p.Changes) != 4 {
		t.Fatalf("golden plan has %d changes, want 4", len(p.Changes))
	}
	for _, ch := range p.Changes {
		t.Run(ch.Address, func(t *testing.T) {
			got := renderGolden(t, d, ch)
			path := filepath.Join("testdata", "segments_"+strings.ReplaceAll(ch.Address, ".", "_")+".golden")
			if *update {
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
