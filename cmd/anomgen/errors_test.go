package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/providers/providertest"
)

// The error tests run against the real servers: each failure must give a
// classified message, a non-zero exit, leave every table as it was (or
// fully applied with its journal), make the state list exactly what was
// applied, and never show the password: not on stdout, not on stderr, not
// in a debug-level log file.

func init() {
	// Connection retries as in production (4 attempts, doubling waits),
	// only faster.
	connectRetry = executor.Retry{Attempts: 4, Initial: 20 * time.Millisecond}
}

// server is a throwaway database on one of the test servers, with an
// orders table (2,000 rows, as in the other CLI tests) and a payments
// table (500 rows: id, amount, created_at), and what differs between
// PostgreSQL and MariaDB for these tests.
type server struct {
	kind    string // postgres or mysql
	db      *sql.DB
	dbName  string
	journal string // journal schema
	port    string
	// qual qualifies a table name as messages write it.
	qual func(table string) string
	// grant is the GRANT statement messages suggest.
	grant func(priv, table, user string) string
	// newUser creates a login with a password, granted SELECT on every
	// table plus grants (SQL with %[1]s for the user), and what the
	// journal needs.
	newUser func(t *testing.T, grants ...string) (user, password string)
	// journals counts journal tables; catalog reads the journal catalog.
	journals func(t *testing.T) int64
	catalog  func(t *testing.T) map[string]string
	// kill ends the sessions of anomgen processes connected as user.
	kill func(t *testing.T, user string) int
}

func (s *server) addr() string { return "source." + s.kind + ".shop" }

// source is the source block for user on database db (default: the
// test database) and port (default: the server's).
func (s *server) source(user, password, db, port string) string {
	if db == "" {
		db = s.dbName
	}
	if port == "" {
		port = s.port
	}
	return fmt.Sprintf("source %q \"shop\" {\n  host           = \"127.0.0.1\"\n  port           = %s\n  database       = %q\n  username       = %q\n  password       = %q\n  tls            = \"disable\"\n  journal_schema = %q\n  allow_writes   = true\n}\n",
		s.kind, port, db, user, password, s.journal)
}

func (s *server) checksum(t *testing.T, table string) string {
	t.Helper()
	return providertest.Checksum(t, s.db, "SELECT * FROM "+table+" ORDER BY id")
}

// scenario writes the source, the orders and payments targets and the
// anomalies into a fresh folder.
func (s *server) scenario(t *testing.T, source, anomalies string) string {
	t.Helper()
	dir := t.TempDir()
	targets := ""
	for _, table := range []string{"orders", "payments"} {
		targets += fmt.Sprintf("\ntarget %q {\n  source      = %s\n  table       = %q\n  time_column = \"created_at\"\n}\n", table, s.addr(), table)
	}
	writeFile(t, dir, "main.hcl", source+targets)
	writeFile(t, dir, "anomalies.hcl", anomalies)
	return dir
}

const (
	ordersNulls   = "anomaly.null_rate.a_orders"
	paymentsShift = "anomaly.numeric_shift.b_payments"
)

// ordersNullRate and paymentsNumericShift are anomalies on the first 10
// hours of each table; in this order in the file, orders comes first.
var (
	ordersNullRate       = "anomaly \"null_rate\" \"a_orders\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n" + window10h + "  seed   = 7\n}\n"
	paymentsNumericShift = "anomaly \"numeric_shift\" \"b_payments\" {\n  target    = target.payments\n  column    = \"amount\"\n  amplitude = 0.5\n  volume    = 0.5\n" + window10h + "  seed      = 7\n}\n"
)

func postgresServer(t *testing.T) *server {
	t.Helper()
	p := providertest.NewPostgres(t)
	execSQL(t, p.DB,
		`CREATE TABLE orders (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL, note text NOT NULL)`,
		fmt.Sprintf(`INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i
		 FROM generate_series(1, %d) i`, ordersRows),
		`CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(10,2), created_at timestamptz NOT NULL)`,
		`INSERT INTO payments SELECT i, (i % 89) + 1.5, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 500) i`,
		`ANALYZE orders`, `ANALYZE payments`,
		// The journal schema exists, made by an administrator, so that a
		// user without CREATE on the database may keep journals in it.
		`CREATE SCHEMA anomgen`,
	)
	port := p.URL.Port()
	if port == "" {
		port = "5432"
	}
	q := func(s string) string { return `"` + s + `"` }
	return &server{
		kind: "postgres", db: p.DB, dbName: p.Name, journal: "anomgen", port: port,
		qual: func(table string) string { return "public." + table },
		grant: func(priv, table, user string) string {
			return fmt.Sprintf("GRANT %s ON %s.%s TO %s;", priv, q("public"), q(table), q(user))
		},
		newUser: func(t *testing.T, grants ...string) (string, string) {
			t.Helper()
			user, pw := "anomgen_t_"+randHex(), "Pw-canary-"+randHex()
			execSQL(t, p.DB, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", user, pw))
			t.Cleanup(func() {
				if _, err := p.DB.Exec("DROP OWNED BY " + user + "; DROP ROLE " + user); err != nil {
					t.Errorf("dropping role %s: %v", user, err)
				}
			})
			execSQL(t, p.DB, "GRANT SELECT ON orders, payments TO "+user, "GRANT USAGE, CREATE ON SCHEMA anomgen TO "+user)
			for _, g := range grants {
				execSQL(t, p.DB, fmt.Sprintf(g, user))
			}
			return user, pw
		},
		journals: func(t *testing.T) int64 {
			return queryInt(t, p.DB, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name LIKE 'j\_%'`)
		},
		catalog: func(t *testing.T) map[string]string { return pgCatalog(t, p.DB) },
		kill: func(t *testing.T, _ string) int {
			return int(queryInt(t, p.DB, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'anomgen' AND datname = $1`, p.Name))
		},
	}
}

func mysqlServer(t *testing.T) *server {
	t.Helper()
	m := providertest.NewMySQL(t)
	const numbers = `(SELECT a.i * 1000 + b.i * 100 + c.i * 10 + d.i + 1 AS i FROM
		(SELECT 0 i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
		(SELECT 0 i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
		(SELECT 0 i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c,
		(SELECT 0 i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d) n`
	execSQL(t, m.DB,
		`CREATE TABLE orders (id BIGINT PRIMARY KEY, email VARCHAR(255), amount DECIMAL(10,2), created_at DATETIME NOT NULL, note VARCHAR(255) NOT NULL) ENGINE=InnoDB`,
		fmt.Sprintf(`INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE CONCAT('user', i, '@example.com') END,
		   (i %% 97) + 0.25, TIMESTAMPADD(MINUTE, i, '2026-01-01 00:00:00'), CONCAT('n', i) FROM %s WHERE i <= %d`, numbers, ordersRows),
		`CREATE TABLE payments (id BIGINT PRIMARY KEY, amount DECIMAL(10,2), created_at DATETIME NOT NULL) ENGINE=InnoDB`,
		fmt.Sprintf(`INSERT INTO payments SELECT i, (i %% 89) + 1.5, TIMESTAMPADD(MINUTE, i, '2026-01-01 00:00:00') FROM %s WHERE i <= 500`, numbers),
		`ANALYZE TABLE orders, payments`,
	)
	port := "3306"
	if _, p, ok := strings.Cut(m.Config.Addr, ":"); ok {
		port = p
	}
	admin := m.DB
	return &server{
		kind: "mysql", db: m.DB, dbName: m.Name, journal: m.Journal, port: port,
		qual: func(table string) string { return m.Name + "." + table },
		grant: func(priv, table, user string) string {
			return fmt.Sprintf("GRANT %s ON `%s`.`%s` TO '%s'@'%%';", priv, m.Name, table, user)
		},
		newUser: func(t *testing.T, grants ...string) (string, string) {
			t.Helper()
			user, pw := "anomgen_t_"+randHex(), "Pw-canary-"+randHex()
			execSQL(t, admin, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, pw))
			t.Cleanup(func() {
				if _, err := admin.Exec(fmt.Sprintf("DROP USER '%s'@'%%'", user)); err != nil {
					t.Errorf("dropping user %s: %v", user, err)
				}
			})
			execSQL(t, admin, fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%%'", m.Name, user),
				fmt.Sprintf("GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%%'", m.Journal, user))
			for _, g := range grants {
				execSQL(t, admin, fmt.Sprintf(g, "'"+user+"'@'%'"))
			}
			return user, pw
		},
		journals: func(t *testing.T) int64 {
			return queryInt(t, admin, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'j\_%'`, m.Journal)
		},
		catalog: func(t *testing.T) map[string]string {
			if queryInt(t, admin, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'journals'`, m.Journal) == 0 {
				return map[string]string{}
			}
			return readCatalog(t, admin, fmt.Sprintf("SELECT address, id FROM `%s`.journals", m.Journal))
		},
		kill: func(t *testing.T, user string) int {
			t.Helper()
			rows, err := admin.Query(`SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND USER = ?`, m.Name, user)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			rows.Close()
			for _, id := range ids {
				if _, err := admin.Exec(fmt.Sprintf("KILL %d", id)); err != nil {
					t.Logf("KILL %d: %v", id, err)
				}
			}
			return len(ids)
		},
	}
}

// servers runs fn as a parallel subtest per server.
func servers(t *testing.T, fn func(t *testing.T, s *server)) {
	t.Helper()
	for _, db := range []struct {
		name string
		make func(*testing.T) *server
	}{{"postgres", postgresServer}, {"mysql", mysqlServer}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fn(t, db.make(t))
		})
	}
}

// logged runs anomgen like cli, logging at debug level to a file, and
// checks that none of secrets shows on stdout, stderr or in the log. It
// returns the result and the log.
func logged(t *testing.T, dir string, secrets []string, args ...string) (result, string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "anomgen.log")
	r := cli(t, dir, append([]string{"-log-level=debug", "-log-file=" + logFile}, args...)...)
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("no log file: %v\n%s", err, r)
	}
	for _, s := range secrets {
		for name, text := range map[string]string{"stdout": r.stdout, "stderr": r.stderr, "the log file": string(b)} {
			if strings.Contains(text, s) {
				t.Errorf("the password shows in %s:\n%s\n--- log ---\n%s", name, r, b)
			}
		}
	}
	return r, string(b)
}

// mustFail fails the test unless r exited with code.
func mustFail(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("expected exit code %d:\n%s", code, r)
	}
}

// stateList is what `state list` prints.
func stateList(t *testing.T, dir string) string {
	t.Helper()
	return mustOK(t, listState(t, dir)).stdout
}

// nothingApplied asserts that orders and payments are as they were, no
// journal is left, and the state is empty.
func (s *server) nothingApplied(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	for table, sum := range before {
		if got := s.checksum(t, table); got != sum {
			t.Errorf("%s changed: checksum %s, was %s", table, got, sum)
		}
	}
	if n := s.journals(t); n != 0 {
		t.Errorf("%d journal tables are left", n)
	}
	if c := s.catalog(t); len(c) != 0 {
		t.Errorf("the journal catalog holds %v", c)
	}
	if got := stateList(t, dir); got != "" {
		t.Errorf("the state lists %q", got)
	}
}

func (s *server) checksums(t *testing.T) map[string]string {
	return map[string]string{"orders": s.checksum(t, "orders"), "payments": s.checksum(t, "payments")}
}

var retryLine = regexp.MustCompile(`(?m)^time=\S+ level=WARN msg="connecting to source\.\w+\.shop failed \([^)]*\); retrying in [\d.]+m?s, attempt \d of 4"`)

// TestErrorWrongPort: nothing listens on the port. The connection is
// retried three times, each retry logged as a warning, then fails with
// the classified message; nothing is written.
func TestErrorWrongPort(t *testing.T) {
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		pw := "Pw-canary-" + randHex()
		dir := s.scenario(t, s.source("anomgen", pw, "", "1"), ordersNullRate)
		name := map[string]string{"postgres": "PostgreSQL", "mysql": "MySQL/MariaDB"}[s.kind]
		for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}, {"rollback", "-all", "-auto-approve"}} {
			r, log := logged(t, dir, []string{pw}, args...)
			mustFail(t, r, 1)
			wantAll(t, r, r.stderr, fmt.Sprintf("Error: cannot connect to %s (127.0.0.1:1, database %s): the server did not answer (4 attempts). Is %s running and listening on 127.0.0.1:1? Check host and port.", s.addr(), s.dbName, name))
			if n := len(retryLine.FindAllString(log, -1)); n != 3 {
				t.Errorf("%s: %d retries logged at warn level, want 3:\n%s", args[0], n, log)
			}
			if n := countErrors(r.stderr); n != 1 {
				t.Errorf("expected exactly one error:\n%s", r)
			}
		}
		r, _ := logged(t, dir, []string{pw}, "check")
		mustFail(t, r, 1)
		wantAll(t, r, r.stdout, s.addr()+" (127.0.0.1:1, database "+s.dbName+")", "✗ reachable: the server did not answer (4 attempts)",
			"fix: Is "+name+" running and listening on 127.0.0.1:1?", "- privileges: not checked", "Check failed: 1 problem in 1 of 1 source.")
		s.nothingApplied(t, dir, before)
	})
}

// TestErrorWrongPassword: MariaDB refuses the password at once, without
// retries. (The PostgreSQL test server trusts local TCP connections, so a
// wrong password is accepted there: TestConnectionErrors logs that.)
func TestErrorWrongPassword(t *testing.T) {
	t.Parallel()
	s := mysqlServer(t)
	before := s.checksums(t)
	user, pw := s.newUser(t, "GRANT UPDATE, DELETE, INSERT ON `"+s.dbName+"`.* TO %s")
	wrong := "Wr0ng-canary-" + randHex()
	dir := s.scenario(t, s.source(user, wrong, "", ""), ordersNullRate)
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		start := time.Now()
		r, log := logged(t, dir, []string{pw, wrong}, args...)
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, fmt.Sprintf(`Error: cannot connect to source.mysql.shop (127.0.0.1:%s, database %s): authentication failed for user %q. Check the username and password (the password is not shown).`, s.port, s.dbName, user))
		if strings.Contains(log, "retrying") || time.Since(start) > 5*time.Second {
			t.Errorf("an authentication failure was retried (%s):\n%s", time.Since(start), log)
		}
	}
	r, _ := logged(t, dir, []string{pw, wrong}, "check")
	mustFail(t, r, 1)
	wantAll(t, r, r.stdout, "✓ reachable", fmt.Sprintf(`✗ authentication: authentication failed for user %q`, user), "- privileges: not checked")
	s.nothingApplied(t, dir, before)

	// The right password works.
	dir = s.scenario(t, s.source(user, pw, "", ""), ordersNullRate)
	r, _ = logged(t, dir, []string{pw}, "check")
	mustOK(t, r)
	wantAll(t, r, r.stdout, "✓ authenticated as "+user+"@%", "✓ UPDATE on "+s.qual("orders"), "Check passed: 1 source ready for plan, apply and rollback.")
}

// TestErrorMissingDatabase: the database does not exist; no retries.
func TestErrorMissingDatabase(t *testing.T) {
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		var grants []string
		if s.kind == "mysql" {
			// MariaDB tells a user without privileges on a database only
			// "access denied", whether it exists or not.
			grants = append(grants, "GRANT SELECT ON `anomgen\\_nodb\\_%%`.* TO %s")
		}
		user, pw := s.newUser(t, grants...)
		missing := "anomgen_nodb_" + randHex()
		dir := s.scenario(t, s.source(user, pw, missing, ""), ordersNullRate)
		for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
			r, log := logged(t, dir, []string{pw}, args...)
			mustFail(t, r, 1)
			wantAll(t, r, r.stderr, fmt.Sprintf(`Error: cannot connect to %s (127.0.0.1:%s, database %s): database %q does not exist. Create it, or fix database in the source block.`, s.addr(), s.port, missing, missing))
			if strings.Contains(log, "retrying") {
				t.Errorf("a missing database was retried:\n%s", log)
			}
		}
		r, _ := logged(t, dir, []string{pw}, "check")
		mustFail(t, r, 1)
		wantAll(t, r, r.stdout, "✓ reachable", "✓ authenticated", fmt.Sprintf(`✗ database: database %q does not exist`, missing))
		s.nothingApplied(t, dir, before)
	})
}

// TestErrorNoUpdatePrivilege: the user may read orders but not change it.
// check shows the missing privileges with their GRANTs; apply fails naming
// the privilege, the table and the GRANT, and leaves nothing behind.
func TestErrorNoUpdatePrivilege(t *testing.T) {
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		user, pw := s.newUser(t)
		dir := s.scenario(t, s.source(user, pw, "", ""), ordersNullRate)
		orders := s.qual("orders")

		r, _ := logged(t, dir, []string{pw}, "check")
		mustFail(t, r, 1)
		wantAll(t, r, r.stdout, "✓ reachable: 127.0.0.1:"+s.port, "✓ authenticated as "+user, "✓ server version ",
			"✓ SELECT on "+orders+"\n",
			"✗ UPDATE on "+orders+"\n      fix: "+s.grant("UPDATE", "orders", user),
			"✗ DELETE on "+orders+"\n      fix: "+s.grant("DELETE", "orders", user),
			"✗ INSERT on "+orders+"\n      fix: "+s.grant("INSERT", "orders", user),
			"✗ UPDATE on "+s.qual("payments"))
		if s.kind == "postgres" {
			wantAll(t, r, r.stdout, "✓ USAGE on schema anomgen: journal schema anomgen exists", "✓ CREATE on schema anomgen")
		} else {
			wantAll(t, r, r.stdout, "✓ CREATE on database "+s.journal, "✓ DROP on database "+s.journal)
		}
		wantAll(t, r, r.stdout, "Check failed: 6 problems in 1 of 1 source.")

		r, _ = logged(t, dir, []string{pw}, "apply", "-auto-approve")
		mustFail(t, r, 1)
		shownUser := user
		if s.kind == "mysql" {
			shownUser = user + "@%"
		}
		wantAll(t, r, r.stderr, fmt.Sprintf("Error: %s: permission denied: UPDATE on %s for user %s; its transaction was rolled back and the table is untouched. Ask an administrator to run: %s",
			ordersNulls, orders, shownUser, s.grant("UPDATE", "orders", user)))
		wantAll(t, r, r.stdout, ordersNulls+": failed", "Apply stopped: 0 applied, 0 rolled back before the failure.")
		s.nothingApplied(t, dir, before)

		// The same in batches of 2 rows: the batch's transaction fails
		// and the error says the same.
		src := s.source(user, pw, "", "")
		src = src[:strings.LastIndex(src, "}")] + "  batch_rows = 2\n}\n"
		batched := s.scenario(t, src, ordersNullRate)
		r, _ = logged(t, batched, []string{pw}, "apply", "-auto-approve")
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, fmt.Sprintf("Error: %s: permission denied: UPDATE on %s for user %s;", ordersNulls, orders, shownUser),
			"Ask an administrator to run: "+s.grant("UPDATE", "orders", user))
		s.nothingApplied(t, batched, before)
	})
}

// TestErrorConnectionKilled: the database session of an apply is ended
// just before its commit. The run fails saying the connection was lost
// and the table is untouched; it is; the state does not list the anomaly;
// and the next apply works.
func TestErrorConnectionKilled(t *testing.T) {
	bin := anomgenBinary(t)
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		user, pw := s.newUser(t, map[string]string{
			"postgres": "GRANT UPDATE ON orders TO %s",
			"mysql":    "GRANT UPDATE ON `" + s.dbName + "`.* TO %s",
		}[s.kind])
		dir := s.scenario(t, s.source(user, pw, "", ""), ordersNullRate)
		planned := plannedRows(t, mustOK(t, cli(t, dir, "plan")).stdout)[ordersNulls]
		if planned < 100 {
			t.Fatalf("planned %d rows", planned)
		}

		resume := filepath.Join(t.TempDir(), "resume")
		logFile := filepath.Join(t.TempDir(), "anomgen.log")
		cmd := exec.Command(bin, "-chdir", dir, "-log-level=debug", "-log-file="+logFile, "apply", "-auto-approve")
		cmd.Env = append(os.Environ(), "ANOMGEN_TEST_HOOK=before-commit", "ANOMGEN_TEST_HOOK_RESUME="+resume)
		stdout, _ := cmd.StdoutPipe()
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		out, errs := scanLines(stdout), scanLines(stderr)
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Kill()
				out.text()
				errs.text()
				_ = cmd.Wait()
			}
		})
		if err := errs.waitFor("anomgen-test-hook: before-commit", 30*time.Second); err != nil {
			_ = cmd.Process.Kill()
			t.Fatalf("%v\n--- stdout ---\n%s--- stderr ---\n%s", err, out.text(), errs.text())
		}
		if n := s.kill(t, user); n == 0 {
			t.Fatalf("no session of the apply was found to end")
		}
		if err := os.WriteFile(resume, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		stdoutText, stderrText := out.text(), errs.text()
		_ = cmd.Wait()
		r := result{args: cmd.Args, code: cmd.ProcessState.ExitCode(), stdout: stdoutText, stderr: stderrText}
		t.Logf("the killed apply:\n%s", r)
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, "Error: "+ordersNulls+": connection lost", "its transaction was rolled back and the table is untouched. Check that the server is up")
		wantAll(t, r, r.stdout, ordersNulls+": failed", "Apply stopped: 0 applied, 0 rolled back before the failure.")
		log, _ := os.ReadFile(logFile)
		if strings.Contains(r.stdout+r.stderr+string(log), pw) {
			t.Errorf("the password shows in the output or the log")
		}
		s.nothingApplied(t, dir, before)

		// The next apply works, and rollback restores every byte.
		r, _ = logged(t, dir, []string{pw}, "apply", "-auto-approve")
		mustOK(t, r)
		wantAll(t, r, r.stdout, fmt.Sprintf("changed %d rows", planned), "Apply complete! 1 applied, 0 rolled back.")
		wantNone(t, r, r.stderr, "Warning")
		if got := stateList(t, dir); got != ordersNulls+"\n" {
			t.Errorf("state after the apply: %q", got)
		}
		if got := s.checksum(t, "orders"); got == before["orders"] {
			t.Errorf("the apply did not change orders")
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		s.nothingApplied(t, dir, before)
	})
}

// TestErrorContinueOnError: two anomalies, the first on a table the user
// may not UPDATE. By default apply stops at it; with -continue-on-error
// the second is applied and the failure reported, exit code 1. The same
// for rollback.
func TestErrorContinueOnError(t *testing.T) {
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		grantOrders := map[string]string{"postgres": "GRANT UPDATE ON orders TO %s", "mysql": "GRANT UPDATE ON `" + s.dbName + "`.`orders` TO %s"}[s.kind]
		revokeOrders := strings.Replace(strings.Replace(grantOrders, "GRANT", "REVOKE", 1), " TO ", " FROM ", 1)
		user, pw := s.newUser(t, map[string]string{"postgres": "GRANT UPDATE ON payments TO %s", "mysql": "GRANT UPDATE ON `" + s.dbName + "`.`payments` TO %s"}[s.kind])
		sqlUser := map[string]string{"postgres": user, "mysql": "'" + user + "'@'%'"}[s.kind]
		dir := s.scenario(t, s.source(user, pw, "", ""), ordersNullRate+"\n"+paymentsNumericShift)
		denied := fmt.Sprintf("Error: %s: permission denied: UPDATE on %s", ordersNulls, s.qual("orders"))

		// Without the flag: the first failure stops the run (one change at
		// a time: with -parallelism above 1, changes on other tables that
		// already started finish, and only the later ones are not
		// attempted).
		r, _ := logged(t, dir, []string{pw}, "apply", "-auto-approve", "-parallelism", "1")
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, denied)
		wantAll(t, r, r.stdout, "Apply stopped: 0 applied, 0 rolled back before the failure. 1 more not attempted (-continue-on-error carries on past a failure).")
		wantNone(t, r, r.stdout, paymentsShift+": Applying")
		s.nothingApplied(t, dir, before)

		// With it: payments is applied, the orders failure reported.
		r, _ = logged(t, dir, []string{pw}, "apply", "-auto-approve", "-continue-on-error")
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, denied)
		wantAll(t, r, r.stdout, ordersNulls+": failed", paymentsShift+": done after", "Apply finished with errors: 1 applied, 0 rolled back, 1 failed.")
		if n := countErrors(r.stderr); n != 1 {
			t.Errorf("expected one error:\n%s", r)
		}
		if got := stateList(t, dir); got != paymentsShift+"\n" {
			t.Errorf("state lists %q, want only %s", got, paymentsShift)
		}
		if got := s.checksum(t, "orders"); got != before["orders"] {
			t.Errorf("orders changed")
		}
		if got := s.checksum(t, "payments"); got == before["payments"] {
			t.Errorf("payments did not change")
		}
		if c := s.catalog(t); len(c) != 1 || c[paymentsShift] == "" {
			t.Errorf("journal catalog %v", c)
		}

		// Apply orders too, then take UPDATE away again: rollback fails on
		// orders (the newest, rolled back first).
		execSQL(t, s.db, fmt.Sprintf(grantOrders, sqlUser))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		execSQL(t, s.db, fmt.Sprintf(revokeOrders, sqlUser))
		r, _ = logged(t, dir, []string{pw}, "rollback", "-all", "-auto-approve", "-parallelism", "1")
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, denied)
		wantAll(t, r, r.stdout, "Rollback stopped: 0 applied, 0 rolled back before the failure. 1 more not attempted")
		if got := stateList(t, dir); got != ordersNulls+"\n"+paymentsShift+"\n" && got != paymentsShift+"\n"+ordersNulls+"\n" {
			t.Errorf("state after the stopped rollback: %q", got)
		}
		r, _ = logged(t, dir, []string{pw}, "rollback", "-all", "-auto-approve", "-continue-on-error")
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, denied)
		wantAll(t, r, r.stdout, "Rollback finished with errors: 0 applied, 1 rolled back, 1 failed.")
		if got := stateList(t, dir); got != ordersNulls+"\n" {
			t.Errorf("state lists %q, want only %s", got, ordersNulls)
		}
		if got := s.checksum(t, "payments"); got != before["payments"] {
			t.Errorf("payments was not restored")
		}
		execSQL(t, s.db, fmt.Sprintf(grantOrders, sqlUser))
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		s.nothingApplied(t, dir, before)
	})
}

// TestErrorLockTimeout: another session holds a lock on orders, and the
// source's options bound the wait (lock_timeout; innodb_lock_wait_timeout):
// apply fails with a lock wait timeout and changes nothing.
func TestErrorLockTimeout(t *testing.T) {
	t.Parallel()
	servers(t, func(t *testing.T, s *server) {
		before := s.checksums(t)
		user, pw := s.newUser(t, map[string]string{
			"postgres": "GRANT UPDATE ON orders TO %s",
			"mysql":    "GRANT UPDATE ON `" + s.dbName + "`.* TO %s",
		}[s.kind])
		option := map[string]string{"postgres": `lock_timeout = "300ms"`, "mysql": `innodb_lock_wait_timeout = "1"`}[s.kind]
		src := strings.Replace(s.source(user, pw, "", ""), "  allow_writes", "  options        = { "+option+" }\n  allow_writes", 1)
		dir := s.scenario(t, src, ordersNullRate)
		mustOK(t, cli(t, dir, "plan"))

		tx, err := s.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		lock := map[string]string{
			// Readers pass, writers wait.
			"postgres": "LOCK TABLE orders IN EXCLUSIVE MODE",
			"mysql":    "SELECT COUNT(*) FROM (SELECT id FROM orders FOR UPDATE) x",
		}[s.kind]
		if _, err := tx.Exec(lock); err != nil {
			t.Fatal(err)
		}
		r, _ := logged(t, dir, []string{pw}, "apply", "-auto-approve")
		_ = tx.Rollback()
		mustFail(t, r, 1)
		wantAll(t, r, r.stderr, "Error: "+ordersNulls+": lock wait timeout (", "its transaction was rolled back and the table is untouched. Another session holds",
			map[string]string{"postgres": "raise lock_timeout in the source's options", "mysql": "raise innodb_lock_wait_timeout in the source's options"}[s.kind])
		s.nothingApplied(t, dir, before)
	})
}
