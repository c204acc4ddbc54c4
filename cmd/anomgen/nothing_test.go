package main

import (
	"fmt"
	"regexp"
	"testing"
)

// Rows a kind would not really change are neither counted nor journaled,
// and a change of no row says "nothing to change here" and why instead of
// planning an empty update: date_format on e-mails, encoding_corruption on
// ASCII text. Live on SQLite, PostgreSQL and MariaDB.
func TestNothingToChange(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		before := f.checksum(t)
		dir := scenario(t, f, `
anomaly "date_format" "dates" {
  target = target.orders
  column = "email"
  volume = 0.9
`+window10h+`}

anomaly "encoding_corruption" "mojibake" {
  target = target.orders
  column = "email"
  volume = 1
`+window10h+`}
`)
		r := mustOK(t, cli(t, dir, "plan", "-no-color"))
		wantAll(t, r, r.stdout,
			"Nothing to change here (not applied):",
			"anomaly.date_format.dates (anomalies.hcl:6): nothing to change: the",
			"rows chosen in the window would keep their values: none has the length of the layout \"2006-01-02\" (10 characters), so none reads as a date in it",
			"anomaly.encoding_corruption.mojibake (anomalies.hcl:16): nothing to change: the",
			"they hold ASCII characters only",
			"No changes. Nothing above would change a row.")
		wantNone(t, r, r.stdout, "will be created", "0 of")
		// The JSON plan says the same, as no-ops.
		j := mustOK(t, cli(t, dir, "plan", "-json"))
		wantAll(t, j, j.stdout, `"no-op"`, `"nothing": "the `, `"unchanged": `)

		a := mustOK(t, cli(t, dir, "apply", "-auto-approve", "-no-color"))
		wantAll(t, a, a.stdout, "No changes.")
		if got := f.checksum(t); got != before {
			t.Errorf("the table changed")
		}
		if n := f.journals(t); n != 0 {
			t.Errorf("%d journal tables for changes of no row", n)
		}
		if got := stateList(t, dir); got != "" {
			t.Errorf("the state records %q", got)
		}
	})
}

// Chosen rows that already hold their new value are left out: string_case
// upper on a window where 100 e-mails are upper case already changes (and
// journals) only the others, and plan says how many it left out.
func TestUnchangedRowsLeftOut(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		execSQL(t, f.db, "UPDATE orders SET email = UPPER(email) WHERE id <= 100")
		dir := scenario(t, f, `
anomaly "string_case" "shout" {
  target = target.orders
  column = "email"
  case   = "upper"
  volume = 1
`+window10h+`}
`)
		// ids 1..599 are in the window, every 50th e-mail is NULL.
		want := int64(599 - 11 - (100 - 2))
		p := mustOK(t, cli(t, dir, "plan", "-no-color"))
		if got := plannedRows(t, p.stdout)["anomaly.string_case.shout"]; got != want {
			t.Fatalf("plan counts %d rows, want %d (the e-mails not upper case yet):\n%s", got, want, p)
		}
		wantAll(t, p, p.stdout, "98 more chosen rows would keep their values (they are in upper case already (or hold no letters the database changes)): left out, neither changed nor journaled")
		a := mustOK(t, cli(t, dir, "apply", "-auto-approve", "-no-color"))
		wantAll(t, a, a.stdout, fmt.Sprintf("changed %d rows", want))
		// The journal holds exactly the changed rows.
		id := f.catalog(t)["anomaly.string_case.shout"]
		journal, same := `"anomgen_j_`+id+`"`, "anomgen_before = anomgen_after"
		switch f.name {
		case "postgres":
			journal = "anomgen.j_" + id
		case "mysql": // compared by bytes, not by the case-insensitive collation
			schema := regexp.MustCompile(`journal_schema = "([^"]+)"`).FindStringSubmatch(f.source)[1]
			journal, same = "`"+schema+"`.`j_"+id+"`", "BINARY anomgen_before = BINARY anomgen_after"
		}
		if n := queryInt(t, f.db, "SELECT COUNT(*) FROM "+journal); n != want {
			t.Errorf("the journal holds %d rows, want %d", n, want)
		}
		if n := queryInt(t, f.db, "SELECT COUNT(*) FROM "+journal+" WHERE "+same); n != 0 {
			t.Errorf("the journal holds %d rows whose before equals after", n)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if n := queryInt(t, f.db, "SELECT COUNT(*) FROM orders WHERE id <= 100 AND email <> UPPER(email)"); n != 0 {
			t.Errorf("rollback changed %d of the e-mails that were upper case", n)
		}
	})
}

// A window without rows (last = "24h" on historic data) does not plan an
// empty update silently: plan names the window's file:line and the time
// of the table's newest row, read from the database.
func TestEmptyWindowSaysWhereTheRowsAre(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		dir := scenario(t, f, `anomaly "null_rate" "recent" {
  target = target.orders
  column = "email"
  window {
    last = "24h"
  }
}
`)
		r := mustOK(t, cli(t, dir, "plan", "-no-color"))
		wantAll(t, r, r.stdout,
			"anomaly.null_rate.recent (anomalies.hcl:4): nothing to change: the window (",
			"holds no rows of",
			"its newest row is from 2026-01-02 09:20:00 UTC,",
			"days before the window starts (for data that old, give the window a start, e.g. start = \"2026-01-01T09:00:00Z\" with duration = \"1d\")")
		a := mustOK(t, cli(t, dir, "apply", "-auto-approve", "-no-color"))
		wantAll(t, a, a.stdout, "No changes.")
		if n := f.journals(t); n != 0 {
			t.Errorf("%d journal tables for an empty window", n)
		}
	})
}
