package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/examples/quickstart"
	"github.com/anomgen/anomgen/providers/providertest"
)

// uncommentAll turns the commented-out suggestions of anomalies.hcl into
// live blocks.
func uncommentAll(t *testing.T, from, to string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(from, "anomalies.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "# "); ok && (strings.HasPrefix(rest, "anomaly ") || strings.HasPrefix(rest, "  ") || rest == "}") {
			if strings.HasPrefix(rest, "anomaly ") {
				n++
			}
			out = append(out, rest)
		}
	}
	writeFile(t, to, "anomalies.hcl", strings.Join(out, "\n")+"\n")
	main, err := os.ReadFile(filepath.Join(from, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, "main.hcl", string(main))
	return n
}

// TestInspectAndInitSQLite scaffolds the demo shop: inspect lists both
// tables with keys, the foreign key and time columns; init writes files
// that validate and plan nothing, and whose suggestions, uncommented,
// validate and plan too.
func TestInspectAndInitSQLite(t *testing.T) {
	dir := t.TempDir()
	s := providertest.NewSQLite(t)
	if _, err := quickstart.Generate(context.Background(), s.DB, quickstart.Options{Days: 10, OrdersPerDay: 50, Customers: 200, Now: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "main.hcl", fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path = %q\n}\n", s.Path))

	r := mustOK(t, cli(t, dir, "inspect", "shop"))
	wantAll(t, r, r.stdout, "customers", "orders", "customer_id INTEGER not null, → customers(id)", "created_at TEXT not null, time column candidate", "id INTEGER not null, primary key")
	r = mustOK(t, cli(t, dir, "inspect", "source.sqlite.shop", "-json"))
	var tables []inspectedTable
	if err := json.Unmarshal([]byte(r.stdout), &tables); err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 || tables[1].Table.Name != "orders" || strings.Join(tables[1].TimeColumns, ",") != "created_at" || len(tables[1].ForeignKeys) != 1 {
		t.Errorf("inspect -json: %+v", tables)
	}

	out := filepath.Join(dir, "scaf")
	mustOK(t, cli(t, dir, "init", "-from", "shop", "-out", "scaf"))
	main, _ := os.ReadFile(filepath.Join(out, "main.hcl"))
	wantAll(t, result{}, string(main), `path = "../`, `target "orders"`, `time_column = "created_at"`, `key = ["id"]`)
	r = mustOK(t, cli(t, out, "validate"))
	wantAll(t, r, r.stdout, "1 source, 2 targets, 0 anomalies")
	r = mustOK(t, cli(t, out, "plan"))
	wantAll(t, r, r.stdout, "No changes")
	if r := cli(t, dir, "init", "-from", "shop", "-out", "scaf"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("init overwrote its files:\n%s", r)
	}

	live := filepath.Join(dir, "live")
	if err := os.MkdirAll(live, 0o755); err != nil {
		t.Fatal(err)
	}
	n := uncommentAll(t, out, live)
	// The live copy sits beside scaf, so the relative path still holds.
	r = mustOK(t, cli(t, live, "validate"))
	wantAll(t, r, r.stdout, fmt.Sprintf("%d anomalies", n))
	mustOK(t, cli(t, live, "plan"))

	mustOK(t, cli(t, dir, "init", "-from", "shop", "-tables", "orders", "-out", "only"))
	main, _ = os.ReadFile(filepath.Join(dir, "only", "main.hcl"))
	if strings.Contains(string(main), "customers") {
		t.Errorf("-tables orders wrote other targets:\n%s", main)
	}
}

// TestInspectAndInitPostgres scaffolds a schema of several tables of mixed
// types: the password becomes an env() reference, a table without a key is
// skipped, and the files validate and plan nothing (and everything, once
// uncommented).
func TestInspectAndInitPostgres(t *testing.T) {
	pg := providertest.NewPostgres(t)
	execSQL(t, pg.DB,
		`CREATE SCHEMA sales`,
		`CREATE TABLE sales.customers (id serial PRIMARY KEY, email text UNIQUE, country char(2) NOT NULL DEFAULT 'US', created date NOT NULL)`,
		`CREATE TABLE sales.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int NOT NULL REFERENCES sales.customers(id),
		   created_at timestamptz NOT NULL DEFAULT now(), amount numeric(10,2), qty int, score double precision, status text NOT NULL,
		   paid boolean, meta jsonb, ref uuid, loaded_at text)`,
		`CREATE TABLE sales.order_lines (order_id bigint REFERENCES sales.orders(id), line int, sku varchar(20), price numeric(8,2), PRIMARY KEY (order_id, line))`,
		`CREATE TABLE public.audit (at timestamp, msg text)`,
		`INSERT INTO sales.customers (email, country, created) SELECT 'c'||i||'@x.io', CASE WHEN i%3=0 THEN 'DE' ELSE 'US' END, date '2026-01-01' + (i%30) FROM generate_series(1,300) i`,
		`INSERT INTO sales.orders (customer_id, created_at, amount, qty, score, status, paid, meta, loaded_at)
		   SELECT 1+i%300, now() - i * interval '17 minutes', (i%500)/3.0, i%7, i/7.0, (ARRAY['paid','new','void'])[1+i%3], i%2=0, '{"a":1}',
		   to_char(timestamp '2026-03-01' + i * interval '17 minutes', 'YYYY-MM-DD HH24:MI:SS') FROM generate_series(1,2000) i`,
		`INSERT INTO sales.order_lines SELECT id, 1, 'SKU-'||(id%90), 9.99 FROM sales.orders`,
	)
	dir := t.TempDir()
	t.Setenv("ANOMGEN_TEST_SHOP_PW", "s3cret-pw-value")
	src := pgSource(pg, "shop", false)
	src = strings.Replace(src, "}\n", "  password = env(\"ANOMGEN_TEST_SHOP_PW\")\n}\n", 1)
	writeFile(t, dir, "main.hcl", src)

	r := mustOK(t, cli(t, dir, "inspect", "shop", "-schema", "sales"))
	wantAll(t, r, r.stdout, "schema sales", "order_lines", "customer_id", "→ sales.customers(id)", "identity", "default now(), time column candidate", "loaded_at", "rows")
	wantNone(t, r, r.stdout, "audit")
	r = mustOK(t, cli(t, dir, "inspect", "shop"))
	wantAll(t, r, r.stdout, "audit", "no primary key")

	r = mustOK(t, cli(t, dir, "init", "-from", "shop", "-out", "scaf"))
	wantAll(t, r, r.stdout, "skipped public.audit", "Set SHOP_PASSWORD")
	out := filepath.Join(dir, "scaf")
	main, _ := os.ReadFile(filepath.Join(out, "main.hcl"))
	anoms, _ := os.ReadFile(filepath.Join(out, "anomalies.hcl"))
	if strings.Contains(string(main), "s3cret") || !strings.Contains(norm(string(main)), `password = env("SHOP_PASSWORD")`) {
		t.Fatalf("credentials in main.hcl:\n%s", main)
	}
	wantAll(t, result{}, string(main), `table = "sales.orders"`, `time_column = "created_at"`, `key = ["order_id", "line"]`)
	if !regexp.MustCompile(`# anomaly "null_rate" "orders_amount_null_rate"`).Match(anoms) {
		t.Errorf("no suggestion for orders.amount:\n%s", anoms)
	}
	if r := cli(t, out, "validate"); r.code == 0 {
		t.Errorf("validated without SHOP_PASSWORD:\n%s", r)
	}
	t.Setenv("SHOP_PASSWORD", "anything") // trust authentication ignores it
	r = mustOK(t, cli(t, out, "validate"))
	wantAll(t, r, r.stdout, "1 source, 3 targets, 0 anomalies")
	r = mustOK(t, cli(t, out, "plan"))
	wantAll(t, r, r.stdout, "No changes")

	live := filepath.Join(dir, "live")
	if err := os.MkdirAll(live, 0o755); err != nil {
		t.Fatal(err)
	}
	n := uncommentAll(t, out, live)
	r = mustOK(t, cli(t, live, "plan"))
	// Each suggestion plans: created, or (a window without rows of its
	// category, values already as the kind would leave them) shown as
	// nothing to change, with the reason.
	created, nothing := strings.Count(r.stdout, "will be created"), strings.Count(r.stdout, "): nothing to change: ")
	if created+nothing != n || created < 10 {
		t.Errorf("%d of %d suggestions planned, %d with nothing to change:\n%s", created, n, nothing, r)
	}
}
