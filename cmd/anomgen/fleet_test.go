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

// TestFleetSavedPlans: fleet plan -out saves each workspace's plan in its
// folder; fleet apply -plan applies them without planning again, to the
// same rows as fleet apply (checksums); a stale plan and a missing one
// fail their customer alone, clearly, and the others are applied; a saved
// destroy plan (fleet plan -destroy -out) rolls back.
func TestFleetSavedPlans(t *testing.T) {
	acme, acmeDir := fleetCustomer(t, "postgres", "acme")
	globex, globexDir := fleetCustomer(t, "sqlite", "globex")
	initech, initechDir := fleetCustomer(t, "sqlite", "initech")
	_, hooliDir := fleetCustomer(t, "sqlite", "hooli")
	dbs := map[string]*parallelDB{"acme": acme, "globex": globex}
	before := map[string]map[string]string{}
	for name, db := range dbs {
		before[name] = db.checksums(t)
	}
	work := t.TempDir()
	two := []string{acmeDir, globexDir}

	// The reference: fleet apply, which plans again.
	mustOK(t, cli(t, work, append([]string{"fleet", "apply", "-auto-approve", "-no-color"}, two...)...))
	applied := map[string]map[string]string{}
	for name, db := range dbs {
		applied[name] = db.checksums(t)
	}
	mustOK(t, cli(t, work, append([]string{"fleet", "rollback", "-auto-approve", "-no-color"}, two...)...))
	for name, db := range dbs {
		if got := db.checksums(t); fmt.Sprint(got) != fmt.Sprint(before[name]) {
			t.Fatalf("%s after the reference rollback: %v, want %v", name, got, before[name])
		}
	}

	// Bad names are refused before anything runs.
	r := cli(t, work, "fleet", "plan", "-out", filepath.Join(work, "x.plan"), acmeDir)
	wantAll(t, r, r.stderr, "not an absolute path")

	all := []string{acmeDir, globexDir, initechDir, hooliDir}
	r = mustOK(t, cli(t, work, append([]string{"fleet", "plan", "-no-color", "-out", "reviewed.plan"}, all...)...))
	wantAll(t, r, r.stdout, "Saved the plan to "+filepath.Join(acmeDir, "reviewed.plan"), "anomgen fleet apply -plan reviewed.plan")
	for _, d := range all {
		fi, err := os.Stat(filepath.Join(d, "reviewed.plan"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: saved plan %v, mode %v", d, err, fi)
		}
		_, p := readPlanFile(t, filepath.Join(d, "reviewed.plan"))
		if n := len(p.Changes); n != 7 || p.Targets["t1"].Rows != 500 {
			t.Errorf("%s: the saved plan has %d changes, t1's fingerprint %+v", d, n, p.Targets["t1"])
		}
	}
	// hooli fails to plan again: its older plan file is removed, so it is
	// missing below. initech's t2 gains a row in its window.
	writeFile(t, hooliDir, "broken.hcl", "anomaly \"null_rat\" \"x\" {\n}\n")
	r = cli(t, work, "fleet", "plan", "-no-color", "-out", "reviewed.plan", hooliDir)
	if r.code != 1 || exists(filepath.Join(hooliDir, "reviewed.plan")) {
		t.Fatalf("a failed fleet plan -out: exit %d, the older plan file still there: %v\n%s", r.code, exists(filepath.Join(hooliDir, "reviewed.plan")), r)
	}
	wantAll(t, r, r.stdout, "Removed the older saved plan")
	if err := os.Remove(filepath.Join(hooliDir, "broken.hcl")); err != nil {
		t.Fatal(err)
	}
	execSQL(t, initech.db, `INSERT INTO t2 VALUES (9001, 'late@example.com', 1, '2026-01-01 01:30:00', 'late')`)
	initechBefore := initech.checksums(t)

	// Without -auto-approve, the one confirmation lists every database.
	r = cli(t, work, append([]string{"fleet", "apply", "-no-color", "-plan", "reviewed.plan"}, all...)...)
	if r.code == 0 {
		t.Fatalf("fleet apply -plan without -auto-approve ran:\n%s", r)
	}
	wantAll(t, r, r.stderr, "refusing to apply without confirmation", "acme: source.postgres.shop on host 127.0.0.1", "globex: source.sqlite.shop on host local file")
	if got := acme.checksums(t); fmt.Sprint(got) != fmt.Sprint(before["acme"]) {
		t.Errorf("a refused fleet apply -plan changed acme")
	}

	r = cli(t, work, append([]string{"fleet", "apply", "-auto-approve", "-no-color", "-plan", "reviewed.plan"}, all...)...)
	if r.code != 1 {
		t.Fatalf("fleet apply -plan with a stale and a missing plan: exit %d, want 1:\n%s", r.code, r)
	}
	for name, db := range dbs {
		if row := tableRow(t, r, name); !strings.HasSuffix(row, " ok") || !strings.Contains(row, " 7 ") {
			t.Errorf("%s: row %q, want 7 anomalies and ok", name, row)
		}
		if got := db.checksums(t); fmt.Sprint(got) != fmt.Sprint(applied[name]) {
			t.Errorf("%s after fleet apply -plan: %v, want what fleet apply made: %v", name, got, applied[name])
		}
	}
	if row := tableRow(t, r, "initech"); !strings.Contains(row, "failed: the saved plan reviewed.plan is stale: target t2: the table held 500 rows when planned, 501 now") {
		t.Errorf("initech: row %q, want failed naming the stale plan and what changed", row)
	}
	wantAll(t, r, r.stdout, "anomaly.null_rate.d_t2_nulls: its window held 359 rows when planned, 360 now", "anomgen fleet plan -out reviewed.plan")
	if got := initech.checksums(t); fmt.Sprint(got) != fmt.Sprint(initechBefore) {
		t.Errorf("the stale plan changed initech: %v, want %v", got, initechBefore)
	}
	if row := tableRow(t, r, "hooli"); !strings.Contains(row, "failed: no saved plan reviewed.plan in this workspace") {
		t.Errorf("hooli: row %q, want failed: no saved plan", row)
	}

	// Applied once, the plans are stale: the state moved on.
	r = cli(t, work, append([]string{"fleet", "apply", "-auto-approve", "-no-color", "-plan", "reviewed.plan"}, two...)...)
	if row := tableRow(t, r, "acme"); r.code != 1 || !strings.Contains(row, "failed: the saved plan reviewed.plan is stale: the state moved on") {
		t.Errorf("a second fleet apply -plan: exit %d, acme row %q", r.code, row)
	}

	// A reviewed rollback: fleet plan -destroy -out, then fleet apply -plan.
	mustOK(t, cli(t, work, append([]string{"fleet", "plan", "-destroy", "-no-color", "-out", "undo.plan"}, two...)...))
	r = mustOK(t, cli(t, work, append([]string{"fleet", "apply", "-auto-approve", "-no-color", "-plan", "undo.plan"}, two...)...))
	for name, db := range dbs {
		if got := db.checksums(t); fmt.Sprint(got) != fmt.Sprint(before[name]) {
			t.Errorf("%s after the saved destroy plan: %v, want the original %v", name, got, before[name])
		}
	}
	r = mustOK(t, cli(t, work, append([]string{"fleet", "status", "-no-color"}, two...)...))
	if row := tableRow(t, r, "acme"); !strings.HasSuffix(row, "nothing applied") {
		t.Errorf("status after the saved destroy plan: acme row %q", row)
	}
}
