package main

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// Tables with types that have no equality operator (json, point, xml) or
// unusual text forms still roll back byte for byte, and identity and
// generated columns come back as they were.
func TestPostgresUnusualTypesRollBack(t *testing.T) {
	p := providertest.NewPostgres(t)
	execSQL(t, p.DB,
		`CREATE TABLE things (
			id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			doc json, docb jsonb, pt point, x xml, tags text[], blob bytea, u uuid, span interval,
			price numeric(12,3), total numeric GENERATED ALWAYS AS (price * 2) STORED,
			created_at timestamptz NOT NULL)`,
		`INSERT INTO things (doc, docb, pt, x, tags, blob, u, span, price, created_at)
		 SELECT json_build_object('i', i, 'k', 'v' || i), jsonb_build_object('i', i), point(i, -i),
		        xmlparse(content '<a>' || i || '</a>'), ARRAY['t' || i, 'u'], decode(md5(i::text), 'hex'),
		        md5(i::text)::uuid, i * interval '1 minute', i * 1.125, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute'
		 FROM generate_series(1, 3000) i`,
	)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", pgSource(p, "shop", true)+`
target "things" {
  source      = source.postgres.shop
  table       = "things"
  time_column = "created_at"
}
anomaly "volume_drop" "gone" {
  target = target.things
  volume = 0.5
`+window10h+`}
anomaly "null_rate" "docs" {
  target = target.things
  column = "doc"
  volume = 0.5
`+window10h+`}
anomaly "numeric_shift" "prices" {
  target = target.things
  column = "price"
  amplitude = 0.1
`+window10h+`}
`)
	sum := func() string { return providertest.Checksum(t, p.DB, "SELECT * FROM things ORDER BY id") }
	before := sum()
	r := mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	if sum() == before {
		t.Fatalf("apply changed nothing:\n%s", r)
	}
	if got := queryInt(t, p.DB, "SELECT COUNT(*) FROM things WHERE total IS DISTINCT FROM price * 2"); got != 0 {
		t.Fatalf("%d rows whose generated column disagrees with its source", got)
	}
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if got := sum(); got != before {
		t.Fatalf("after rollback %s, want %s", got, before)
	}
	// New rows still get fresh identity values after the restore.
	execSQL(t, p.DB, "INSERT INTO things (created_at) VALUES (now())")
	if got := queryInt(t, p.DB, "SELECT max(id) FROM things"); got != 3001 {
		t.Fatalf("next identity value %d, want 3001", got)
	}
}
