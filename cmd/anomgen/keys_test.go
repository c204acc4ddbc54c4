package main

import (
	"fmt"
	"testing"
)

// TestDeclaredKeyChecked: a target's declared key that no constraint
// makes unique and NOT NULL is checked by a query at plan time. Two rows
// sharing id 5 and two with a NULL id are refused by plan and apply, which
// name the target, the duplicates with their counts and the NULL count and
// the fix, and write nothing; once the rows are unique the plan shows the
// query's result, and apply and rollback restore the table byte for byte.
// A unique index over a NOT NULL column proves the key without a query.
func TestDeclaredKeyChecked(t *testing.T) {
	t.Parallel()
	guardDBs(t, allKinds, func(t *testing.T, g *guardDB) {
		types := map[string][3]string{
			"postgres": {"bigint", "text", "timestamptz"},
			"mysql":    {"BIGINT", "VARCHAR(255)", "DATETIME"},
			"sqlite":   {"INTEGER", "TEXT", "TEXT"},
		}[g.kind]
		for _, tab := range []string{"ledger", "ledger2"} {
			null := "NULL"
			if tab == "ledger2" {
				null = "NOT NULL"
			}
			g.exec(t, fmt.Sprintf("CREATE TABLE %s (id %s %s, email %s, created_at %s NOT NULL)", tab, types[0], null, types[1], types[2]),
				fmt.Sprintf("INSERT INTO %s (id, email, created_at) SELECT i, %s, %s FROM %s", tab, g.email, g.minutes("i"), g.series(300)))
		}
		g.exec(t, "CREATE UNIQUE INDEX ledger2_id ON ledger2 (id)",
			fmt.Sprintf("INSERT INTO ledger (id, email, created_at) VALUES (5, 'dup@example.com', %s)", g.minutes("5")),
			fmt.Sprintf("INSERT INTO ledger (id, email, created_at) VALUES (NULL, 'null1@example.com', %s)", g.minutes("7")),
			fmt.Sprintf("INSERT INTO ledger (id, email, created_at) VALUES (NULL, 'null2@example.com', %s)", g.minutes("8")))
		const all = "SELECT id, email, created_at FROM ledger ORDER BY id, email"
		before := g.sum(t, all)
		nulls := func(target string) string {
			return fmt.Sprintf("anomaly \"null_rate\" \"emails\" {\n  target = target.%s\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n%s}\n", target, window("2026-01-01T00:00:00Z", "10h"))
		}
		targets := g.target("ledger", "ledger", "  key         = [\"id\"]\n")
		dir := g.scenario(t, targets, nulls("ledger"))
		g.refused(t, dir, map[string]string{all: before},
			`(target "ledger") is not unique and NULL in some rows`,
			`declares key = ["id"]`, "no primary key or unique constraint over NOT NULL columns makes it unique",
			"found 1 key value held by more than one row (2 rows in all): id = 5: 2 rows and 2 rows with a NULL in the key",
			"To proceed: declare a unique key on", "or pick other columns for key that are unique together and never NULL")

		// Unique and never NULL: the plan shows the check, and the rows
		// come back byte for byte.
		g.exec(t, "DELETE FROM ledger WHERE id IS NULL OR email = 'dup@example.com'")
		before = g.sum(t, all)
		r := mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "key = id (no constraint makes it unique; a query at plan time found it unique and never NULL in all 300 rows")
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM ledger WHERE email IS NULL"); n <= 6 {
			t.Errorf("%d NULL emails after apply: nothing was applied", n)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := g.sum(t, all); got != before {
			t.Errorf("checksum %s after rollback, was %s", got, before)
		}

		// A unique index over a NOT NULL column proves the key.
		dir = g.scenario(t, g.target("ledger2", "ledger2", "  key         = [\"id\"]\n"), nulls("ledger2"))
		r = mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "key = id (unique and NOT NULL by its unique constraint ledger2_id)")
	})
}
