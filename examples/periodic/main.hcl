# The demo shop (`anomgen demo -seed-only` writes anomgen-demo/shop.db; copy
# these files next to it), opted in to the daemon: `anomgen daemon` changes
# only sources with both allow_writes and daemon set.
source "sqlite" "shop" {
  path         = "shop.db"
  allow_writes = true
  daemon       = true
}

target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
