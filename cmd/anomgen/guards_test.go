package main

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// The guard tests: tables with triggers, foreign keys pointing at them,
// partitions and generated columns, on the live servers and SQLite. What
// anomgen cannot undo exactly is refused at plan time naming the object
// and the fix, and nothing is written; what it can is applied and rolled
// back byte-identical.

// guardDB is a throwaway database of one kind, with what differs in the
// SQL that builds the test tables.
type guardDB struct {
	kind string // postgres, mysql or sqlite
	db   *sql.DB
	addr string
	// source is the source block, with allow_writes = true.
	source string
	// series is a FROM item yielding i = 1..n.
	series func(n int) string
	// minutes is the time i minutes after 2026-01-01 00:00 UTC.
	minutes func(i string) string
	// email is 'user<i>@example.com', NULL for every 50th i.
	email string
	// journals counts journal tables left.
	journals func(t *testing.T) int64
	// settings opens the database with the provider (for inspection).
	settings providers.Settings
	// pg is the PostgreSQL database (nil for the others).
	pg *providertest.Postgres
}

func guardPostgres(t *testing.T) *guardDB {
	p := providertest.NewPostgres(t)
	return &guardDB{kind: "postgres", db: p.DB, pg: p, addr: "source.postgres.shop", source: pgSource(p, "shop", true),
		series:   func(n int) string { return fmt.Sprintf("generate_series(1, %d) i", n) },
		minutes:  func(i string) string { return "timestamptz '2026-01-01 00:00:00+00' + " + i + " * interval '1 minute'" },
		email:    "CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END",
		settings: p.Settings(),
		journals: func(t *testing.T) int64 {
			return queryInt(t, p.DB, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'anomgen' AND table_name LIKE 'j\_%'`)
		},
	}
}

func guardMySQL(t *testing.T) *guardDB {
	m := providertest.NewMySQL(t)
	const digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	s := providers.Settings{Type: "mysql", Name: "shop", DSN: m.DSN, JournalSchema: m.Journal}
	return &guardDB{kind: "mysql", db: m.DB, addr: "source.mysql.shop",
		source: fmt.Sprintf("source \"mysql\" \"shop\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal),
		series: func(n int) string {
			return fmt.Sprintf("(SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d + 1 AS i FROM %[1]s a, %[1]s b, %[1]s c, %[1]s e HAVING i <= %[2]d) s", digits, n)
		},
		minutes:  func(i string) string { return "TIMESTAMPADD(MINUTE, " + i + ", '2026-01-01 00:00:00')" },
		email:    "CASE WHEN i % 50 = 0 THEN NULL ELSE CONCAT('user', i, '@example.com') END",
		settings: s,
		journals: func(t *testing.T) int64 {
			return queryInt(t, m.DB, `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'j\_%'`, m.Journal)
		},
	}
}

func guardSQLite(t *testing.T) *guardDB {
	s := providertest.NewSQLite(t)
	return &guardDB{kind: "sqlite", db: s.DB, addr: "source.sqlite.shop",
		source: fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path         = %q\n  allow_writes = true\n}\n", s.Path),
		series: func(n int) string {
			return fmt.Sprintf("(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < %d) SELECT i FROM r) s", n)
		},
		minutes:  func(i string) string { return "datetime('2026-01-01 00:00:00', '+' || " + i + " || ' minutes')" },
		email:    "CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END",
		settings: s.Settings(),
		journals: func(t *testing.T) int64 {
			return queryInt(t, s.DB, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'anomgen\_j\_%' ESCAPE '\'`)
		},
	}
}

// guardDBs runs fn as a parallel subtest per database kind.
func guardDBs(t *testing.T, kinds []string, fn func(t *testing.T, g *guardDB)) {
	t.Helper()
	makers := map[string]func(*testing.T) *guardDB{"postgres": guardPostgres, "mysql": guardMySQL, "sqlite": guardSQLite}
	for _, k := range kinds {
		open := makers[k]
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

var allKinds = []string{"postgres", "mysql", "sqlite"}

func (g *guardDB) exec(t *testing.T, stmts ...string) { t.Helper(); execSQL(t, g.db, stmts...) }

func (g *guardDB) sum(t *testing.T, query string) string {
	t.Helper()
	return providertest.Checksum(t, g.db, query)
}

// target is a target block on table with time_column created_at and the
// extra attributes (indented lines).
func (g *guardDB) target(name, table, extra string) string {
	return fmt.Sprintf("target %q {\n  source      = %s\n  table       = %q\n  time_column = \"created_at\"\n%s}\n", name, g.addr, table, extra)
}

// scenario writes main.hcl (the source and targets) and anomalies.hcl.
func (g *guardDB) scenario(t *testing.T, targets, anomalies string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", g.source+"\n"+targets)
	writeFile(t, dir, "anomalies.hcl", anomalies)
	return dir
}

// refused checks that plan and apply both fail naming every want, and
// that nothing was written: no state, no journal, the same checksums.
func (g *guardDB) refused(t *testing.T, dir string, sums map[string]string, wants ...string) {
	t.Helper()
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}} {
		r := cli(t, dir, args...)
		if r.code == 0 {
			t.Fatalf("expected %s to refuse:\n%s", args[0], r)
		}
		wantAll(t, r, r.stderr, wants...)
	}
	if exists(statePath(dir)) {
		t.Errorf("%s was written", statePath(dir))
	}
	if n := g.journals(t); n != 0 {
		t.Errorf("%d journal tables were created", n)
	}
	for q, want := range sums {
		if got := g.sum(t, q); got != want {
			t.Errorf("%s: checksum %s, was %s", q, got, want)
		}
	}
}

// window is a window block of d starting at start (RFC 3339).
func window(start, d string) string {
	return fmt.Sprintf("  window {\n    start    = %q\n    duration = %q\n  }\n", start, d)
}

// accounts is 1,000 rows whose updated_at equals created_at, and a
// trigger set_updated_at that sets updated_at to the current time on
// every update: BEFORE UPDATE on PostgreSQL and MariaDB; on SQLite, whose
// BEFORE triggers cannot change the row, AFTER UPDATE with an UPDATE.
func (g *guardDB) accounts(t *testing.T) {
	t.Helper()
	switch g.kind {
	case "postgres":
		g.exec(t, `CREATE TABLE accounts (id bigint PRIMARY KEY, email text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)`,
			`CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END$$`,
			`CREATE TRIGGER set_updated_at BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()`)
	case "mysql":
		g.exec(t, `CREATE TABLE accounts (id BIGINT PRIMARY KEY, email VARCHAR(255), created_at DATETIME NOT NULL, updated_at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
			`CREATE TRIGGER set_updated_at BEFORE UPDATE ON accounts FOR EACH ROW SET NEW.updated_at = NOW(6)`)
	case "sqlite":
		g.exec(t, `CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
			`CREATE TRIGGER set_updated_at AFTER UPDATE ON accounts FOR EACH ROW BEGIN
				UPDATE accounts SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id; END`)
	}
	g.exec(t, fmt.Sprintf("INSERT INTO accounts (id, email, created_at, updated_at) SELECT i, %s, %s, %s FROM %s", g.email, g.minutes("i"), g.minutes("i"), g.series(1000)))
}

const accountsNulls = `anomaly "null_rate" "emails" {
  target = target.accounts
  column = "email"
  volume = 0.5
  seed   = 7
  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "10h"
  }
}
`

// TestGuardTriggers: null_rate on a table with an update trigger is
// refused at plan, naming the trigger and the way out, and nothing is
// written; triggers = "ignore" applies it with a warning (and rollback
// indeed leaves what the trigger did); on PostgreSQL triggers = "disable"
// applies it without firing the trigger and rolls back byte-identical.
func TestGuardTriggers(t *testing.T) {
	t.Parallel()
	guardDBs(t, allKinds, func(t *testing.T, g *guardDB) {
		g.accounts(t)
		const all = "SELECT * FROM accounts ORDER BY id"
		before := g.sum(t, all)
		touched := func() int64 {
			return queryInt(t, g.db, "SELECT COUNT(*) FROM accounts WHERE updated_at <> created_at")
		}

		t.Run("refused", func(t *testing.T) {
			dir := g.scenario(t, g.target("accounts", "accounts", ""), accountsNulls)
			wants := []string{"anomaly.null_rate.emails of", "would fire trigger set_updated_at",
				"updates email of", "and its rollback updates it back", "trigger set_updated_at (",
				"which anomgen does not journal", "target a copy of the table", `set triggers = "ignore" on target "accounts"`,
				"on anomalies.hcl line 1, column 9"}
			if g.kind == "postgres" {
				wants = append(wants, `or triggers = "disable"`, "ACCESS EXCLUSIVE lock")
			}
			g.refused(t, dir, map[string]string{all: before}, wants...)
			if g.kind != "postgres" {
				r := cli(t, dir, "plan")
				wantNone(t, r, r.stderr, `triggers = "disable"`)
				writeFile(t, dir, "main.hcl", g.source+"\n"+g.target("accounts", "accounts", "  triggers    = \"disable\"\n"))
				r = cli(t, dir, "validate")
				if r.code == 0 {
					t.Fatalf("triggers = \"disable\" must be refused on %s:\n%s", g.kind, r)
				}
				wantAll(t, r, r.stderr, `triggers = "disable" works on PostgreSQL only`, `Use triggers = "ignore" on target "accounts"`)
			}
		})

		t.Run("ignore", func(t *testing.T) {
			dir := g.scenario(t, g.target("accounts", "accounts", "  triggers    = \"ignore\"\n"), accountsNulls)
			p := mustOK(t, cli(t, dir, "plan"))
			wantAll(t, p, p.stdout, `! triggers = "ignore": this updates email of`, "fires trigger set_updated_at",
				"rollback restores what anomgen journaled, but not what the triggers changed")
			rows := plannedRows(t, p.stdout)["anomaly.null_rate.emails"]
			if rows == 0 {
				t.Fatalf("no rows planned:\n%s", p)
			}
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			if got := queryInt(t, g.db, "SELECT COUNT(*) FROM accounts WHERE email IS NULL AND id < 600"); got != rows+11 {
				t.Errorf("%d NULL emails in the window, want %d + 11 already NULL", got, rows)
			}
			if got := touched(); got != rows {
				t.Errorf("the trigger touched %d rows, want the %d changed", got, rows)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			g.exec(t, "DROP TRIGGER set_updated_at"+map[string]string{"postgres": " ON accounts", "mysql": "", "sqlite": ""}[g.kind])
			g.exec(t, "UPDATE accounts SET updated_at = created_at")
			// What anomgen journaled came back; what the trigger did stayed
			// until it was undone by hand just above.
			if got := g.sum(t, all); got != before {
				t.Errorf("emails not restored: checksum %s, was %s", got, before)
			}
		})

		if g.kind != "postgres" {
			return
		}
		t.Run("disable", func(t *testing.T) {
			g.exec(t, `CREATE TRIGGER set_updated_at BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()`,
				`CREATE TRIGGER audit_always BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()`,
				`ALTER TABLE accounts ENABLE ALWAYS TRIGGER audit_always`,
				`CREATE TRIGGER switched_off BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()`,
				`ALTER TABLE accounts DISABLE TRIGGER switched_off`)
			modes := func() string {
				var out []string
				rows, err := g.db.Query(`SELECT tgname || '=' || tgenabled::text FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND NOT tgisinternal ORDER BY tgname`)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
				return strings.Join(out, " ")
			}
			const wantModes = "audit_always=A set_updated_at=O switched_off=D"
			if got := modes(); got != wantModes {
				t.Fatalf("trigger modes %q", got)
			}
			dir := g.scenario(t, g.target("accounts", "accounts", "  triggers    = \"disable\"\n"), accountsNulls)
			p := mustOK(t, cli(t, dir, "plan"))
			wantAll(t, p, p.stdout, "triggers = disable audit_always, set_updated_at inside the apply and rollback transactions (ACCESS EXCLUSIVE lock on public.accounts until each commits)")
			rows := plannedRows(t, p.stdout)["anomaly.null_rate.emails"]
			a := mustOK(t, cli(t, dir, "-log-level=debug", "apply", "-auto-approve"))
			// The debug log quotes the statements.
			wantAll(t, a, a.stderr, `ALTER TABLE ONLY \"public\".\"accounts\" DISABLE TRIGGER \"set_updated_at\"`, `ENABLE ALWAYS TRIGGER \"audit_always\"`)
			wantNone(t, a, a.stderr, "switched_off")
			if got := queryInt(t, g.db, "SELECT COUNT(*) FROM accounts WHERE email IS NULL AND id < 600"); got != rows+11 {
				t.Errorf("%d NULL emails in the window, want %d + 11", got, rows)
			}
			if got := touched(); got != 0 {
				t.Errorf("the triggers fired on %d rows", got)
			}
			if got := modes(); got != wantModes {
				t.Errorf("after apply the trigger modes are %q, want %q", got, wantModes)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			if got := g.sum(t, all); got != before {
				t.Errorf("checksum %s after rollback, was %s", got, before)
			}
			if got := modes(); got != wantModes {
				t.Errorf("after rollback the trigger modes are %q, want %q", got, wantModes)
			}

			// A dropped column's rollback refills it with an UPDATE, with
			// the triggers off too.
			const cols = "SELECT id, email, created_at, updated_at FROM accounts ORDER BY id"
			colsBefore := g.sum(t, cols)
			drop := g.scenario(t, g.target("accounts", "accounts", "  triggers    = \"disable\"\n"),
				"anomaly \"schema_drop_column\" \"lost_email\" {\n  target = target.accounts\n  column = \"email\"\n}\n")
			p = mustOK(t, cli(t, drop, "plan"))
			wantAll(t, p, p.stdout, "triggers  = disable audit_always, set_updated_at")
			mustOK(t, cli(t, drop, "apply", "-auto-approve"))
			mustOK(t, cli(t, drop, "rollback", "-all", "-auto-approve"))
			if got := g.sum(t, cols); got != colsBefore {
				t.Errorf("checksum %s after the drop's rollback, was %s", got, colsBefore)
			}
			if got := touched(); got != 0 {
				t.Errorf("the triggers fired on %d rows during the refill", got)
			}
			if got := modes(); got != wantModes {
				t.Errorf("after the drop's rollback the trigger modes are %q, want %q", got, wantModes)
			}

			// Only the table's owner may switch its triggers off.
			user, pw := "anomgen_t_"+randHex(), "Pw-canary-"+randHex()
			g.exec(t, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", user, pw),
				"GRANT SELECT, UPDATE, INSERT, DELETE ON accounts TO "+user, "GRANT USAGE, CREATE ON SCHEMA anomgen TO "+user,
				"GRANT SELECT, INSERT, UPDATE, DELETE ON anomgen.journals TO "+user)
			t.Cleanup(func() { _, _ = g.db.Exec("DROP OWNED BY " + user + "; DROP ROLE " + user) })
			port := g.pg.URL.Port()
			if port == "" {
				port = "5432"
			}
			src := fmt.Sprintf("source \"postgres\" \"shop\" {\n  host         = %q\n  port         = %s\n  database     = %q\n  username     = %q\n  password     = %q\n  tls          = \"disable\"\n  allow_writes = true\n}\n",
				g.pg.URL.Hostname(), port, g.pg.Name, user, pw)
			notOwner := t.TempDir()
			writeFile(t, notOwner, "main.hcl", src+"\n"+g.target("accounts", "accounts", "  triggers    = \"disable\"\n"))
			writeFile(t, notOwner, "anomalies.hcl", accountsNulls)
			r := cli(t, notOwner, "apply", "-auto-approve")
			if r.code == 0 {
				t.Fatalf("a user who does not own the table cannot switch its triggers off:\n%s", r)
			}
			wantAll(t, r, r.stderr, `switching the triggers of public.accounts off and on (triggers = "disable") failed: ERROR: must be owner of table accounts`,
				"its transaction was rolled back and the table is untouched", "Only the table's owner (or a superuser) may switch its triggers")
			wantNone(t, r, r.stderr, "permission denied: SELECT")
			if got := g.sum(t, cols); got != colsBefore {
				t.Errorf("checksum %s after the refused apply, was %s", got, colsBefore)
			}
			if got := modes(); got != wantModes {
				t.Errorf("after the refused apply the trigger modes are %q, want %q", got, wantModes)
			}
		})
	})
}

// TestGuardForeignKeys: volume_drop on a table that another table refers
// to with ON DELETE CASCADE is refused naming the child table and the
// constraint; both tables stay as they were. Kinds that leave the
// referenced rows and columns alone still plan.
func TestGuardForeignKeys(t *testing.T) {
	t.Parallel()
	guardDBs(t, allKinds, func(t *testing.T, g *guardDB) {
		switch g.kind {
		case "postgres":
			g.exec(t, `CREATE TABLE customers (id bigint PRIMARY KEY, name text, created_at timestamptz NOT NULL)`,
				`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(10,2),
					CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE)`)
		case "mysql":
			g.exec(t, `CREATE TABLE customers (id BIGINT PRIMARY KEY, name VARCHAR(100), created_at DATETIME NOT NULL) ENGINE=InnoDB`,
				`CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT NOT NULL, amount DECIMAL(10,2),
					CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE) ENGINE=InnoDB`)
		case "sqlite":
			g.exec(t, `CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, created_at TEXT NOT NULL)`,
				`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount NUMERIC,
					CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE)`)
		}
		g.exec(t, fmt.Sprintf("INSERT INTO customers (id, name, created_at) SELECT i, %s, %s FROM %s", g.email, g.minutes("i"), g.series(500)),
			fmt.Sprintf("INSERT INTO orders (id, customer_id, amount) SELECT i, (i %% 500) + 1, (i %% 97) + 0.25 FROM %s", g.series(2000)))
		sums := map[string]string{
			"SELECT * FROM customers ORDER BY id": g.sum(t, "SELECT * FROM customers ORDER BY id"),
			"SELECT * FROM orders ORDER BY id":    g.sum(t, "SELECT * FROM orders ORDER BY id"),
		}
		targets := g.target("customers", "customers", "")
		drop := "anomaly \"volume_drop\" \"churn\" {\n  target = target.customers\n  volume = 0.5\n" + window("2026-01-01T00:00:00Z", "5h") + "}\n"
		dir := g.scenario(t, targets, drop)
		child := "orders"
		if g.kind == "postgres" {
			child = "public.orders"
		} else if g.kind == "mysql" {
			child = queryString(t, g.db, "SELECT DATABASE()") + ".orders"
		}
		name := "constraint orders_customer_fk of " + child
		if g.kind == "sqlite" {
			name = "the foreign key of orders" // SQLite does not name foreign keys in its catalog
		}
		wants := []string{"anomaly.volume_drop.churn deletes rows of", "which " + child + " refer to",
			name + " (customer_id → id, ON DELETE CASCADE)", "target a copy of", "that no foreign key points at"}
		if g.kind == "sqlite" {
			wants = append(wants, "would leave rows of orders pointing at deleted rows")
		} else {
			wants = append(wants, "would delete the referring rows of "+child+" too")
		}
		g.refused(t, dir, sums, wants...)

		// A column no foreign key refers to is fine.
		ok := g.scenario(t, targets, "anomaly \"null_rate\" \"names\" {\n  target = target.customers\n  column = \"name\"\n"+window("2026-01-01T00:00:00Z", "5h")+"}\n")
		mustOK(t, cli(t, ok, "plan"))
	})
}

func queryString(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// TestGuardPartitionedPostgres: a table range-partitioned by month on
// created_at is found and counted through its partitions; null_rate and
// volume_drop on windows across partition bounds apply and roll back
// byte-identical, every row back in its partition. On a table partitioned
// by a column that numeric_shift changes, rows move between partitions
// and back; where a changed value has no partition, the apply fails and
// nothing is written.
func TestGuardPartitionedPostgres(t *testing.T) {
	t.Parallel()
	g := guardPostgres(t)
	g.exec(t, `CREATE TABLE events (id bigint NOT NULL, created_at timestamptz NOT NULL, email text, amount numeric(10,2),
			PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at)`,
		`CREATE TABLE events_2026_01 PARTITION OF events FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-02-01 00:00:00+00')`,
		`CREATE TABLE events_2026_02 PARTITION OF events FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00')`,
		`CREATE TABLE events_2026_03 PARTITION OF events FOR VALUES FROM ('2026-03-01 00:00:00+00') TO ('2026-04-01 00:00:00+00')`,
		// One row an hour from 2026-01-01 01:00 to 2026-03-25 08:00.
		`INSERT INTO events SELECT i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
			CASE WHEN i % 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END, (i % 97) + 0.25 FROM generate_series(1, 2000) i`,
		`ANALYZE events`)
	parts := []string{"events_2026_01", "events_2026_02", "events_2026_03"}
	sums := func() map[string]string {
		out := map[string]string{"events": g.sum(t, "SELECT * FROM events ORDER BY id")}
		for _, p := range parts {
			out[p] = g.sum(t, "SELECT * FROM "+p+" ORDER BY id")
		}
		return out
	}
	before := sums()

	prof := g.profile(t, "events", "created_at")
	if !prof.Partitioned || !reflect.DeepEqual(prof.PartitionKey, []string{"created_at"}) || prof.Rows != 2000 || !reflect.DeepEqual(prof.PrimaryKey, []string{"id", "created_at"}) {
		t.Fatalf("profile: partitioned %v by %v, %d rows, key %v", prof.Partitioned, prof.PartitionKey, prof.Rows, prof.PrimaryKey)
	}

	anomalies := "anomaly \"null_rate\" \"emails\" {\n  target = target.events\n  column = \"email\"\n  volume = 0.5\n" + window("2026-01-20T00:00:00Z", "20d") + "}\n" +
		"anomaly \"volume_drop\" \"outage\" {\n  target = target.events\n  volume = 0.3\n" + window("2026-02-20T00:00:00Z", "20d") + "}\n"
	dir := g.scenario(t, g.target("events", "events", ""), anomalies)
	p := mustOK(t, cli(t, dir, "plan"))
	planned := plannedRows(t, p.stdout)
	nulls, drops := planned["anomaly.null_rate.emails"], planned["anomaly.volume_drop.outage"]
	if nulls == 0 || drops == 0 {
		t.Fatalf("planned %v:\n%s", planned, p)
	}
	counts := func() string {
		return fmt.Sprint(queryInt(t, g.db, "SELECT COUNT(*) FROM events_2026_01"), queryInt(t, g.db, "SELECT COUNT(*) FROM events_2026_02"), queryInt(t, g.db, "SELECT COUNT(*) FROM events_2026_03"))
	}
	beforeCounts := counts()
	const nullsQ = "SELECT COUNT(*) FROM events WHERE email IS NULL AND created_at < '2026-02-20'"
	const outsideQ = "SELECT COUNT(*) FROM events WHERE created_at < '2026-02-20' OR created_at >= '2026-03-12'"
	nullsBefore, outside := queryInt(t, g.db, nullsQ), queryInt(t, g.db, outsideQ)
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	if got := queryInt(t, g.db, nullsQ); got != nullsBefore+nulls {
		t.Errorf("%d NULL emails, want %d + %d", got, nullsBefore, nulls)
	}
	if got := queryInt(t, g.db, "SELECT COUNT(*) FROM events"); got != 2000-drops {
		t.Errorf("%d rows, want 2000 - %d", got, drops)
	}
	if got := queryInt(t, g.db, outsideQ); got != outside {
		t.Errorf("%d rows outside the dropped window, were %d", got, outside)
	}
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if got := counts(); got != beforeCounts {
		t.Errorf("rows per partition %s after rollback, were %s", got, beforeCounts)
	}
	if got := sums(); !reflect.DeepEqual(got, before) {
		t.Errorf("checksums after rollback %v, were %v", got, before)
	}

	t.Run("triggers of the partitions", func(t *testing.T) {
		g.exec(t, `ALTER TABLE events ADD COLUMN updated_at timestamptz`,
			`CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.updated_at := clock_timestamp(); RETURN NEW; END$$`,
			`CREATE TRIGGER set_updated_at BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()`,
			`CREATE TRIGGER february_only BEFORE UPDATE ON events_2026_02 FOR EACH ROW EXECUTE FUNCTION touch()`)
		const all = "SELECT * FROM events ORDER BY id, created_at" // not the cached statement of the table without updated_at
		before := g.sum(t, all)
		modes := func() string {
			return queryString(t, g.db, `SELECT string_agg(c.relname || '.' || t.tgname || '=' || t.tgenabled::text, ' ' ORDER BY c.relname, t.tgname)
				FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relname LIKE 'events%'`)
		}
		wantModes := modes()
		nulls := "anomaly \"null_rate\" \"emails\" {\n  target = target.events\n  column = \"email\"\n  volume = 0.5\n" + window("2026-01-20T00:00:00Z", "20d") + "}\n"
		dir := g.scenario(t, g.target("events", "events", ""), nulls)
		r := cli(t, dir, "plan")
		if r.code == 0 {
			t.Fatalf("expected a refusal:\n%s", r)
		}
		wantAll(t, r, r.stderr, "would fire triggers set_updated_at, february_only",
			"trigger set_updated_at (BEFORE UPDATE, for each row) and trigger february_only (BEFORE UPDATE, for each row, on partition public.events_2026_02)")

		dir = g.scenario(t, g.target("events", "events", "  triggers    = \"disable\"\n"), nulls)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM events WHERE updated_at IS NOT NULL"); n != 0 {
			t.Errorf("triggers fired on %d rows", n)
		}
		if got := modes(); got != wantModes {
			t.Errorf("after apply the trigger modes are %q, want %q", got, wantModes)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := g.sum(t, all); got != before {
			t.Errorf("checksum %s after rollback, was %s", got, before)
		}
		if got := modes(); got != wantModes {
			t.Errorf("after rollback the trigger modes are %q, want %q", got, wantModes)
		}
	})

	t.Run("rows move between partitions", func(t *testing.T) {
		g.exec(t, `CREATE TABLE scores (id bigint NOT NULL, created_at timestamptz NOT NULL, score integer NOT NULL) PARTITION BY RANGE (score)`,
			`CREATE TABLE scores_low PARTITION OF scores FOR VALUES FROM (0) TO (100)`,
			`CREATE TABLE scores_high PARTITION OF scores FOR VALUES FROM (100) TO (200)`,
			`INSERT INTO scores SELECT i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', i % 100 FROM generate_series(1, 1000) i`)
		sums := func() string {
			return g.sum(t, "SELECT * FROM scores_low ORDER BY id") + " " + g.sum(t, "SELECT * FROM scores_high ORDER BY id")
		}
		before := sums()
		shift := func(amplitude string) string {
			return "anomaly \"numeric_shift\" \"scores\" {\n  target    = target.scores\n  column    = \"score\"\n  amplitude = " + amplitude + "\n" + window("2026-01-01T00:00:00Z", "5h") + "}\n"
		}
		targets := g.target("scores", "scores", "  key         = [\"id\"]\n")
		dir := g.scenario(t, targets, shift("0.5"))
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM scores_high"); n == 0 {
			t.Error("no row moved to scores_high")
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := sums(); got != before {
			t.Errorf("after rollback %s, was %s", got, before)
		}

		// Scores up to 99 times 3 have no partition: nothing is written.
		nowhere := g.scenario(t, targets, shift("2"))
		r := cli(t, nowhere, "apply", "-auto-approve")
		if r.code == 0 {
			t.Fatalf("expected the apply to fail:\n%s", r)
		}
		wantAll(t, r, r.stderr, "no partition of relation", "its transaction was rolled back and the table is untouched")
		if got := sums(); got != before {
			t.Errorf("after the failed apply %s, was %s", got, before)
		}
		if n := g.journals(t); n != 0 {
			t.Errorf("%d journal tables left", n)
		}
		if got := stateList(t, nowhere); got != "" {
			t.Errorf("the state lists %q", got)
		}

		// In batches of 3 rows, the same fails in a later batch: the
		// batches before it stay committed with their journal, the error
		// says which batch failed, why, and how far the change got, and
		// rollback restores every byte.
		batched := t.TempDir()
		writeFile(t, batched, "main.hcl", g.source[:strings.LastIndex(g.source, "}")]+"  batch_rows = 3\n}\n\n"+targets)
		writeFile(t, batched, "anomalies.hcl", shift("2"))
		r = cli(t, batched, "apply", "-auto-approve")
		if r.code == 0 {
			t.Fatalf("expected the apply to fail:\n%s", r)
		}
		wantAll(t, r, r.stderr, "anomaly.numeric_shift.scores: batch ", "failed (", "no partition of relation", "and was rolled back; partly applied: ",
			"run `anomgen apply` to finish or `anomgen rollback anomaly.numeric_shift.scores` to undo")
		if got := sums(); got == before {
			t.Errorf("the batches before the failing one changed nothing")
		}
		if got := stateList(t, batched); !strings.Contains(got, "anomaly.numeric_shift.scores") {
			t.Errorf("the state lists %q, want the partly applied change", got)
		}
		mustOK(t, cli(t, batched, "rollback", "-all", "-auto-approve"))
		if got := sums(); got != before {
			t.Errorf("after rollback of the partly applied change %s, was %s", got, before)
		}
		if n := g.journals(t); n != 0 {
			t.Errorf("%d journal tables left after rollback", n)
		}
	})

	// A parent of legacy inheritance: statements on it reach its child's
	// rows, which share row addresses (ctid) with its own. Every row of the
	// window is changed once, with the value computed from its own, in one
	// transaction and in batches, and rollback restores both tables.
	t.Run("legacy inheritance", func(t *testing.T) {
		g.exec(t, `CREATE TABLE ledger (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, qty integer NOT NULL)`,
			`CREATE TABLE ledger_old (PRIMARY KEY (id)) INHERITS (ledger)`,
			`INSERT INTO ledger SELECT i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', i FROM generate_series(1, 600) i`,
			`INSERT INTO ledger_old SELECT i, timestamptz '2026-01-01 00:00:00+00' + (i - 600) * interval '1 minute', i FROM generate_series(601, 1200) i`)
		if n := queryInt(t, g.db, "SELECT COUNT(*) FROM ONLY ledger p JOIN ledger_old c ON p.ctid = c.ctid"); n == 0 {
			t.Fatal("parent and child share no row address; the test needs some")
		}
		prof := g.profile(t, "ledger", "created_at")
		if !prof.Inherited || prof.Partitioned {
			t.Fatalf("profile: inherited %v, partitioned %v; want true, false", prof.Inherited, prof.Partitioned)
		}
		sums := func() string {
			return g.sum(t, "SELECT * FROM ONLY ledger ORDER BY id") + " " + g.sum(t, "SELECT * FROM ledger_old ORDER BY id")
		}
		before := sums()
		shift := "anomaly \"numeric_shift\" \"qty\" {\n  target    = target.ledger\n  column    = \"qty\"\n  amplitude = 1\n" + window("2026-01-01T00:00:00Z", "5h") + "}\n"
		targets := g.target("ledger", "ledger", "")
		for _, batchRows := range []string{"", "  batch_rows = 50\n"} {
			dir := t.TempDir()
			writeFile(t, dir, "main.hcl", g.source[:strings.LastIndex(g.source, "}")]+batchRows+"}\n\n"+targets)
			writeFile(t, dir, "anomalies.hcl", shift)
			planned := plannedRows(t, mustOK(t, cli(t, dir, "plan")).stdout)["anomaly.numeric_shift.qty"]
			if planned != 598 {
				t.Fatalf("%q: planned %d rows, want 598 (299 of each table)", batchRows, planned)
			}
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			// Rows 1..299 of the parent and 601..899 of the child are in the
			// window (created_at before 05:00); each must hold twice its own value.
			if n := queryInt(t, g.db, "SELECT COUNT(*) FROM ledger WHERE qty = 2 * id"); n != 598 {
				t.Errorf("%q: %d rows hold twice their own value, want 598", batchRows, n)
			}
			if n := queryInt(t, g.db, "SELECT COUNT(*) FROM ledger WHERE qty <> id AND qty <> 2 * id"); n != 0 {
				t.Errorf("%q: %d rows hold a value computed from another row's", batchRows, n)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
			if got := sums(); got != before {
				t.Errorf("%q: after rollback %s, was %s", batchRows, got, before)
			}
		}
	})
}

// profile inspects table of g's database as plan does.
func (g *guardDB) profile(t *testing.T, table, timeColumn string) *planner.TableProfile {
	t.Helper()
	conn, err := providers.Open(context.Background(), g.settings)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.DB.Close()
	prof, err := conn.Inspector.Profile(context.Background(), table, timeColumn)
	if err != nil {
		t.Fatal(err)
	}
	return prof
}

// TestGuardGeneratedColumns: null_rate on a column a generated column is
// computed from, and volume_drop, roll back byte-identical with STORED
// generated columns (PostgreSQL, MariaDB, SQLite) and VIRTUAL ones
// (MariaDB, SQLite).
func TestGuardGeneratedColumns(t *testing.T) {
	t.Parallel()
	guardDBs(t, allKinds, func(t *testing.T, g *guardDB) {
		switch g.kind {
		case "postgres":
			g.exec(t, `CREATE TABLE items (id bigint PRIMARY KEY, email text, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL,
				total numeric(12,2) GENERATED ALWAYS AS (amount * 2) STORED, domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED)`)
		case "mysql":
			g.exec(t, `CREATE TABLE items (id BIGINT PRIMARY KEY, email VARCHAR(255), amount DECIMAL(10,2) NOT NULL, created_at DATETIME NOT NULL,
				total DECIMAL(12,2) AS (amount * 2) STORED, domain VARCHAR(255) AS (SUBSTRING_INDEX(email, '@', -1)) VIRTUAL) ENGINE=InnoDB`)
		case "sqlite":
			g.exec(t, `CREATE TABLE items (id INTEGER PRIMARY KEY, email TEXT, amount NUMERIC NOT NULL, created_at TEXT NOT NULL,
				total NUMERIC GENERATED ALWAYS AS (amount * 2) STORED, domain TEXT GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL)`)
		}
		g.exec(t, fmt.Sprintf("INSERT INTO items (id, email, amount, created_at) SELECT i, %s, (i %% 97) + 0.25, %s FROM %s", g.email, g.minutes("i"), g.series(1000)))
		const all = "SELECT * FROM items ORDER BY id"
		before := g.sum(t, all)
		anomalies := "anomaly \"null_rate\" \"emails\" {\n  target = target.items\n  column = \"email\"\n  volume = 0.5\n" + window("2026-01-01T00:00:00Z", "5h") + "}\n" +
			"anomaly \"volume_drop\" \"outage\" {\n  target = target.items\n  volume = 0.4\n" + window("2026-01-01T06:00:00Z", "5h") + "}\n"
		dir := g.scenario(t, g.target("items", "items", ""), anomalies)
		planned := plannedRows(t, mustOK(t, cli(t, dir, "plan")).stdout)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if got := queryInt(t, g.db, "SELECT COUNT(*) FROM items WHERE email IS NULL AND domain IS NULL AND id < 300"); got != planned["anomaly.null_rate.emails"]+5 {
			t.Errorf("%d rows in the window with NULL email and domain, want %d + 5", got, planned["anomaly.null_rate.emails"])
		}
		if got := queryInt(t, g.db, "SELECT COUNT(*) FROM items"); got != 1000-planned["anomaly.volume_drop.outage"] {
			t.Errorf("%d rows, want 1000 - %d", got, planned["anomaly.volume_drop.outage"])
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
		if got := g.sum(t, all); got != before {
			t.Errorf("checksum %s after rollback, was %s", got, before)
		}
	})
}
