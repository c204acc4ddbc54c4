# What the data-quality checks on staging must catch this week. Change
# these in a pull request: the review workflow posts the plan as a comment,
# and applies exactly that plan when the pull request is merged.

# The completeness check on email should fire for the last two days.
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  window {
    last = "2d"
  }
  seed = 7
}

# The distribution monitor on amount should see the mean jump by 40 %.
anomaly "numeric_shift" "price_bug" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.4
  volume    = 0.5
  window {
    last = "2d"
  }
  seed = 11
}
