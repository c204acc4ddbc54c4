# Pipeline-reliability and schema-drift scenarios for a PostgreSQL shop:
# every Catalog I kind once. Credentials come from the environment.
#   export SHOP_PASSWORD=...
#   anomgen -chdir examples/pipeline plan
source "postgres" "shop" {
  host         = env("SHOP_HOST", "127.0.0.1")
  database     = env("SHOP_DATABASE", "shop")
  username     = env("SHOP_USER", "anomgen")
  password     = env("SHOP_PASSWORD", "")
  tls          = "disable"
  allow_writes = true
}

target "orders" {
  source      = source.postgres.shop
  table       = "public.orders"
  time_column = "created_at"
}

# The same table seen through its loader's timestamp: late_arrival pushes
# loaded_at forward instead of hiding rows.
target "orders_loaded" {
  source           = source.postgres.shop
  table            = "public.orders"
  time_column      = "created_at"
  load_time_column = "loaded_at"
}
