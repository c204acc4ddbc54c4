# A monitor should see the share of orders without an email jump from
# under 1 % to about 30 % over the last 7 days.
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  window {
    last = "7d"
  }
  seed = 7
}

# A monitor should see the average order amount rise by about 25 % over the
# last 7 days, while the order count stays normal.
anomaly "numeric_shift" "amount_inflation" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.25
  window {
    last = "7d"
  }
  seed = 11
}

# A monitor should see daily order counts fall by about 60 % over the last
# 3 days, as if part of the checkout were down.
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.6
  window {
    last = "3d"
  }
  seed = 3
}
