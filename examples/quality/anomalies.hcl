# Completeness: a form change stops sending e-mails for a quarter of the
# orders of the last day.
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.25
  window {
    last = "24h"
  }
}

# Completeness: the mobile app sends "" instead of leaving the field out.
anomaly "empty_values" "blank_emails" {
  target = target.orders
  column = "email"
  volume = 0.2
  window {
    last = "12h"
  }
}

# Distribution: a currency conversion applied twice inflates amounts by 25 %.
anomaly "numeric_shift" "price_bug" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.25
  window {
    last = "24h"
  }
}

# Distribution: a bad import writes a few absurd amounts.
anomaly "outliers" "amount_spikes" {
  target    = target.orders
  column    = "amount"
  volume    = 0.05
  amplitude = 6
  window {
    last = "24h"
  }
}

# Distribution: the spread of amounts doubles, the mean kept.
anomaly "variance_change" "noisy_amounts" {
  target    = target.orders
  column    = "amount"
  amplitude = 1
  window {
    last = "24h"
  }
}

# Validity: one upstream system starts sending cents instead of dollars.
anomaly "unit_change" "cents_not_dollars" {
  target = target.orders
  column = "amount"
  factor = 100
  window {
    last = "6h"
  }
}

# Validity: a cast to integer drops the cents.
anomaly "precision_loss" "whole_dollars" {
  target = target.orders
  column = "amount"
  digits = 0
  mode   = "truncate"
  window {
    last = "24h"
  }
}

# Validity: refunds booked as negative sales.
anomaly "negative_values" "refunds_as_sales" {
  target = target.orders
  column = "amount"
  volume = 0.05
  window {
    last = "24h"
  }
}

# Completeness in disguise: -1 written where the amount is unknown.
anomaly "sentinel_values" "unknown_amount" {
  target = target.orders
  column = "amount"
  volume = 0.1
  window {
    last = "24h"
  }
}

# Validity: a new payment provider reports statuses of its own.
anomaly "invalid_category" "bad_status" {
  target = target.orders
  column = "status"
  values = ["PAYED", "unknown"]
  window {
    last = "24h"
  }
}

# Consistency: one service upper-cases the status.
anomaly "string_case" "shouting_status" {
  target = target.orders
  column = "status"
  case   = "upper"
  volume = 0.3
  window {
    last = "24h"
  }
}

# Validity: hand-typed statuses with a slip of the finger.
anomaly "typos" "misspelt_status" {
  target = target.orders
  column = "status"
  volume = 0.2
  window {
    last = "24h"
  }
}

# Consistency: a CSV export pads the channel with a trailing space.
anomaly "whitespace_padding" "padded_channel" {
  target = target.orders
  column = "channel"
  side   = "trailing"
  volume = 0.2
  window {
    last = "24h"
  }
}

# Validity: a date column written in US layout (channel stands in for a
# text column of dates such as "2026-11-20").
anomaly "date_format" "us_dates" {
  target = target.orders
  column = "channel"
  layout = "01/02/2006"
  window {
    last = "24h"
  }
}

# Validity: a VARCHAR(5) staging column cuts e-mails short.
anomaly "truncation" "cut_emails" {
  target = target.orders
  column = "email"
  length = 5
  window {
    last = "24h"
  }
}

# Validity: an anonymiser rewrites e-mails as "x at y dot z".
anomaly "format_change" "obfuscated_emails" {
  target  = target.orders
  column  = "email"
  replace = { "@" = " at ", "." = " dot " }
  window {
    last = "24h"
  }
}

# Validity: a Latin-1 step garbles non-ASCII e-mails (café → cafÃ©).
anomaly "encoding_corruption" "latin1_emails" {
  target = target.orders
  column = "email"
  volume = 0.2
  window {
    last = "24h"
  }
}

# Consistency: status and channel exchanged on a fifth of the day's orders.
anomaly "swapped_columns" "status_channel_swap" {
  target = target.orders
  column = "status"
  with   = "channel"
  volume = 0.2
  window {
    last = "24h"
  }
}

# Uniqueness: one e-mail reused across a tenth of the day's orders.
anomaly "duplicate_keys" "reused_email" {
  target = target.orders
  column = "email"
  volume = 0.1
  window {
    last = "24h"
  }
}

# Referential integrity: orders of customers that do not exist (e-mail
# refers to customers.email, without a constraint).
anomaly "orphan_references" "unknown_customers" {
  target = target.orders
  column = "email"
  volume = 0.05
  window {
    last = "24h"
  }
}

# Time checks: a share of yesterday's orders dated a year ahead, and all
# of them five hours early (a time-zone bug). created_at is the shop's time
# column; anomgen reads its text values as timestamps.
anomaly "future_dates" "wrong_year" {
  target = target.orders
  column = "created_at"
  volume = 0.05
  by     = "365d"
  window {
    last = "24h"
  }
}

anomaly "timestamp_shift" "utc_bug" {
  target = target.orders
  column = "created_at"
  offset = "-5h"
  window {
    last = "24h"
  }
}
