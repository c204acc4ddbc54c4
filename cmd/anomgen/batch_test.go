package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// Batched changes (source batch_rows): a change SIGKILLed after some of its
// batches committed leaves a partial journal catalog entry; plan says so,
// apply carries on after the last committed batch and changes exactly the
// rows the plan counted, and rollback restores the table byte for byte.

// batchSource is f's source block with batch_rows set.
func batchSource(f *fixture, rows int) string {
	i := strings.LastIndex(f.source, "}")
	return f.source[:i] + fmt.Sprintf("  batch_rows = %d\n", rows) + f.source[i:]
}

// catalogStatus reads the status of the catalog entry of addr.
func catalogStatus(t *testing.T, f *fixture, addr string) string {
	t.Helper()
	table := map[string]string{"sqlite": "anomgen_journals", "postgres": "anomgen.journals"}[f.name]
	if table == "" { // mysql: the fixture's journal schema
		m := regexp.MustCompile(`journal_schema\s*=\s*"([^"]+)"`).FindStringSubmatch(f.source)
		if m == nil {
			t.Fatalf("no journal_schema in %s", f.source)
		}
		table = "`" + m[1] + "`.journals"
	}
	var status string
	q := fmt.Sprintf("SELECT status FROM %s WHERE address = '%s'", table, addr)
	if err := f.db.QueryRow(q).Scan(&status); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return status
}

var partlyRE = regexp.MustCompile(`partly applied: (\d+) of ~(\d+) batches \(([\d,]+) rows changed`)

func TestBatchedApplyKilledResumes(t *testing.T) {
	bin := anomgenBinary(t)
	kinds := []struct {
		name, block, addr string
	}{
		{"update", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n" + window10h + "  seed   = 7\n}\n", "anomaly.null_rate.email_nulls"},
		{"delete", "anomaly \"volume_drop\" \"outage\" {\n  target = target.orders\n  volume = 0.4\n" + window10h + "  seed   = 3\n}\n", "anomaly.volume_drop.outage"},
	}
	allFixtures(t, func(t *testing.T, f *fixture) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				dir := t.TempDir()
				writeFile(t, dir, "main.hcl", batchSource(f, 50)+f.target())
				writeFile(t, dir, "anomalies.hcl", k.block)
				before := f.checksum(t)
				plan := mustOK(t, cli(t, dir, "plan"))
				planned := plannedRows(t, plan.stdout)[k.addr]
				if planned < 100 {
					t.Fatalf("the plan counts %d rows; the test needs several batches\n%s", planned, plan)
				}

				// SIGKILL once the third batch committed.
				p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK=after-batch-3")
				if !p.killAfter(t, p.stderr, "anomgen-test-hook: after-batch-3", 1, 0, false) {
					t.Fatal("the apply was not killed")
				}
				if st := catalogStatus(t, f, k.addr); st != "partial" {
					t.Fatalf("catalog status after the kill = %q, want partial", st)
				}
				if f.checksum(t) == before {
					t.Fatal("three committed batches changed nothing")
				}

				// plan and state list say how far it got.
				r := mustOK(t, cli(t, dir, "plan"))
				m := partlyRE.FindStringSubmatch(r.stdout + r.stderr)
				if m == nil {
					t.Fatalf("plan does not say the change is partly applied\n%s", r)
				}
				if m[1] != "3" {
					t.Errorf("plan says %s batches done, want 3\n%s", m[1], r)
				}
				done := atoi(t, m[3])
				if done <= 0 || done >= planned {
					t.Errorf("partly applied rows = %d, want between 0 and %d", done, planned)
				}
				if got := plannedRows(t, r.stdout)[k.addr]; got != planned {
					t.Errorf("the resumed change shows %d rows, want the first plan's %d\n%s", got, planned, r)
				}
				wantAll(t, r, r.stdout+r.stderr, "run `anomgen apply` to finish or `anomgen rollback "+k.addr+"` to undo")
				ls := cli(t, dir, "state", "list")
				wantAll(t, ls, ls.stdout, "partial (") // as of the last save: at most a second behind the catalog

				// apply finishes: the rows changed are the plan's count.
				a := mustOK(t, cli(t, dir, "apply", "-auto-approve"))
				wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned))
				wantNone(t, a, a.stdout, "the plan counted")
				if st := catalogStatus(t, f, k.addr); st != "applied" {
					t.Errorf("catalog status after the resumed apply = %q, want applied", st)
				}
				if got := shownRows(t, mustOK(t, cli(t, dir, "state", "show", k.addr))); got != planned {
					t.Errorf("state records %d rows, want %d", got, planned)
				}
				again := mustOK(t, cli(t, dir, "plan"))
				wantAll(t, again, again.stdout, "No changes.")

				// rollback restores every byte.
				mustOK(t, cli(t, dir, "rollback", "-auto-approve", k.addr))
				if got := f.checksum(t); got != before {
					t.Errorf("checksum after rollback = %s, want %s", got, before)
				}
				if n := f.journals(t); n != 0 {
					t.Errorf("%d journal tables remain", n)
				}
			})
		}
	})
}

// TestBatchedRollbackOfPartial: a partly applied change rolls back from
// its partial journal, byte-identical.
func TestBatchedRollbackOfPartial(t *testing.T) {
	bin := anomgenBinary(t)
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", batchSource(f, 40)+f.target())
		writeFile(t, dir, "anomalies.hcl", "anomaly \"numeric_shift\" \"amounts\" {\n  target = target.orders\n  column = \"amount\"\n  volume = 1\n"+window10h+"  seed   = 5\n}\n")
		before := f.checksum(t)
		p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK=after-batch-4")
		p.killAfter(t, p.stderr, "anomgen-test-hook: after-batch-4", 1, 0, false)
		if st := catalogStatus(t, f, "anomaly.numeric_shift.amounts"); st != "partial" {
			t.Fatalf("catalog status after the kill = %q, want partial", st)
		}
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "anomaly.numeric_shift.amounts"))
		if got := f.checksum(t); got != before {
			t.Errorf("checksum after rollback = %s, want %s", got, before)
		}
		if n := f.journals(t); n != 0 {
			t.Errorf("%d journal tables remain", n)
		}
		if cat := f.catalog(t); len(cat) != 0 {
			t.Errorf("catalog entries remain: %v", cat)
		}
	})
}

// TestBatchRowsZeroIsOneTransaction: with batch_rows = 0 a change commits
// in one transaction: killed before its commit, nothing is changed.
func TestBatchRowsZeroIsOneTransaction(t *testing.T) {
	bin := anomgenBinary(t)
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", batchSource(f, 0)+f.target())
		writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n"+window10h+"  seed   = 7\n}\n")
		before := f.checksum(t)
		p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK=before-commit")
		p.killAfter(t, p.stderr, "anomgen-test-hook: before-commit", 1, 0, false)
		if got := f.checksum(t); got != before {
			t.Errorf("a killed one-transaction apply changed the table: %s, was %s", got, before)
		}
		// (MariaDB's DDL commits by itself: its empty journal stays
		// pending, and plan asks for a rollback, as before batches.)
		r := cli(t, dir, "plan")
		wantNone(t, r, r.stdout+r.stderr, "partly applied", "partial")
	})
}

// TestSavedPlanApplyDoesNotRecount: apply FILE checks a saved plan against
// the tables by their fingerprints and the rows of each window, without
// counting the change again (the count hashes every row of the window);
// plan counts, apply FILE does not, and it changes the rows planned.
//
// It runs in batches of 40 rows; on PostgreSQL the first starts at the
// window's first key, which the stale check read.
func TestSavedPlanApplyDoesNotRecount(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		orig := f.checksum(t)
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", batchSource(f, 40)+f.target())
		// Two windows: 600 rows, in batches of 40, and 30 rows (half an
		// hour), in one transaction.
		writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n"+window10h+"  seed   = 7\n}\n"+
			"anomaly \"numeric_shift\" \"early\" {\n  target = target.orders\n  column = \"amount\"\n  volume = 0.5\n  amplitude = 0.1\n  window {\n    start    = \"2026-01-01T05:00:00Z\"\n    duration = \"30m\"\n  }\n  seed   = 7\n}\n")
		file := filepath.Join(dir, "plan.json")
		planLog, applyLog := filepath.Join(t.TempDir(), "plan.log"), filepath.Join(t.TempDir(), "apply.log")
		plan := mustOK(t, cli(t, dir, "-log-level=debug", "-log-file="+planLog, "plan", "-out", file))
		planned := plannedRows(t, plan.stdout)["anomaly.null_rate.email_nulls"]
		early := plannedRows(t, plan.stdout)["anomaly.numeric_shift.early"]
		if early == 0 || early > 40 {
			t.Fatalf("the plan changes %d rows of the half-hour window; the test needs 1 to 40 (one transaction)", early)
		}
		a := mustOK(t, cli(t, dir, "-log-level=debug", "-log-file="+applyLog, "apply", "-auto-approve", file))
		wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned), fmt.Sprintf("changed %d rows", early))
		const countSQL = "COALESCE(SUM(" // the count's sums of chosen rows
		pl, err := os.ReadFile(planLog)
		if err != nil {
			t.Fatal(err)
		}
		al, err := os.ReadFile(applyLog)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(pl), countSQL) {
			t.Fatalf("plan's log lacks the count (%q); the test looks for the wrong statement:\n%s", countSQL, pl)
		}
		if strings.Contains(string(al), countSQL) {
			t.Errorf("apply of a saved plan counted the change again:\n%s", al)
		}
		// Where the stale check reads key spans (a FILTER clause), it
		// reads the batched change's only: the one-transaction change
		// needs none, and each span evaluates its window on every row.
		if f.name == "postgres" || f.name == "sqlite" {
			fp := regexp.MustCompile(`sql="SELECT COUNT\(\*\), MAX.*`).FindString(string(al))
			if n := strings.Count(fp, "MIN("); n != 1 || strings.Count(fp, "MAX(t.") != 2 {
				t.Errorf("the stale check reads %d windows' first keys, want 1 (the batched change's):\n%s", n, fp)
			}
		}
		// PostgreSQL: the stale check read the window's first key, and
		// the first batch starts there (key >= it) instead of walking the
		// keys before the window.
		if f.name == "postgres" && (!strings.Contains(string(al), `ORDER BY t.\"id\" LIMIT 40`) || !strings.Contains(string(al), `t.\"id\" >= $`)) {
			t.Errorf("apply of a saved plan on PostgreSQL: no batch of 40 rows starting at the window's first key:\n%s", al)
		}
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
		if f.checksum(t) != orig {
			t.Error("rollback did not restore orders")
		}
	})
}

// TestBatchedCompositeKey: batches follow a composite key (row-value
// comparisons on these databases): killed after two batches, the apply
// resumes from the journal's greatest (order_id, line) and changes exactly
// the planned rows; rollback restores every byte.
func TestBatchedCompositeKey(t *testing.T) {
	bin := anomgenBinary(t)
	allFixtures(t, func(t *testing.T, f *fixture) {
		ts := map[string]string{"sqlite": "TEXT", "postgres": "timestamptz", "mysql": "DATETIME"}[f.name]
		execSQL(t, f.db, fmt.Sprintf(`CREATE TABLE order_lines (order_id INTEGER NOT NULL, line INTEGER NOT NULL, price NUMERIC(10,2), created_at %s NOT NULL, PRIMARY KEY (order_id, line))`, ts))
		// Three lines per order, at the order's time: the key (order_id,
		// line) has three rows per first column.
		for line := 1; line <= 3; line++ {
			execSQL(t, f.db, fmt.Sprintf(`INSERT INTO order_lines SELECT id, %d, amount + %d, created_at FROM orders`, line, line))
		}
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", batchSource(f, 100)+fmt.Sprintf("target \"lines\" {\n  source      = %s\n  table       = \"order_lines\"\n  time_column = \"created_at\"\n}\n", f.addr))
		writeFile(t, dir, "anomalies.hcl", "anomaly \"numeric_shift\" \"prices\" {\n  target    = target.lines\n  column    = \"price\"\n  amplitude = 0.5\n  volume    = 0.6\n"+window10h+"  seed      = 9\n}\n")
		sum := func() string {
			return providertest.Checksum(t, f.db, "SELECT * FROM order_lines ORDER BY order_id, line")
		}
		before := sum()
		plan := mustOK(t, cli(t, dir, "plan"))
		planned := plannedRows(t, plan.stdout)["anomaly.numeric_shift.prices"]
		if planned <= 300 {
			t.Fatalf("the plan counts %d rows; the test needs several batches of 100\n%s", planned, plan)
		}
		p := startApply(t, bin, dir, "ANOMGEN_TEST_HOOK=after-batch-2")
		p.killAfter(t, p.stderr, "anomgen-test-hook: after-batch-2", 1, 0, false)
		if st := catalogStatus(t, f, "anomaly.numeric_shift.prices"); st != "partial" {
			t.Fatalf("catalog status after the kill = %q, want partial", st)
		}
		a := mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned))
		wantAll(t, a, a.stderr, "partly applied: 2 of")
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
		if got := sum(); got != before {
			t.Errorf("checksum after rollback = %s, want %s", got, before)
		}
	})
}

// TestBatchedRollbackConflict: a row someone changed after a batched apply
// is a conflict for the batched rollback, as for one transaction: left
// alone and reported (exit 2, the journal kept), every other row restored;
// rollback -force then restores it too, byte-identical.
func TestBatchedRollbackConflict(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", batchSource(f, 50)+f.target())
		writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n"+window10h+"  seed   = 7\n}\n")
		before := f.checksum(t)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		// An application writes one of the nulled rows (the last one of
		// the window: in the rollback's last range) and one of the first.
		var first, last int64
		if err := f.db.QueryRow(`SELECT MIN(id), MAX(id) FROM orders WHERE email IS NULL AND id < 600 AND id % 50 <> 0`).Scan(&first, &last); err != nil {
			t.Fatal(err)
		}
		execSQL(t, f.db, fmt.Sprintf(`UPDATE orders SET email = 'app@example.com' WHERE id IN (%d, %d)`, first, last))
		r := cli(t, dir, "rollback", "-auto-approve", "anomaly.null_rate.email_nulls")
		if r.code != 2 {
			t.Fatalf("rollback with two changed rows: exit %d, want 2\n%s", r.code, r)
		}
		wantAll(t, r, r.stderr, "2 rows were changed", fmt.Sprintf("%d", first), fmt.Sprintf("%d", last))
		if n := queryInt(t, f.db, `SELECT COUNT(*) FROM orders WHERE email IS NULL AND id < 600 AND id % 50 <> 0`); n != 0 {
			t.Errorf("%d nulled rows were not restored", n)
		}
		if n := f.journals(t); n != 1 {
			t.Errorf("%d journal tables after a rollback with conflicts, want the one kept", n)
		}
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-force", "anomaly.null_rate.email_nulls"))
		if got := f.checksum(t); got != before {
			t.Errorf("checksum after rollback -force = %s, want %s", got, before)
		}
	})
}

// TestRollbackBatchesFollowBatchTime (SQLite): a batched rollback adapts
// its batches to batch_time as the apply does. With batch_time = "0s"
// (rows only) the rollback of a change of batch_rows = 40 reads one journal
// bound per 40 rows; with "1ns" every batch overruns its time, the next
// ones shrink to a row, and the rollback reads many more bounds. Either
// way the table is the original again.
func TestRollbackBatchesFollowBatchTime(t *testing.T) {
	f := sqliteFixture(t)
	before := f.checksum(t)
	bounds := map[string]int{}
	for _, limit := range []string{"0s", "1ns"} {
		dir := t.TempDir()
		src := batchSource(f, 40)
		i := strings.LastIndex(src, "}")
		src = src[:i] + fmt.Sprintf("  batch_time = %q\n", limit) + src[i:]
		writeFile(t, dir, "main.hcl", src+f.target())
		writeFile(t, dir, "anomalies.hcl", "anomaly \"numeric_shift\" \"amounts\" {\n  target = target.orders\n  column = \"amount\"\n  volume = 1\n"+window10h+"  seed   = 5\n}\n")
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		logFile := filepath.Join(t.TempDir(), "rollback.log")
		mustOK(t, cli(t, dir, "-log-level=debug", "-log-file="+logFile, "rollback", "-auto-approve", "-all"))
		if got := f.checksum(t); got != before {
			t.Fatalf("batch_time %s: checksum after rollback = %s, want %s", limit, got, before)
		}
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, `FROM \"anomgen_j_`) && strings.Contains(line, "LIMIT 1 OFFSET") {
				bounds[limit]++
			}
		}
	}
	if bounds["0s"] < 2 || bounds["1ns"] < 3*bounds["0s"] {
		t.Errorf("journal bound queries of the rollback: %d with batch_time 0s, %d with 1ns; want several, and many more with 1ns (batches shrink)", bounds["0s"], bounds["1ns"])
	}
}

// TestSavedPlanBatchedKeyTypes: a saved plan's stale check reads each
// window's first key with MIN where the key type has one; a key without
// (PostgreSQL has no MIN of a uuid) or a text key must still apply in
// batches from the file, change the planned rows and roll back byte for
// byte.
func TestSavedPlanBatchedKeyTypes(t *testing.T) {
	f := postgresFixture(t)
	execSQL(t, f.db,
		`CREATE TABLE tickets (id uuid PRIMARY KEY, created_at timestamptz NOT NULL, note text)`,
		`INSERT INTO tickets SELECT md5(i::text)::uuid, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i FROM generate_series(1, 300) i`,
		`CREATE TABLE codes (code text PRIMARY KEY, created_at timestamptz NOT NULL, note text)`,
		`INSERT INTO codes SELECT 'c' || lpad(i::text, 4, '0'), timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i FROM generate_series(1, 300) i`,
	)
	for _, table := range []string{"tickets", "codes"} {
		t.Run(table, func(t *testing.T) {
			sum := func() string {
				return providertest.Checksum(t, f.db, "SELECT * FROM "+table+" ORDER BY created_at")
			}
			orig := sum()
			dir := t.TempDir()
			writeFile(t, dir, "main.hcl", batchSource(f, 20)+fmt.Sprintf("target %q {\n  source      = %s\n  table       = %q\n  time_column = \"created_at\"\n}\n", table, f.addr, table)+
				fmt.Sprintf("anomaly \"null_rate\" \"notes\" {\n  target = target.%s\n  column = \"note\"\n  volume = 0.5\n%s  seed   = 7\n}\n", table, window10h))
			file := filepath.Join(dir, "plan.json")
			plan := mustOK(t, cli(t, dir, "plan", "-out", file))
			planned := plannedRows(t, plan.stdout)["anomaly.null_rate.notes"]
			if planned < 60 {
				t.Fatalf("planned %d rows; the test needs several batches of 20\n%s", planned, plan.stdout)
			}
			a := mustOK(t, cli(t, dir, "apply", "-auto-approve", file))
			wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned))
			if n := queryInt(t, f.db, "SELECT COUNT(*) FROM "+table+" WHERE note IS NULL"); n != int64(planned) {
				t.Errorf("%d NULL notes after apply, want the %d planned", n, planned)
			}
			mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
			if sum() != orig {
				t.Error("rollback did not restore " + table)
			}
		})
	}
}

// TestBatchedLanes: on PostgreSQL a batched change whose key is one
// integer column works on parts of its key span side by side (lanes, the
// source's batch_lanes, 2 by default): the state records the lanes, the
// table ends byte-identical to a run one batch at a time, a run killed
// part way carries on with each lane and changes exactly the rows
// planned, and rollback restores every byte.
func TestBatchedLanes(t *testing.T) {
	bin := anomgenBinary(t)
	f := postgresFixture(t)
	const addr = "anomaly.numeric_shift.amounts"
	block := "anomaly \"numeric_shift\" \"amounts\" {\n  target = target.orders\n  column = \"amount\"\n  volume = 1\n" + window10h + "  seed   = 5\n}\n"
	orig := f.checksum(t)
	workspace := func(lanes int) string {
		dir := t.TempDir()
		src := batchSource(f, 40)
		if lanes > 0 {
			i := strings.LastIndex(src, "}")
			src = src[:i] + fmt.Sprintf("  batch_lanes = %d\n", lanes) + src[i:]
		}
		writeFile(t, dir, "main.hcl", src+f.target())
		writeFile(t, dir, "anomalies.hcl", block)
		return dir
	}
	rollback := func(dir string) {
		t.Helper()
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
		if got := f.checksum(t); got != orig {
			t.Fatalf("checksum after rollback = %s, want %s", got, orig)
		}
	}
	lanesOf := func(dir string) []map[string]any {
		t.Helper()
		b, err := os.ReadFile(statePath(dir))
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Anomalies []struct {
				Address string
				Batches struct {
					Lanes []map[string]any `json:"lanes"`
				} `json:"batches"`
			} `json:"anomalies"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatal(err)
		}
		for _, a := range st.Anomalies {
			if a.Address == addr {
				return a.Batches.Lanes
			}
		}
		t.Fatalf("no %s in the state:\n%s", addr, b)
		return nil
	}

	// One batch at a time: the reference.
	one := workspace(1)
	planned := plannedRows(t, mustOK(t, cli(t, one, "plan")).stdout)[addr]
	if planned < 8*40 {
		t.Fatalf("the plan counts %d rows; the test needs at least 8 batches of 40", planned)
	}
	mustOK(t, cli(t, one, "apply", "-auto-approve"))
	if l := lanesOf(one); len(l) != 0 {
		t.Errorf("batch_lanes = 1 recorded lanes: %v", l)
	}
	want := f.checksum(t)
	rollback(one)

	// Two lanes from a saved plan: the stale check read the key span.
	two := workspace(0)
	file := filepath.Join(two, "plan.json")
	mustOK(t, cli(t, two, "plan", "-out", file))
	log := filepath.Join(t.TempDir(), "apply.log")
	a := mustOK(t, cli(t, two, "-log-level=debug", "-log-file="+log, "apply", "-auto-approve", file))
	wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned))
	l := lanesOf(two)
	if len(l) != 2 || l[0]["done"] != true || l[1]["done"] != true || l[0]["upto"] == nil || l[1]["after"] != l[0]["upto"] {
		t.Errorf("state lanes = %v, want two finished lanes, the second after the first's end", l)
	}
	al, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(al), `t.\"id\" <= $`) {
		t.Errorf("no batch bounded by its lane's end in the apply's log:\n%s", al)
	}
	if got := f.checksum(t); got != want {
		t.Errorf("two lanes left checksum %s, one at a time %s", got, want)
	}
	// The label's mean after adds up the moves both lanes' batches
	// returned (no journal read): it must be what a query reads.
	if n, m := strings.Count(string(al), `sql="WITH j AS`), strings.Count(string(al), `) AS moved`); n < 8 || m != n || strings.Contains(string(al), `sql="SELECT COALESCE(n.n0`) {
		t.Errorf("%d batch statements, %d of them returned the label's move, journal read: %v; want every batch's move, no journal read",
			n, m, strings.Contains(string(al), `sql="SELECT COALESCE(n.n0`))
	}
	mean := queryFloat(t, f.db, `SELECT AVG(CAST(amount AS double precision)) FROM orders WHERE created_at >= '2026-01-01 00:00:00' AND created_at < '2026-01-01 10:00:00' AND amount IS NOT NULL`)
	for _, l := range stateLabels(t, two) {
		if l.Address != addr {
			continue
		}
		if l.InjectedValue == nil {
			t.Errorf("%s: label %s not measured after the change", addr, l.Metric)
		} else if math.Abs(*l.InjectedValue-mean) > 1e-9*math.Abs(mean) {
			t.Errorf("%s: label %s after %v, a query reads %v", addr, l.Metric, *l.InjectedValue, mean)
		}
	}
	rollback(two)

	// Killed after five batches (plain apply: it reads the key span
	// itself), the next apply carries on with each lane.
	p := startApply(t, bin, two, "ANOMGEN_TEST_HOOK=after-batch-5")
	if !p.killAfter(t, p.stderr, "anomgen-test-hook: after-batch-5", 1, 0, false) {
		t.Fatal("the apply was not killed")
	}
	if st := catalogStatus(t, f, addr); st != "partial" {
		t.Fatalf("catalog status after the kill = %q, want partial", st)
	}
	r := mustOK(t, cli(t, two, "plan"))
	wantAll(t, r, r.stdout+r.stderr, "partly applied: 5 of ~")
	// Resumed with batch_lanes = 1, the recorded lanes run one after the
	// other.
	writeFile(t, two, "main.hcl", strings.Replace(batchSource(f, 40), "  batch_rows", "  batch_lanes = 1\n  batch_rows", 1)+f.target())
	a = mustOK(t, cli(t, two, "apply", "-auto-approve"))
	wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", planned))
	if st := catalogStatus(t, f, addr); st != "applied" {
		t.Errorf("catalog status after the resumed apply = %q, want applied", st)
	}
	if got := shownRows(t, mustOK(t, cli(t, two, "state", "show", addr))); got != planned {
		t.Errorf("state records %d rows, want %d", got, planned)
	}
	if got := f.checksum(t); got != want {
		t.Errorf("the resumed lanes left checksum %s, one at a time %s", got, want)
	}
	rollback(two)
}
