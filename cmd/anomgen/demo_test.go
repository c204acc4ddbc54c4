package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/examples/quickstart"
	"github.com/anomgen/anomgen/providers/providertest"
)

// cliTerminal runs anomgen in-process as if standard input were a
// terminal on which the user types stdin (apply's and rollback's prompt).
func cliTerminal(t testing.TB, dir, stdin string, args ...string) result {
	t.Helper()
	full := append([]string{"-chdir", dir}, args...)
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	a := newApp(strings.NewReader(stdin), &out, &errb)
	a.isTerminal = func() bool { return true }
	code := a.execute(ctx, full)
	return result{args: full, code: code, stdout: out.String(), stderr: errb.String()}
}

// hide takes secret out of r's command line, which a failure prints (the
// test server's password may be a real one).
func hide(r result, secret string) result {
	if secret == "" {
		return r
	}
	args := make([]string, len(r.args))
	for i, a := range r.args {
		args[i] = strings.ReplaceAll(a, secret, "(password)")
	}
	r.args = args
	return r
}

func randomName(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// demoPostgres returns a connection URL of the test server naming a
// database that does not exist yet (dropped when the test ends), the
// database's name, and a handle that reaches it once it exists. The URL
// carries a password: the server's, or under trust authentication one it
// ignores, so that tests can check it is never shown.
func demoPostgres(t *testing.T) (demoURL *url.URL, name string, open func() *sql.DB) {
	t.Helper()
	admin := providertest.PostgresAdminDSN(t)
	au, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	name = randomName("anomgen_test_demo_")
	u := *au
	u.Path = "/" + name
	u.RawQuery = ""
	if _, ok := u.User.Password(); !ok {
		u.User = url.UserPassword(u.User.Username(), "Demo-pw-never-shown-7")
	}
	var db *sql.DB
	t.Cleanup(func() {
		if db != nil {
			db.Close()
		}
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adb.Close()
		_, _ = adb.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`)
	})
	return &u, name, func() *sql.DB {
		if db == nil {
			du := *au
			du.Path = "/" + name
			if db, err = sql.Open("pgx", du.String()); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
}

func password(u *url.URL) string { p, _ := u.User.Password(); return p }

// TestDemoKeepsEditedScenarios: the demo tells the user to edit
// anomgen-demo/anomalies.hcl and run it again; a re-run keeps the edit (and
// says so), makes fresh data and runs the tour with it; -reset restores the
// original files; -seed-only writes the folder without the tour.
func TestDemoKeepsEditedScenarios(t *testing.T) {
	dir := t.TempDir()
	demo := filepath.Join(dir, "anomgen-demo")
	r := mustOK(t, cli(t, dir, "demo", "-seed-only", "-days", "1"))
	wantAll(t, r, r.stdout, "Scenario files:", "Next, by hand")
	wantNone(t, r, r.stdout, "Plan:", "byte-identical")
	original, err := fs.ReadFile(quickstart.Scenarios, "anomalies.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(demo, "anomalies.hcl")); !bytes.Equal(got, original) {
		t.Fatalf("-seed-only wrote anomalies.hcl:\n%s", got)
	}
	if n := queryInt(t, openSQLite(t, filepath.Join(demo, "shop.db")), `SELECT COUNT(*) FROM orders`); n == 0 {
		t.Fatal("-seed-only wrote no orders")
	}

	edited := strings.Replace(string(original), "volume = 0.6", "volume = 0.2 # my edit", 1)
	if edited == string(original) {
		t.Fatal("the outage's volume is not in anomalies.hcl; adapt the test")
	}
	writeFile(t, demo, "anomalies.hcl", edited)
	writeFile(t, demo, "extra.hcl", "# my own notes\n")

	r = mustOK(t, cli(t, dir, "demo", "-days", "1"))
	wantAll(t, r, r.stdout, "kept your edited anomalies.hcl", "-reset restores", "Plan: 3 to create", "byte-identical", "keeps your edits")
	if got, _ := os.ReadFile(filepath.Join(demo, "anomalies.hcl")); string(got) != edited {
		t.Fatalf("the re-run overwrote the edited anomalies.hcl:\n%s", got)
	}
	if !exists(filepath.Join(demo, "extra.hcl")) {
		t.Error("the re-run deleted the user's extra.hcl")
	}
	// The edit took effect: the outage removes about 20 %, not 60 %, of
	// the window's orders.
	if !regexp.MustCompile(`volume\s+= 0\.2\b`).MatchString(r.stdout) {
		t.Errorf("the tour did not plan the edited volume:\n%s", r.stdout)
	}

	// A broken edit is named as the user's, with the way back.
	writeFile(t, demo, "anomalies.hcl", edited+"\nanomaly \"null_rate\" {\n")
	r = cli(t, dir, "demo", "-days", "1")
	if r.code == 0 || !strings.Contains(r.stderr, "-reset to restore the originals") {
		t.Errorf("a broken edited anomalies.hcl did not point at -reset:\n%s", r)
	}

	r = mustOK(t, cli(t, dir, "demo", "-reset", "-seed-only", "-days", "1"))
	wantAll(t, r, r.stdout, "Started afresh (-reset)")
	if got, _ := os.ReadFile(filepath.Join(demo, "anomalies.hcl")); !bytes.Equal(got, original) {
		t.Errorf("-reset did not restore anomalies.hcl:\n%s", got)
	}
	if exists(filepath.Join(demo, "extra.hcl")) {
		t.Error("-reset kept extra.hcl")
	}

	// A folder the demo did not make is never touched.
	other := t.TempDir()
	if err := os.MkdirAll(filepath.Join(other, "anomgen-demo"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(other, "anomgen-demo"), "anomalies.hcl", "# mine\n")
	if r := cli(t, other, "demo", "-seed-only", "-days", "1"); r.code == 0 || !strings.Contains(r.stderr, "was not made by anomgen demo") {
		t.Errorf("demo used a folder it did not make:\n%s", r)
	}
}

func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestDemoSourcePostgres seeds the demo shop into a PostgreSQL database
// that does not exist yet: it is created, the tables have the server's
// types, the password is never shown; a re-run keeps the data, -reset
// re-creates it, and tables the demo did not make are left alone.
func TestDemoSourcePostgres(t *testing.T) {
	u, name, open := demoPostgres(t)
	pw := password(u)
	dir := t.TempDir()
	r := mustOK(t, hide(cli(t, dir, "demo", "-source", u.String(), "-days", "2"), pw))
	wantAll(t, r, r.stdout, "Created database "+name, "Seeded the demo shop into database "+name, "public.orders with", `table       = "public.orders"`, `password     = env("SHOP_PASSWORD")`)
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, pw) {
			t.Fatalf("the password is shown:\n%s", r)
		}
	}
	db := open()
	n := queryInt(t, db, `SELECT COUNT(*) FROM public.orders`)
	if n < 4000 {
		t.Errorf("%d orders over 2 days, want about 6,000", n)
	}
	var types string
	if err := db.QueryRow(`SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'orders'`).Scan(&types); err != nil {
		t.Fatal(err)
	}
	if want := "id bigint, customer_id bigint, created_at timestamp with time zone, amount numeric, status text, channel text, email text"; types != want {
		t.Errorf("orders columns: %s, want %s", types, want)
	}
	if k := queryInt(t, db, `SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.created_at < c.signup_at`); k != 0 {
		t.Errorf("%d orders before their customer's signup", k)
	}

	r = mustOK(t, hide(cli(t, dir, "demo", "-source", u.String(), "-days", "2"), pw))
	wantAll(t, r, r.stdout, "already holds the demo shop", "kept as it is", "-reset")
	if got := queryInt(t, db, `SELECT COUNT(*) FROM public.orders`); got != n {
		t.Errorf("a re-run changed the orders: %d, was %d", got, n)
	}
	r = mustOK(t, hide(cli(t, dir, "demo", "-source", u.String(), "-days", "1", "-reset"), pw))
	wantAll(t, r, r.stdout, "Dropped the demo's tables", "Seeded the demo shop")
	if got := queryInt(t, db, `SELECT COUNT(*) FROM public.orders`); got >= n {
		t.Errorf("-reset -days 1 left %d orders (2 days: %d)", got, n)
	}

	// Tables of the same name that the demo did not make are never dropped.
	execSQL(t, db, `DROP TABLE orders, customers`, `CREATE TABLE orders (id int PRIMARY KEY)`)
	for _, args := range [][]string{{"demo", "-source", u.String()}, {"demo", "-source", u.String(), "-reset"}} {
		r = hide(cli(t, dir, args...), pw)
		if r.code == 0 || !strings.Contains(r.stderr, "not made by the demo") && !strings.Contains(r.stderr, "did not make") {
			t.Errorf("the demo did not refuse a table it did not make:\n%s", r)
		}
		if strings.Contains(r.stdout+r.stderr, pw) {
			t.Fatalf("the password is shown:\n%s", r)
		}
	}
	if queryInt(t, db, `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'orders'`) != 1 {
		t.Error("the user's orders table is gone")
	}
}

// TestDemoSourceMySQL seeds the demo shop into a MariaDB/MySQL database
// named in the driver's DSN form and in a mysql:// URL, and then runs the
// source block the demo prints through plan, apply and rollback.
func TestDemoSourceMySQL(t *testing.T) {
	admin := providertest.MySQLAdminConfig(t)
	name := randomName("anomgen_test_demo_")
	adb, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = adb.Exec("DROP DATABASE IF EXISTS " + name)
		adb.Close()
	})
	cfg := admin.Clone()
	cfg.DBName = name
	dir := t.TempDir()
	r := mustOK(t, hide(cli(t, dir, "demo", "-source", cfg.FormatDSN(), "-days", "2"), admin.Passwd))
	wantAll(t, r, r.stdout, "Created database "+name, "Seeded the demo shop", `source "mysql" "shop"`, `table       = "orders"`)

	host, port, _ := net.SplitHostPort(admin.Addr)
	u := url.URL{Scheme: "mysql", Host: net.JoinHostPort(host, port), Path: "/" + name}
	if admin.Passwd != "" {
		u.User = url.UserPassword(admin.User, admin.Passwd)
	} else {
		u.User = url.User(admin.User)
	}
	r = mustOK(t, hide(cli(t, dir, "demo", "-source", u.String()), admin.Passwd))
	wantAll(t, r, r.stdout, "already holds the demo shop")

	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var comment string
	if err := db.QueryRow(`SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'orders'`).Scan(&comment); err != nil || comment != quickstart.Marker {
		t.Errorf("orders comment %q (%v), want %q", comment, err, quickstart.Marker)
	}

	// The printed scenario start, with an anomaly, plans, applies and
	// rolls back to the same bytes.
	i := strings.Index(r.stdout, `source "mysql" "shop"`)
	j := strings.Index(r.stdout, "\nThe README's Quickstart")
	if i < 0 || j < i {
		t.Fatalf("no source block in the output:\n%s", r)
	}
	scen := t.TempDir()
	t.Setenv("SHOP_PASSWORD", admin.Passwd+"")
	block := r.stdout[i:j]
	if admin.Passwd == "" {
		block = strings.Replace(block, "  password     = env(\"SHOP_PASSWORD\")\n", "", 1)
	}
	writeFile(t, scen, "main.hcl", block+`
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.3
  window {
    last = "24h"
  }
}
`)
	sum := providertest.Checksum(t, db, "SELECT * FROM orders ORDER BY id")
	r = mustOK(t, cli(t, scen, "plan"))
	if rows := plannedRows(t, r.stdout); rows["anomaly.null_rate.email_nulls"] == 0 {
		t.Fatalf("nothing planned:\n%s", r)
	}
	mustOK(t, cli(t, scen, "apply", "-auto-approve"))
	if providertest.Checksum(t, db, "SELECT * FROM orders ORDER BY id") == sum {
		t.Fatal("apply changed nothing")
	}
	mustOK(t, cli(t, scen, "rollback", "-all", "-auto-approve"))
	if got := providertest.Checksum(t, db, "SELECT * FROM orders ORDER BY id"); got != sum {
		t.Errorf("after rollback the orders are %s, want %s", got, sum)
	}
}

// TestQuickstartAsWritten runs the README's "Quickstart against
// PostgreSQL" command by command: the shell block is read from README.md,
// so that the test fails when the README and anomgen part ways. The only
// changes: the database is a fresh one of the test server instead of shop
// (and its host and port), the seed covers 3 days instead of 90, and
// apply's and rollback's prompts are answered as a user at a terminal
// would.
func TestQuickstartAsWritten(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	i := strings.Index(section, "## Quickstart against PostgreSQL")
	if i < 0 {
		t.Fatal("README.md has no section \"## Quickstart against PostgreSQL\"")
	}
	section = section[i:]
	start := strings.Index(section, "```sh\n")
	end := strings.Index(section[start+6:], "\n```")
	if start < 0 || end < 0 {
		t.Fatal("the Quickstart has no ```sh block")
	}
	lines := strings.Split(section[start+6:start+6+end], "\n")

	u, name, open := demoPostgres(t)
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	env := map[string]string{"SHOP_USER": u.User.Username(), "SHOP_PASSWORD": password(u)}
	for k, v := range env {
		t.Setenv(k, v)
	}
	// What the README names, and what the test uses instead.
	swap := strings.NewReplacer("127.0.0.1:5432", net.JoinHostPort(host, port), "/shop", "/"+name)
	swapHCL := func(s string) string {
		s = strings.Replace(s, `database     = "shop"`, `database     = "`+name+`"`, 1)
		s = strings.Replace(s, `host         = "127.0.0.1"`, `host         = "`+host+`"`+"\n  port         = "+port, 1)
		return s
	}

	cwd := t.TempDir()
	var sum string
	ran := map[string]bool{}
	for n := 0; n < len(lines); n++ {
		line := strings.TrimSpace(lines[n])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = stripComment(line)
		for _, cmd := range strings.Split(line, " && ") {
			words := shellWords(t, cmd, env)
			switch {
			case cmd == "go build -o anomgen ./cmd/anomgen":
				ran["build"] = true // the test runs anomgen in-process
			case words[0] == "export":
				for _, w := range words[1:] {
					k, _, _ := strings.Cut(w, "=")
					if _, ok := env[k]; !ok {
						t.Fatalf("the Quickstart exports %s, which the test does not know", k)
					}
				}
			case words[0] == "mkdir":
				if err := os.MkdirAll(filepath.Join(cwd, words[1]), 0o755); err != nil {
					t.Fatal(err)
				}
			case words[0] == "cd":
				cwd = filepath.Join(cwd, words[1])
			case words[0] == "cat" && len(words) == 4 && words[1] == ">" && words[3] == "<<'EOF'":
				var body []string
				for n++; n < len(lines) && lines[n] != "EOF"; n++ {
					body = append(body, lines[n])
				}
				hcl := swapHCL(strings.Join(body, "\n") + "\n")
				if !strings.Contains(hcl, name) {
					t.Fatalf("the Quickstart's %s names no database \"shop\" on 127.0.0.1:\n%s", words[2], hcl)
				}
				writeFile(t, cwd, words[2], hcl)
			case words[0] == "./anomgen" || words[0] == "../anomgen":
				args := words[1:]
				for k := range args {
					args[k] = swap.Replace(args[k])
				}
				if args[0] == "demo" {
					args = append(args, "-days", "3")
				}
				r := hide(cliTerminal(t, cwd, name+"\n", args...), password(u))
				t.Logf("%s", r)
				mustOK(t, r)
				if strings.Contains(r.stdout+r.stderr, password(u)) {
					t.Fatalf("the password is shown:\n%s", r)
				}
				ran[args[0]] = true
				switch args[0] {
				case "demo":
					sum = providertest.Checksum(t, open(), "SELECT * FROM public.orders ORDER BY id")
				case "plan":
					if rows := plannedRows(t, r.stdout); rows["anomaly.null_rate.email_nulls"] == 0 {
						t.Fatalf("the Quickstart plans no rows:\n%s", r)
					}
				case "apply":
					wantAll(t, r, r.stdout, "Apply complete")
					wantAll(t, r, r.stderr, "Type the database name")
					if providertest.Checksum(t, open(), "SELECT * FROM public.orders ORDER BY id") == sum {
						t.Fatal("apply changed nothing")
					}
				case "state":
					wantAll(t, r, r.stdout, "anomaly.null_rate.email_nulls", "applied")
				case "rollback":
					if got := providertest.Checksum(t, open(), "SELECT * FROM public.orders ORDER BY id"); got != sum {
						t.Fatalf("after the Quickstart's rollback the orders are %s, want %s", got, sum)
					}
				}
			default:
				t.Fatalf("the Quickstart's line %q is not one the test knows how to run", cmd)
			}
		}
	}
	for _, want := range []string{"build", "demo", "validate", "plan", "apply", "state", "rollback"} {
		if !ran[want] {
			t.Errorf("the Quickstart does not run %s", want)
		}
	}
}

// stripComment drops a trailing " # comment" outside double quotes.
func stripComment(line string) string {
	quoted := false
	for i, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '#' && !quoted && i > 0 && line[i-1] == ' ':
			return strings.TrimSpace(line[:i])
		}
	}
	return line
}

// shellWords splits a command line as sh would for the Quickstart's
// simple lines: words, double quotes, $NAME and ${NAME} from env.
func shellWords(t *testing.T, line string, env map[string]string) []string {
	t.Helper()
	expand := func(s string) string {
		return os.Expand(s, func(k string) string {
			v, ok := env[k]
			if !ok {
				t.Fatalf("the Quickstart uses $%s, which it does not export", k)
			}
			return v
		})
	}
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, expand(cur.String()))
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quotes in %q", line)
	}
	if inWord {
		words = append(words, expand(cur.String()))
	}
	if len(words) == 0 {
		t.Fatalf("empty command in %q", line)
	}
	return words
}

// TestInitFrom: init -from needs a source block or a URL and says so; from
// a URL it writes the source block with the password as an env()
// reference, never the value, and the files validate and plan.
func TestInitFrom(t *testing.T) {
	empty := t.TempDir()
	r := cli(t, empty, "init", "-from", "shop")
	if r.code == 0 || !strings.Contains(r.stderr, "needs a source block named shop") || !strings.Contains(r.stderr, "postgres://user:password@host:5432/database") {
		t.Errorf("init -from in a folder without scenario files:\n%s", r)
	}
	writeFile(t, empty, "main.hcl", "source \"sqlite\" \"other\" {\n  path = \"x.db\"\n}\n")
	r = cli(t, empty, "init", "-from", "shop")
	if r.code == 0 || !strings.Contains(r.stderr, `no source "shop"`) || !strings.Contains(r.stderr, "or a connection URL") {
		t.Errorf("init -from an unknown source:\n%s", r)
	}

	u, name, open := demoPostgres(t)
	pw := password(u)
	dir := t.TempDir()
	mustOK(t, hide(cli(t, dir, "demo", "-source", u.String(), "-days", "1"), pw))
	q := *u
	q.RawQuery = "sslmode=disable&application_name=scaffold"
	r = mustOK(t, hide(cli(t, dir, "init", "-from", q.String(), "-out", "scaf"), pw))
	source := ident(name)
	envVar := strings.ToUpper(source) + "_PASSWORD"
	wantAll(t, r, r.stdout, "2 targets", "Set "+envVar)
	main, _ := os.ReadFile(filepath.Join(dir, "scaf", "main.hcl"))
	anoms, _ := os.ReadFile(filepath.Join(dir, "scaf", "anomalies.hcl"))
	for _, b := range [][]byte{main, anoms, []byte(r.stdout + r.stderr)} {
		if bytes.Contains(b, []byte(pw)) {
			t.Fatalf("the password is written:\n%s", b)
		}
	}
	wantAll(t, result{}, string(main), `source "postgres" "`+source+`"`, `password = env("`+envVar+`")`, `tls = "disable"`, `"application_name" = "scaffold"`, `table = "public.orders"`, `time_column = "created_at"`)
	t.Setenv(envVar, pw)
	r = mustOK(t, cli(t, filepath.Join(dir, "scaf"), "plan"))
	wantAll(t, r, r.stdout, "No changes")
	if n := queryInt(t, open(), `SELECT COUNT(*) FROM orders`); n == 0 {
		t.Error("no orders seeded")
	}

	if r := cli(t, dir, "init", "-from", "postgres://u:p%zz@127.0.0.1/x"); r.code == 0 || !strings.Contains(r.stderr, "does not parse") || strings.Contains(r.stderr, "p%zz") {
		t.Errorf("an unparsable URL:\n%s", r)
	}
	if r := cli(t, dir, "init", "-from", "postgres://u:pw-never-shown@127.0.0.1/"); r.code == 0 || !strings.Contains(r.stderr, "names no database") || strings.Contains(r.stderr, "pw-never-shown") {
		t.Errorf("a URL without a database:\n%s", r)
	}
}

func TestParseConnURL(t *testing.T) {
	for in, want := range map[string]connURL{
		"postgres://app:s%40cret@db.example:6432/shop?sslmode=verify-full&search_path=sales": {Type: "postgres", Host: "db.example", Port: 6432, Database: "shop", Username: "app", Password: "s@cret", TLS: "verify-full", Options: map[string]string{"search_path": "sales"}},
		"postgresql://127.0.0.1/shop":                       {Type: "postgres", Host: "127.0.0.1", Port: 5432, Database: "shop", Options: map[string]string{}},
		"mysql://root@127.0.0.1/shop?tls=skip-verify":       {Type: "mysql", Host: "127.0.0.1", Port: 3306, Database: "shop", Username: "root", TLS: "require", Options: map[string]string{}},
		"mariadb://u:p@h:3307/d":                            {Type: "mysql", Host: "h", Port: 3307, Database: "d", Username: "u", Password: "p", Options: map[string]string{}},
		"u:p@ss@tcp(h:3306)/d?tls=false&sql_mode=ANSI":      {Type: "mysql", Host: "h", Port: 3306, Database: "d", Username: "u", Password: "p@ss", TLS: "disable", Options: map[string]string{"sql_mode": "ANSI"}},
		"root@tcp(127.0.0.1:3306)/shop":                     {Type: "mysql", Host: "127.0.0.1", Port: 3306, Database: "shop", Username: "root", Options: map[string]string{}},
		"postgres://u:x@[::1]:5433/shop?sslmode=prefer":     {Type: "postgres", Host: "::1", Port: 5433, Database: "shop", Username: "u", Password: "x", Options: map[string]string{}},
		"postgres://u@localhost/my%20shop?connect_timeout=": {Type: "postgres", Host: "localhost", Port: 5432, Database: "my shop", Username: "u", Options: map[string]string{"connect_timeout": ""}},
	} {
		got, err := parseConnURL(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if fmt.Sprint(*got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %+v\nwant %+v", in, *got, want)
		}
		if got.Password != "" && strings.Contains(got.Display(), got.Password) {
			t.Errorf("%s: Display %s shows the password", in, got.Display())
		}
	}
	for in, msg := range map[string]string{
		"shop":                               "not a connection URL",
		"oracle://u:pw@h/x":                  "start with postgres://",
		"postgres://u:pw@h/":                 "names no database",
		"postgres://u:pw@h:99999/x":          "port",
		"postgres://u:pw@h/x?sslmode=bogus":  "sslmode=bogus",
		"postgres://u:pw@h/x?sslrootcert=ca": "ca_file",
		"u:pw@unix(/tmp/s)/x":                "over unix",
		"postgres://u:p#w@h/x":               "does not parse",
	} {
		_, err := parseConnURL(in)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want it to say %q", in, err, msg)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("%s: the error shows the password: %v", in, err)
		}
	}
	got := argSecrets([]string{"demo", "-source", "postgres://u:first-secret@h/x", "--source=mysql://u:second-secret@h/x", "postgres://u:third#secret@h/x", "u:fourth-secret@tcp(h)/x"})
	if strings.Join(got, ",") != "first-secret,second-secret,third#secret,fourth-secret" {
		t.Errorf("argSecrets = %q", got)
	}
}

// TestDemoLoop: the demo closes the loop: one label per applied anomaly,
// the reference monitor and the scorer's recall (which agrees with the
// per-anomaly lines), then the rollback, after which the label table in
// the database still holds every label, marked reverted. One day of data
// keeps it fast under -race (a day has no 14-day baseline, so the recall
// is whatever detect finds; the README's figures are from the 90-day demo).
func TestDemoLoop(t *testing.T) {
	dir := t.TempDir()
	r := mustOK(t, cli(t, dir, "demo", "-days", "1"))
	wantAll(t, r, r.stdout, "Plan: 3 to create", "Detect and score", "3 labels recorded at apply", "byte-identical")
	m := regexp.MustCompile(`Recall: ([0-9.]+)% of the anomalies flagged \((\d+) of (\d+)\)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no recall line:\n%s", r.stdout)
	}
	if m[3] != "3" {
		t.Errorf("scored %s labels, want 3 (one per applied anomaly)", m[3])
	}
	flagged := 0
	for _, addr := range []string{"anomaly.null_rate.email_nulls", "anomaly.numeric_shift.amount_inflation", "anomaly.volume_drop.outage"} {
		line := regexp.MustCompile(`(✓|✗) ` + regexp.QuoteMeta(addr) + `\s+(flagged on|not flagged on) (\w+)`).FindStringSubmatch(r.stdout)
		if line == nil {
			t.Errorf("no loop line for %s:\n%s", addr, r.stdout)
			continue
		}
		if line[1] == "✓" {
			flagged++
		}
	}
	if fmt.Sprint(flagged) != m[2] {
		t.Errorf("recall says %s flagged, the lines show %d", m[2], flagged)
	}
	// The loop runs before the rollback, and the labels outlive it.
	if strings.Index(r.stdout, "Recall:") > strings.Index(r.stdout, "Roll back from the journals") {
		t.Error("the loop ran after the rollback")
	}
	db := openSQLite(t, filepath.Join(dir, "anomgen-demo", "shop.db"))
	if n := queryInt(t, db, `SELECT COUNT(*) FROM anomgen_labels WHERE reverted_at IS NOT NULL`); n != 3 {
		t.Errorf("the label table holds %d reverted labels after the demo, want 3", n)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'anomgen_demo_monitor'`); n != 0 {
		t.Error("the monitor's snapshot table was left behind")
	}
}
