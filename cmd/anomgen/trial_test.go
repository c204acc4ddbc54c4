package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
)

// TestValueTrialOnlyWhereNeeded (PostgreSQL): the value trial, which
// writes every chosen row with its new value into an empty scratch copy
// of the table, still refuses a value a CHECK constraint refuses (the
// count's cast of the new value cannot), still runs for a column of a
// table with a CHECK constraint elsewhere and for a NOT NULL column whose
// new value may be NULL, and no longer runs for a column of one of
// PostgreSQL's own types in a table without CHECK constraints (the
// count's cast refuses what the type would), nullable or multiplied. The
// debug log quotes every statement.
func TestValueTrialOnlyWhereNeeded(t *testing.T) {
	p := providertest.NewPostgres(t)
	execSQL(t, p.DB,
		`CREATE TABLE checked (id bigint PRIMARY KEY, amount numeric(10,2) CHECK (amount <= 100), qty integer, created_at timestamptz NOT NULL)`,
		`INSERT INTO checked SELECT i, (i % 90) + 1, i % 7, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 400) i`,
		`CREATE TABLE plain (id bigint PRIMARY KEY, amount numeric(10,2), qty integer NOT NULL, created_at timestamptz NOT NULL)`,
		`INSERT INTO plain SELECT i, (i % 90) + 1, i % 7, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 400) i`,
		// A CHECK constraint on a partition only, and a domain column.
		`CREATE TABLE parted (id bigint, amount numeric(10,2), created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)`,
		`CREATE TABLE parted_p1 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')`,
		`ALTER TABLE parted_p1 ADD CONSTRAINT parted_p1_amount CHECK (amount <= 1000)`,
		`INSERT INTO parted SELECT i, (i % 90) + 1, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 400) i`,
		`CREATE DOMAIN amount_domain AS numeric(10,2)`,
		`CREATE TABLE domained (id bigint PRIMARY KEY, amount amount_domain, created_at timestamptz NOT NULL)`,
		`INSERT INTO domained SELECT i, (i % 90) + 1, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute' FROM generate_series(1, 400) i`,
		`ANALYZE checked`, `ANALYZE plain`, `ANALYZE parted`, `ANALYZE domained`,
	)
	target := func(name string) string {
		return fmt.Sprintf("target %q {\n  source      = source.postgres.db\n  table       = %q\n  time_column = \"created_at\"\n}\n", name, "public."+name)
	}
	shift := func(table, column string) string {
		return fmt.Sprintf("anomaly \"numeric_shift\" %q {\n  target    = target.%s\n  column    = %q\n  amplitude = 0.5\n  volume    = 1\n  window {\n    start    = \"2026-01-01T00:00:00Z\"\n    duration = \"1d\"\n  }\n  seed = 3\n}\n",
			table+"_"+column, table, column)
	}
	workspace := func(anomalies ...string) string {
		dir := t.TempDir()
		writeFile(t, dir, "main.hcl", pgSource(p, "db", true)+target("checked")+target("plain")+target("parted")+target("domained"))
		writeFile(t, dir, "anomalies.hcl", strings.Join(anomalies, ""))
		return dir
	}
	const trial = `INSERT INTO \"anomgen_trial\"`

	// The CHECK constraint refuses amounts above 100: plan says so,
	// quoting the database, and nothing is written.
	r := cli(t, workspace(shift("checked", "amount")), "-log-level=debug", "plan")
	if r.code == 0 {
		t.Fatalf("plan of amounts breaking a CHECK constraint succeeded\n%s", r)
	}
	wantAll(t, r, r.stdout+r.stderr, "the database refuses the new values of amount", "checked_amount_check")

	// An unconstrained nullable column: no trial.
	r = mustOK(t, cli(t, workspace(shift("plain", "amount")), "-log-level=debug", "apply", "-auto-approve"))
	wantNone(t, r, r.stderr, trial)
	wantAll(t, r, r.stderr, "SELECT COUNT(*), COALESCE(SUM(x.c)", "pg_constraint")
	if got := queryInt(t, p.DB, `SELECT COUNT(*) FROM plain WHERE created_at < timestamptz '2026-01-02 00:00:00+00' AND amount > 91`); got == 0 {
		t.Errorf("the shift of plain.amount left no amount above 91")
	}

	// A NOT NULL column multiplied: NULL only where the old value is, so
	// no trial either.
	r = mustOK(t, cli(t, workspace(shift("plain", "qty")), "-log-level=debug", "plan"))
	wantNone(t, r, r.stderr, trial)

	// A column of a table with a CHECK constraint on another column, and
	// a NOT NULL column whose new values are statistics of the window
	// (outliers: NULL for a window of one row): the trial runs, and lets
	// the values through.
	outliers := "anomaly \"outliers\" \"plain_qty_outliers\" {\n  target    = target.plain\n  column    = \"qty\"\n  volume    = 0.1\n  window {\n    start    = \"2026-01-01T00:00:00Z\"\n    duration = \"1d\"\n  }\n  seed = 3\n}\n"
	// So does it for a table whose partition has a CHECK constraint (which
	// the scratch copy of the parent lacks: the apply would tell) and for
	// a column of a domain.
	for _, a := range []string{shift("checked", "qty"), outliers, shift("parted", "amount"), shift("domained", "amount")} {
		r = mustOK(t, cli(t, workspace(a), "-log-level=debug", "plan"))
		wantAll(t, r, r.stderr, trial)
	}
}
