package main

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// optionCanary registers a secret option value that the server refuses:
// letters and spaces (a space is where encodings differ), URL and SQL
// metacharacters. Each word of it is a canary too, so that a piece of the
// value quoted alone (a syntax error's "near '...'") is caught.
func optionCanary(c *canaries, name string) string {
	words := []string{"Cnry" + randHex(), "tail" + randHex() + "+/=", "x'y\"z\\&" + randHex()}
	for i, w := range words {
		c.add(fmt.Sprintf("%s word %d", name, i+1), w)
	}
	return c.add(name, strings.Join(words, " "))
}

// runOptionCanaries runs the commands that connect (and validate, which
// does not), with the log in a file and, once more, as JSON on standard
// error; every one must fail, naming the option, without the value.
func runOptionCanaries(t *testing.T, c *canaries, option string) {
	t.Helper()
	mustOK(t, c.run("validate"))
	for _, args := range [][]string{{"check"}, {"plan"}, {"apply", "-auto-approve"}, {"rollback", "-all", "-auto-approve"}} {
		r := c.run(args...)
		if r.code == 0 && args[0] != "rollback" {
			t.Fatalf("a bad %s connected:\n%s", option, r)
		}
		if args[0] != "rollback" {
			wantAll(t, r, r.stdout+r.stderr, option)
		}
	}
	r := cli(t, c.dir, "-log-level", "debug", "-log-format", "json", "plan")
	c.check("stdout of plan with JSON logs", r.stdout)
	c.check("stderr of plan with JSON logs", r.stderr)
	c.checkFiles(false)
}

const optionsTarget = "\ntarget \"orders\" {\n  source      = %s\n  table       = \"orders\"\n  time_column = \"created_at\"\n}\n"

// TestCanaryOptionsPostgres: a secret() option value that PostgreSQL
// refuses never shows, in any form, on standard output or error or in the
// log. (It used to reach the server with its spaces turned into + and
// be printed so, a form no scrubber knew.)
func TestCanaryOptionsPostgres(t *testing.T) {
	p := providertest.NewPostgres(t)
	dir := t.TempDir()
	c := newCanaries(t, dir)
	t.Setenv("ANOMGEN_CANARY_LOCK_TIMEOUT", optionCanary(c, "lock_timeout"))
	host, port, err := net.SplitHostPort(p.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "main.hcl", fmt.Sprintf(`source "postgres" "shop" {
  host         = %q
  port         = %s
  database     = %q
  username     = %q
  tls          = "disable"
  allow_writes = true
  options      = { lock_timeout = secret("env", "ANOMGEN_CANARY_LOCK_TIMEOUT") }
}
`, host, port, p.Name, p.URL.User.Username())+fmt.Sprintf(optionsTarget, "source.postgres.shop"))
	writeFile(t, dir, "anomalies.hcl", ordersNullRate)
	runOptionCanaries(t, c, "lock_timeout")
}

// TestCanaryOptionsMySQL: the same on MariaDB/MySQL, where the value was
// pasted into the SET statement and the syntax error quoted the rest of
// it; a string variable's refusal quotes it whole.
func TestCanaryOptionsMySQL(t *testing.T) {
	for _, option := range []string{"innodb_lock_wait_timeout", "sql_mode"} {
		t.Run(option, func(t *testing.T) {
			m := providertest.NewMySQL(t)
			dir := t.TempDir()
			c := newCanaries(t, dir)
			t.Setenv("ANOMGEN_CANARY_OPTION", optionCanary(c, option))
			host, port, err := net.SplitHostPort(m.Config.Addr)
			if err != nil {
				t.Fatal(err)
			}
			pw := ""
			if m.Config.Passwd != "" {
				pw = fmt.Sprintf("  password     = %q\n", m.Config.Passwd)
			}
			writeFile(t, dir, "main.hcl", fmt.Sprintf(`source "mysql" "shop" {
  host         = %q
  port         = %s
  database     = %q
  username     = %q
%s  tls          = "disable"
  journal_schema = %q
  allow_writes = true
  options      = { %s = secret("env", "ANOMGEN_CANARY_OPTION") }
}
`, host, port, m.Name, m.Config.User, pw, m.Journal, option)+fmt.Sprintf(optionsTarget, "source.mysql.shop"))
			writeFile(t, dir, "anomalies.hcl", ordersNullRate)
			runOptionCanaries(t, c, option)
		})
	}
}
