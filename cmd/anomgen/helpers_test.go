package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
)

// result is the outcome of one anomgen invocation.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("anomgen %s\nexit code %d\n--- stdout ---\n%s--- stderr ---\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// cli runs anomgen in-process in dir (-chdir) with an empty, non-terminal
// standard input.
func cli(t testing.TB, dir string, args ...string) result {
	t.Helper()
	return cliIn(t, dir, "", args...)
}

func cliIn(t testing.TB, dir, stdin string, args ...string) result {
	t.Helper()
	full := append([]string{"-chdir", dir}, args...)
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	code := run(ctx, full, strings.NewReader(stdin), &out, &errb)
	return result{args: full, code: code, stdout: out.String(), stderr: errb.String()}
}

// mustOK fails the test unless r exited 0.
func mustOK(t testing.TB, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("expected success:\n%s", r)
	}
	return r
}

// norm collapses runs of whitespace, so that assertions survive the line
// wrapping of HCL diagnostics.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// wantAll checks that text (whitespace-normalised) contains every want.
func wantAll(t testing.TB, r result, text string, wants ...string) {
	t.Helper()
	n := norm(text)
	for _, w := range wants {
		if !strings.Contains(n, norm(w)) {
			t.Errorf("output lacks %q\n%s", w, r)
		}
	}
}

func wantNone(t testing.TB, r result, text string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(text, b) {
			t.Errorf("output must not contain %q\n%s", b, r)
		}
	}
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

var (
	planHeadRE = regexp.MustCompile(`^\s*# (anomaly\.\S+) (will be created|must be replaced)`)
	planRowsRE = regexp.MustCompile(`^\s*rows\s+= ([\d,]+) of ([\d,]+) in the window`)
	showRowsRE = regexp.MustCompile(`(?m)^\s*rows\s+= ([\d,]+)\s*$`)
)

// plannedRows parses the row counts of the creates and replaces in plan text.
func plannedRows(t testing.TB, text string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		if m := planHeadRE.FindStringSubmatch(line); m != nil {
			cur = m[1]
			continue
		}
		if m := planRowsRE.FindStringSubmatch(line); m != nil && cur != "" {
			out[cur] = atoi(t, m[1])
			cur = ""
		}
	}
	return out
}

func atoi(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// shownRows parses the rows line of `state show`.
func shownRows(t testing.TB, r result) int64 {
	t.Helper()
	m := showRowsRE.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no rows line in state show:\n%s", r)
	}
	return atoi(t, m[1])
}

func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func statePath(dir string) string { return filepath.Join(dir, ".anomgen", "state.json") }

func queryInt(t testing.TB, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func execSQL(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// fixture is a seeded database with the tables the CLI tests use:
//
//	orders(id PK, email, amount numeric, created_at): created_at is
//	  2026-01-01 00:00 UTC plus id minutes; every 50th email is NULL.
//	events(a, b): no primary key.
type fixture struct {
	name string
	db   *sql.DB
	// addr is the source address, e.g. source.sqlite.shop.
	addr string
	// source is the source block, with allow_writes = true.
	source string
	// journals counts journal tables left in the database.
	journals func(t testing.TB) int64
	// catalog returns the journal catalog: address → journal id.
	catalog func(t testing.TB) map[string]string
	// dropJournals drops the whole journal schema (catalog and journals),
	// as an administrator might; dropJournal drops one journal table.
	dropJournals func(t testing.TB)
	dropJournal  func(t testing.TB, id string)
}

const ordersRows = 2000

func (f *fixture) checksum(t testing.TB) string {
	t.Helper()
	return providertest.Checksum(t, f.db, "SELECT * FROM orders ORDER BY id")
}

// nullsInWindow counts NULL emails of orders in [from, to) minutes after
// 2026-01-01 (id = minutes).
func (f *fixture) nullsInWindow(t testing.TB, fromMin, toMin int) int64 {
	t.Helper()
	return queryInt(t, f.db, fmt.Sprintf("SELECT COUNT(*) FROM orders WHERE email IS NULL AND id >= %d AND id < %d", fromMin, toMin))
}

func sqliteFixture(t testing.TB) *fixture {
	t.Helper()
	s := providertest.NewSQLite(t)
	execSQL(t, s.DB,
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, email TEXT, amount NUMERIC(10,2), created_at TEXT NOT NULL, note TEXT NOT NULL)`,
		fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)
		 INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, datetime('2026-01-01 00:00:00', '+' || i || ' minutes'), 'n' || i FROM s`, ordersRows),
		`CREATE TABLE events (a INTEGER, b TEXT)`,
		`INSERT INTO events VALUES (1, 'x'), (2, 'y')`,
	)
	return &fixture{
		name: "sqlite", db: s.DB, addr: "source.sqlite.shop",
		source: fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path         = %q\n  allow_writes = true\n}\n", s.Path),
		journals: func(t testing.TB) int64 {
			return queryInt(t, s.DB, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'anomgen\_j\_%' ESCAPE '\'`)
		},
		catalog: func(t testing.TB) map[string]string {
			if queryInt(t, s.DB, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'anomgen_journals'`) == 0 {
				return map[string]string{}
			}
			return readCatalog(t, s.DB, "SELECT address, id FROM anomgen_journals")
		},
		dropJournals: func(t testing.TB) {
			rows, err := s.DB.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'anomgen\_%' ESCAPE '\'`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for rows.Next() {
				var n string
				_ = rows.Scan(&n)
				names = append(names, n)
			}
			rows.Close()
			for _, n := range names {
				execSQL(t, s.DB, `DROP TABLE "`+n+`"`)
			}
		},
		dropJournal: func(t testing.TB, id string) { execSQL(t, s.DB, `DROP TABLE "anomgen_j_`+id+`"`) },
	}
}

func postgresFixture(t testing.TB) *fixture {
	t.Helper()
	p := providertest.NewPostgres(t)
	execSQL(t, p.DB,
		`CREATE TABLE orders (id bigint PRIMARY KEY, email text, amount numeric(10,2), created_at timestamptz NOT NULL, note text NOT NULL)`,
		fmt.Sprintf(`INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 'n' || i
		 FROM generate_series(1, %d) i`, ordersRows),
		`CREATE TABLE events (a integer, b text)`,
		`INSERT INTO events VALUES (1, 'x'), (2, 'y')`,
		`ANALYZE orders`,
	)
	return &fixture{
		name: "postgres", db: p.DB, addr: "source.postgres.shop",
		source: pgSource(p, "shop", true),
		journals: func(t testing.TB) int64 {
			return queryInt(t, p.DB, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name LIKE 'j\_%'`)
		},
		catalog:      func(t testing.TB) map[string]string { return pgCatalog(t, p.DB) },
		dropJournals: func(t testing.TB) { execSQL(t, p.DB, `DROP SCHEMA anomgen CASCADE`) },
		dropJournal:  func(t testing.TB, id string) { execSQL(t, p.DB, `DROP TABLE anomgen.j_`+id) },
	}
}

// pgSource is a postgres source block for the throwaway database p, with
// the settings spelled out (not a dsn).
func pgSource(p *providertest.Postgres, name string, allowWrites bool) string {
	host, port, err := net.SplitHostPort(p.URL.Host)
	if err != nil {
		host, port = p.URL.Host, "5432"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "source \"postgres\" %q {\n", name)
	fmt.Fprintf(&b, "  host     = %q\n  port     = %s\n  database = %q\n  username = %q\n  tls      = \"disable\"\n", host, port, p.Name, p.URL.User.Username())
	if pw, ok := p.URL.User.Password(); ok {
		fmt.Fprintf(&b, "  password = %q\n", pw)
	}
	if allowWrites {
		b.WriteString("  allow_writes = true\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func pgCatalog(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	if queryInt(t, db, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name = 'journals'`) == 0 {
		return map[string]string{}
	}
	return readCatalog(t, db, `SELECT address, id FROM anomgen.journals`)
}

func readCatalog(t testing.TB, db *sql.DB, q string) map[string]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var addr, id string
		if err := rows.Scan(&addr, &id); err != nil {
			t.Fatal(err)
		}
		if prev, dup := out[addr]; dup {
			t.Errorf("the catalog holds two journals for %s: %s and %s", addr, prev, id)
		}
		out[addr] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// target is the orders target of a fixture, with its time column.
func (f *fixture) target() string {
	return fmt.Sprintf("target \"orders\" {\n  source      = %s\n  table       = \"orders\"\n  time_column = \"created_at\"\n}\n", f.addr)
}

// window10h is the first 10 hours of 2026: orders 1..599.
const window10h = `  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "10h"
  }
`

// lineScanner collects the lines of a stream and announces each on a
// channel (non-blocking for the producer).
type lineScanner struct {
	lines chan string
	buf   bytes.Buffer
	done  chan struct{}
}

func scanLines(r interface{ Read([]byte) (int, error) }) *lineScanner {
	ls := &lineScanner{lines: make(chan string, 1024), done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ls.buf.WriteString(sc.Text() + "\n")
			select {
			case ls.lines <- sc.Text():
			default:
			}
		}
		close(ls.lines)
	}()
	return ls
}

// waitFor waits until a line containing s appears, the stream ends, or
// timeout passes.
func (ls *lineScanner) waitFor(s string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-ls.lines:
			if !ok {
				return errors.New("the stream ended before " + strconv.Quote(s))
			}
			if strings.Contains(line, s) {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("no %q within %s", s, timeout)
		}
	}
}

// text returns everything read, once the stream has ended.
func (ls *lineScanner) text() string {
	<-ls.done
	return ls.buf.String()
}

// listState runs `state list` and reduces its table to the addresses, one
// per line ("" when nothing is applied), checking the header.
func listState(t testing.TB, dir string) result {
	t.Helper()
	r := cli(t, dir, "state", "list")
	if r.code != 0 {
		return r
	}
	if strings.TrimSpace(r.stdout) == "Nothing is applied." {
		r.stdout = ""
		return r
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "ADDRESS") || !strings.Contains(lines[0], "STATUS") || !strings.Contains(lines[0], "ROWS") {
		t.Fatalf("state list has no header:\n%s", r)
	}
	var b strings.Builder
	for _, l := range lines[1:] {
		b.WriteString(strings.Fields(l)[0] + "\n")
	}
	r.stdout = b.String()
	return r
}
