# Freshness and volume monitors should flag the last six hours.
anomaly "volume_drop" "checkout_outage" {
  target = target.orders
  volume = 0.8
  window {
    last = "6h"
  }
}

# A completeness check on email should fire for yesterday.
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  window {
    last = "1d"
  }
  seed = 7
}

# A distribution monitor on amount should see the mean jump by 40 %.
anomaly "numeric_shift" "price_bug" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.4
  window {
    last = "1d"
  }
}
