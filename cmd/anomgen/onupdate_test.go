package main

import (
	"fmt"
	"testing"
)

// TestOnUpdateColumnsKept: on MariaDB/MySQL, columns with ON UPDATE
// CURRENT_TIMESTAMP (a TIMESTAMP and a DATETIME(6)) keep their values
// through every kind of statement anomgen runs on the rows (a column
// kind, a swap, a numeric and a time shift, a delete and a dropped column,
// all stacked), plan says so, and rollback leaves the table byte-identical
// (every column, these included).
func TestOnUpdateColumnsKept(t *testing.T) {
	t.Parallel()
	guardDBs(t, []string{"mysql"}, func(t *testing.T, g *guardDB) {
		g.exec(t, `CREATE TABLE items (id BIGINT PRIMARY KEY, email VARCHAR(255), status VARCHAR(20), channel VARCHAR(20),
				amount DECIMAL(10,2) NOT NULL, note VARCHAR(40), created_at DATETIME NOT NULL,
				updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
				touched DATETIME(6) NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
			fmt.Sprintf(`INSERT INTO items (id, email, status, channel, amount, note, created_at, updated_at, touched)
				SELECT i, %s, ELT(1 + i %% 3, 'paid', 'shipped', 'refunded'), ELT(1 + i %% 2, 'web', 'store'), (i %% 97) + 0.25,
					CONCAT('note ', i), %s, '2020-01-01 00:00:00', '2020-01-02 03:04:05.678901' FROM %s`, g.email, g.minutes("i"), g.series(1000)))
		const all = "SELECT id, email, status, channel, amount, note, created_at, updated_at, touched FROM items ORDER BY id"
		const untouched = "SELECT COUNT(*) FROM items WHERE updated_at <> '2020-01-01 00:00:00' OR touched <> '2020-01-02 03:04:05.678901'"
		before := g.sum(t, all)
		w := window("2026-01-01T00:00:00Z", "10h")
		anomalies := "anomaly \"null_rate\" \"emails\" {\n  target = target.items\n  column = \"email\"\n  volume = 0.5\n  seed   = 7\n" + w + "}\n" +
			"anomaly \"swapped_columns\" \"swap\" {\n  target = target.items\n  column = \"status\"\n  with   = \"channel\"\n  volume = 0.5\n  seed   = 7\n" + w + "}\n" +
			"anomaly \"numeric_shift\" \"amounts\" {\n  target    = target.items\n  column    = \"amount\"\n  amplitude = 0.5\n  volume    = 0.5\n  seed      = 7\n" + w + "}\n" +
			"anomaly \"timestamp_shift\" \"late\" {\n  target = target.items\n  column = \"created_at\"\n  offset = \"-2h\"\n  volume = 0.3\n  seed   = 7\n" + w + "}\n" +
			"anomaly \"volume_drop\" \"gone\" {\n  target = target.items\n  volume = 0.2\n  seed   = 11\n" + w + "}\n" +
			"anomaly \"schema_drop_column\" \"notes\" {\n  target = target.items\n  column = \"note\"\n}\n"
		dir := g.scenario(t, g.target("items", "items", ""), anomalies)
		r := mustOK(t, cli(t, dir, "plan"))
		wantAll(t, r, r.stdout, "on update = updated_at (ON UPDATE CURRENT_TIMESTAMP) and touched (ON UPDATE CURRENT_TIMESTAMP(6)) are kept unchanged")
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM items"); n >= 1000 {
			t.Errorf("%d rows after apply: volume_drop deleted nothing", n)
		}
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM items WHERE email IS NULL"); n <= 20 {
			t.Errorf("%d NULL emails after apply: null_rate changed nothing", n)
		}
		if n := queryInt(t, g.db, untouched); n != 0 {
			t.Errorf("after apply, %d rows have a changed updated_at or touched", n)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if n := queryInt(t, g.db, untouched); n != 0 {
			t.Errorf("after rollback, %d rows have a changed updated_at or touched", n)
		}
		if got := g.sum(t, all); got != before {
			t.Errorf("checksum %s after rollback, was %s", got, before)
		}
		if n := g.journals(t); n != 0 {
			t.Errorf("%d journal tables left", n)
		}
	})
}
