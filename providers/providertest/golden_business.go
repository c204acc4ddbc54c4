package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
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
	goldenScenario(t, d, "business_", goldenBusinessScenario, map[string]*planner.TableProfile{"orders": GoldenProfile()}, 8)
}
