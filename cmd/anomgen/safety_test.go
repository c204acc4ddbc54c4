package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

const nullsBlock = `
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.5
` + window10h + `}
`

func safetyDir(t *testing.T, f *fixture, extra string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", f.source+f.target()+extra)
	return dir
}

func TestProtectAndLimitsRefuseApply(t *testing.T) {
	f := sqliteFixture(t)
	before := f.checksum(t)
	for _, tc := range []struct {
		name, scenario string
		args           []string
		want           string
	}{
		{"protect", strings.Replace(f.target(), "time_column", "protect     = true\n  time_column", 1) + nullsBlock, nil, "is protected (protect = true)"},
		{"max_rows", f.target() + strings.Replace(nullsBlock, "volume = 0.5", "volume = 0.5\n  max_rows = 10", 1), nil, "over its max_rows of 10"},
		{"per apply", f.target() + nullsBlock, []string{"-max-rows", "10"}, "over the limit of 10 per apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "main.hcl", f.source+tc.scenario)
			plan := mustOK(t, cli(t, dir, "plan"))
			if tc.name != "per apply" && !strings.Contains(plan.stdout, "! ") {
				t.Errorf("plan should warn:\n%s", plan.stdout)
			}
			r := cli(t, dir, append([]string{"apply", "-auto-approve"}, tc.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "refusing to apply") {
				t.Fatalf("want a refusal mentioning %q:\n%s", tc.want, r)
			}
			if exists(statePath(dir)) || f.checksum(t) != before || f.journals(t) != 0 {
				t.Fatal("a refused apply wrote something")
			}
		})
	}
}

func TestDryRunLeavesNothing(t *testing.T) {
	for _, f := range []*fixture{sqliteFixture(t), postgresFixture(t)} {
		t.Run(f.name, func(t *testing.T) {
			dir := safetyDir(t, f, nullsBlock+`
anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.4
`+window10h+`}
`)
			before := f.checksum(t)
			planned := plannedRows(t, mustOK(t, cli(t, dir, "plan")).stdout)
			r := mustOK(t, cli(t, dir, "apply", "-dry-run"))
			for addr, n := range planned {
				if !strings.Contains(r.stdout, fmt.Sprintf("%s: done after", addr)) || !strings.Contains(r.stdout, fmt.Sprintf("would change %d rows", n)) {
					t.Errorf("dry run of %s should report the planned %d rows:\n%s", addr, n, r.stdout)
				}
			}
			wantAll(t, r, r.stdout, "null share", "→", "rows", "Dry run complete!")
			if f.checksum(t) != before || f.journals(t) != 0 || len(f.catalog(t)) != 0 || exists(statePath(dir)) {
				t.Fatal("a dry run left something behind")
			}
		})
	}
}

func TestAuditLogRecordsApplyAndRollback(t *testing.T) {
	f := sqliteFixture(t)
	dir := safetyDir(t, f, nullsBlock)
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	path := filepath.Join(dir, ".anomgen", "audit.log")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log %v, mode %v; want 0600", err, fi)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 audit lines, got %d:\n%s", len(lines), b)
	}
	var recs []auditRecord
	for _, l := range lines {
		var r auditRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if recs[0].Command != "apply" || recs[1].Command != "rollback" || recs[0].Address != "anomaly.null_rate.email_nulls" ||
		recs[0].Outcome != "done" || recs[0].Rows <= 0 || recs[0].Rows != recs[1].Rows || recs[0].User == "" || recs[0].Host == "" ||
		recs[0].Source != "source.sqlite.shop" || recs[0].Table != "orders" || recs[0].Database == "" {
		t.Fatalf("audit records: %+v", recs)
	}
}

func TestForceUnlockReleasesAStaleLock(t *testing.T) {
	f := sqliteFixture(t)
	dir := safetyDir(t, f, nullsBlock)
	info := state.NewLockInfo("apply")
	l, err := state.Acquire(context.Background(), filepath.Join(dir, ".anomgen", "state.json.lock"), 0, info)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	r := cli(t, dir, "apply", "-auto-approve")
	if r.code == 0 || !strings.Contains(r.stderr, info.ID) {
		t.Fatalf("a locked apply must name the lock id:\n%s", r)
	}
	if r := cli(t, dir, "force-unlock", "nope"); r.code == 0 || !strings.Contains(r.stderr, info.ID) {
		t.Fatalf("a wrong id must be refused:\n%s", r)
	}
	mustOK(t, cli(t, dir, "force-unlock", info.ID))
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
}

func TestJournalPurgeKeepsTheChange(t *testing.T) {
	f := sqliteFixture(t)
	dir := safetyDir(t, f, nullsBlock)
	before := f.checksum(t)
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	changed := f.checksum(t)
	if r := cli(t, dir, "journal", "purge", "-all"); r.code == 0 || !strings.Contains(r.stderr, "-auto-approve") {
		t.Fatalf("purge without a terminal must be refused:\n%s", r)
	}
	r := mustOK(t, cli(t, dir, "journal", "purge", "-all", "-auto-approve"))
	wantAll(t, r, r.stdout+r.stderr, "Purged 1 journal", "can no longer be restored")
	if f.journals(t) != 0 || len(f.catalog(t)) != 0 {
		t.Fatal("journal left after purge")
	}
	if got := f.checksum(t); got != changed || got == before {
		t.Fatal("purge must keep the changed rows as they are")
	}
	if out := mustOK(t, listState(t, dir)).stdout; strings.TrimSpace(out) != "" {
		t.Fatalf("state after purge: %q", out)
	}
}

// Identifiers from a scenario are quoted by the dialect and checked against
// the live catalog; hostile names are either refused (no such table) or
// handled as plain names, and never run as SQL.
func TestHostileIdentifiers(t *testing.T) {
	const table = `we"ird; DROP TABLE victims; --`
	const column = `e'm"ail /* x */`
	check := func(t *testing.T, name, source string, exec func(string), count func(string) int64, sum func() string) {
		exec(`CREATE TABLE victims (id integer PRIMARY KEY)`)
		exec(`INSERT INTO victims VALUES (1)`)
		exec(`CREATE TABLE "we""ird; DROP TABLE victims; --" (id integer PRIMARY KEY, "e'm""ail /* x */" text, created_at timestamp NOT NULL)`)
		for i := 1; i <= 200; i++ {
			exec(fmt.Sprintf(`INSERT INTO "we""ird; DROP TABLE victims; --" VALUES (%d, 'v%d', TIMESTAMP '2026-01-01 00:00:00' + INTERVAL '%d' MINUTE)`, i, i, i))
		}
		before := sum()
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", source+fmt.Sprintf(`
target "t" {
  source      = %s
  table       = %q
  time_column = "created_at"
}
anomaly "null_rate" "n" {
  target = target.t
  column = %q
  volume = 0.5
`+window10h+`}
`, "source."+name+".shop", table, column))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if sum() == before {
			t.Fatal("nothing changed")
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := sum(); got != before {
			t.Fatalf("rollback: %s, want %s", got, before)
		}
		// A table name that is SQL, not a table: refused, nothing run.
		writeFile(t, dir, "main.hcl", source+fmt.Sprintf(`
target "t" {
  source      = %s
  table       = "victims; DROP TABLE victims"
  time_column = "created_at"
}
anomaly "volume_drop" "n" {
  target = target.t
}
`, "source."+name+".shop"))
		r := cli(t, dir, "apply", "-auto-approve")
		if r.code == 0 || !strings.Contains(r.stderr, "Table not found") {
			t.Fatalf("a hostile table name must be refused as not found:\n%s", r)
		}
		if count("SELECT COUNT(*) FROM victims") != 1 {
			t.Fatal("victims was touched")
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		s := providertest.NewSQLite(t)
		src := fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path         = %q\n  allow_writes = true\n}\n", s.Path)
		check(t, "sqlite", src,
			func(q string) {
				execSQL(t, s.DB, strings.ReplaceAll(strings.ReplaceAll(q, "TIMESTAMP '2026-01-01 00:00:00' + INTERVAL '", "datetime('2026-01-01 00:00:00', '+"), "' MINUTE", " minutes')"))
			},
			func(q string) int64 { return queryInt(t, s.DB, q) },
			func() string {
				return providertest.Checksum(t, s.DB, `SELECT * FROM "we""ird; DROP TABLE victims; --" ORDER BY id`)
			})
	})
	t.Run("postgres", func(t *testing.T) {
		p := providertest.NewPostgres(t)
		check(t, "postgres", pgSource(p, "shop", true),
			func(q string) { execSQL(t, p.DB, q) },
			func(q string) int64 { return queryInt(t, p.DB, q) },
			func() string {
				return providertest.Checksum(t, p.DB, `SELECT * FROM "we""ird; DROP TABLE victims; --" ORDER BY id`)
			})
	})
}
