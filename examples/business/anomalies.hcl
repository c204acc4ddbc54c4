# Revenue monitors: mobile revenue drops 30 % from two days ago on (an app
# release broke the checkout for a third of the users).
anomaly "level_shift" "mobile_revenue_drop" {
  target    = target.orders
  column    = "amount"
  amplitude = -0.3
  segment {
    column = "channel"
    values = ["mobile"]
  }
  window {
    last = "48h"
  }
}

# Trend monitors: web order values creep up over three days, +40 % by the
# end (a discount that silently stopped applying).
anomaly "trend_change" "web_prices_creep" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.4
  segment {
    column = "channel"
    values = ["web"]
  }
  window {
    last = "72h"
  }
}

# Seasonality monitors: the weekends of the last two weeks lose 70 % of
# their orders, and the evening peak (18:00 to 20:59 UTC) doubles.
anomaly "seasonality_break" "quiet_weekends" {
  target   = target.orders
  weekdays = ["sat", "sun"]
  factor   = 0.3
  window {
    last = "14d"
  }
}

anomaly "seasonality_break" "evening_rush" {
  target = target.orders
  hours  = [18, 19, 20]
  factor = 2
  window {
    last = "7d"
  }
}

# Mix monitors: half of yesterday's web orders are booked as store orders
# (a point-of-sale integration that mislabels its source).
anomaly "category_mix_shift" "web_booked_as_store" {
  target = target.orders
  column = "channel"
  from   = "web"
  to     = "store"
  volume = 0.5
  window {
    last = "24h"
  }
}

# Segment volume monitors: refunds double (a fraud wave), and the store
# channel stops reporting for the last 12 hours.
anomaly "segment_spike" "refund_wave" {
  target    = target.orders
  amplitude = 1
  segment {
    column = "status"
    values = ["refunded"]
  }
  window {
    last = "24h"
  }
}

anomaly "segment_drop" "store_offline" {
  target = target.orders
  segment {
    column = "channel"
    values = ["store"]
  }
  window {
    last = "12h"
  }
}
