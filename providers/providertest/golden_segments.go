package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
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
	goldenScenario(t, d, "segments_", goldenSegmentsScenario, goldenSegmentsProfile(), 4)
}
