# Freshness monitors: nothing new since six hours ago, for four hours.
anomaly "stale_data" "loader_stopped" {
  target   = target.orders
  duration = "4h"
  window {
    last = "6h"
  }
}

# Completeness: 30 % of yesterday's rows arrive three hours late.
anomaly "late_arrival" "late_batch" {
  target = target.orders
  volume = 0.3
  delay  = "3h"
  window {
    last = "24h"
  }
}

# Load-lag monitors: loaded_at jumps by two hours for a fifth of the rows.
anomaly "late_arrival" "slow_loader" {
  target = target.orders_loaded
  volume = 0.2
  delay  = "2h"
  window {
    last = "24h"
  }
}

# Volume monitors: a checkout outage, a replayed batch, a lost hour.
anomaly "volume_drop" "checkout_outage" {
  target = target.orders
  volume = 0.8
  window {
    start    = "2026-11-20T12:00:00Z"
    duration = "2h"
  }
}

anomaly "volume_spike" "replayed_batch" {
  target    = target.orders
  amplitude = 1.5
  window {
    start    = "2026-11-21T08:00:00Z"
    duration = "1h"
  }
}

anomaly "missing_partition" "lost_hours" {
  target  = target.orders
  periods = ["2026-11-22T03", "2026-11-22T04"]
}

# Uniqueness monitors: at-least-once delivery duplicated 5 % of a day.
anomaly "duplicate_rows" "double_delivery" {
  target = target.orders
  volume = 0.05
  window {
    start    = "2026-11-23T00:00:00Z"
    duration = "24h"
  }
}

# Distribution monitors: a frozen status feed.
anomaly "stuck_values" "frozen_status" {
  target = target.orders
  column = "status"
  window {
    start    = "2026-11-24T00:00:00Z"
    duration = "12h"
  }
}

# Schema-change monitors: one of each.
anomaly "schema_add_column" "new_field" {
  target  = target.orders
  name    = "coupon_code"
  type    = "varchar(40)"
  default = "NONE"
}

anomaly "schema_drop_column" "lost_field" {
  target = target.orders
  column = "channel"
}

anomaly "schema_rename_column" "renamed_field" {
  target   = target.orders
  column   = "email"
  new_name = "customer_email"
}

anomaly "schema_change_type" "amount_as_text" {
  target   = target.orders
  column   = "amount"
  new_type = "text"
}
