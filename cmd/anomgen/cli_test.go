package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"
)

// fixtures runs fn as a parallel subtest per database.
func fixtures(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, db := range []struct {
		name string
		make func(testing.TB) *fixture
	}{{"sqlite", sqliteFixture}, {"postgres", postgresFixture}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fn(t, db.make(t))
		})
	}
}

// scenario writes main.hcl (source and target) and anomalies.hcl into a
// fresh folder and returns it.
func scenario(t testing.TB, f *fixture, anomalies string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", f.source+"\n"+f.target())
	writeFile(t, dir, "anomalies.hcl", anomalies)
	return dir
}

func nullRate(name, volume string) string {
	return fmt.Sprintf("anomaly \"null_rate\" %q {\n  target = target.orders\n  column = \"email\"\n  volume = %s\n%s  seed   = 7\n}\n", name, volume, window10h)
}

func numericShift(name string) string {
	return fmt.Sprintf("anomaly \"numeric_shift\" %q {\n  target    = target.orders\n  column    = \"amount\"\n  amplitude = 0.5\n  volume    = 0.4\n%s}\n", name, window10h)
}

// countErrors counts diagnostics and errors printed on stderr.
func countErrors(stderr string) int {
	return len(regexp.MustCompile(`(?m)^Error: `).FindAllString(stderr, -1))
}

// untouched asserts that nothing was written: no state file, the same
// checksum, no journal.
func untouched(t *testing.T, f *fixture, dir, before string) {
	t.Helper()
	if exists(statePath(dir)) {
		t.Errorf("%s was written", statePath(dir))
	}
	if after := f.checksum(t); after != before {
		t.Errorf("table orders changed: checksum %s, was %s", after, before)
	}
	if n := f.journals(t); n != 0 {
		t.Errorf("%d journal tables were created", n)
	}
	if c := f.catalog(t); len(c) != 0 {
		t.Errorf("the journal catalog holds %v", c)
	}
}

// TestBadInput: every mistake fails with a non-zero exit code and one clear
// diagnostic, and writes nothing.
func TestBadInput(t *testing.T) {
	fixtures(t, func(t *testing.T, f *fixture) {
		before := f.checksum(t)
		good := nullRate("x", "0.3")
		cases := []struct {
			name string
			// main and anomalies replace the default files when set.
			main, anomalies string
			// needsDB: the mistake is found only against the database, so
			// validate passes.
			needsDB bool
			wants   []string
		}{
			{
				name:      "syntax error",
				anomalies: "anomaly \"null_rate\" \"x\" {\n  target = target.orders\n  column = \n}\n",
				wants:     []string{"Error: Invalid expression", "on anomalies.hcl line 3", "3:   column ="},
			},
			{
				name:      "unknown kind",
				anomalies: strings.Replace(good, `"null_rate"`, `"null_rat"`, 1),
				wants: []string{"Error: Unknown anomaly kind", "on anomalies.hcl line 1", `no anomaly kind "null_rat"`,
					`Did you mean "null_rate"?`, "Known kinds: ", "duplicate_rows,", "null_rate, numeric_shift,", "volume_drop, volume_spike"},
			},
			{
				name:      "undeclared target",
				anomalies: strings.Replace(good, "target.orders", "target.order", 1),
				wants: []string{"Error: Reference to undeclared target", "on anomalies.hcl line 2",
					"There is no block target.order in this folder's scenario files. Did you mean target.orders?"},
			},
			{
				name: "undeclared source",
				main: f.source + "\n" + strings.Replace(f.target(), f.addr, f.addr+"x", 1),
				wants: []string{"Error: Reference to undeclared source", "main.hcl line",
					"There is no block " + f.addr + "x", "Did you mean " + f.addr + "?"},
			},
			{
				name:    "missing table",
				main:    f.source + "\n" + strings.Replace(f.target(), `"orders"`+"\n", `"order"`+"\n", 1),
				needsDB: true,
				wants:   []string{"Error: Table not found", "main.hcl line", `table = "order"`, "Source " + f.addr + " has no table", "Did you mean orders?"},
			},
			{
				name:      "missing column",
				anomalies: strings.Replace(good, `"email"`, `"emial"`, 1),
				needsDB:   true,
				wants: []string{`Error: No column "emial"`, "on anomalies.hcl line 3", `Did you mean "email"?`,
					"Its columns: id, email, amount, created_at, note."},
			},
			{
				name:      "unsuitable column type",
				anomalies: strings.Replace(good, `"null_rate"`, `"numeric_shift"`, 1),
				needsDB:   true,
				wants: []string{"Error: Kind numeric_shift does not suit", "column email has type", "needs a numeric column",
					// id is numeric but the key: suggesting it would only lead to
					// the next error ("Column is part of the key").
					"that suit numeric_shift: amount."},
			},
			{
				name:      "no primary key and no key",
				main:      f.source + "\n" + fmt.Sprintf("target \"events\" {\n  source = %s\n  table  = \"events\"\n}\n", f.addr),
				anomalies: "anomaly \"null_rate\" \"b_nulls\" {\n  target = target.events\n  column = \"b\"\n}\n",
				needsDB:   true,
				wants: []string{"Error: No key for table", "has no primary key", `Add key = ["..."] to target "events"`,
					"(columns: a, b)"},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				main, anomalies := tc.main, tc.anomalies
				if main == "" {
					main = f.source + "\n" + f.target()
				}
				if anomalies == "" {
					anomalies = good
				}
				writeFile(t, dir, "main.hcl", main)
				writeFile(t, dir, "anomalies.hcl", anomalies)
				cmds := [][]string{{"validate"}, {"plan"}, {"apply", "-auto-approve"}}
				for _, args := range cmds {
					r := cli(t, dir, args...)
					if args[0] == "validate" && tc.needsDB {
						mustOK(t, r)
						continue
					}
					if r.code == 0 {
						t.Fatalf("expected a failure:\n%s", r)
					}
					wantAll(t, r, r.stderr, tc.wants...)
					if n := countErrors(r.stderr); n != 1 {
						t.Errorf("expected exactly one error on stderr, got %d:\n%s", n, r)
					}
					wantNone(t, r, r.stderr+r.stdout, "goroutine", "panic")
					if strings.Contains(r.stdout, "will be created") {
						t.Errorf("a plan was printed despite the error:\n%s", r)
					}
				}
				untouched(t, f, dir, before)
			})
		}
	})
}

// TestApplyRefusals: apply refuses without a terminal and -auto-approve,
// and on a source without allow_writes; nothing is written either way.
func TestApplyRefusals(t *testing.T) {
	fixtures(t, func(t *testing.T, f *fixture) {
		before := f.checksum(t)

		t.Run("no terminal", func(t *testing.T) {
			dir := scenario(t, f, nullRate("x", "0.3"))
			// Whatever is on stdin, it is not a terminal: no prompt is read.
			r := cliIn(t, dir, "wrong-answer\n", "apply")
			if r.code == 0 {
				t.Fatalf("expected a refusal:\n%s", r)
			}
			wantAll(t, r, r.stderr, "refusing to apply without confirmation", "standard input is not a terminal", "-auto-approve")
			wantNone(t, r, r.stderr, "Type the database name", "cancelled")
			untouched(t, f, dir, before)
		})

		t.Run("rollback without terminal", func(t *testing.T) {
			dir := scenario(t, f, nullRate("x", "0.3"))
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			applied := f.checksum(t)
			r := cliIn(t, dir, f.name+"\n", "rollback", "-all")
			if r.code == 0 {
				t.Fatalf("expected a refusal:\n%s", r)
			}
			wantAll(t, r, r.stderr, "refusing to rollback without confirmation", "-auto-approve")
			if got := f.checksum(t); got != applied {
				t.Errorf("the refused rollback changed the table")
			}
			if r := mustOK(t, listState(t, dir)); r.stdout != "anomaly.null_rate.x\n" {
				t.Errorf("state after the refused rollback:\n%s", r)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			if got := f.checksum(t); got != before {
				t.Errorf("checksum %s after rollback, was %s", got, before)
			}
		})

		t.Run("no allow_writes", func(t *testing.T) {
			dir := scenario(t, f, nullRate("x", "0.3"))
			writeFile(t, dir, "main.hcl", strings.Replace(f.source, "allow_writes = true", "", 1)+"\n"+f.target())
			r := cli(t, dir, "apply", "-auto-approve")
			if r.code == 0 {
				t.Fatalf("expected a refusal:\n%s", r)
			}
			wantAll(t, r, r.stderr, f.addr+" does not allow writes", "add allow_writes = true to its block")
			if n := countErrors(r.stderr); n != 1 {
				t.Errorf("expected exactly one error, got %d:\n%s", n, r)
			}
			untouched(t, f, dir, before)
		})
	})
}

// TestConnectionErrors: an unreachable server, a wrong password and a
// missing database give classified messages without stack traces, and the
// password never shows.
func TestConnectionErrors(t *testing.T) {
	p := providertest.NewPostgres(t)
	suffix := randHex()
	role := "anomgen_pw_" + suffix
	password := "S3cr3t-canary-" + suffix
	wrong := "Wr0ng-canary-" + suffix
	execSQL(t, p.DB, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, password))
	// Roles belong to the server, not the throwaway database: drop it (and
	// first its grants there) before the database goes.
	t.Cleanup(func() {
		if _, err := p.DB.Exec("DROP OWNED BY " + role + "; DROP ROLE " + role); err != nil {
			t.Errorf("dropping role %s: %v", role, err)
		}
	})
	execSQL(t, p.DB, `CREATE TABLE orders (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL, note text NOT NULL)`,
		"GRANT SELECT ON orders TO "+role)
	host := p.URL.Hostname()
	port := p.URL.Port()
	if port == "" {
		port = "5432"
	}
	source := func(host, port, db, user, pw string) string {
		return fmt.Sprintf("source \"postgres\" \"shop\" {\n  host = %q\n  port = %s\n  database = %q\n  username = %q\n  password = %q\n  tls = \"disable\"\n  allow_writes = true\n}\n",
			host, port, db, user, pw)
	}
	f := &fixture{addr: "source.postgres.shop"}
	check := func(t *testing.T, src string, wants ...string) {
		t.Helper()
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", src+"\n"+f.target())
		writeFile(t, dir, "anomalies.hcl", nullRate("x", "0.3"))
		for _, args := range [][]string{{"plan"}, {"-log-level=debug", "apply", "-auto-approve"}, {"rollback", "-all", "-auto-approve"}} {
			r := cli(t, dir, args...)
			if r.code == 0 {
				t.Fatalf("expected a connection failure:\n%s", r)
			}
			wantAll(t, r, r.stderr, wants...)
			wantNone(t, r, r.stdout+r.stderr, password, wrong, "goroutine", "panic", "\n\t")
			if n := countErrors(r.stderr); n != 1 {
				t.Errorf("expected exactly one error, got %d:\n%s", n, r)
			}
		}
		if exists(statePath(dir)) {
			t.Errorf("state was written")
		}
	}

	t.Run("unreachable", func(t *testing.T) {
		check(t, source("127.0.0.1", "1", p.Name, role, password),
			"cannot connect to source.postgres.shop (127.0.0.1:1, database "+p.Name+"): the server did not answer",
			"Is PostgreSQL running and listening on 127.0.0.1:1?")
	})
	t.Run("unreachable dsn", func(t *testing.T) {
		dsn := fmt.Sprintf("postgres://%s:%s@127.0.0.1:1/%s?sslmode=disable&connect_timeout=5", role, password, p.Name)
		check(t, fmt.Sprintf("source \"postgres\" \"shop\" {\n  dsn = %q\n  allow_writes = true\n}\n", dsn),
			"cannot connect to source.postgres.shop", "the server did not answer")
	})
	t.Run("invalid dsn", func(t *testing.T) {
		dsn := fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=bogus", role, password, host, port, p.Name)
		check(t, fmt.Sprintf("source \"postgres\" \"shop\" {\n  dsn = %q\n  allow_writes = true\n}\n", dsn),
			"cannot connect to source.postgres.shop: the connection settings are invalid", "(the dsn is not shown)")
	})
	t.Run("wrong password", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", source(host, port, p.Name, role, wrong)+"\n"+f.target())
		writeFile(t, dir, "anomalies.hcl", nullRate("x", "0.3"))
		r := cli(t, dir, "plan")
		wantNone(t, r, r.stdout+r.stderr, password, wrong, "goroutine")
		if r.code == 0 {
			// The server trusts connections from this host (pg_hba "trust"),
			// so any password works; the missing-database case below covers
			// the classified failure with a password set.
			t.Logf("the server accepted a wrong password (trust authentication): the auth-failure message is not exercised here")
			return
		}
		wantAll(t, r, r.stderr, "cannot connect to source.postgres.shop", fmt.Sprintf("authentication failed for user %q", role),
			"Check the username and password (the password is not shown).")
	})
	t.Run("missing database with password", func(t *testing.T) {
		db := "anomgen_nodb_" + suffix
		check(t, source(host, port, db, role, wrong),
			fmt.Sprintf("cannot connect to source.postgres.shop (%s:%s, database %s): database %q does not exist", host, port, db, db),
			"Create it, or fix database in the source block.")
	})
}

func randHex() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TestHappyPath walks the whole flow through the CLI: validate, plan, apply,
// state, no-op plan, replace, destroy, -target, rollback.
func TestHappyPath(t *testing.T) {
	fixtures(t, func(t *testing.T, f *fixture) {
		before := f.checksum(t)
		baseNulls := f.nullsInWindow(t, 0, 600)
		baseOutside := f.nullsInWindow(t, 600, ordersRows+1)
		dir := scenario(t, f, nullRate("x", "0.3"))
		const addr = "anomaly.null_rate.x"

		r := mustOK(t, cli(t, dir, "validate"))
		wantAll(t, r, r.stdout, "The scenario files are valid: 1 source, 1 target, 1 anomaly.")

		// plan
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout,
			"# anomaly.null_rate.x will be created",
			`+ anomaly "null_rate" "x" {`,
			"column = email",
			"window = 2026-01-01 00:00:00 → 2026-01-01 10:00:00 UTC",
			"volume = 0.3",
			"seed = 7",
			"of 599 in the window: set to NULL")
		if got := lastLine(r.stdout); got != "Plan: 1 to create, 0 to replace, 0 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		planned := plannedRows(t, r.stdout)[addr]
		if planned < 100 || planned > 260 { // 30 % of 599 non-null rows
			t.Fatalf("planned rows %d are not about 30 %% of the window\n%s", planned, r)
		}
		if r2 := mustOK(t, cli(t, dir, "plan")); plannedRows(t, r2.stdout)[addr] != planned {
			t.Errorf("a second plan counts differently:\n%s", r2)
		}
		if exists(statePath(dir)) {
			t.Errorf("plan wrote the state")
		}

		// apply
		r = mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		wantAll(t, r, r.stdout, "anomaly.null_rate.x: Applying...", fmt.Sprintf("changed %d rows", planned), "Apply complete! 1 applied, 0 rolled back.")
		wantAll(t, r, r.stderr, "WARNING: this apply changes data in place.", f.addr)
		wantNone(t, r, r.stdout, "the plan counted")
		if got := f.nullsInWindow(t, 0, 600) - baseNulls; got != planned {
			t.Errorf("the window gained %d NULL emails, the plan said %d", got, planned)
		}
		if got := f.nullsInWindow(t, 600, ordersRows+1); got != baseOutside {
			t.Errorf("rows outside the window were changed: %d NULL emails", got)
		}
		r = mustOK(t, listState(t, dir))
		if r.stdout != addr+"\n" {
			t.Errorf("state list:\n%s", r)
		}
		r = mustOK(t, cli(t, dir, "state", "show", addr))
		if got := shownRows(t, r); got != planned {
			t.Errorf("state show rows %d, planned %d", got, planned)
		}
		wantAll(t, r, r.stdout, "# "+addr, "kind = null_rate", "source = "+f.addr, "column = email", "journal = ")
		if c := f.catalog(t); c[addr] == "" || !strings.Contains(r.stdout, c[addr]) {
			t.Errorf("the journal catalog %v does not match state show:\n%s", c, r)
		}
		r = cli(t, dir, "state", "show", "anomaly.null_rate.nope")
		if r.code == 0 || !strings.Contains(r.stderr, "anomaly.null_rate.nope is not in the state") {
			t.Errorf("state show of an unknown address:\n%s", r)
		}

		// nothing to do
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "No changes.")
		wantNone(t, r, r.stdout, "Plan:")

		// changed volume: replace
		writeFile(t, dir, "anomalies.hcl", nullRate("x", "0.6"))
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "# anomaly.null_rate.x must be replaced", `-/+ anomaly "null_rate" "x" {`, "volume = 0.3 → 0.6 # forces replacement", "because: settings changed",
			fmt.Sprintf("(after restoring %d rows)", planned))
		if got := lastLine(r.stdout); got != "Plan: 0 to create, 1 to replace, 0 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		replanned := plannedRows(t, r.stdout)[addr]
		if replanned <= planned {
			t.Errorf("volume 0.6 plans %d rows, volume 0.3 planned %d", replanned, planned)
		}
		r = mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		wantAll(t, r, r.stdout, "anomaly.null_rate.x: Replacing...", fmt.Sprintf("changed %d rows", replanned), "Apply complete! 1 applied, 1 rolled back.")
		wantNone(t, r, r.stdout, "the plan counted")
		if got := f.nullsInWindow(t, 0, 600) - baseNulls; got != replanned {
			t.Errorf("after the replace the window has %d extra NULL emails, the plan said %d", got, replanned)
		}
		if got := shownRows(t, mustOK(t, cli(t, dir, "state", "show", addr))); got != replanned {
			t.Errorf("state show rows %d after the replace, planned %d", got, replanned)
		}
		if n := f.journals(t); n != 1 {
			t.Errorf("%d journal tables after the replace, want 1", n)
		}

		// block removed: destroy
		writeFile(t, dir, "anomalies.hcl", "# nothing here\n")
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "# anomaly.null_rate.x will be destroyed", `- anomaly "null_rate" "x" {`, fmt.Sprintf("%d to restore from journal", replanned))
		if got := lastLine(r.stdout); got != "Plan: 0 to create, 0 to replace, 1 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		r = mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		wantAll(t, r, r.stdout, "Apply complete! 0 applied, 1 rolled back.")
		if got := f.checksum(t); got != before {
			t.Errorf("after destroying the anomaly the checksum is %s, was %s", got, before)
		}

		// two anomalies, -target limits plan and apply to one
		writeFile(t, dir, "anomalies.hcl", nullRate("x", "0.3")+"\n"+numericShift("y"))
		r = mustOK(t, cli(t, dir, "plan"))
		if got := lastLine(r.stdout); got != "Plan: 2 to create, 0 to replace, 0 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		r = mustOK(t, cli(t, dir, "plan", "-target", "anomaly.numeric_shift.y"))
		wantAll(t, r, r.stdout, "# anomaly.numeric_shift.y will be created", "multiply by 1.5")
		wantNone(t, r, r.stdout, "null_rate")
		if got := lastLine(r.stdout); got != "Plan: 1 to create, 0 to replace, 0 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		r = mustOK(t, cli(t, dir, "apply", "-target=anomaly.null_rate.x", "-auto-approve"))
		wantAll(t, r, r.stdout, "Apply complete! 1 applied, 0 rolled back.")
		wantNone(t, r, r.stdout, "numeric_shift")
		if r := mustOK(t, listState(t, dir)); r.stdout != addr+"\n" {
			t.Errorf("-target applied more than its anomaly:\n%s", r)
		}
		if got := f.nullsInWindow(t, 0, 600) - baseNulls; got != planned {
			t.Errorf("re-applied volume 0.3 changed %d rows, first time %d", got, planned)
		}
		r = cli(t, dir, "plan", "-target", "anomaly.null_rate.nope")
		if r.code == 0 {
			t.Errorf("an unknown -target succeeded:\n%s", r)
		}
		wantAll(t, r, r.stderr, "Unknown -target address", "-target anomaly.null_rate.nope names no anomaly")
		r = mustOK(t, cli(t, dir, "apply", "--auto-approve"))
		wantAll(t, r, r.stdout, "Apply complete! 1 applied, 0 rolled back.")
		if r := mustOK(t, listState(t, dir)); r.stdout != "anomaly.null_rate.x\nanomaly.numeric_shift.y\n" {
			t.Errorf("state list:\n%s", r)
		}

		// rollback one by address, then everything
		r = mustOK(t, cli(t, dir, "rollback", "anomaly.numeric_shift.y", "-auto-approve"))
		wantAll(t, r, r.stdout, "Rollback complete! 0 applied, 1 rolled back.")
		wantNone(t, r, r.stdout, "null_rate")
		if r := mustOK(t, listState(t, dir)); r.stdout != addr+"\n" {
			t.Errorf("state list after rolling back y:\n%s", r)
		}
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		r = mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		wantAll(t, r, r.stdout, "Rollback complete! 0 applied, 2 rolled back.")
		wantAll(t, r, r.stderr, "WARNING: this rollback changes data in place.")
		if got := f.checksum(t); got != before {
			t.Errorf("after rollback -all the checksum is %s, was %s", got, before)
		}
		if r := mustOK(t, listState(t, dir)); r.stdout != "" {
			t.Errorf("state list after rollback:\n%s", r)
		}
		if n := f.journals(t); n != 0 {
			t.Errorf("%d journal tables remain after rollback", n)
		}
		if c := f.catalog(t); len(c) != 0 {
			t.Errorf("catalog entries remain after rollback: %v", c)
		}
		r = mustOK(t, cli(t, dir, "plan"))
		if got := lastLine(r.stdout); got != "Plan: 2 to create, 0 to replace, 0 to destroy." {
			t.Errorf("last line %q\n%s", got, r)
		}
		if got := plannedRows(t, r.stdout)[addr]; got != planned {
			t.Errorf("after rollback the plan counts %d, first %d", got, planned)
		}
		r = cli(t, dir, "rollback")
		if r.code == 0 || !strings.Contains(r.stderr, "-all") {
			t.Errorf("rollback without addresses:\n%s", r)
		}

		// A replaced volume_drop is counted against the restored table: the
		// rows the old one deleted are eligible again.
		drop := func(volume string) string {
			return fmt.Sprintf("anomaly \"volume_drop\" \"v\" {\n  target = target.orders\n  volume = %s\n%s}\n", volume, window10h)
		}
		writeFile(t, dir, "anomalies.hcl", drop("0.3"))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		writeFile(t, dir, "anomalies.hcl", drop("0.5"))
		r = mustOK(t, cli(t, dir, "plan"))
		dropped := plannedRows(t, r.stdout)["anomaly.volume_drop.v"]
		wantAll(t, r, r.stdout, fmt.Sprintf("rows = %d of 599 in the window", dropped))
		r = mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		wantNone(t, r, r.stdout, "the plan counted")
		if got := queryInt(t, f.db, "SELECT COUNT(*) FROM orders"); got != ordersRows-dropped {
			t.Errorf("orders has %d rows after the replaced volume_drop, want %d - %d", got, ordersRows, dropped)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := f.checksum(t); got != before {
			t.Errorf("after the last rollback the checksum is %s, was %s", got, before)
		}
	})
}

// TestVariables: a variable feeds volume from its default, ANOMGEN_VAR_x
// and -var, in increasing precedence. Not parallel: it sets the environment.
func TestVariables(t *testing.T) {
	f := sqliteFixture(t)
	dir := scenario(t, f, nullRate("x", "var.share"))
	writeFile(t, dir, "variables.hcl", "variable \"share\" {\n  default = 0.1\n}\n")
	volume := func(r result) string {
		t.Helper()
		m := regexp.MustCompile(`volume\s+= (\S+)`).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no volume in the plan:\n%s", r)
		}
		return m[1]
	}
	if v := volume(mustOK(t, cli(t, dir, "plan"))); v != "0.1" {
		t.Errorf("default: volume %s, want 0.1", v)
	}
	t.Setenv("ANOMGEN_VAR_share", "0.2")
	if v := volume(mustOK(t, cli(t, dir, "plan"))); v != "0.2" {
		t.Errorf("ANOMGEN_VAR_share=0.2: volume %s", v)
	}
	r := mustOK(t, cli(t, dir, "-var", "share=0.4", "plan"))
	if v := volume(r); v != "0.4" {
		t.Errorf("-var share=0.4 over ANOMGEN_VAR_share=0.2: volume %s", v)
	}
	planned := plannedRows(t, r.stdout)["anomaly.null_rate.x"]
	// -var=... on the subcommand's side, single dash.
	r = mustOK(t, cli(t, dir, "apply", "-var=share=0.4", "-auto-approve"))
	if got := shownRows(t, mustOK(t, cli(t, dir, "state", "show", "anomaly.null_rate.x"))); got != planned {
		t.Errorf("applied %d rows with -var share=0.4, planned %d", got, planned)
	}
	r = cli(t, dir, "-var", "shares=0.4", "plan")
	if r.code == 0 {
		t.Fatalf("an undeclared -var succeeded:\n%s", r)
	}
	wantAll(t, r, r.stderr, "Undeclared variable", `Did you mean "share"?`)
	r = cli(t, dir, "-var", "share=lots", "plan")
	if r.code == 0 {
		t.Fatalf("a non-numeric volume succeeded:\n%s", r)
	}
	wantAll(t, r, r.stderr, "Invalid value for volume")
	wantNone(t, r, r.stderr, "goroutine")
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
}

// TestLock: a held state lock makes apply fail fast naming the holder;
// with -lock-timeout it waits for the release.
func TestLock(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	before := f.checksum(t)
	dir := scenario(t, f, nullRate("x", "0.3"))
	info := state.NewLockInfo("test-holder")
	lock, err := state.Acquire(context.Background(), filepath.Join(dir, ".anomgen", "state.json.lock"), 0, info)
	if err != nil {
		t.Fatal(err)
	}
	release := sync.OnceFunc(func() { _ = lock.Release() })
	t.Cleanup(release)

	start := time.Now()
	r := cli(t, dir, "apply", "-auto-approve")
	if r.code == 0 {
		t.Fatalf("apply took a held lock:\n%s", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("apply took %s to fail on a held lock", d)
	}
	wantAll(t, r, r.stderr, "the state is locked by", info.Who, "on "+info.Host, fmt.Sprintf("pid %d", info.PID), "test-holder", "-lock-timeout")
	if n := countErrors(r.stderr); n != 1 {
		t.Errorf("expected one error:\n%s", r)
	}
	untouched(t, f, dir, before)

	go func() {
		time.Sleep(300 * time.Millisecond)
		release()
	}()
	r = mustOK(t, cli(t, dir, "apply", "-lock-timeout=5s", "-auto-approve"))
	wantAll(t, r, r.stdout, "Apply complete! 1 applied, 0 rolled back.")
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if got := f.checksum(t); got != before {
		t.Errorf("checksum %s after rollback, was %s", got, before)
	}
	// The lock file is left empty for the next run.
	if b, err := os.ReadFile(filepath.Join(dir, ".anomgen", "state.json.lock")); err != nil || len(b) != 0 {
		t.Errorf("lock file after the runs: %q, %v", b, err)
	}
}
