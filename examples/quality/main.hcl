# Data-quality scenarios over the demo shop (anomgen demo writes it to
# ./anomgen-demo/shop.db; examples/quickstart makes the same table): every
# quality kind at least once, for validity, completeness, consistency and
# distribution monitors.
#   anomgen demo
#   cp anomgen-demo/shop.db examples/quickstart/shop.db
#   anomgen -chdir examples/quality plan
source "sqlite" "shop" {
  path         = "../quickstart/shop.db"
  allow_writes = true
}

target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
