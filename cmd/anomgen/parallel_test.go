package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

// parallelTables are the tables of the parallelism workspace.
var parallelTables = []string{"t1", "t2", "t3", "t4"}

// parallelDB is one fresh copy of the parallelism workspace's database.
type parallelDB struct {
	db *sql.DB
	// name is the database's name where output shows it (MySQL
	// qualifies tables with it), masked when two copies are compared.
	name   string
	source string // the source block
	addr   string
}

// seedParallel creates t1..t4 (500 rows each, one row a minute from
// 2026-01-01) in a fresh database of kind (postgres, mysql or sqlite).
func seedParallel(t *testing.T, kind string) *parallelDB {
	t.Helper()
	var out parallelDB
	switch kind {
	case "postgres":
		p := providertest.NewPostgres(t)
		out = parallelDB{db: p.DB, source: pgSource(p, "shop", true), addr: "source.postgres.shop"}
		for _, tb := range parallelTables {
			execSQL(t, p.DB,
				`CREATE TABLE `+tb+` (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL, note text NOT NULL)`,
				`INSERT INTO `+tb+` SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
				   (i % 97) + 0.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i
				 FROM generate_series(1, 500) i`,
				`ANALYZE `+tb)
		}
	case "mysql":
		m := providertest.NewMySQL(t)
		out = parallelDB{db: m.DB, addr: "source.mysql.shop", name: m.Name,
			source: fmt.Sprintf("source \"mysql\" \"shop\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal)}
		for _, tb := range parallelTables {
			execSQL(t, m.DB,
				`CREATE TABLE `+tb+` (id BIGINT PRIMARY KEY, email VARCHAR(255), amount DECIMAL(10,2), created_at DATETIME NOT NULL, note VARCHAR(64) NOT NULL)`,
				`INSERT INTO `+tb+` SELECT seq, CASE WHEN seq % 50 = 0 THEN NULL ELSE CONCAT('user', seq, '@example.com') END,
				   (seq % 97) + 0.25, TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq MINUTE, CONCAT('n', seq) FROM seq_1_to_500`)
		}
	default:
		s := providertest.NewSQLite(t)
		out = parallelDB{db: s.DB, addr: "source.sqlite.shop",
			source: fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path         = %q\n  allow_writes = true\n}\n", s.Path)}
		for _, tb := range parallelTables {
			execSQL(t, s.DB,
				`CREATE TABLE `+tb+` (id INTEGER PRIMARY KEY, email TEXT, amount NUMERIC(10,2), created_at TEXT NOT NULL, note TEXT NOT NULL)`,
				`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 500)
				 INSERT INTO `+tb+` SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
				   (i % 97) + 0.25, datetime('2026-01-01 00:00:00', '+' || i || ' minutes'), 'n' || i FROM s`)
		}
	}
	return &out
}

// workspace writes the scenario: seven anomalies on four tables, three
// stacked on t1 (nulls, then shifted amounts, then dropped rows).
func (p *parallelDB) workspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(p.source)
	for _, tb := range parallelTables {
		fmt.Fprintf(&b, "target %q {\n  source      = %s\n  table       = %q\n  time_column = \"created_at\"\n}\n", tb, p.addr, tb)
	}
	w := "  window {\n    start    = \"2026-01-01T00:00:00Z\"\n    duration = \"6h\"\n  }\n"
	anomaly := func(kind, name, tb, body string) {
		fmt.Fprintf(&b, "anomaly %q %q {\n  target = target.%s\n%s%s}\n", kind, name, tb, body, w)
	}
	anomaly("null_rate", "a_t1_nulls", "t1", "  column = \"email\"\n  volume = 0.4\n  seed   = 7\n")
	anomaly("numeric_shift", "b_t1_amounts", "t1", "  column    = \"amount\"\n  amplitude = 0.5\n  volume    = 0.5\n  seed      = 3\n")
	anomaly("volume_drop", "c_t1_gone", "t1", "  volume = 0.3\n  seed   = 11\n")
	anomaly("null_rate", "d_t2_nulls", "t2", "  column = \"email\"\n  volume = 0.3\n  seed   = 5\n")
	anomaly("numeric_shift", "e_t3_amounts", "t3", "  column    = \"amount\"\n  amplitude = 0.3\n  volume    = 0.6\n  seed      = 9\n")
	anomaly("volume_drop", "f_t4_gone", "t4", "  volume = 0.5\n  seed   = 13\n")
	anomaly("string_case", "g_t2_notes", "t2", "  column = \"note\"\n  volume = 0.5\n  seed   = 17\n")
	writeFile(t, dir, "main.hcl", b.String())
	return dir
}

// checksums is every table's checksum (all rows in key order).
func (p *parallelDB) checksums(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range parallelTables {
		out[tb] = providertest.Checksum(t, p.db, "SELECT * FROM "+tb+" ORDER BY id")
	}
	return out
}

// norm masks the database's name in text.
func (p *parallelDB) norm(text string) string {
	if p.name == "" {
		return text
	}
	return strings.ReplaceAll(text, p.name, "DB")
}

// sortedLines is text's lines, sorted.
func sortedLines(text string) string {
	lines := strings.Split(text, "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// stateSummary is what the state records, without ids and times.
func stateSummary(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(statePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var st state.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range st.Anomalies {
		out = append(out, fmt.Sprintf("%s %s %s rows=%d status=%q", a.Address, a.Kind, journalTable(a), a.Rows, a.Status))
	}
	sort.Strings(out)
	return out
}

var (
	elapsedRE = regexp.MustCompile(`done after [^:]+:`)
	// journalRE matches journal ids, random per apply.
	journalRE = regexp.MustCompile(`journal [0-9a-f]{16}`)
	// appliedRE matches when an anomaly was applied.
	appliedRE = regexp.MustCompile(`applied \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)`)
)

// sameOutput is text with elapsed times, journal ids and application
// times masked.
func sameOutput(text string) string {
	text = appliedRE.ReplaceAllString(elapsedRE.ReplaceAllString(text, "done:"), "applied (TIME)")
	return journalRE.ReplaceAllString(text, "journal ID")
}

// TestParallelismSameResult applies the same workspace with -parallelism 1
// and 10 on two identical fresh databases: the plans are byte-identical,
// so are the tables afterwards, the apply output (elapsed times and the
// random journal ids aside) and the states; rollback restores the original checksums in both.
func TestParallelismSameResult(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			one, ten := seedParallel(t, kind), seedParallel(t, kind)
			original := one.checksums(t)
			if got := ten.checksums(t); fmt.Sprint(got) != fmt.Sprint(original) {
				t.Fatalf("the two copies differ before apply: %v vs %v", original, got)
			}
			dirOne, dirTen := one.workspace(t), ten.workspace(t)

			plan1 := mustOK(t, cli(t, dirOne, "plan", "-parallelism", "1", "-no-color"))
			plan10 := mustOK(t, cli(t, dirOne, "plan", "-parallelism", "10", "-no-color"))
			if plan1.stdout != plan10.stdout {
				t.Fatalf("plan text differs between -parallelism 1 and 10:\n--- 1 ---\n%s\n--- 10 ---\n%s", plan1.stdout, plan10.stdout)
			}
			if n := len(plannedRows(t, plan1.stdout)); n != 7 {
				t.Fatalf("the plan shows %d counted changes, want 7:\n%s", n, plan1)
			}
			planTen := mustOK(t, cli(t, dirTen, "plan", "-parallelism", "10", "-no-color"))
			if ten.norm(planTen.stdout) != one.norm(plan1.stdout) {
				t.Errorf("the plan of the second copy differs:\n--- copy 1 ---\n%s\n--- copy 2 ---\n%s", plan1.stdout, planTen.stdout)
			}

			a1 := mustOK(t, cli(t, dirOne, "apply", "-auto-approve", "-parallelism", "1", "-no-color"))
			a10 := mustOK(t, cli(t, dirTen, "apply", "-auto-approve", "-parallelism", "10", "-no-color"))
			if x, y := one.norm(sameOutput(a1.stdout)), ten.norm(sameOutput(a10.stdout)); x != y {
				t.Errorf("apply output differs (elapsed times aside):\n--- 1 ---\n%s\n--- 10 ---\n%s", x, y)
			}
			wantAll(t, a10, a10.stdout, "Apply complete! 7 applied, 0 rolled back.")
			after1, after10 := one.checksums(t), ten.checksums(t)
			for _, tb := range parallelTables {
				if after1[tb] != after10[tb] {
					t.Errorf("%s differs after apply: %s with -parallelism 1, %s with 10", tb, after1[tb], after10[tb])
				}
				if after1[tb] == original[tb] {
					t.Errorf("%s is unchanged after apply (%s)", tb, after1[tb])
				}
			}
			if s1, s10 := one.norm(strings.Join(stateSummary(t, dirOne), "\n")), ten.norm(strings.Join(stateSummary(t, dirTen), "\n")); s1 != s10 || strings.Count(s1, "\n") != 6 {
				t.Errorf("states differ:\n%s\n---\n%s", s1, s10)
			}

			r1 := mustOK(t, cli(t, dirOne, "rollback", "-all", "-auto-approve", "-parallelism", "1", "-no-color"))
			r10 := mustOK(t, cli(t, dirTen, "rollback", "-all", "-auto-approve", "-parallelism", "10", "-no-color"))
			// Reverts run newest first (planner), and tables applied at the
			// same time interleave by time: the same lines, in an order that
			// may differ between tables (never within one).
			if x, y := sortedLines(one.norm(sameOutput(r1.stdout))), sortedLines(ten.norm(sameOutput(r10.stdout))); x != y {
				t.Errorf("rollback output differs (elapsed times, journal ids, application times and order aside):\n--- 1 ---\n%s\n--- 10 ---\n%s", r1.stdout, r10.stdout)
			}
			for _, r := range []result{r1, r10} {
				c, b := strings.Index(r.stdout, "volume_drop.c_t1_gone: Rolling back"), strings.Index(r.stdout, "numeric_shift.b_t1_amounts: Rolling back")
				if a := strings.Index(r.stdout, "null_rate.a_t1_nulls: Rolling back"); c < 0 || c > b || b > a {
					t.Errorf("the stacked anomalies of t1 were not rolled back newest first:\n%s", r)
				}
			}
			for name, db := range map[string]*parallelDB{"-parallelism 1": one, "-parallelism 10": ten} {
				got := db.checksums(t)
				for _, tb := range parallelTables {
					if got[tb] != original[tb] {
						t.Errorf("%s: %s after rollback is %s, want the original %s", name, tb, got[tb], original[tb])
					}
				}
			}
			if s := stateSummary(t, dirTen); len(s) != 0 {
				t.Errorf("the state still records %v after rollback -all", s)
			}
		})
	}
}

// TestParallelismFlag refuses -parallelism 0 with a fix.
func TestParallelismFlag(t *testing.T) {
	p := seedParallel(t, "sqlite")
	dir := p.workspace(t)
	r := cli(t, dir, "apply", "-auto-approve", "-parallelism", "0")
	if r.code == 0 {
		t.Fatalf("apply -parallelism 0 ran:\n%s", r)
	}
	wantAll(t, r, r.stderr, "-parallelism 0: use 1 or more")
	if _, err := os.Stat(statePath(dir)); err == nil {
		t.Error("a state file was written by a refused apply")
	}

	// max_connections must be positive; the diagnostic points at it.
	b, err := os.ReadFile(dir + "/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "main.hcl", strings.Replace(string(b), "allow_writes = true\n", "allow_writes = true\n  max_connections = 0\n", 1))
	r = cli(t, dir, "validate")
	if r.code == 0 {
		t.Fatalf("max_connections = 0 validated:\n%s", r)
	}
	wantAll(t, r, r.stderr, "Invalid value for max_connections", "on main.hcl line 4", "max_connections = 0: use a positive number of connections (default 4)")
	writeFile(t, dir, "main.hcl", strings.Replace(string(b), "allow_writes = true\n", "allow_writes = true\n  max_connections = 2\n", 1))
	mustOK(t, cli(t, dir, "validate"))
}
