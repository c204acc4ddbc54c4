package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// TestKilledApplyStatementEnds: a SIGKILLed apply must not leave its
// statement running on PostgreSQL, holding the rows it locked. The apply's
// UPDATE is made to wait on rows an application transaction holds (the
// last rows of the window), after it locked the earlier ones; the process
// is then killed. The server must end the backend within a few seconds
// (client_connection_check_interval on PostgreSQL 14+), while the
// application transaction still holds its rows, and the application must
// then be able to lock every other row of the window.
func TestKilledApplyStatementEnds(t *testing.T) {
	bin := anomgenBinary(t)
	t.Parallel()
	c := newCrashDB(t, "orders")
	if v := c.count(t, "SELECT current_setting('server_version_num')::int"); v < 140000 {
		t.Skipf("PostgreSQL %d has no client_connection_check_interval", v)
	}
	writeFile(t, c.dir, "anomalies.hcl", crashNullRateBlock())
	before := c.checksum(t, "orders")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The application holds the last 200 rows of the window (a null_rate of
	// 0.5 picks some of them) for as long as the test needs.
	app, err := c.p.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	tx, err := app.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const held = `id IN (SELECT id FROM orders WHERE ` + crashWindowSQL + ` ORDER BY id DESC LIMIT 200)`
	if _, err := tx.ExecContext(ctx, "SELECT id FROM orders WHERE "+held+" FOR UPDATE"); err != nil {
		t.Fatal(err)
	}

	p := startApply(t, bin, c.dir)
	// anomgen's backends in this database (application_name is anomgen's).
	backends := func(where string) int64 {
		return c.count(t, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'anomgen' AND pid <> pg_backend_pid()"+where)
	}
	deadline := time.Now().Add(60 * time.Second)
	for backends(" AND wait_event_type = 'Lock'") == 0 {
		if time.Now().After(deadline) || p.cmd.ProcessState != nil {
			_ = p.cmd.Process.Kill()
			t.Fatalf("the apply never waited on the held rows\n--- stdout ---\n%s--- stderr ---\n%s", p.stdout.text(), p.stderr.text())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var query string
	if err := c.p.DB.QueryRow("SELECT query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'anomgen' AND wait_event_type = 'Lock'").Scan(&query); err != nil {
		t.Fatal(err)
	}
	t.Logf("the apply waits on the held rows in: %.120s", strings.Join(strings.Fields(query), " "))

	_ = p.cmd.Process.Kill() // SIGKILL
	_ = p.cmd.Wait()
	p.stdout.text()
	p.stderr.text()
	killed := time.Now()
	const bound = 5 * time.Second
	for backends("") > 0 {
		if time.Since(killed) > bound {
			rows, _ := c.p.DB.Query("SELECT pid, state, wait_event_type, left(query, 80) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'anomgen'")
			var desc []string
			for rows != nil && rows.Next() {
				var pid int
				var state, wait, q sql.NullString
				_ = rows.Scan(&pid, &state, &wait, &q)
				desc = append(desc, strings.Join([]string{state.String, wait.String, q.String}, " | "))
			}
			if rows != nil {
				rows.Close()
			}
			t.Fatalf("%s after SIGKILL the killed apply's statement still runs on the server:\n%s", bound, strings.Join(desc, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the killed apply's backends ended %s after SIGKILL", time.Since(killed).Round(10*time.Millisecond))

	// Its row locks went with it: the application locks the rest of the
	// window at once.
	other, err := c.p.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otx.ExecContext(ctx, "SELECT id FROM orders WHERE "+crashWindowSQL+" AND NOT "+held+" FOR UPDATE NOWAIT"); err != nil {
		t.Errorf("rows of the window are still locked after the killed apply's backend ended: %v", err)
	}
	_ = otx.Rollback()
	_ = tx.Rollback()
	if got := c.checksum(t, "orders"); got != before {
		t.Errorf("the killed apply changed the table: %s, was %s", got, before)
	}
	c.noJournals(t)
}
