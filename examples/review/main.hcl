# The staging shop the review workflow plans against. Nothing secret is in
# this file: the workflow sets these environment variables from the
# repository's secrets (Settings → Secrets and variables → Actions). The
# defaults let "anomgen validate" run anywhere; without the secrets, plan
# fails to connect.
anomgen {
  workspace = "shop-staging-review"
}

source "postgres" "staging" {
  host         = env("STAGING_PG_HOST", "127.0.0.1")
  port         = env("STAGING_PG_PORT", "5432")
  database     = env("STAGING_PG_DATABASE", "shop")
  username     = env("STAGING_PG_USER", "anomgen")
  password     = env("STAGING_PG_PASSWORD", "")
  tls          = env("STAGING_PG_TLS", "verify-full")
  allow_writes = true
}

target "orders" {
  source      = source.postgres.staging
  table       = "public.orders"
  time_column = "created_at"
  key         = ["id"]
}
