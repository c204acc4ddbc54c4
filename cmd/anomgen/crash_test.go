package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

// The crash tests run the real binary in a separate process and SIGKILL it
// at chosen points of an apply, then check that the database and the next
// commands behave: a crash leaves either nothing or mutation plus journal.

var (
	// raceEnabled is set by race_test.go under -race.
	raceEnabled bool

	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// anomgenBinary builds the command once per test binary.
func anomgenBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("crash tests build the binary and kill it mid-apply; skipped with -short")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "anomgen-crash-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "anomgen")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

const crashRows = 200_000

// crashWindow is 2026-01-02 for 10 days: about 86,400 of the 200,000 rows
// (one every 10 seconds from 2026-01-01).
const crashWindow = `  window {
    start    = "2026-01-02T00:00:00Z"
    duration = "10d"
  }
`

const crashWindowSQL = `created_at >= timestamptz '2026-01-02 00:00:00+00' AND created_at < timestamptz '2026-01-12 00:00:00+00'`

// crashDB is a PostgreSQL database with three 200,000-row tables, each
// keeping a copy of the column its anomaly changes:
//
//	orders(id, email, email_orig, created_at)      null_rate on email
//	payments(id, amount, amount_orig, created_at)  numeric_shift on amount
//	events(id, kind, created_at)                   volume_drop
type crashDB struct {
	p   *providertest.Postgres
	dir string
}

func newCrashDB(t *testing.T, tables ...string) *crashDB {
	t.Helper()
	p := providertest.NewPostgres(t)
	seed := map[string][]string{
		"orders": {
			`CREATE TABLE orders (id bigint PRIMARY KEY, email text, email_orig text, created_at timestamptz NOT NULL)`,
			fmt.Sprintf(`INSERT INTO orders SELECT i, e, e, timestamptz '2026-01-01 00:00:00+00' + i * interval '10 seconds'
			 FROM (SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END AS e FROM generate_series(1, %d) i) s`, crashRows),
		},
		"payments": {
			`CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(12,2), amount_orig numeric(12,2), created_at timestamptz NOT NULL)`,
			fmt.Sprintf(`INSERT INTO payments SELECT i, (i %% 997) + 1.25, (i %% 997) + 1.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '10 seconds'
			 FROM generate_series(1, %d) i`, crashRows),
		},
		"events": {
			`CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL)`,
			fmt.Sprintf(`INSERT INTO events SELECT i, 'k' || (i %% 7), timestamptz '2026-01-01 00:00:00+00' + i * interval '10 seconds'
			 FROM generate_series(1, %d) i`, crashRows),
		},
	}
	var main strings.Builder
	// These tests check one transaction's all-or-nothing: batch_rows = 0
	// (batched changes have their own crash tests, batch_test.go).
	src := pgSource(p, "crash", true)
	main.WriteString(src[:strings.LastIndex(src, "}")] + "  batch_rows = 0\n}\n")
	for _, table := range tables {
		execSQL(t, p.DB, seed[table]...)
		execSQL(t, p.DB, "ANALYZE "+table)
		fmt.Fprintf(&main, "\ntarget %q {\n  source      = source.postgres.crash\n  table       = %q\n  time_column = \"created_at\"\n}\n", table, table)
	}
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", main.String())
	return &crashDB{p: p, dir: dir}
}

// checksum hashes every column of every row of table in key order. It is
// computed by the server over each row's text form (NULL and "" differ,
// numeric scale and time zone show): providertest.Checksum does the same in
// Go, but takes seconds per 200,000 rows under the race detector.
func (c *crashDB) checksum(t *testing.T, table string) string {
	t.Helper()
	var sum string
	q := "SELECT COUNT(*) || ' rows ' || COALESCE(md5(string_agg(t::text, E'\\n' ORDER BY t.id)), '') FROM " + table + " t"
	if err := c.p.DB.QueryRow(q).Scan(&sum); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return sum
}

func (c *crashDB) count(t *testing.T, q string) int64 {
	t.Helper()
	return queryInt(t, c.p.DB, q)
}

// journalRows counts the rows of the journal with id, or -1 when the
// journal table is missing.
func (c *crashDB) journalRows(t *testing.T, id string) int64 {
	t.Helper()
	if c.count(t, fmt.Sprintf(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name = 'j_%s'`, id)) == 0 {
		return -1
	}
	return c.count(t, fmt.Sprintf(`SELECT COUNT(*) FROM anomgen."j_%s"`, id))
}

// noJournals asserts that the catalog is empty and no journal table is left.
func (c *crashDB) noJournals(t *testing.T) {
	t.Helper()
	if cat := pgCatalog(t, c.p.DB); len(cat) != 0 {
		t.Errorf("journal catalog entries remain: %v", cat)
	}
	if n := c.count(t, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name LIKE 'j\_%'`); n != 0 {
		t.Errorf("%d journal tables remain", n)
	}
}

// proc is a running anomgen process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *lineScanner
}

func startApply(t *testing.T, bin, dir string, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "-chdir", dir, "apply", "-auto-approve")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdout: scanLines(stdout), stderr: scanLines(stderr)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			p.stdout.text()
			p.stderr.text()
			_ = cmd.Wait()
		}
	})
	return p
}

// killAfter waits for the n-th line containing marker on the stream, then
// sends SIGKILL after delay and reaps the process. It reports whether the
// kill ended the process; with mayFinish, a run that completed by itself
// first is accepted (and reported), otherwise it fails the test.
func (p *proc) killAfter(t *testing.T, stream *lineScanner, marker string, n int, delay time.Duration, mayFinish bool) bool {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := stream.waitFor(marker, 60*time.Second); err != nil {
			_ = p.cmd.Process.Kill()
			t.Fatalf("%v (occurrence %d)\n--- stdout ---\n%s--- stderr ---\n%s", err, i+1, p.stdout.text(), p.stderr.text())
		}
	}
	time.Sleep(delay)
	_ = p.cmd.Process.Signal(syscall.SIGKILL) // fails only when it already exited
	out, errText := p.stdout.text(), p.stderr.text()
	_ = p.cmd.Wait()
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		t.Logf("killed pid %d %s after occurrence %d of %q", p.cmd.Process.Pid, delay, n, marker)
		return true
	}
	if mayFinish && p.cmd.ProcessState.Success() {
		t.Logf("the apply finished before the kill (%s after occurrence %d of %q):\n%s", delay, n, marker, out)
		return false
	}
	t.Fatalf("the apply was not killed but ended by itself (%s):\n--- stdout ---\n%s--- stderr ---\n%s", p.cmd.ProcessState, out, errText)
	return false
}

// lockHolderPID reads the pid recorded in the lock file of dir.
func lockHolderPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".anomgen", "state.json.lock"))
	if err != nil {
		t.Fatal(err)
	}
	var info state.LockInfo
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("lock file %q: %v", b, err)
	}
	return info.PID
}

const crashNullRate = "anomaly.null_rate.email_nulls"

func crashNullRateBlock() string {
	return "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n" + crashWindow + "  seed   = 7\n}\n"
}

// TestCrashBeforeCommit: a run killed before its transaction commits leaves
// the table untouched and no journal; the next commands work as if it never
// ran.
func TestCrashBeforeCommit(t *testing.T) {
	bin := anomgenBinary(t)
	t.Parallel()
	c := newCrashDB(t, "orders")
	writeFile(t, c.dir, "anomalies.hcl", crashNullRateBlock())
	before := c.checksum(t, "orders")
	planned := plannedRows(t, mustOK(t, cli(t, c.dir, "plan")).stdout)[crashNullRate]
	if planned < 30_000 {
		t.Fatalf("planned %d rows; the window should hold about 86,400 rows", planned)
	}

	p := startApply(t, bin, c.dir, "ANOMGEN_TEST_HOOK=before-commit")
	p.killAfter(t, p.stderr, "anomgen-test-hook: before-commit", 1, 0, false)

	if got := c.checksum(t, "orders"); got != before {
		t.Errorf("the table changed although the run died before committing: %s, was %s", got, before)
	}
	c.noJournals(t)
	if recordsAnything(t, statePath(c.dir)) {
		t.Errorf("the killed run recorded an anomaly in the state")
	}
	if pid := lockHolderPID(t, c.dir); pid != p.cmd.Process.Pid {
		t.Errorf("the lock file names pid %d, the killed run was %d", pid, p.cmd.Process.Pid)
	}

	r := mustOK(t, cli(t, c.dir, "plan"))
	if got := lastLine(r.stdout); got != "Plan: 1 to create, 0 to replace, 0 to destroy." {
		t.Errorf("plan after the crash: %q\n%s", got, r)
	}
	if got := plannedRows(t, r.stdout)[crashNullRate]; got != planned {
		t.Errorf("plan after the crash counts %d rows, before %d", got, planned)
	}
	wantNone(t, r, r.stderr, "Warning")

	// The killed run's lock is gone with it: no -lock-timeout needed.
	baseNulls := c.count(t, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND "+crashWindowSQL)
	r = mustOK(t, cli(t, c.dir, "apply", "-auto-approve"))
	wantAll(t, r, r.stdout, fmt.Sprintf("changed %d rows", planned), "Apply complete! 1 applied, 0 rolled back.")
	if got := c.count(t, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND "+crashWindowSQL) - baseNulls; got != planned {
		t.Errorf("apply nulled %d emails in the window, planned %d", got, planned)
	}
	mustOK(t, cli(t, c.dir, "rollback", "-all", "-auto-approve"))
	if got := c.checksum(t, "orders"); got != before {
		t.Errorf("after rollback the checksum is %s, was %s", got, before)
	}
	c.noJournals(t)
}

// TestCrashAfterCommit: a run killed after its commit but before saving the
// state leaves mutation plus journal; the next plan finds the journal and
// rollback restores the table.
func TestCrashAfterCommit(t *testing.T) {
	bin := anomgenBinary(t)
	t.Parallel()
	c := newCrashDB(t, "orders")
	writeFile(t, c.dir, "anomalies.hcl", crashNullRateBlock())
	before := c.checksum(t, "orders")
	baseNulls := c.count(t, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND "+crashWindowSQL)
	planned := plannedRows(t, mustOK(t, cli(t, c.dir, "plan")).stdout)[crashNullRate]
	if planned < 30_000 {
		t.Fatalf("planned %d rows; the window should hold about 86,400 rows", planned)
	}

	p := startApply(t, bin, c.dir, "ANOMGEN_TEST_HOOK=after-commit")
	p.killAfter(t, p.stderr, "anomgen-test-hook: after-commit", 1, 0, false)

	if got := c.count(t, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND "+crashWindowSQL) - baseNulls; got != planned {
		t.Errorf("the committed apply nulled %d emails in the window, planned %d", got, planned)
	}
	if got := c.count(t, "SELECT COUNT(*) FROM orders WHERE email IS NULL AND NOT ("+crashWindowSQL+") AND email_orig IS NOT NULL"); got != 0 {
		t.Errorf("%d emails outside the window were nulled", got)
	}
	cat := pgCatalog(t, c.p.DB)
	id := cat[crashNullRate]
	if id == "" || len(cat) != 1 {
		t.Fatalf("journal catalog after the commit: %v", cat)
	}
	if got := c.journalRows(t, id); got != planned {
		t.Errorf("journal %s holds %d rows, planned %d", id, got, planned)
	}
	if recordsAnything(t, statePath(c.dir)) {
		t.Errorf("the state records the anomaly although the run was killed before saving it")
	}

	r := mustOK(t, cli(t, c.dir, "plan"))
	wantAll(t, r, r.stdout, "No changes.")
	wantAll(t, r, r.stderr, "Warning: "+crashNullRate+": found journal "+id+" in source.postgres.crash that the state did not record")

	r = mustOK(t, cli(t, c.dir, "rollback", "-all", "-auto-approve"))
	wantAll(t, r, r.stdout, fmt.Sprintf("restored %d rows", planned), "Rollback complete! 0 applied, 1 rolled back.")
	if got := c.checksum(t, "orders"); got != before {
		t.Errorf("after rollback the checksum is %s, was %s", got, before)
	}
	c.noJournals(t)
	if r := mustOK(t, listState(t, c.dir)); r.stdout != "" {
		t.Errorf("state after rollback:\n%s", r)
	}
}

// TestCrashAnywhere: a run applying three anomalies to three tables is
// killed at an arbitrary moment after it started applying. Every table is
// then either untouched or fully mutated with its journal, and rollback
// restores them all.
func TestCrashAnywhere(t *testing.T) {
	bin := anomgenBinary(t)
	t.Parallel()
	c := newCrashDB(t, "orders", "payments", "events")
	writeFile(t, c.dir, "anomalies.hcl", crashNullRateBlock()+`
anomaly "numeric_shift" "amount_inflation" {
  target    = target.payments
  column    = "amount"
  amplitude = 0.25
  volume    = 0.8
`+crashWindow+`}

anomaly "volume_drop" "outage" {
  target = target.events
  volume = 0.6
`+crashWindow+`}
`)
	tables := map[string]string{crashNullRate: "orders", "anomaly.numeric_shift.amount_inflation": "payments", "anomaly.volume_drop.outage": "events"}
	// changed counts the rows an anomaly changed in its table.
	changed := map[string]string{
		crashNullRate:                            "SELECT COUNT(*) FROM orders WHERE email IS NULL AND email_orig IS NOT NULL",
		"anomaly.numeric_shift.amount_inflation": "SELECT COUNT(*) FROM payments WHERE amount IS DISTINCT FROM amount_orig",
		"anomaly.volume_drop.outage":             fmt.Sprintf("SELECT %d - COUNT(*) FROM events", crashRows),
	}
	before := map[string]string{}
	for _, table := range tables {
		before[table] = c.checksum(t, table)
	}
	r := mustOK(t, cli(t, c.dir, "plan"))
	if got := lastLine(r.stdout); got != "Plan: 3 to create, 0 to replace, 0 to destroy." {
		t.Fatalf("plan: %q\n%s", got, r)
	}
	planned := plannedRows(t, r.stdout)
	for addr := range tables {
		if planned[addr] < 30_000 {
			t.Fatalf("%s: planned %d rows\n%s", addr, planned[addr], r)
		}
	}

	// An arbitrary moment: during or after the first, second or third
	// anomaly's transaction, or while the state is saved.
	nth := 1 + rand.IntN(3)
	delay := time.Duration(rand.IntN(350)) * time.Millisecond
	p := startApply(t, bin, c.dir)
	p.killAfter(t, p.stdout, "Applying...", nth, delay, true)

	cat := pgCatalog(t, c.p.DB)
	for addr, table := range tables {
		n := c.count(t, changed[addr])
		id, journaled := cat[addr]
		switch {
		case !journaled:
			if n != 0 {
				t.Errorf("%s: %d rows of %s changed without a journal", addr, n, table)
			}
			if got := c.checksum(t, table); got != before[table] {
				t.Errorf("%s: %s has no journal but its checksum changed", addr, table)
			}
			t.Logf("%s: untouched", addr)
		default:
			if n != planned[addr] {
				t.Errorf("%s: journaled, but %d rows of %s changed, planned %d", addr, n, table, planned[addr])
			}
			if got := c.journalRows(t, id); got != planned[addr] {
				t.Errorf("%s: journal %s holds %d rows, planned %d", addr, id, got, planned[addr])
			}
			t.Logf("%s: fully applied with journal %s", addr, id)
		}
	}
	for addr := range cat {
		if _, ok := tables[addr]; !ok {
			t.Errorf("unexpected catalog entry %s", addr)
		}
	}

	r = mustOK(t, cli(t, c.dir, "rollback", "-all", "-auto-approve"))
	if len(cat) == 0 {
		wantAll(t, r, r.stdout, "No changes.")
	} else {
		wantAll(t, r, r.stdout, fmt.Sprintf("Rollback complete! 0 applied, %d rolled back.", len(cat)))
	}
	for _, table := range tables {
		if got := c.checksum(t, table); got != before[table] {
			t.Errorf("after rollback %s has checksum %s, was %s", table, got, before[table])
		}
	}
	c.noJournals(t)
	r = mustOK(t, cli(t, c.dir, "plan"))
	if got := lastLine(r.stdout); got != "Plan: 3 to create, 0 to replace, 0 to destroy." {
		t.Errorf("plan after the rollback: %q\n%s", got, r)
	}
	for addr, n := range plannedRows(t, r.stdout) {
		if n != planned[addr] {
			t.Errorf("%s: plan after the rollback counts %d rows, before %d", addr, n, planned[addr])
		}
	}
}

// recordsAnything reports whether the state file at path records an
// anomaly. A run writes the (empty) state file before its first journal,
// so that the lineage the journal names is on disk.
func recordsAnything(t *testing.T, path string) bool {
	t.Helper()
	if !exists(path) {
		return false
	}
	st, err := state.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(st.Anomalies) > 0
}
