# A PostgreSQL shop. Credentials come from the environment, never from this file:
#   export SHOP_PASSWORD=...
#   anomgen -chdir examples/postgres plan
variable "database" {
  default     = "shop"
  description = "database holding public.orders"
}

source "postgres" "shop" {
  host         = env("SHOP_HOST", "127.0.0.1")
  port         = 5432
  database     = var.database
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
