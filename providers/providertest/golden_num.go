package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// goldenNumScenario has the numeric-kind variants the catalog examples of
// Golden do not reach: numeric_shift with offset, and the window-statistic
// expressions on integer and float columns, with and without
// allow_negative.
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
anomaly "outliers" "signed" {
  target         = target.orders
  column         = "amount"
  allow_negative = true
  seed           = 42
}
anomaly "variance_change" "amount" {
  target = target.orders
  column = "amount"
}
anomaly "variance_change" "signed" {
  target         = target.orders
  column         = "amount"
  allow_negative = true
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
	goldenScenario(t, d, "num_", goldenNumScenario, map[string]*planner.TableProfile{"orders": GoldenProfile()}, 11)
}
