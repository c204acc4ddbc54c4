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

// goldenBusinessScenario has one block per business kind over the golden
// profile, with absolute windows and fixed seeds, plus the variants the
// catalog examples do not reach: trend_change on an integer column in a
// segment, seasonality_break by hours with copies (factor above 1) and by
// weekdays with deletes, and flatten_weekend in a segment.
const goldenBusinessScenario = `source "postgres" "db" {
  database = "shop"
}
target "orders" {
  source      = source.postgres.db
  table       = "shop.orders"
  time_column = "created_at"
}
anomaly "level_shift" "segment" {
  target    = target.orders
  column    = "amount"
  amplitude = -0.3
  seed      = 42
  segment {
    column = "channel"
    values = ["mobile", "web"]
  }
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "trend_change" "integer" {
  target    = target.orders
  column    = "qty"
  amplitude = 0.5
  segment {
    column = "status"
    values = ["paid"]
  }
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "seasonality_break" "night_copies" {
  target = target.orders
  hours  = [23, 0, 1]
  factor = 2.5
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "2d"
  }
}
anomaly "seasonality_break" "weekend_drop" {
  target   = target.orders
  weekdays = ["sat", "sun"]
  factor   = 0.4
  seed     = 42
  window {
    start    = "2026-11-01T12:00:00Z"
    duration = "14d"
  }
}
anomaly "seasonality_break" "flatten" {
  target          = target.orders
  flatten_weekend = true
  seed            = 42
  segment {
    column = "channel"
    values = ["web"]
  }
  window {
    start    = "2026-11-02T00:00:00Z"
    duration = "14d"
  }
}
anomaly "category_mix_shift" "status" {
  target = target.orders
  column = "status"
  from   = "paid"
  to     = "refunded"
  volume = 0.2
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "segment_spike" "status" {
  target    = target.orders
  amplitude = 1.5
  seed      = 42
  segment {
    column = "status"
    values = ["refunded"]
  }
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "segment_drop" "status" {
  target = target.orders
  segment {
    column = "status"
    values = ["cancelled"]
  }
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
`

// GoldenBusiness renders the statements of goldenBusinessScenario with
// dialect d and compares them with testdata/business_<address>.golden,
// like GoldenRows.
func GoldenBusiness(t *testing.T, d sqlgen.Dialect) {
	t.Helper()
	cfg, diags := config.LoadFiles("/golden", map[string][]byte{"/golden/main.hcl": []byte(goldenBusinessScenario)}, config.Options{Getenv: func(string) string { return "" }})
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
			path := filepath.Join("testdata", "business_"+strings.ReplaceAll(ch.Address, ".", "_")+".golden")
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
