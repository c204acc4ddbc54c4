package main

import (
	"database/sql"
	"fmt"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// A schema change on MySQL/MariaDB commits step by step: the journal and
// the status changing together, then the DDL, then the status applied. A
// run killed after the journal committed, before or after the DDL, leaves
// a changing journal: plan and apply stop, and rollback puts the table
// back, the dropped column in its place.
func TestCrashMySQLSchemaChange(t *testing.T) {
	for _, point := range []string{"schema-journaled", "schema-changed"} {
		t.Run(point, func(t *testing.T) {
			bin := anomgenBinary(t)
			m := providertest.NewMySQL(t)
			execSQL(t, m.DB,
				"CREATE TABLE orders (id BIGINT PRIMARY KEY, channel VARCHAR(20) DEFAULT 'web', amount DECIMAL(10,2) NOT NULL, created_at DATETIME NOT NULL)",
				`INSERT INTO orders SELECT seq, CASE WHEN seq % 7 = 0 THEN NULL ELSE CONCAT('app', seq % 3) END, seq / 4,
					TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq * 10 SECOND FROM seq_1_to_20000`)
			dir := t.TempDir()
			writeFile(t, dir, "main.hcl", fmt.Sprintf("source \"mysql\" \"crash\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal)+`
target "orders" {
  source = source.mysql.crash
  table  = "orders"
}
anomaly "schema_drop_column" "lost" {
  target = target.orders
  column = "channel"
}
`)
			sum := func() string {
				return providertest.Checksum(t, m.DB, "SELECT id, channel, amount, created_at FROM orders ORDER BY id")
			}
			create := func() string {
				var name, ddl string
				if err := m.DB.QueryRow("SHOW CREATE TABLE orders").Scan(&name, &ddl); err != nil {
					t.Fatal(err)
				}
				return ddl
			}
			before, ddl := sum(), create()

			p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK="+point)
			p.killAfter(t, p.stderr, "anomgen-test-hook: "+point, 1, 0, false)

			js := mysqlJournals(t, m)
			if len(js) != 1 {
				t.Fatalf("want one catalog entry, got %v", js)
			}
			for _, status := range js {
				if status != "changing" {
					t.Fatalf("catalog status %q, want changing", status)
				}
			}
			var n int
			if err := m.DB.QueryRow("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'channel'").Scan(&n); err != nil && err != sql.ErrNoRows {
				t.Fatal(err)
			}
			if dropped := n == 0; dropped != (point == "schema-changed") {
				t.Fatalf("killed at %s, channel dropped = %v", point, dropped)
			}
			r := cli(t, dir, "plan")
			if r.code == 0 {
				t.Fatalf("plan must stop on a changing journal:\n%s", r)
			}
			wantAll(t, r, r.stdout+r.stderr, "Unfinished journal", "changing", "anomgen rollback anomaly.schema_drop_column.lost")
			mustOK(t, cli(t, dir, "rollback", "-auto-approve", "anomaly.schema_drop_column.lost"))
			if js := mysqlJournals(t, m); len(js) != 0 {
				t.Fatalf("rollback left catalog entries %v", js)
			}
			if got := sum(); got != before {
				t.Fatalf("after the recovering rollback the checksum is %s, want %s", got, before)
			}
			if got := create(); got != ddl {
				t.Fatalf("after the recovering rollback the table is\n%s\nwant\n%s", got, ddl)
			}
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			if got, gotDDL := sum(), create(); got != before || gotDDL != ddl {
				t.Fatalf("apply and rollback after recovery: %s, want %s; table\n%s", got, before, gotDDL)
			}
		})
	}
}
