package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

// Issue 10, defects 1 and 6: folders sharing a database only ever touch
// their own anomalies, and a journal that vanished is reported as lost,
// never re-applied on its own.

// mysqlFixture is the CLI tests' orders table on a throwaway MariaDB/MySQL
// database, with its journal schema (a database of its own).
func mysqlFixture(t testing.TB) *fixture {
	t.Helper()
	m := providertest.NewMySQL(t)
	execSQL(t, m.DB,
		`CREATE TABLE orders (id BIGINT PRIMARY KEY, email VARCHAR(255), amount DECIMAL(10,2), created_at DATETIME NOT NULL, note VARCHAR(64) NOT NULL)`,
		fmt.Sprintf(`INSERT INTO orders SELECT seq, CASE WHEN seq %% 50 = 0 THEN NULL ELSE CONCAT('user', seq, '@example.com') END,
		   (seq %% 97) + 0.25, TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq MINUTE, CONCAT('n', seq) FROM seq_1_to_%d`, ordersRows),
		`CREATE TABLE events (a INTEGER, b TEXT)`,
		`INSERT INTO events VALUES (1, 'x'), (2, 'y')`,
	)
	return &fixture{
		name: "mysql", db: m.DB, addr: "source.mysql.shop",
		source: fmt.Sprintf("source \"mysql\" \"shop\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal),
		journals: func(t testing.TB) int64 {
			return queryInt(t, m.DB, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE 'j\_%'`, m.Journal)
		},
		catalog: func(t testing.TB) map[string]string {
			if queryInt(t, m.DB, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'journals'`, m.Journal) == 0 {
				return map[string]string{}
			}
			return readCatalog(t, m.DB, fmt.Sprintf("SELECT address, id FROM `%s`.journals", m.Journal))
		},
		dropJournals: func(t testing.TB) {
			execSQL(t, m.DB, fmt.Sprintf("DROP DATABASE `%s`", m.Journal))
		},
		dropJournal: func(t testing.TB, id string) {
			execSQL(t, m.DB, fmt.Sprintf("DROP TABLE `%s`.`j_%s`", m.Journal, id))
		},
	}
}

// allFixtures runs fn as a parallel subtest on SQLite, PostgreSQL and
// MariaDB.
func allFixtures(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, db := range []struct {
		name string
		make func(testing.TB) *fixture
	}{{"sqlite", sqliteFixture}, {"postgres", postgresFixture}, {"mysql", mysqlFixture}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fn(t, db.make(t))
		})
	}
}

// stateAddrs lists the addresses a folder's state records.
func stateAddrs(t *testing.T, dir string) []string {
	t.Helper()
	st, err := state.Load(statePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range st.Anomalies {
		out = append(out, a.Address)
	}
	sort.Strings(out)
	return out
}

func catalogAddrs(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	for a := range f.catalog(t) {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func wantList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

// TestTwoWorkspaces: two folders with different anomalies on one table,
// in every order of apply and rollback, each touching only its own; and a
// folder with no state never adopts, plans or rolls back the other's.
func TestTwoWorkspaces(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		orig := f.checksum(t)
		const aAddr, bAddr = "anomaly.null_rate.a_nulls", "anomaly.numeric_shift.b_shift"
		type step struct{ who, cmd string }
		orders := [][]step{
			{{"A", "apply"}, {"B", "apply"}, {"A", "rollback"}, {"B", "rollback"}},
			{{"A", "apply"}, {"B", "apply"}, {"B", "rollback"}, {"A", "rollback"}},
			{{"B", "apply"}, {"A", "apply"}, {"A", "rollback"}, {"B", "rollback"}},
			{{"B", "apply"}, {"A", "apply"}, {"B", "rollback"}, {"A", "rollback"}},
		}
		for i, order := range orders {
			dirs := map[string]string{
				"A": scenario(t, f, nullRate("a_nulls", "0.3")),
				"B": scenario(t, f, numericShift("b_shift")),
			}
			own := map[string]string{"A": aAddr, "B": bAddr}
			applied := map[string]bool{}
			for _, s := range order {
				other := map[string]string{"A": "B", "B": "A"}[s.who]
				if s.cmd == "apply" {
					// The folder's plan is its own create only, whatever
					// the other applied; the other's shows as information.
					r := mustOK(t, cli(t, dirs[s.who], "plan", "-no-color"))
					wantAll(t, r, r.stdout, "Plan: 1 to create, 0 to replace, 0 to destroy.")
					wantNone(t, r, r.stdout+r.stderr, "recovering", "will be destroyed", own[other]+" will")
					if applied[other] {
						wantAll(t, r, r.stdout, "Other workspaces' anomalies on these tables", own[other])
					}
					mustOK(t, cli(t, dirs[s.who], "apply", "-auto-approve", "-no-color"))
					applied[s.who] = true
				} else {
					r := mustOK(t, cli(t, dirs[s.who], "rollback", "-all", "-auto-approve", "-no-color"))
					wantAll(t, r, r.stdout, "0 applied, 1 rolled back")
					applied[s.who] = false
				}
				for _, w := range []string{"A", "B"} {
					var want []string
					if applied[w] {
						want = append(want, own[w])
					}
					wantList(t, fmt.Sprintf("order %d after %s %s: state of %s", i, s.who, s.cmd, w), stateAddrs(t, dirs[w]), want...)
				}
				var want []string
				for _, w := range []string{"A", "B"} {
					if applied[w] {
						want = append(want, own[w])
					}
				}
				wantList(t, fmt.Sprintf("order %d after %s %s: catalog", i, s.who, s.cmd), catalogAddrs(t, f), want...)
			}
			if got := f.checksum(t); got != orig {
				t.Fatalf("order %d: table orders is not byte-identical after both rollbacks: %s, want %s", i, got, orig)
			}
		}

		// B with no state while A is applied: nothing of A's is adopted,
		// planned for destruction or rolled back.
		a := scenario(t, f, nullRate("a_nulls", "0.3"))
		mustOK(t, cli(t, a, "apply", "-auto-approve"))
		afterA := f.checksum(t)
		b := scenario(t, f, numericShift("b_shift"))
		r := mustOK(t, cli(t, b, "plan", "-destroy", "-no-color"))
		wantAll(t, r, r.stdout, "No changes.")
		r = mustOK(t, cli(t, b, "rollback", "-all", "-auto-approve", "-no-color"))
		wantNone(t, r, r.stdout+r.stderr, "rolled back from its journal", "recovering")
		if got := f.checksum(t); got != afterA {
			t.Fatalf("a folder with no state changed the table on rollback -all")
		}
		wantList(t, "catalog after B's rollback -all", catalogAddrs(t, f), aAddr)
		wantList(t, "state of B", stateAddrs(t, b))
		mustOK(t, cli(t, a, "rollback", "-all", "-auto-approve"))
		if got := f.checksum(t); got != orig {
			t.Fatalf("table orders is not byte-identical at the end")
		}
	})
}

// TestStackedWorkspaces: two folders changing the same cells are warned
// of each other; rolled back in the wrong order, the first rollback leaves
// the rows the other changed alone (exit 2) instead of restoring stale
// values, and once the other is rolled back, it finishes.
func TestStackedWorkspaces(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		orig := f.checksum(t)
		a := scenario(t, f, numericShift("a_shift"))
		b := scenario(t, f, numericShift("b_shift"))
		mustOK(t, cli(t, a, "apply", "-auto-approve"))
		r := mustOK(t, cli(t, b, "apply", "-auto-approve", "-no-color"))
		wantAll(t, r, norm(r.stderr), "anomaly.numeric_shift.a_shift", "also changed column amount of", "may stack")
		r = cli(t, a, "rollback", "-all", "-auto-approve", "-no-color")
		if r.code != 2 {
			t.Fatalf("rolling back the lower of two stacked anomalies first: want exit 2 (rows left alone):\n%s", r)
		}
		mustOK(t, cli(t, b, "rollback", "-all", "-auto-approve"))
		mustOK(t, cli(t, a, "rollback", "-all", "-auto-approve"))
		if got := f.checksum(t); got != orig {
			t.Fatalf("stacked anomalies rolled back in the wrong order, then finished: checksum %s, want %s", got, orig)
		}
	})
}

// TestWorkspaceRecover: a folder whose state file is lost neither adopts
// nor applies again its anomalies by itself: with a workspace name it
// refuses to plan and `state recover` adopts them; without one, recover
// lists the lineages and adopts only the one named.
func TestWorkspaceRecover(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		orig := f.checksum(t)
		named := scenario(t, f, nullRate("a_nulls", "0.3")+"anomgen {\n  workspace = \"acme-staging\"\n}\n")
		mustOK(t, cli(t, named, "apply", "-auto-approve"))
		applied := f.checksum(t)
		if err := os.Remove(statePath(named)); err != nil {
			t.Fatal(err)
		}
		r := cli(t, named, "plan", "-no-color")
		if r.code != 1 {
			t.Fatalf("plan with a lost state and the catalog holding this workspace's anomalies: want a refusal:\n%s", r)
		}
		wantAll(t, r, norm(r.stderr), `workspace "acme-staging"`, "anomaly.null_rate.a_nulls", "anomgen state recover")
		r = mustOK(t, cli(t, named, "state", "recover", "-no-color"))
		wantAll(t, r, r.stdout, "Recovered 1 anomaly")
		wantList(t, "recovered state", stateAddrs(t, named), "anomaly.null_rate.a_nulls")
		r = mustOK(t, cli(t, named, "plan", "-no-color"))
		wantAll(t, r, r.stdout, "No changes.")
		if got := f.checksum(t); got != applied {
			t.Fatal("recover changed the table")
		}
		mustOK(t, cli(t, named, "rollback", "-all", "-auto-approve"))
		if got := f.checksum(t); got != orig {
			t.Fatal("rollback after recover is not byte-identical")
		}

		// No workspace name: recover lists, adopts nothing, until told.
		plain := scenario(t, f, nullRate("a_nulls", "0.3"))
		mustOK(t, cli(t, plain, "apply", "-auto-approve"))
		st, err := state.Load(statePath(plain))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(statePath(plain)); err != nil {
			t.Fatal(err)
		}
		r = cli(t, plain, "state", "recover", "-no-color")
		if r.code != 1 {
			t.Fatalf("recover without a workspace name or -lineage: want a refusal listing the lineages:\n%s", r)
		}
		wantAll(t, r, r.stdout+norm(r.stderr), "lineage "+st.Lineage, "anomaly.null_rate.a_nulls", "-lineage ID")
		if exists(statePath(plain)) {
			st2, _ := state.Load(statePath(plain))
			if len(st2.Anomalies) != 0 {
				t.Fatalf("recover without -lineage adopted %d anomalies", len(st2.Anomalies))
			}
		}
		r = mustOK(t, cli(t, plain, "state", "recover", "-lineage", st.Lineage))
		wantList(t, "recovered state", stateAddrs(t, plain), "anomaly.null_rate.a_nulls")
		mustOK(t, cli(t, plain, "rollback", "-all", "-auto-approve"))
		if got := f.checksum(t); got != orig {
			t.Fatal("rollback after recover -lineage is not byte-identical")
		}
	})
}

// TestLostJournal: a journal dropped outside anomgen (its whole schema, or
// one journal table) is reported as lost with what is known, never applied
// a second time on top by itself, and `state forget` is the one-command
// way out; -replace applies it anew, journaled again.
func TestLostJournal(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		const addr = "anomaly.numeric_shift.shift"
		for _, how := range []string{"schema", "table"} {
			dir := scenario(t, f, numericShift("shift"))
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			shifted := f.checksum(t)
			id := f.catalog(t)[addr]
			if how == "schema" {
				f.dropJournals(t)
			} else {
				f.dropJournal(t, id)
			}
			r := mustOK(t, cli(t, dir, "plan", "-no-color"))
			wantAll(t, r, norm(r.stdout), "Drift", addr, "journal is lost", "amount", "No changes.", "anomgen state forget "+addr)
			wantNone(t, r, r.stdout, "to create")
			r = mustOK(t, cli(t, dir, "apply", "-auto-approve", "-no-color"))
			wantAll(t, r, r.stdout, "No changes.")
			if got := f.checksum(t); got != shifted {
				t.Fatalf("%s dropped: apply changed the table again (the shift was applied twice)", how)
			}
			r = mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve", "-no-color"))
			wantAll(t, r, norm(r.stdout), "journal is lost", "anomgen state forget")
			st, _ := state.Load(statePath(dir))
			if a := st.Get(addr); a == nil || a.Status != state.StatusLost || a.Rows == 0 {
				t.Fatalf("%s dropped: state entry %+v, want it kept as lost with its rows", how, a)
			}
			wantAll(t, r, mustOK(t, cli(t, dir, "state", "list")).stdout, "lost")

			if how == "table" {
				// -replace applies it anew on top of the shifted rows,
				// with a new journal that rolls back to them.
				mustOK(t, cli(t, dir, "apply", "-replace", addr, "-auto-approve"))
				if f.checksum(t) == shifted {
					t.Fatal("apply -replace of a lost anomaly changed nothing")
				}
				mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
				if got := f.checksum(t); got != shifted {
					t.Fatal("rollback of the re-applied anomaly did not restore the rows as the lost change left them")
				}
				wantList(t, "state after rollback", stateAddrs(t, dir))
				continue
			}
			r = mustOK(t, cli(t, dir, "state", "forget", addr, "-no-color"))
			wantAll(t, r, r.stdout, "Forgot "+addr)
			wantList(t, "state after forget", stateAddrs(t, dir))
			wantList(t, "catalog after forget", catalogAddrs(t, f))
			if got := f.checksum(t); got != shifted {
				t.Fatal("state forget changed the table")
			}
			// Forgotten, the block is a new anomaly again.
			r = mustOK(t, cli(t, dir, "plan", "-no-color"))
			wantAll(t, r, r.stdout, "1 to create")
		}
	})
}

// TestRollbackAllCarriesOnPastConflicts: a rollback that must leave rows
// alone (someone changed them after injection) does not stop the others,
// and the summary says which were rolled back only in part.
func TestRollbackAllCarriesOnPastConflicts(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := scenario(t, f, nullRate("nulls", "0.3")+numericShift("shift"))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		// The application changes one amount the shift changed, after
		// injection: the shift's rollback must leave it alone.
		st, err := state.Load(statePath(dir))
		if err != nil {
			t.Fatal(err)
		}
		shift := st.Get("anomaly.numeric_shift.shift")
		id := queryInt(t, f.db, fmt.Sprintf("SELECT MIN(id) FROM orders WHERE id < 600 AND amount <> (id %% 97) + 0.25"))
		if shift == nil || id == 0 {
			t.Fatalf("no shifted row found (entry %+v)", shift)
		}
		execSQL(t, f.db, fmt.Sprintf("UPDATE orders SET amount = 12345.67 WHERE id = %d", id))
		// Both anomalies are rolled back whichever comes first.
		r := cli(t, dir, "rollback", "-all", "-auto-approve", "-no-color")
		if r.code != 2 {
			t.Fatalf("rollback -all with one row changed after injection: want exit 2:\n%s", r)
		}
		wantAll(t, r, norm(r.stdout), "1 rolled back, 1 rolled back in part")
		wantAll(t, r, norm(r.stderr), "1 rows were changed by someone else after injection")
		wantList(t, "state after the partial rollback", stateAddrs(t, dir), "anomaly.numeric_shift.shift")
		if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND id % 50 <> 0"); n != 0 {
			t.Errorf("%d injected NULL emails stayed: the null_rate rollback did not run", n)
		}
		if n := queryInt(t, f.db, fmt.Sprintf("SELECT COUNT(*) FROM orders WHERE id <> %d AND amount <> (id %% 97) + 0.25", id)); n != 0 {
			t.Errorf("%d shifted amounts stayed besides the changed row", n)
		}
		if n := queryInt(t, f.db, fmt.Sprintf("SELECT COUNT(*) FROM orders WHERE id = %d AND amount = 12345.67", id)); n != 1 {
			t.Errorf("the application's write to row %d was overwritten", id)
		}
	})
}

// TestDriftRowsChangedByOthers: plan shows first what changed outside
// anomgen since apply: rows of an applied anomaly that someone changed
// (counted), and a column its journal restores that is gone, each with
// what anomgen will do about it.
func TestDriftRowsChangedByOthers(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := scenario(t, f, numericShift("shift"))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		execSQL(t, f.db, "UPDATE orders SET amount = 999.99 WHERE id IN (SELECT id FROM (SELECT id FROM orders WHERE id < 600 AND amount <> (id % 97) + 0.25 ORDER BY id LIMIT 3) x)")
		r := mustOK(t, cli(t, dir, "plan", "-no-color"))
		wantAll(t, r, norm(r.stdout), "Drift: changed outside anomgen since apply:", "anomaly.numeric_shift.shift: 3 of its", "were changed by someone else since it was applied", "rollback -force anomaly.numeric_shift.shift", "No changes.")
		r = mustOK(t, cli(t, dir, "plan", "-json"))
		wantAll(t, r, r.stdout, `"drift"`, "3 of its")
		// A column the journal restores is gone: the rollback's plan says so.
		execSQL(t, f.db, "ALTER TABLE orders DROP COLUMN amount")
		r = cli(t, dir, "plan", "-destroy", "-no-color")
		wantAll(t, r, norm(r.stdout), "a column the journal restores (amount) is gone", "journal purge anomaly.numeric_shift.shift")
		r = mustOK(t, cli(t, dir, "plan", "-no-color"))
		wantAll(t, r, norm(r.stdout), "column amount of", "which it changed, is gone", "No changes.")
		// The whole table is gone.
		execSQL(t, f.db, "DROP TABLE orders")
		r = mustOK(t, cli(t, dir, "plan", "-no-color"))
		wantAll(t, r, norm(r.stdout), "orders, which it changed, is gone", "journal purge anomaly.numeric_shift.shift", "No changes.")
	})
}
