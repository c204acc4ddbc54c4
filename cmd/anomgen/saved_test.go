package main

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

// Saved plans (issue 12): plan -out, apply FILE, show FILE.

func savedFixtures(t *testing.T, parallel bool, fn func(t *testing.T, f *fixture), more ...string) {
	t.Helper()
	for _, db := range []struct {
		name string
		make func(testing.TB) *fixture
	}{{"sqlite", sqliteFixture}, {"postgres", postgresFixture}, {"mysql", mysqlFixture}} {
		if db.name == "mysql" && len(more) == 0 {
			continue
		}
		t.Run(db.name, func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			fn(t, db.make(t))
		})
	}
}

func readPlanFile(t *testing.T, path string) (savedPlan, *planner.Plan) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sp savedPlan
	if err := json.Unmarshal(b, &sp); err != nil {
		t.Fatal(err)
	}
	return sp, sp.Plan
}

// journalKeys lists the keys (id) a journal holds.
func journalKeys(t *testing.T, f *fixture, j state.Journal) []int64 {
	t.Helper()
	var table string
	switch f.name {
	case "sqlite":
		table = `"` + j.Schema + `_j_` + j.ID + `"`
	case "mysql":
		table = "`" + j.Schema + "`.`j_" + j.ID + "`"
	default:
		table = `"` + j.Schema + `"."j_` + j.ID + `"`
	}
	rows, err := f.db.Query("SELECT id FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// selectedKeys is the selection of a saved null_rate mutation over the
// fixture's orders, computed here: ids in the window (id minutes after
// 2026-01-01) with a non-NULL email whose hash of seed and key falls below
// the threshold.
func selectedKeys(m *planner.Mutation) []int64 {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []int64
	for id := int64(1); id <= ordersRows; id++ {
		at := base.Add(time.Duration(id) * time.Minute)
		if at.Before(m.Where.From) || !at.Before(m.Where.To) || id%50 == 0 {
			continue
		}
		sum := md5.Sum([]byte(fmt.Sprintf("%d:%d", m.Where.Seed, id)))
		if int64(binary.BigEndian.Uint32(sum[:4])) < m.Where.Threshold() {
			out = append(out, id)
		}
	}
	return out
}

// TestSavedPlanAppliesExactly saves a plan with a relative window, moves
// the clock past it, and applies the file: exactly the rows the saved
// mutation selects change (the journal's keys), not those of a new plan.
// Sequential: it sets the package's plan clock.
func TestSavedPlanAppliesExactly(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	defer func() { planClock = time.Now }()
	savedFixtures(t, false, func(t *testing.T, f *fixture) {
		const addr = "anomaly.null_rate.recent"
		dir := scenario(t, f, "anomaly \"null_rate\" \"recent\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n  window {\n    last = \"1h\"\n  }\n}\n")
		file := filepath.Join(dir, "reviewed.plan")
		planClock = func() time.Time { return t0 }
		r := mustOK(t, cli(t, dir, "plan", "-out", file, "-sql"))
		wantAll(t, r, r.stdout, "Saved the plan to "+file, "-- apply:", "-- rollback:")
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("plan file: %v, mode %v", err, fi.Mode())
		}
		sp, p := readPlanFile(t, file)
		if sp.FormatVersion != savedPlanFormat || sp.AnomgenVersion != version {
			t.Errorf("format %d, version %q", sp.FormatVersion, sp.AnomgenVersion)
		}
		if len(p.Changes) != 1 || p.Changes[0].Mutation == nil || len(p.Changes[0].SQL) == 0 || len(p.Changes[0].ReverseSQL) == 0 {
			t.Fatalf("saved plan: %+v", p.Changes)
		}
		fp, ok := p.Targets["orders"]
		if !ok || fp.Rows != ordersRows || fp.MaxTime == nil || len(fp.Columns) != 5 || fp.WindowRows[addr] != 60 {
			t.Errorf("fingerprint %+v", fp)
		}
		m := p.Changes[0].Mutation
		want := selectedKeys(m)
		if int64(len(want)) != p.Changes[0].Rows || len(want) == 0 {
			t.Fatalf("the plan counted %d rows, the selection computed here has %d", p.Changes[0].Rows, len(want))
		}
		r = mustOK(t, cli(t, dir, "show", file, "-sql"))
		wantAll(t, r, r.stdout, addr, "-- apply:", "-- rollback:")
		r = mustOK(t, cli(t, dir, "show", "-json", file))
		validatePlanJSON(t, []byte(r.stdout)) // planschema_test.go
		wantAll(t, r, r.stdout, `"sql": [`, `"reverse_sql": [`)

		// The clock moves three hours on: a new plan's window would be
		// 12:00-13:00, which the saved plan must not follow.
		planClock = func() time.Time { return t0.Add(3 * time.Hour) }
		r = mustOK(t, cli(t, dir, "apply", file, "-auto-approve"))
		wantAll(t, r, r.stdout, "Apply complete!")
		st, err := state.Load(statePath(dir))
		if err != nil {
			t.Fatal(err)
		}
		a := st.Get(addr)
		if a == nil || a.Window == nil || !a.Window.End.Equal(t0) {
			t.Fatalf("state entry %+v", a)
		}
		if len(a.Settings) == 0 {
			t.Error("the state keeps no settings")
		}
		got := journalKeys(t, f, a.Journal)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the journal holds keys %v, the saved selection %v", got, want)
		}
		if n := f.nullsInWindow(t, 540, 600); n != int64(len(want))+1 { // id 550 was NULL already
			t.Errorf("%d NULL emails in the saved window, want %d", n, len(want)+1)
		}
		// Applied once, the file is stale (the state moved on).
		r = cli(t, dir, "apply", file, "-auto-approve")
		if r.code == 0 || !strings.Contains(r.stderr, "is stale") {
			t.Errorf("a second apply of the same file:\n%s", r)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	}, "mysql")
}

// TestSavedPlanStale: apply FILE refuses a plan made before the state or
// the table changed, and changes nothing.
func TestSavedPlanStale(t *testing.T) {
	savedFixtures(t, true, func(t *testing.T, f *fixture) {
		cases := []struct {
			name   string
			change func(t *testing.T, dir string)
			want   string
		}{
			{"state changed", func(t *testing.T, dir string) {
				mustOK(t, cli(t, dir, "apply", "-target", "anomaly.numeric_shift.b_shift", "-auto-approve"))
			}, "the state moved on"},
			{"rows added in the window", func(t *testing.T, dir string) {
				execSQL(t, f.db, insertOrder(f, 9001, "2026-01-01 05:30:00"))
			}, "rows added or removed in the window"},
			{"rows removed in the window", func(t *testing.T, dir string) {
				execSQL(t, f.db, "DELETE FROM orders WHERE id = 100")
			}, "its window held 600 rows when planned, 599 now (rows added or removed in the window)"},
			{"newest time moved", func(t *testing.T, dir string) {
				execSQL(t, f.db, insertOrder(f, 9002, "2026-03-01 00:00:00"))
			}, "the newest row's time moved"},
			{"column dropped", func(t *testing.T, dir string) {
				execSQL(t, f.db, "ALTER TABLE orders DROP COLUMN note")
			}, "its columns changed (gone or changed: note"},
		}
		if f.name == "postgres" {
			// An empty child table: no count moves, but the plan's
			// statements would not reach rows added to it.
			cases = append(cases, struct {
				name   string
				change func(t *testing.T, dir string)
				want   string
			}{"child table", func(t *testing.T, dir string) {
				execSQL(t, f.db, "CREATE TABLE orders_archive () INHERITS (orders)")
				t.Cleanup(func() { execSQL(t, f.db, "DROP TABLE orders_archive") })
			}, "target orders: its rows were in the table alone when planned, in partitions or child tables now (the table was partitioned, inherited from or detached since)"})
		}
		for _, c := range cases {
			dir := scenario(t, f, nullRate("a_nulls", "0.3")+numericShift("b_shift"))
			file := filepath.Join(dir, "reviewed.plan")
			mustOK(t, cli(t, dir, "plan", "-out", file))
			c.change(t, dir)
			before, journals := ordersSum(t, f), f.journals(t)
			stBefore, _ := os.ReadFile(statePath(dir))
			r := cli(t, dir, "apply", file, "-auto-approve")
			if r.code == 0 {
				t.Fatalf("%s: a stale plan was applied:\n%s", c.name, r)
			}
			wantAll(t, r, norm(r.stderr), "is stale", "nothing was changed", c.want)
			if ordersSum(t, f) != before || f.journals(t) != journals {
				t.Errorf("%s: the refused apply changed the table or its journals", c.name)
			}
			if stAfter, _ := os.ReadFile(statePath(dir)); string(stAfter) != string(stBefore) {
				t.Errorf("%s: the refused apply changed the state", c.name)
			}
			if exists(statePath(dir)) {
				mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			}
		}
	}, "mysql")
}

// ordersSum is a checksum of the columns no case drops (a query of its
// own: PostgreSQL's cached plan of SELECT * fails once a column is gone).
func ordersSum(t *testing.T, f *fixture) string {
	return providertest.Checksum(t, f.db, "SELECT id, email, amount, created_at FROM orders ORDER BY id")
}

func insertOrder(f *fixture, id int, at string) string {
	if f.name == "postgres" {
		return fmt.Sprintf("INSERT INTO orders VALUES (%d, 'x@example.com', 1, timestamptz '%s+00', 'n')", id, at)
	}
	return fmt.Sprintf("INSERT INTO orders VALUES (%d, 'x@example.com', 1, '%s', 'n')", id, at)
}

// TestSavedPlanFlags: planning flags are refused with a saved plan, and a
// file that is not a plan is refused.
func TestSavedPlanFlags(t *testing.T) {
	f := sqliteFixture(t)
	dir := scenario(t, f, nullRate("a_nulls", "0.3"))
	file := filepath.Join(dir, "reviewed.plan")
	mustOK(t, cli(t, dir, "plan", "-out", file))
	for _, args := range [][]string{{"-target", "anomaly.null_rate.a_nulls"}, {"-replace", "anomaly.null_rate.a_nulls"}, {"-dry-run"}} {
		r := cli(t, dir, append([]string{"apply", file}, args...)...)
		if r.code == 0 {
			t.Fatalf("%v accepted with a saved plan:\n%s", args, r)
		}
		wantAll(t, r, norm(r.stderr), args[0]+" cannot be used with a saved plan")
	}
	// The scenario files no longer declare the plan's source.
	moved := strings.ReplaceAll(strings.ReplaceAll(f.source+"\n"+f.target(), `"sqlite" "shop"`, `"sqlite" "other"`), "source.sqlite.shop", "source.sqlite.other")
	writeFile(t, dir, "main.hcl", moved)
	r := cli(t, dir, "apply", file, "-auto-approve")
	wantAll(t, r, norm(r.stderr), "changes anomaly.null_rate.a_nulls on source.sqlite.shop, which the scenario files no longer declare")
	writeFile(t, dir, "not.plan", `{"x": 1}`)
	r = cli(t, dir, "apply", filepath.Join(dir, "not.plan"), "-auto-approve")
	wantAll(t, r, norm(r.stderr), "is not a saved plan")
	if f.journals(t) != 0 {
		t.Error("a refused apply left a journal")
	}
}

// TestReplaceReasons: the state keeps the applied settings, so a replace
// says which changed and why, in the plan value.
func TestReplaceReasons(t *testing.T) {
	f := sqliteFixture(t)
	dir := scenario(t, f, nullRate("a_nulls", "0.3"))
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	writeFile(t, dir, "anomalies.hcl", nullRate("a_nulls", "0.5"))
	file := filepath.Join(dir, "reviewed.plan")
	mustOK(t, cli(t, dir, "plan", "-out", file))
	_, p := readPlanFile(t, file)
	var ch *planner.Change
	for _, c := range p.Changes {
		if c.Address == "anomaly.null_rate.a_nulls" {
			ch = c
		}
	}
	if ch == nil || ch.Action != planner.Replace {
		t.Fatalf("no replace in %+v", p.Changes)
	}
	if fmt.Sprint(ch.Reasons) != "[settings changed]" || len(ch.Changed) != 1 || ch.Changed[0].String() != "volume: 0.3 → 0.5" {
		t.Errorf("reasons %q, changed %v", ch.Reasons, ch.Changed)
	}
	if len(ch.SQL) == 0 || !strings.Contains(ch.SQL[0].SQL, "anomgen_j_") {
		t.Errorf("a replace's statements start with the restore of the applied journal: %+v", ch.SQL)
	}
	r := mustOK(t, cli(t, dir, "apply", file, "-auto-approve"))
	wantAll(t, r, r.stdout, "1 applied, 1 rolled back")
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
}

// TestSavedPlanRefusesSecrets: a sensitive variable's value written into
// the data would be in the plan file: it is refused (by the scenario's
// decoding, before writeSavedPlan's own check of the encoded plan against
// every secret the redactor knows), and no file holds it.
func TestSavedPlanRefusesSecrets(t *testing.T) {
	f := sqliteFixture(t)
	secret := "Sekrit-" + randHex()
	dir := scenario(t, f, "variable \"tag\" {\n  sensitive = true\n  default   = \""+secret+"\"\n}\nanomaly \"sentinel_values\" \"tagged\" {\n  target = target.orders\n  column = \"note\"\n  value  = var.tag\n"+window10h+"}\n")
	file := filepath.Join(dir, "reviewed.plan")
	r := cli(t, dir, "plan", "-out", file)
	if r.code == 0 {
		t.Fatalf("a plan holding a sensitive value was saved:\n%s", r)
	}
	if exists(file) {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), secret) {
			t.Fatal("the plan file holds the secret")
		}
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Errorf("the secret shows:\n%s", r)
	}
}

// TestSavedDestroyPlan: plan -destroy -out saves the rollback of what is
// applied, with its statements; apply FILE carries it out.
func TestSavedDestroyPlan(t *testing.T) {
	f := sqliteFixture(t)
	orig := f.checksum(t)
	dir := scenario(t, f, nullRate("a_nulls", "0.3"))
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	file := filepath.Join(dir, "destroy.plan")
	r := mustOK(t, cli(t, dir, "plan", "-destroy", "-out", file, "-sql"))
	wantAll(t, r, r.stdout, "-- apply:")
	_, p := readPlanFile(t, file)
	if len(p.Changes) != 1 || p.Changes[0].Action != planner.Destroy || len(p.Changes[0].SQL) == 0 || p.Serial == 0 {
		t.Fatalf("saved destroy plan: serial %d, %+v", p.Serial, p.Changes)
	}
	r = mustOK(t, cli(t, dir, "apply", file, "-auto-approve"))
	wantAll(t, r, r.stdout, "0 applied, 1 rolled back")
	if f.checksum(t) != orig || f.journals(t) != 0 {
		t.Error("the saved destroy plan did not restore orders")
	}
}

// TestSavedSchemaPlan: a schema change's saved plan shows its DDL and the
// rollback's, and is applied from the file (PostgreSQL and SQLite).
func TestSavedSchemaPlan(t *testing.T) {
	savedFixtures(t, true, func(t *testing.T, f *fixture) {
		orig := providertest.Checksum(t, f.db, "SELECT id, amount, created_at, note FROM orders ORDER BY id")
		dir := scenario(t, f, "anomaly \"schema_drop_column\" \"lost_email\" {\n  target = target.orders\n  column = \"email\"\n}\n")
		file := filepath.Join(dir, "schema.plan")
		r := mustOK(t, cli(t, dir, "plan", "-out", file, "-sql"))
		wantAll(t, r, r.stdout, "-- apply:", "-- rollback:", "DROP COLUMN")
		_, p := readPlanFile(t, file)
		if len(p.Changes) != 1 || len(p.Changes[0].SQL) == 0 || len(p.Changes[0].ReverseSQL) == 0 {
			t.Fatalf("saved schema plan: %+v", p.Changes)
		}
		mustOK(t, cli(t, dir, "apply", file, "-auto-approve"))
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if providertest.Checksum(t, f.db, "SELECT id, amount, created_at, note FROM orders ORDER BY id") != orig || f.nullsInWindow(t, 0, ordersRows+1) != ordersRows/50 {
			t.Error("rollback did not restore orders")
		}
	})
}

// TestSavedPlanStaleCheckQueries: apply FILE reads a target's rows, newest
// time and the windows of all its changes in one query (one scan), not a
// COUNT, a MAX and one window count per change, and in the same scan the
// label baselines of the table's writers; the statements are those
// the debug log records as they run.
func TestSavedPlanStaleCheckQueries(t *testing.T) {
	savedFixtures(t, true, func(t *testing.T, f *fixture) {
		dir := scenario(t, f, nullRate("a_nulls", "0.3")+numericShift("b_shift"))
		file := filepath.Join(dir, "reviewed.plan")
		mustOK(t, cli(t, dir, "plan", "-out", file))
		logFile := filepath.Join(t.TempDir(), "apply.log")
		mustOK(t, cli(t, dir, "-log-level=debug", "-log-file="+logFile, "apply", "-auto-approve", file))
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		var fingerprints, counts, maxes, exact int
		for _, line := range strings.Split(string(b), "\n") {
			switch {
			case strings.Contains(strings.ToLower(line), "select count(*) from") && strings.Contains(line, "orders") && !strings.Contains(line, " WHERE "):
				exact++ // the profile's exact count of a small table: the fingerprint counts the rows
			case strings.Contains(line, "SELECT COUNT(*), MAX("):
				fingerprints++
				// Two window counts, and, where FILTER exists, the label
				// baselines of both writers (TestLabelBaselineFromStaleCheck):
				// a_nulls' null share (blanks and rows of the window, one
				// more COUNT(*)) and b_shift's mean, which a_nulls leaves as
				// it was (it updates email only).
				want := 2
				if f.name != "mysql" {
					want = 3
					if !strings.Contains(line, "THEN 1 ELSE 0 END) FILTER (WHERE") || !strings.Contains(line, `SUM(CAST(t.\"amount\"`) {
						t.Errorf("the fingerprint query does not measure both writers' label baselines:\n%s", line)
					}
				}
				if n := strings.Count(line, "COUNT(*) FILTER (WHERE") + strings.Count(line, "COUNT(CASE WHEN"); n != want {
					t.Errorf("the fingerprint query counts %d windows and rows of label metrics, want %d:\n%s", n, want, line)
				}
			case strings.Contains(line, "SELECT COUNT(*) FROM") && strings.Contains(line, "orders") && strings.Contains(line, " WHERE "):
				counts++ // a window's count of its own
			case strings.Contains(line, "SELECT MAX("):
				maxes++
			}
		}
		if fingerprints != 1 || counts != 0 || maxes != 0 || exact != 0 {
			t.Errorf("apply FILE ran %d fingerprint queries, %d window counts of their own, %d MAX queries and %d exact table counts; want 1, 0, 0, 0:\n%s", fingerprints, counts, maxes, exact, b)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	}, "mysql")
}
