package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fleetCustomer writes a workspace named name on a fresh copy of the
// parallelism database (postgres or sqlite).
func fleetCustomer(t *testing.T, kind, name string) (*parallelDB, string) {
	t.Helper()
	db := seedParallel(t, kind)
	dir := db.workspace(t)
	b, err := os.ReadFile(filepath.Join(dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "main.hcl", fmt.Sprintf("anomgen {\n  workspace = %q\n}\n\n", name)+string(b))
	return db, dir
}

// withThousands writes n as the tables do (1,151).
func withThousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// closedPort returns a local port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// tableRow finds the summary table's row of customer.
func tableRow(t *testing.T, r result, customer string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(customer) + `\s+\d+\s+[\d,]+\s+\S+\s+.*$`)
	row := re.FindString(r.stdout)
	if row == "" {
		t.Fatalf("the summary table has no row for %s:\n%s", customer, r)
	}
	return row
}

// TestFleet runs a fleet of two reachable customers (PostgreSQL and
// SQLite) and one whose PostgreSQL server is unreachable: apply changes
// the two, reports the third as failed with the reason and exits 1;
// status lists what each applied; rollback restores the two.
func TestFleet(t *testing.T) {
	acme, acmeDir := fleetCustomer(t, "postgres", "acme")
	globex, globexDir := fleetCustomer(t, "sqlite", "globex")
	badDir := t.TempDir()
	writeFile(t, badDir, "main.hcl", fmt.Sprintf(`anomgen {
  workspace = "initech"
}

source "postgres" "shop" {
  host            = "127.0.0.1"
  port            = %d
  database        = "initech"
  username        = "postgres"
  password        = "s3cret-initech-pw"
  tls             = "disable"
  connect_timeout = "2s"
  allow_writes    = true
}

target "t1" {
  source      = source.postgres.shop
  table       = "t1"
  time_column = "created_at"
}

anomaly "null_rate" "nulls" {
  target = target.t1
  column = "email"
  volume = 0.5
  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "6h"
  }
}
`, closedPort(t)))
	before := map[string]map[string]string{"acme": acme.checksums(t), "globex": globex.checksums(t)}
	work := t.TempDir()
	dirs := []string{acmeDir, globexDir, badDir}

	// Without a terminal and without -auto-approve, nothing happens.
	r := cli(t, work, append([]string{"fleet", "apply", "-no-color"}, dirs...)...)
	if r.code == 0 {
		t.Fatalf("fleet apply without -auto-approve ran:\n%s", r)
	}
	wantAll(t, r, r.stderr, "refusing to apply without confirmation", "acme: source.postgres.shop on host 127.0.0.1", "globex: source.sqlite.shop on host local file, database test.db")
	if got := acme.checksums(t); fmt.Sprint(got) != fmt.Sprint(before["acme"]) {
		t.Errorf("a refused fleet apply changed acme: %v", got)
	}
	if row := tableRow(t, r, "acme"); !strings.HasSuffix(row, "planned, not applied (no confirmation)") {
		t.Errorf("a refused fleet apply: row %q", row)
	}

	// plan: every customer's plan, the table with the planned counts.
	r = cli(t, work, append([]string{"fleet", "plan", "-no-color"}, dirs...)...)
	if r.code != 1 {
		t.Fatalf("fleet plan with an unreachable customer: exit %d, want 1:\n%s", r.code, r)
	}
	planned := plannedRows(t, r.stdout)
	if len(planned) != 7 { // both customers plan the same addresses
		t.Errorf("the plans show %d addresses, want 7:\n%s", len(planned), r)
	}
	var total int64
	for _, n := range planned {
		total += n
	}
	for _, name := range []string{"acme", "globex"} {
		if f := strings.Fields(tableRow(t, r, name)); len(f) != 5 || f[1] != "7" || f[2] != withThousands(total) || f[4] != "ok" {
			t.Errorf("fleet plan row %q: want 7 anomalies, %d rows, ok", f, total)
		}
	}
	if row := tableRow(t, r, "initech"); !strings.Contains(row, "failed: cannot connect") {
		t.Errorf("fleet plan row %q: want failed: cannot connect", row)
	}

	r = cli(t, work, append([]string{"fleet", "apply", "-auto-approve", "-no-color", "-parallelism", "6", "-workspaces", "3"}, dirs...)...)
	if r.code != 1 {
		t.Fatalf("fleet apply with an unreachable customer: exit %d, want 1:\n%s", r.code, r)
	}
	wantNone(t, r, r.stdout+r.stderr, "s3cret-initech-pw")
	for _, name := range []string{"acme", "globex"} {
		row := tableRow(t, r, name)
		if !strings.HasSuffix(row, " ok") || !strings.Contains(row, " 7 ") {
			t.Errorf("%s: summary row %q, want 7 anomalies and ok", name, row)
		}
	}
	bad := tableRow(t, r, "initech")
	if !strings.Contains(bad, "failed: ") || !strings.Contains(strings.ToLower(bad), "connect") {
		t.Errorf("initech: summary row %q, want failed with the connection reason", bad)
	}
	// One line per finished anomaly (no terminal here).
	if n := strings.Count(r.stderr, " done: "); n != 14 {
		t.Errorf("%d progress lines for finished anomalies, want 14:\n%s", n, r.stderr)
	}
	wantAll(t, r, r.stderr, "acme: anomaly.null_rate.a_t1_nulls done: 131 rows in")
	for name, db := range map[string]*parallelDB{"acme": acme, "globex": globex} {
		after := db.checksums(t)
		for _, tb := range parallelTables {
			if after[tb] == before[name][tb] {
				t.Errorf("%s: %s unchanged by the fleet apply", name, tb)
			}
		}
	}

	// status, through a fleet file.
	writeFile(t, work, "fleet.txt", "# customers\n"+acmeDir+"\n"+globexDir+"  # sqlite\n\n")
	r = mustOK(t, cli(t, work, "fleet", "status", "-file", filepath.Join(work, "fleet.txt"), "-no-color"))
	wantAll(t, r, r.stdout, "=== acme (", "anomaly.volume_drop.c_t1_gone applied source.postgres.shop public.t1", "=== globex (", "anomaly.null_rate.d_t2_nulls applied source.sqlite.shop t2")
	if row := tableRow(t, r, "globex"); !strings.Contains(row, " 7 ") {
		t.Errorf("status row of globex %q: want 7 anomalies", row)
	}

	r = cli(t, work, append([]string{"fleet", "rollback", "-auto-approve", "-no-color"}, dirs...)...)
	if r.code != 1 {
		t.Fatalf("fleet rollback with an unreachable customer: exit %d, want 1:\n%s", r.code, r)
	}
	for name, db := range map[string]*parallelDB{"acme": acme, "globex": globex} {
		if row := tableRow(t, r, name); !strings.HasSuffix(row, " ok") {
			t.Errorf("%s: rollback row %q, want ok", name, row)
		}
		after := db.checksums(t)
		for _, tb := range parallelTables {
			if after[tb] != before[name][tb] {
				t.Errorf("%s: %s is %s after the fleet rollback, want the original %s", name, tb, after[tb], before[name][tb])
			}
		}
	}

	// Everything rolled back: a plan of the two reachable ones is a
	// fresh one, and nothing-to-do customers do not fail.
	r = mustOK(t, cli(t, work, "fleet", "rollback", "-auto-approve", "-no-color", acmeDir, globexDir))
	if row := tableRow(t, r, "acme"); !strings.HasSuffix(row, "nothing to do") {
		t.Errorf("a second rollback: row %q, want nothing to do", row)
	}
}

// TestFleetArgs refuses a missing or duplicated folder with a fix.
func TestFleetArgs(t *testing.T) {
	work := t.TempDir()
	r := cli(t, work, "fleet", "plan")
	wantAll(t, r, r.stderr, "name the workspace folders")
	r = cli(t, work, "fleet", "plan", work, work+"/")
	wantAll(t, r, r.stderr, "is listed twice")
	r = cli(t, work, "fleet", "plan", filepath.Join(work, "nope"))
	wantAll(t, r, r.stderr, "is not a folder")
	if r.code == 0 {
		t.Errorf("fleet plan of a missing folder exited 0:\n%s", r)
	}
	// An invalid workspace fails alone, its diagnostic (file:line) in its
	// section; the valid one is planned.
	bad, good := filepath.Join(work, "bad"), filepath.Join(work, "good")
	for _, d := range []string{bad, good} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, bad, "main.hcl", "source \"sqlite\" \"s\" {\n  path = \"x.db\"\n}\nanomaly \"null_rat\" \"a\" {\n}\n")
	writeFile(t, good, "main.hcl", "anomgen {\n  workspace = \"good\"\n}\n")
	r = cli(t, work, "fleet", "plan", "-no-color", bad, good)
	if r.code != 1 {
		t.Fatalf("fleet plan with an invalid workspace: exit %d, want 1\n%s", r.code, r)
	}
	wantAll(t, r, r.stdout, "on main.hcl line 4", `The argument "target" is required`)
	if row := tableRow(t, r, bad); !strings.HasSuffix(row, "failed: invalid scenario files or plan (see its output above)") {
		t.Errorf("invalid workspace row %q", row)
	}
	if row := tableRow(t, r, "good"); !strings.HasSuffix(row, "nothing to do") {
		t.Errorf("empty workspace row %q, want nothing to do", row)
	}
}
