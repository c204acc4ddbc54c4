# Recurring anomalies for `anomgen daemon` (or `anomgen daemon -once` from
# cron): each occurrence is planned at its fire time, its window the hours
# before it, and reverted when its duration ends. `anomgen schedule` lists
# the next occurrences without a database.

# Every 6 hours (00:00, 06:00, 12:00, 18:00 UTC), for 2 hours, a third of
# the orders of the 6 hours before lose their email.
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  seed   = 7
  window {
    last = "6h"
  }
  schedule {
    every    = "6h"
    duration = "2h"
  }
}

# Every day at 00:00 UTC, for 4 hours, the amounts of the day before rise
# by about 25 %.
anomaly "numeric_shift" "amount_inflation" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.25
  seed      = 11
  window {
    last = "24h"
  }
  schedule {
    every    = "24h"
    duration = "4h"
  }
}

# Every day at 00:00 UTC, for 1 hour, the orders feed stalls: the orders of
# the hour before are hidden, and so is every order that arrives while it
# lasts (the daemon sweeps them into the journal every -sweep, and at each
# -once run). When the hour is over, all of them come back.
anomaly "stale_data" "feed_stalled" {
  target = target.orders
  window {
    last = "1h"
  }
  schedule {
    every    = "24h"
    duration = "1h"
  }
}
