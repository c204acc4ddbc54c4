package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
	"github.com/jonboulle/clockwork"
)

// The replicas' tests: the postgres state backend, and three daemon
// processes on one backend running every occurrence exactly once.

// canaryDSN returns p's DSN with a password that must never show (the
// test server trusts local connections, so any password connects).
func canaryDSN(t *testing.T, p *providertest.Postgres, canary string) string {
	t.Helper()
	u := *p.URL
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, canary)
	return u.String()
}

// backendScenario writes a workspace whose state lives in the backend at
// the dsn in ANOMGEN_BACKEND_DSN.
func backendScenario(t *testing.T, dir, workspace, extra string) {
	t.Helper()
	ws := ""
	if workspace != "" {
		ws = fmt.Sprintf("  workspace = %q\n", workspace)
	}
	writeFile(t, dir, "backend.hcl", "anomgen {\n"+ws+"  backend \"postgres\" {\n    dsn = env(\"ANOMGEN_BACKEND_DSN\")\n"+extra+"  }\n}\n")
}

// TestPostgresBackendState: plan/apply/rollback and state list keep the
// state in the backend (no state file), two sessions contend for its
// lock (the second names the holder), the state round-trips, and the
// dsn's password shows nowhere.
func TestPostgresBackendState(t *testing.T) {
	bk := providertest.NewPostgres(t)
	const canary = "canary-Pw-7f3a9e"
	t.Setenv("ANOMGEN_BACKEND_DSN", canaryDSN(t, bk, canary))
	f := postgresFixture(t)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", f.source+"\n"+f.target()+"\nanomaly \"null_rate\" \"emails\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.3\n  seed   = 3\n  window {\n    start    = \"2026-01-01T00:00:00Z\"\n    duration = \"3d\"\n  }\n}\n")

	// A backend needs a workspace name: the diagnostic points at the block.
	backendScenario(t, dir, "", "")
	r := cli(t, dir, "plan")
	if r.code == 0 {
		t.Fatalf("plan with a backend and no workspace name succeeded:\n%s", r)
	}
	wantAll(t, r, r.stderr, "Backend without a workspace name", "backend.hcl line 2", `workspace = "..."`)

	backendScenario(t, dir, "backend-ws", "")
	before := providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id")
	outs := []result{mustOK(t, cli(t, dir, "apply", "-auto-approve"))}
	if exists(statePath(dir)) {
		t.Errorf("apply with a backend wrote %s", statePath(dir))
	}
	var raw []byte
	if err := bk.DB.QueryRow(`SELECT state::text FROM anomgen_backend.states WHERE workspace = 'backend-ws'`).Scan(&raw); err != nil {
		t.Fatalf("the backend holds no state for the workspace: %v\n%s", err, outs[0])
	}
	var st state.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	a := st.Get("anomaly.null_rate.emails")
	if a == nil || a.Status != "" || a.Rows == 0 || st.Serial == 0 || st.Lineage == "" {
		t.Fatalf("backend state after apply: %s", raw)
	}
	if providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id") == before {
		t.Fatal("apply changed nothing")
	}
	// state list and show read the backend.
	r = mustOK(t, cli(t, dir, "state", "list"))
	wantAll(t, r, r.stdout, "anomaly.null_rate.emails", a.Journal.ID)
	outs = append(outs, r)

	// Round trip through the Backend interface: what Save wrote, Load reads.
	ctx := context.Background()
	pg, err := state.OpenPostgres(ctx, canaryDSN(t, bk, canary), "anomgen_backend", "backend-ws")
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	got, err := pg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(&st)
	if string(gb) != string(wb) {
		t.Errorf("Load after Save:\n got %s\nwant %s", gb, wb)
	}
	got.Anomalies[0].Rows = 424242
	serial := got.Serial
	if err := pg.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := pg.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.Serial != serial+1 || again.Anomalies[0].Rows != 424242 {
		t.Errorf("after Save: serial %d (want %d), rows %d", again.Serial, serial+1, again.Anomalies[0].Rows)
	}
	// A stale copy (lower serial) is refused rather than written over.
	stale := *got
	stale.Serial = 0
	if err := pg.Save(ctx, &stale); err == nil || !strings.Contains(err.Error(), "newer state") {
		t.Errorf("saving a stale state: %v", err)
	}
	again.Anomalies[0].Rows = a.Rows
	if err := pg.Save(ctx, again); err != nil {
		t.Fatal(err)
	}

	// The lock: held here, a command waits and then names the holder.
	held, err := pg.Lock(ctx, time.Second, state.NewLockInfo("test holds the lock"))
	if err != nil {
		t.Fatal(err)
	}
	r = cli(t, dir, "rollback", "-all", "-auto-approve", "-lock-timeout", "1s")
	if r.code == 0 {
		t.Fatalf("rollback ran while the lock was held:\n%s", r)
	}
	wantAll(t, r, r.stderr, "the state is locked by", "test holds the lock", "PostgreSQL advisory lock")
	outs = append(outs, r)
	// A second lock from Go: refused with the holder's operation.
	if _, err := pg.Lock(ctx, 300*time.Millisecond, state.NewLockInfo("second")); err == nil || !strings.Contains(err.Error(), "test holds the lock") {
		t.Errorf("second lock: %v", err)
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	// A killed holder: its connection ends, PostgreSQL releases the lock.
	held, err = pg.Lock(ctx, time.Second, state.NewLockInfo("about to vanish"))
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, bk.DB, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`)
	outs = append(outs, mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve", "-lock-timeout", "10s")))
	_ = held.Release()
	if got := providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id"); got != before {
		t.Errorf("rollback did not restore the table")
	}
	if err := bk.DB.QueryRow(`SELECT state::text FROM anomgen_backend.states WHERE workspace = 'backend-ws'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	// (Its label stays, with its reverted_at: labels survive rollback.)
	var after state.State
	if err := json.Unmarshal(raw, &after); err != nil {
		t.Fatal(err)
	}
	if after.Get("anomaly.null_rate.emails") != nil {
		t.Errorf("state after rollback still records the anomaly: %s", raw)
	}

	// A wrong backend: the error names the backend block, not the password.
	t.Setenv("ANOMGEN_BACKEND_DSN", "postgres://postgres:"+canary+"@127.0.0.1:1/nowhere?connect_timeout=2")
	r = cli(t, dir, "plan")
	if r.code == 0 {
		t.Fatalf("plan with an unreachable backend succeeded:\n%s", r)
	}
	wantAll(t, r, r.stderr, "backend \"postgres\"", "backend.hcl:3")
	outs = append(outs, r)

	for _, o := range outs {
		if strings.Contains(o.stdout+o.stderr, canary) {
			t.Errorf("the backend password shows in the output of %v:\n%s", o.args, o)
		}
	}
	if strings.Contains(string(raw), canary) {
		t.Error("the backend password is in the state")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, ".anomgen", "audit.log")); strings.Contains(string(b), canary) {
		t.Error("the backend password is in the audit log")
	}
}

// replicaProc is a running daemon replica with its output.
type replicaProc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	out   strings.Builder
	lines chan string
	done  chan error
}

func startReplica(t *testing.T, bin, dir string, env []string) *replicaProc {
	t.Helper()
	p := &replicaProc{lines: make(chan string, 4096), done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "-chdir", dir, "daemon", "-stop-timeout", "10s")
	p.cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		err := p.cmd.Wait()
		pw.Close()
		p.done <- err
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

func (p *replicaProc) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// TestReplicasExactlyOnce: three daemon processes serve one workspace on
// one postgres backend; four anomalies on four tables fire every 3 s for
// 13 occurrences each (52), each lasting 1 s. One replica is SIGKILLed
// while it starts an occurrence; the others are stopped with SIGTERM
// once the queue is empty. A trigger the test installs on the journal
// catalog records every entry written and deleted with its occurrence id:
// each occurrence was applied exactly once and reverted exactly once, the
// backend's audit table says the same, and every table's checksum is the
// original.
func TestReplicasExactlyOnce(t *testing.T) {
	began := time.Now()
	bin := anomgenBinary(t)
	bk := providertest.NewPostgres(t)
	tg := providertest.NewPostgres(t)
	const canary = "canary-Replica-51c0"
	backendDSN := canaryDSN(t, bk, canary)
	tables := []string{"t1", "t2", "t3", "t4"}
	for i, tb := range tables {
		execSQL(t, tg.DB,
			fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL)`, tb),
			fmt.Sprintf(`INSERT INTO %s SELECT g, 'u' || g || '@example.com', (g %% 89) + %d, now() - g * interval '7 seconds' FROM generate_series(1, 300) g`, tb, i),
			fmt.Sprintf(`ANALYZE %s`, tb))
	}
	sum := func(tb string) string { return providertest.Checksum(t, tg.DB, "SELECT * FROM "+tb+" ORDER BY id") }
	orig := map[string]string{}
	for _, tb := range tables {
		orig[tb] = sum(tb)
	}
	// The journal catalog, made ahead so that the test's trigger sees
	// every entry: the log is the test's, not the daemon's.
	execSQL(t, tg.DB, postgres.Dialect{}.EnsureJournal("anomgen")...)
	execSQL(t, tg.DB,
		`CREATE SCHEMA testlog`,
		`CREATE TABLE testlog.catalog_log (n bigserial PRIMARY KEY, op text NOT NULL, id text NOT NULL, occurrence text, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
		`CREATE FUNCTION testlog.log_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN
		   IF TG_OP = 'DELETE' THEN
		     INSERT INTO testlog.catalog_log (op, id, occurrence) VALUES (TG_OP, OLD.id, OLD.entry::json->>'occurrence');
		     RETURN OLD;
		   END IF;
		   INSERT INTO testlog.catalog_log (op, id, occurrence) VALUES (TG_OP, NEW.id, NEW.entry::json->>'occurrence');
		   RETURN NEW;
		 END $$`,
		`CREATE TRIGGER log_catalog AFTER INSERT OR UPDATE OR DELETE ON anomgen.journals FOR EACH ROW EXECUTE FUNCTION testlog.log_catalog()`)

	const every, dur, runs = 3 * time.Second, time.Second, 13
	start := time.Now().UTC().Add(8 * time.Second).Truncate(time.Second)
	until := start.Add((runs-1)*every + 500*time.Millisecond)
	dir := t.TempDir()
	backendScenario(t, dir, "replicas", "    job_timeout  = \"6s\"\n    rescue_after = \"7s\"\n    lock_timeout = \"5s\"\n")
	var b strings.Builder
	b.WriteString("source \"postgres\" \"shop\" {\n  dsn          = env(\"ANOMGEN_TARGET_DSN\")\n  allow_writes = true\n  daemon       = true\n}\n")
	for _, tb := range tables {
		fmt.Fprintf(&b, "\ntarget %q {\n  source      = source.postgres.shop\n  table       = \"public.%s\"\n  time_column = \"created_at\"\n}\n", tb, tb)
		fmt.Fprintf(&b, "\nanomaly \"null_rate\" \"%s_nulls\" {\n  target = target.%s\n  column = \"email\"\n  volume = 0.4\n  window {\n    last = \"2h\"\n  }\n  schedule {\n    every    = \"3s\"\n    duration = \"1s\"\n    start    = %q\n    until    = %q\n    catch_up = true\n  }\n}\n",
			tb, tb, start.Format(time.RFC3339), until.Format(time.RFC3339Nano))
	}
	writeFile(t, dir, "main.hcl", b.String())
	env := []string{"ANOMGEN_BACKEND_DSN=" + backendDSN, "ANOMGEN_TARGET_DSN=" + tg.DSN}

	var reps []*replicaProc
	for i := 0; i < 3; i++ {
		reps = append(reps, startReplica(t, bin, dir, env))
	}
	for i, p := range reps {
		if err := waitLine(p, "as a replica", 60*time.Second); err != nil {
			t.Fatalf("replica %d: %v\n%s", i, err, p.text())
		}
	}
	// SIGKILL replica 0 as it starts an occurrence, a third into the run.
	killAfter := start.Add(time.Duration(runs/3) * every)
	time.Sleep(time.Until(killAfter))
	victim := reps[0]
	for drained := false; !drained; {
		select {
		case <-victim.lines:
		default:
			drained = true
		}
	}
	if err := waitLine(victim, ": occurrence of", 30*time.Second); err != nil {
		t.Fatalf("replica 0 ran no occurrence: %v\n%s", err, victim.text())
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	<-victim.done

	// After the last occurrence's end, wait until River's queue is empty
	// (a job the victim held is rescued after rescue_after).
	time.Sleep(time.Until(until.Add(dur + time.Second)))
	// Generous: a loaded machine runs the jobs late, and the test asserts
	// the outcome, never how long it took.
	deadline := time.Now().Add(180 * time.Second)
	for {
		n := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d River jobs still pending 180 s after the run:\n%s", n, dumpJobs(t, bk.DB))
		}
		time.Sleep(500 * time.Millisecond)
	}
	for i, p := range reps[1:] {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("replica %d exited with %v after SIGTERM\n%s", i+1, err, p.text())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("replica %d did not stop within 30 s of SIGTERM", i+1)
		}
	}

	// Expected occurrences: every fire time of every anomaly.
	want := map[string]bool{}
	for _, tb := range tables {
		for k := 0; k < runs; k++ {
			want[occurrenceID("replicas", "anomaly.null_rate."+tb+"_nulls", start.Add(time.Duration(k)*every))] = true
		}
	}
	// From the test's trigger: inserts and deletes per occurrence.
	type counts struct{ ins, del, upd int }
	seen := map[string]*counts{}
	rows, err := tg.DB.Query(`SELECT op, coalesce(occurrence, '') FROM testlog.catalog_log ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var op, occ string
		if err := rows.Scan(&op, &occ); err != nil {
			t.Fatal(err)
		}
		c := seen[occ]
		if c == nil {
			c = &counts{}
			seen[occ] = c
		}
		switch op {
		case "INSERT":
			c.ins++
		case "DELETE":
			c.del++
		default:
			c.upd++
		}
	}
	rows.Close()
	var bad []string
	for occ := range want {
		c := seen[occ]
		if c == nil || c.ins != 1 || c.del != 1 {
			bad = append(bad, fmt.Sprintf("%s: %+v", occ, c))
		}
	}
	for occ := range seen {
		if !want[occ] {
			bad = append(bad, fmt.Sprintf("unexpected catalog entry %q: %+v", occ, seen[occ]))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("occurrences not applied and reverted exactly once (%d of %d):\n  %s", len(bad), len(want), strings.Join(bad, "\n  "))
	}
	// The backend's audit table, shared by the replicas: one applied and
	// one reverted record per occurrence.
	type key struct{ addr, occ, action string }
	audit := map[key]int{}
	arows, err := bk.DB.Query(`SELECT record->>'address', record->>'occurrence', record->>'action', record->>'outcome' FROM anomgen_backend.audit`)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for arows.Next() {
		var addr, action, outcome string
		var occ sql.NullString
		if err := arows.Scan(&addr, &occ, &action, &outcome); err != nil {
			t.Fatal(err)
		}
		if outcome == "skipped" {
			skipped++
			continue
		}
		if outcome != "done" {
			continue
		}
		o, _ := time.Parse(time.RFC3339Nano, occ.String)
		if action == "destroy" {
			action = "expire"
		}
		audit[key{addr, occurrenceID("replicas", addr, o), action}]++
	}
	arows.Close()
	var abad []string
	for occ := range want {
		parts := strings.SplitN(occ, "/", 3)
		for _, action := range []string{"create", "expire"} {
			if n := audit[key{parts[1], occ, action}]; n != 1 {
				abad = append(abad, fmt.Sprintf("%s %s: %d audit records", occ, action, n))
			}
		}
	}
	sort.Strings(abad)
	if len(abad) > 0 {
		t.Errorf("the audit table disagrees:\n  %s", strings.Join(abad, "\n  "))
	}
	for _, tb := range tables {
		if got := sum(tb); got != orig[tb] {
			t.Errorf("%s: checksum %s after the run, originally %s", tb, got, orig[tb])
		}
	}
	// Secrets: the backend password is nowhere.
	var everything strings.Builder
	for _, p := range reps {
		everything.WriteString(p.text())
	}
	for _, q := range []string{
		`SELECT coalesce(string_agg(state::text, ''), '') FROM anomgen_backend.states`,
		`SELECT coalesce(string_agg(record::text, ''), '') FROM anomgen_backend.audit`,
		`SELECT coalesce(string_agg(errors::text, ''), '') FROM anomgen_backend.river_job`,
	} {
		var s string
		if err := bk.DB.QueryRow(q).Scan(&s); err != nil {
			t.Fatal(err)
		}
		everything.WriteString(s)
	}
	if b, err := os.ReadFile(filepath.Join(dir, ".anomgen", "audit.log")); err == nil {
		everything.WriteString(string(b))
	}
	if strings.Contains(everything.String(), canary) {
		t.Error("the backend password shows in the replicas' output, the state, the audit or River's job errors")
	}
	rescued := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.river_job WHERE errors::text LIKE '%Stuck job rescued%'`)
	retried := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.river_job WHERE attempt > 1`)
	total := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.river_job`)
	recovered := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.audit WHERE record->>'note' LIKE 'recorded on recovery%'`)
	inserts := 0
	for _, c := range seen {
		inserts += c.ins
	}
	t.Logf("%d occurrences expected, %d catalog inserts logged by the trigger, %d River jobs (%d rescued from the killed replica, %d run more than once), %d skipped records, %d audit records written on recovery; replica killed %s after the first fire; test took %s",
		len(want), inserts, total, rescued, retried, skipped, recovered, killedAt.Sub(start).Round(time.Second), time.Since(began).Round(time.Second))
	if t.Failed() {
		for i, p := range reps {
			t.Logf("--- replica %d ---\n%s", i, p.text())
		}
	}
}

// waitLine waits for a line of p's output containing s.
func waitLine(p *replicaProc, s string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return nil
			}
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("the replica exited (%v) before printing %q", err, s)
		case <-deadline:
			return fmt.Errorf("no line with %q within %s", s, timeout)
		}
	}
}

func dumpJobs(t *testing.T, db *sql.DB) string {
	rows, err := db.Query(`SELECT id, kind, state, attempt, args::text, errors::text FROM anomgen_backend.river_job WHERE state NOT IN ('completed') ORDER BY id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, attempt int64
		var kind, st, args string
		var errs sql.NullString
		_ = rows.Scan(&id, &kind, &st, &attempt, &args, &errs)
		fmt.Fprintf(&b, "  %d %s %s attempt %d %s %s\n", id, kind, st, attempt, args, errs.String)
	}
	return b.String()
}

// TestReplicaJobsIdempotent runs one occurrence's River jobs in-process,
// each delivered more than once: the apply changes the table once (a
// second delivery finds the occurrence in the journal catalog; with the
// state lost, it adopts it from there), the revert restores it once, and
// an apply delivered after the revert knows the occurrence ran.
func TestReplicaJobsIdempotent(t *testing.T) {
	bk, f, rp, out, clock := replicaInOccurrence(t)
	fire := daemonStart
	ctx := context.Background()
	sum := func() string { return providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id") }
	occ := occurrenceID("customer-a", daemonAddr, fire)
	entries := func() int64 {
		return queryInt(t, f.db, `SELECT count(*) FROM anomgen.journals WHERE entry::json->>'occurrence' = $1`, occ)
	}
	step := func(what string, err error, wantEntries int64, wantSum, wantOut string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, out.String())
		}
		if n := entries(); n != wantEntries {
			t.Errorf("%s: %d catalog entries of the occurrence, want %d", what, n, wantEntries)
		}
		if got := sum(); got != wantSum {
			t.Errorf("%s: the table's checksum is %s, want %s", what, got, wantSum)
		}
		if !strings.Contains(out.String(), wantOut) {
			t.Errorf("%s: the output lacks %q:\n%s", what, wantOut, out.String())
		}
	}
	orig := sum()
	if err := rp.apply(ctx, daemonAddr, fire, 1); err != nil {
		t.Fatal(err, out.String())
	}
	applied := sum()
	if applied == orig || entries() != 1 {
		t.Fatalf("the apply changed nothing (%d catalog entries)\n%s", entries(), out.String())
	}
	step("apply delivered again", rp.apply(ctx, daemonAddr, fire, 2), 1, applied, "is already applied (delivered again)")
	execSQL(t, bk.DB, `DELETE FROM anomgen_backend.states`)
	step("apply delivered again after the state was lost", rp.apply(ctx, daemonAddr, fire, 3), 1, applied, "adopted it from the journal catalog")
	clock.Advance(2 * time.Hour)
	step("revert", rp.revert(ctx, daemonAddr, fire), 0, orig, "restored")
	step("revert delivered again", rp.revert(ctx, daemonAddr, fire), 0, orig, "nothing to revert for the occurrence")
	step("apply delivered after the revert", rp.apply(ctx, daemonAddr, fire, 4), 0, orig, "already ran (delivered again)")
	var creates, reverts int64
	if err := bk.DB.QueryRow(`SELECT count(*) FILTER (WHERE record->>'action' = 'create' AND record->>'outcome' = 'done'),
		count(*) FILTER (WHERE record->>'action' IN ('expire', 'destroy') AND record->>'outcome' = 'done') FROM anomgen_backend.audit`).Scan(&creates, &reverts); err != nil {
		t.Fatal(err)
	}
	if creates != 1 || reverts != 1 {
		t.Errorf("the backend's audit table holds %d applies and %d reverts, want 1 and 1", creates, reverts)
	}
}

// backendDaemonScenario is daemonScenario (opted in, on a PostgreSQL
// fixture) with a postgres backend in its anomgen block, the backend's
// DSN in ANOMGEN_BACKEND_DSN.
func backendDaemonScenario(t *testing.T) (bk *providertest.Postgres, f *fixture, dir string) {
	t.Helper()
	bk = providertest.NewPostgres(t)
	t.Setenv("ANOMGEN_BACKEND_DSN", bk.DSN)
	f = postgresFixture(t)
	dir = daemonScenario(t, f, true)
	mainHCL := readFile(t, filepath.Join(dir, "main.hcl"))
	withBackend := strings.Replace(mainHCL, "anomgen {\n  workspace = \"customer-a\"\n}", "anomgen {\n  workspace = \"customer-a\"\n  backend \"postgres\" {\n    dsn = env(\"ANOMGEN_BACKEND_DSN\")\n  }\n}", 1)
	if withBackend == mainHCL {
		t.Fatalf("the scenario has no anomgen block to extend:\n%s", mainHCL)
	}
	writeFile(t, dir, "main.hcl", withBackend)
	return bk, f, dir
}

// replicaInOccurrence is the setup of the tests that deliver the River
// jobs of the occurrence firing at daemonStart in-process: the backend
// scenario (bk its backend, f its fixture) and the replica a worker would
// run for it, writing to out, on a clock 5 minutes into the occurrence.
func replicaInOccurrence(t *testing.T) (bk *providertest.Postgres, f *fixture, rp *replica, out *lockedBuf, clock *clockwork.FakeClock) {
	t.Helper()
	bk, f, dir := backendDaemonScenario(t)
	clock = clockwork.NewFakeClockAt(daemonStart.Add(5 * time.Minute))
	out = &lockedBuf{}
	rp = testReplica(t, dir, clock, out)
	return bk, f, rp, out, clock
}

// testReplica is the replica a River worker would run for dir's
// workspace, in-process, writing to out.
func testReplica(t *testing.T, dir string, clock clockwork.Clock, out *lockedBuf) *replica {
	t.Helper()
	a := newApp(strings.NewReader(""), out, out)
	a.dir, a.noColor = dir, true
	a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := a.loadConfig()
	if err != nil {
		t.Fatal(err, out.String())
	}
	r := &wsRunner{a: a, o: daemonOptions{clock: clock, maxRows: 1_000_000, stopTimeout: 5 * time.Second}, dir: dir}
	return &replica{r: r, cfg: cfg, name: cfg.Workspace}
}

// lockedBuf is a bytes.Buffer safe for River's and the test's goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReplicaAuditRecovered: a replica killed between an occurrence's
// commit and its audit write (simulated by deleting the records it wrote,
// and the state it saved) leaves the facts in the journal catalog; the
// next delivery of the occurrence's job writes the missing audit record,
// marked as recorded on recovery, exactly once, and a revert job that
// finds the state without the occurrence adopts it from the catalog and
// reverts it.
func TestReplicaAuditRecovered(t *testing.T) {
	bk, f, rp, out, clock := replicaInOccurrence(t)
	fire := daemonStart
	ctx := context.Background()
	sum := func() string { return providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id") }
	records := func(action string) (done, recovered int64) {
		t.Helper()
		if err := bk.DB.QueryRow(`SELECT count(*), count(*) FILTER (WHERE record->>'note' LIKE 'recorded on recovery%')
			FROM anomgen_backend.audit WHERE record->>'action' = $1 AND record->>'outcome' = 'done' AND (record->>'occurrence')::timestamptz = $2`, action, fire).Scan(&done, &recovered); err != nil {
			t.Fatal(err)
		}
		return done, recovered
	}
	orig := sum()
	if err := rp.apply(ctx, daemonAddr, fire, 1); err != nil {
		t.Fatal(err, out.String())
	}
	if d, _ := records("create"); d != 1 || sum() == orig {
		t.Fatalf("the apply wrote %d create records (want 1) or changed nothing\n%s", d, out.String())
	}
	// The kill: the audit record and the saved state are lost.
	execSQL(t, bk.DB, `DELETE FROM anomgen_backend.audit`, `DELETE FROM anomgen_backend.states`)
	if err := rp.apply(ctx, daemonAddr, fire, 2); err != nil {
		t.Fatal(err, out.String())
	}
	if d, rec := records("create"); d != 1 || rec != 1 {
		t.Errorf("after the apply's second delivery: %d create records, %d of them recorded on recovery; want 1 and 1\n%s", d, rec, out.String())
	}
	// A third delivery adds nothing.
	if err := rp.apply(ctx, daemonAddr, fire, 3); err != nil {
		t.Fatal(err, out.String())
	}
	if d, _ := records("create"); d != 1 {
		t.Errorf("after the apply's third delivery: %d create records, want 1", d)
	}
	// The state lost again before the revert: the revert adopts it from
	// the catalog and reverts it.
	execSQL(t, bk.DB, `DELETE FROM anomgen_backend.states`)
	clock.Advance(2 * time.Hour)
	if err := rp.revert(ctx, daemonAddr, fire); err != nil {
		t.Fatal(err, out.String())
	}
	if got := sum(); got != orig {
		t.Fatalf("the revert of an occurrence the state had lost did not restore the table\n%s", out.String())
	}
	if d, rec := records("expire"); d != 1 || rec != 0 {
		t.Errorf("after the revert: %d expire records (%d recorded on recovery), want 1 and 0\n%s", d, rec, out.String())
	}
	// The kill after the revert's commit: its record is lost; the revert
	// delivered again records it.
	execSQL(t, bk.DB, `DELETE FROM anomgen_backend.audit WHERE record->>'action' = 'expire'`)
	if err := rp.revert(ctx, daemonAddr, fire); err != nil {
		t.Fatal(err, out.String())
	}
	if d, rec := records("expire"); d != 1 || rec != 1 {
		t.Errorf("after the revert's second delivery: %d expire records, %d recorded on recovery; want 1 and 1\n%s", d, rec, out.String())
	}
	if err := rp.revert(ctx, daemonAddr, fire); err != nil {
		t.Fatal(err, out.String())
	}
	if d, _ := records("expire"); d != 1 {
		t.Errorf("after the revert's third delivery: %d expire records, want 1", d)
	}
	// The kill after the revert's commit and before both its state save
	// and its audit write: the state forgets the occurrence, the apply
	// record still says it was applied, the catalog that it is reverted.
	execSQL(t, bk.DB, `DELETE FROM anomgen_backend.audit WHERE record->>'action' = 'expire'`, `DELETE FROM anomgen_backend.states`)
	if err := rp.revert(ctx, daemonAddr, fire); err != nil {
		t.Fatal(err, out.String())
	}
	if d, rec := records("expire"); d != 1 || rec != 1 {
		t.Errorf("after the revert delivered again with the state lost: %d expire records, %d recorded on recovery; want 1 and 1\n%s", d, rec, out.String())
	}
	if d, _ := records("create"); d != 1 {
		t.Errorf("at the end: %d create records, want 1", d)
	}
}

// TestReplicasReload: two in-process replicas on one postgres backend
// serve a workspace with three running occurrences (tables t1, t2, t3).
// The files change: the block on t2 is removed, the one on t3 changed
// (another volume), one on t4 added; both replicas reload (one by -watch,
// one as on SIGHUP). The removed
// block's occurrence is reverted once (t2's checksum is the original, one
// destroy record), the changed one replaced once (one replace record, its
// catalog entry carries the new parameters), and the new block's running
// occurrence applied through a River job with its occurrence id.
func TestReplicasReload(t *testing.T) {
	bk := providertest.NewPostgres(t)
	tg := providertest.NewPostgres(t)
	t.Setenv("ANOMGEN_BACKEND_DSN", bk.DSN)
	t.Setenv("ANOMGEN_TARGET_DSN", tg.DSN)
	tables := []string{"t1", "t2", "t3", "t4"}
	for _, tb := range tables {
		execSQL(t, tg.DB,
			fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, email text, created_at timestamptz NOT NULL)`, tb),
			fmt.Sprintf(`INSERT INTO %s SELECT g, 'u' || g || '@example.com', now() - g * interval '7 seconds' FROM generate_series(1, 200) g`, tb))
	}
	execSQL(t, tg.DB, postgres.Dialect{}.EnsureJournal("anomgen")...)
	sum := func(tb string) string { return providertest.Checksum(t, tg.DB, "SELECT * FROM "+tb+" ORDER BY id") }
	orig := map[string]string{}
	for _, tb := range tables {
		orig[tb] = sum(tb)
	}
	// Every occurrence runs for an hour from a fire a few seconds ago:
	// each block's occurrence is running when the replicas start.
	fire := time.Now().UTC().Add(-5 * time.Second).Truncate(time.Second)
	block := func(tb string, volume float64) string {
		return fmt.Sprintf("\ntarget %q {\n  source      = source.postgres.shop\n  table       = \"public.%s\"\n  time_column = \"created_at\"\n}\n\nanomaly \"null_rate\" \"%s_nulls\" {\n  target = target.%s\n  column = \"email\"\n  volume = %g\n  seed   = 5\n  window {\n    last = \"2h\"\n  }\n  schedule {\n    every    = \"1h\"\n    duration = \"1h\"\n    start    = %q\n  }\n}\n",
			tb, tb, tb, tb, volume, fire.Format(time.RFC3339))
	}
	src := "source \"postgres\" \"shop\" {\n  dsn          = env(\"ANOMGEN_TARGET_DSN\")\n  allow_writes = true\n  daemon       = true\n}\n"
	dir := t.TempDir()
	backendScenario(t, dir, "reload-ws", "    lock_timeout = \"30s\"\n")
	writeFile(t, dir, "main.hcl", src+block("t1", 0.3)+block("t2", 0.3)+block("t3", 0.3))

	type rep struct {
		out      *lockedBuf
		reload   chan struct{}
		reloaded chan struct{}
		done     chan error
	}
	ctx, cancel := context.WithCancel(context.Background())
	var reps []*rep
	for i := 0; i < 2; i++ {
		p := &rep{out: &lockedBuf{}, reload: make(chan struct{}), reloaded: make(chan struct{}, 16), done: make(chan error, 1)}
		a := newApp(strings.NewReader(""), p.out, p.out)
		a.dir, a.noColor = dir, true
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
		o := daemonOptions{clock: clockwork.NewRealClock(), maxRows: 1_000_000, stopTimeout: 10 * time.Second,
			reload: p.reload, reloaded: func() {
				select {
				case p.reloaded <- struct{}{}:
				default:
				}
			},
			// Replica 0 reloads by -watch, replica 1 as on SIGHUP.
			watch: i == 0}
		go func() { p.done <- a.runDaemon(ctx, []string{dir}, o) }()
		reps = append(reps, p)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		for i, p := range reps {
			select {
			case err := <-p.done:
				if err != nil {
					t.Errorf("replica %d: %v\n%s", i, err, p.out.String())
				}
			case <-time.After(60 * time.Second):
				t.Errorf("replica %d did not stop within 60 s", i)
			}
		}
	}
	defer stop()
	occ := func(tb string) string { return occurrenceID("reload-ws", "anomaly.null_rate."+tb+"_nulls", fire) }
	entries := func(tb string) int64 {
		return queryInt(t, tg.DB, `SELECT count(*) FROM anomgen.journals WHERE entry::json->>'occurrence' = $1`, occ(tb))
	}
	logs := func() string {
		var b strings.Builder
		for i, p := range reps {
			fmt.Fprintf(&b, "--- replica %d ---\n%s", i, p.out.String())
		}
		return b.String()
	}
	// Generous waits: the assertions are about the outcome, not the time.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 90 s\n%s", what, logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("the three running occurrences applied", func() bool { return entries("t1") == 1 && entries("t2") == 1 && entries("t3") == 1 })
	for _, tb := range []string{"t1", "t2", "t3"} {
		if sum(tb) == orig[tb] {
			t.Fatalf("%s: the applied occurrence changed nothing", tb)
		}
	}
	t3before := sum("t3")

	writeFile(t, dir, "main.hcl", src+block("t1", 0.3)+block("t3", 0.6)+block("t4", 0.3))
	reps[1].reload <- struct{}{}
	for i, p := range reps {
		select {
		case <-p.reloaded:
		case <-time.After(90 * time.Second):
			t.Fatalf("replica %d did not reload within 90 s\n%s", i, logs())
		}
	}
	waitFor("the new block's occurrence applied", func() bool { return entries("t4") == 1 })
	if got := sum("t2"); got != orig["t2"] {
		t.Errorf("t2: the removed block's occurrence was not reverted")
	}
	if entries("t2") != 0 {
		t.Errorf("t2: the removed block's catalog entry is still there")
	}
	if got := sum("t3"); got == t3before || got == orig["t3"] {
		t.Errorf("t3: the changed block's occurrence was not replaced by the new settings")
	}
	if entries("t3") != 1 || entries("t1") != 1 {
		t.Errorf("catalog entries after the reload: t1 %d, t3 %d (want 1 and 1)", entries("t1"), entries("t3"))
	}
	stop()
	count := func(addr, action string) int64 {
		return queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.audit WHERE record->>'address' = $1 AND record->>'action' = $2 AND record->>'outcome' = 'done'`, addr, action)
	}
	if n := count("anomaly.null_rate.t2_nulls", "destroy"); n != 1 {
		t.Errorf("the removed block's occurrence was reverted %d times (audit), want 1\n%s", n, logs())
	}
	if n := count("anomaly.null_rate.t3_nulls", "replace"); n != 1 {
		t.Errorf("the changed block's occurrence was replaced %d times (audit), want 1\n%s", n, logs())
	}
	if n := count("anomaly.null_rate.t4_nulls", "create"); n != 1 {
		t.Errorf("the new block's occurrence was applied %d times (audit), want 1\n%s", n, logs())
	}
	if n := count("anomaly.null_rate.t1_nulls", "create"); n != 1 {
		t.Errorf("the unchanged block's occurrence was applied %d times (audit), want 1\n%s", n, logs())
	}
	if !strings.Contains(logs(), "reloaded "+dir) {
		t.Errorf("no reload logged:\n%s", logs())
	}
}

// TestReplicasOnce: `anomgen daemon -once` with a postgres backend runs
// what is due now without River: the occurrence running now is applied
// with its occurrence id (in the journal catalog and the backend's
// state), a second -once does not apply it again, a River job delivering
// the same occurrence finds it applied, and a -once after its end reverts
// it; the backend's audit table holds one apply and one revert. Both in
// one transaction and in batches of 2 rows: a batched change's catalog
// entry lacked its occurrence id until 7 December 2026, so a River job
// delivering the occurrence again would have applied it a second time.
func TestReplicasOnce(t *testing.T) {
	t.Run("one transaction", func(t *testing.T) { testReplicasOnce(t, false) })
	t.Run("batches", func(t *testing.T) { testReplicasOnce(t, true) })
}

func testReplicasOnce(t *testing.T, batched bool) {
	bk, f, dir := backendDaemonScenario(t)
	if batched {
		main := readFile(t, filepath.Join(dir, "main.hcl"))
		with := strings.Replace(main, "  daemon       = true\n", "  daemon       = true\n  batch_rows   = 2\n", 1)
		if with == main {
			t.Fatalf("the scenario's source has no daemon line to extend:\n%s", main)
		}
		writeFile(t, dir, "main.hcl", with)
	}
	clock := clockwork.NewFakeClockAt(daemonStart.Add(10 * time.Minute))
	useDaemonClock(t, clock)
	sum := func() string { return providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id") }
	occ := occurrenceID("customer-a", daemonAddr, daemonStart)
	entries := func() int64 {
		return queryInt(t, f.db, `SELECT count(*) FROM anomgen.journals WHERE entry::json->>'occurrence' = $1`, occ)
	}
	orig := sum()
	r := mustOK(t, cli(t, dir, "daemon", "-once"))
	applied := sum()
	if applied == orig || entries() != 1 {
		t.Fatalf("-once with a backend did not apply the running occurrence with its id (%d catalog entries)\n%s", entries(), r)
	}
	if got := queryInt(t, f.db, `SELECT count(*) FROM anomgen.journals WHERE entry::json->'batches' IS NOT NULL`); got != map[bool]int64{true: 1}[batched] {
		t.Fatalf("batched %v: %d catalog entries record batches", batched, got)
	}
	if exists(statePath(dir)) {
		t.Errorf("-once with a backend wrote a local state file")
	}
	var raw string
	if err := bk.DB.QueryRow(`SELECT state::text FROM anomgen_backend.states WHERE workspace = 'customer-a'`).Scan(&raw); err != nil || !strings.Contains(raw, occ) {
		t.Errorf("the backend's state lacks the occurrence %s (%v): %s", occ, err, raw)
	}
	r = mustOK(t, cli(t, dir, "daemon", "-once"))
	if sum() != applied || entries() != 1 {
		t.Errorf("a second -once changed the table again (%d catalog entries)\n%s", entries(), r)
	}
	// A replica's River job for the same occurrence finds it applied.
	var out lockedBuf
	rp := testReplica(t, dir, clock, &out)
	if err := rp.apply(context.Background(), daemonAddr, daemonStart, 1); err != nil {
		t.Fatal(err, out.String())
	}
	if !strings.Contains(out.String(), "already applied") || sum() != applied {
		t.Errorf("the River job did not find the occurrence -once applied:\n%s", out.String())
	}
	clock.Advance(2 * time.Hour)
	r = mustOK(t, cli(t, dir, "daemon", "-once"))
	if sum() != orig || entries() != 0 {
		t.Errorf("-once after the occurrence's end did not revert it (%d catalog entries)\n%s", entries(), r)
	}
	creates := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.audit WHERE record->>'action' = 'create' AND record->>'outcome' = 'done'`)
	reverts := queryInt(t, bk.DB, `SELECT count(*) FROM anomgen_backend.audit WHERE record->>'action' IN ('expire', 'destroy') AND record->>'outcome' = 'done'`)
	if creates != 1 || reverts != 1 {
		t.Errorf("the backend's audit table holds %d applies and %d reverts, want 1 and 1", creates, reverts)
	}
}
