package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// On MySQL/MariaDB, CREATE TABLE commits by itself, so a journal goes
// through a pending catalog entry before its data transaction and a
// restored one after its rollback commits. A run killed in either gap must
// leave the table consistent, make plan and apply stop with the way out,
// and let rollback finish the journal.

func mysqlCrashDB(t *testing.T) (*providertest.MySQL, string) {
	t.Helper()
	m := providertest.NewMySQL(t)
	execSQL(t, m.DB,
		"CREATE TABLE orders (id BIGINT PRIMARY KEY, email VARCHAR(255), created_at DATETIME NOT NULL)",
		`INSERT INTO orders SELECT seq, CASE WHEN seq % 50 = 0 THEN NULL ELSE CONCAT('user', seq, '@example.com') END,
			TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq * 10 SECOND FROM seq_1_to_20000`)
	dir := t.TempDir()
	src := fmt.Sprintf("source \"mysql\" \"crash\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal)
	writeFile(t, dir, "main.hcl", src+`
target "orders" {
  source      = source.mysql.crash
  table       = "orders"
  time_column = "created_at"
}
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.5
  seed   = 7
  window {
    start    = "2026-01-01T06:00:00Z"
    duration = "24h"
  }
}
`)
	return m, dir
}

func mysqlJournals(t *testing.T, m *providertest.MySQL) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := m.DB.Query(fmt.Sprintf("SELECT id, status FROM `%s`.journals", m.Journal))
	if err != nil {
		return out // no catalog yet
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			t.Fatal(err)
		}
		out[id] = status
	}
	return out
}

func TestCrashMySQLPendingJournal(t *testing.T) {
	bin := anomgenBinary(t)
	m, dir := mysqlCrashDB(t)
	sum := func() string { return providertest.Checksum(t, m.DB, "SELECT * FROM orders ORDER BY id") }
	before := sum()

	p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK=before-commit")
	p.killAfter(t, p.stderr, "anomgen-test-hook: before-commit", 1, 0, false)

	if got := sum(); got != before {
		t.Fatalf("a run killed before its data transaction committed changed the table: %s → %s", before, got)
	}
	js := mysqlJournals(t, m)
	if len(js) != 1 {
		t.Fatalf("want one pending catalog entry, got %v", js)
	}
	for _, status := range js {
		if status != "pending" {
			t.Fatalf("catalog status %q, want pending", status)
		}
	}
	r := cli(t, dir, "plan")
	if r.code == 0 {
		t.Fatalf("plan must stop on a pending journal:\n%s", r)
	}
	wantAll(t, r, r.stdout+r.stderr, "Unfinished journal", "pending", "anomgen rollback anomaly.null_rate.email_nulls")
	r = cli(t, dir, "apply", "-auto-approve")
	if r.code == 0 || !strings.Contains(r.stderr, "Unfinished journal") {
		t.Fatalf("apply must stop on a pending journal too:\n%s", r)
	}
	mustOK(t, cli(t, dir, "rollback", "-auto-approve", "anomaly.null_rate.email_nulls"))
	if js := mysqlJournals(t, m); len(js) != 0 {
		t.Fatalf("rollback left catalog entries %v", js)
	}
	if got := sum(); got != before {
		t.Fatal("finishing a pending journal changed the table")
	}
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	if sum() == before {
		t.Fatal("apply after recovery changed nothing")
	}
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if got := sum(); got != before {
		t.Fatalf("rollback after recovery: %s, want %s", got, before)
	}
}

func TestCrashMySQLRestoredJournal(t *testing.T) {
	bin := anomgenBinary(t)
	m, dir := mysqlCrashDB(t)
	sum := func() string { return providertest.Checksum(t, m.DB, "SELECT * FROM orders ORDER BY id") }
	before := sum()
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	if sum() == before {
		t.Fatal("apply changed nothing")
	}

	cmd := exec.Command(bin, "-chdir", dir, "rollback", "-all", "-auto-approve")
	cmd.Env = append(os.Environ(), "ANOMGEN_TEST_HOOK=after-commit")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdout: scanLines(strings.NewReader("")), stderr: scanLines(stderr)}
	p.killAfter(t, p.stderr, "anomgen-test-hook: after-commit", 1, 0, false)

	if got := sum(); got != before {
		t.Fatalf("the rollback committed before the kill, so the table must be restored: %s, want %s", got, before)
	}
	js := mysqlJournals(t, m)
	if len(js) != 1 {
		t.Fatalf("want the restored journal still listed, got %v", js)
	}
	for _, status := range js {
		if status != "restored" {
			t.Fatalf("catalog status %q, want restored", status)
		}
	}
	r := cli(t, dir, "plan")
	if r.code == 0 {
		t.Fatalf("plan must stop on a restored-but-not-dropped journal:\n%s", r)
	}
	wantAll(t, r, r.stdout+r.stderr, "Unfinished journal", "restored")
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if js := mysqlJournals(t, m); len(js) != 0 {
		t.Fatalf("rollback left catalog entries %v", js)
	}
	if got := sum(); got != before {
		t.Fatal("finishing a restored journal changed the table")
	}
	r = mustOK(t, cli(t, dir, "plan"))
	wantAll(t, r, r.stdout, "1 to create")
}
