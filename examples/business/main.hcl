# Business-insight scenarios over the demo shop (anomgen demo writes it to
# ./anomgen-demo/shop.db; examples/quickstart makes the same table): every
# business kind once, for revenue, mix and volume monitors.
#   anomgen demo
#   cp anomgen-demo/shop.db examples/quickstart/shop.db
#   anomgen -chdir examples/business plan
source "sqlite" "shop" {
  path         = "../quickstart/shop.db"
  allow_writes = true
}

target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
