package main

import (
	"database/sql"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/providertest"
)

// Application writes made while anomgen applies and rolls back (issue 10,
// defect 2): the before-image and the mutation must see the same row
// version, so that no write an application committed is overwritten by
// the mutation or restored away by the rollback.
//
// An orders table of concRows rows holds three anomalies in three disjoint
// one-day windows: null_rate on email (an update journal), numeric_shift on
// amount (an update journal with a computed after value) and volume_drop
// (a delete journal). While apply and then rollback -all run, application
// goroutines write to the table in short transactions:
//
//   - concFast writers UPDATE random rows (most of them in the windows) to
//     a unique non-NULL value, INSERT new rows (most of them in the
//     windows, so that anomgen selects some), and update those again;
//   - one holder per window keeps a row that anomgen selects locked for a
//     while (BEGIN; UPDATE; sleep; COMMIT), over and over, so that each
//     anomaly's journal read and mutation meet a write in flight: the race
//     happens on every run, not by luck.
//
// The holders' rows come from a first apply and rollback without writers
// (the choice is a hash of key and seed, so the same rows are chosen
// again); that round trip must restore every byte. SQLite locks the whole
// file, so it runs without holders.
//
// Each goroutine owns the keys with id % concOwners equal to its number,
// so the writes to a key are ordered by one goroutine. Every transaction
// touches one row, so the application holds no lock while it waits and
// cannot block anomgen in a cycle; should the database still abort an
// application transaction (a deadlock victim, SQLite busy), the abort is
// counted and nothing recorded. A write is recorded only when its COMMIT
// succeeded and it changed a row (an UPDATE of a row that volume_drop
// deleted changes nothing, and the row comes back at rollback as it was
// deleted).
//
// Afterwards every row must be the seeded row with the recorded writes
// applied in order: each value the application committed is there, each
// value anomgen changed is back, and each inserted row is present.
// Rollback may leave rows the application changed after injection alone
// and exit 2 (conflicts): that is correct, and the data check decides. It
// runs with -continue-on-error: without it, rollback -all stops at the
// first anomaly with conflicts and leaves the next ones applied.

const (
	concRows   = 30000
	concPerDay = 2880 // one order every 30 s
	concOwners = 6    // goroutines: concFast writers, then a holder per window
	concFast   = 3
	concTime   = "2006-01-02 15:04:05"
)

var concBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// concWindow is an anomaly's window: ids in [from, to).
type concWindow struct {
	addr   string
	column string // the column the anomaly changes; "" for volume_drop
	from   int64
	to     int64
	// writeCol is the column the application writes in the window most.
	writeCol string
}

var concWindows = []concWindow{
	{addr: "anomaly.null_rate.email_nulls", column: "email", from: 1 * concPerDay, to: 2 * concPerDay, writeCol: "email"},
	{addr: "anomaly.numeric_shift.amount_shift", column: "amount", from: 4 * concPerDay, to: 5 * concPerDay, writeCol: "amount"},
	{addr: "anomaly.volume_drop.outage", from: 7 * concPerDay, to: 8 * concPerDay, writeCol: "email"},
}

func (w concWindow) has(id int64) bool { return id >= w.from && id < w.to }

const concAnomalies = `anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.5
  seed   = 7
  window {
    start    = "2026-01-02T00:00:00Z"
    duration = "24h"
  }
}

anomaly "numeric_shift" "amount_shift" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.5
  volume    = 0.5
  seed      = 8
  window {
    start    = "2026-01-05T00:00:00Z"
    duration = "24h"
  }
}

anomaly "volume_drop" "outage" {
  target = target.orders
  volume = 0.5
  seed   = 9
  window {
    start    = "2026-01-08T00:00:00Z"
    duration = "24h"
  }
}
`

// concRow is a row of orders with every value as text.
type concRow struct {
	email                 sql.NullString
	amount, created, note string
}

func (r concRow) get(col string) string {
	if col == "amount" {
		return r.amount
	}
	if !r.email.Valid {
		return "NULL"
	}
	return r.email.String
}

func (r *concRow) set(col, v string) {
	if col == "amount" {
		r.amount = v
		return
	}
	r.email = sql.NullString{String: v, Valid: true}
}

// concDB is a seeded database for the test.
type concDB struct {
	db *sql.DB // the test's own handle
	// app is the application's connection pool.
	app *sql.DB
	// source is the source block, named shop; kind is its type.
	source, kind string
	// rebind turns ? placeholders into the database's.
	rebind func(string) string
	// selectRows reads id, email, amount, created_at, note as text, by id.
	selectRows string
	// tsArg is the bind value of a created_at given as concTime text.
	tsArg func(string) any
	// retryable tells the errors on which the database aborted an
	// application transaction (deadlock victim, busy): not a write.
	retryable func(error) bool
	// noHolders: the database locks whole files (SQLite), so a held row
	// lock would only stall everyone; the writers pause for pause between
	// transactions.
	noHolders bool
	pause     time.Duration
}

func (c *concDB) rows(t testing.TB) map[int64]concRow {
	t.Helper()
	rows, err := c.db.Query(c.selectRows)
	if err != nil {
		t.Fatalf("%s: %v", c.selectRows, err)
	}
	defer rows.Close()
	out := map[int64]concRow{}
	for rows.Next() {
		var id int64
		var r concRow
		if err := rows.Scan(&id, &r.email, &r.amount, &r.created, &r.note); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func concPostgres(t *testing.T) *concDB {
	p := providertest.NewPostgres(t)
	execSQL(t, p.DB,
		`CREATE TABLE orders (id bigint PRIMARY KEY, email text, amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL, note text NOT NULL)`,
		fmt.Sprintf(`INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, timestamptz '2026-01-01 00:00:00+00' + i * interval '30 seconds', 'n' || i
		 FROM generate_series(1, %d) i`, concRows),
		`ANALYZE orders`,
	)
	return &concDB{
		db: p.DB, app: p.DB, source: pgSource(p, "shop", true), kind: "postgres",
		rebind: func(q string) string {
			var b strings.Builder
			n := 0
			for _, r := range q {
				if r == '?' {
					n++
					fmt.Fprintf(&b, "$%d", n)
					continue
				}
				b.WriteRune(r)
			}
			return b.String()
		},
		selectRows: `SELECT id, email, amount::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), note FROM orders ORDER BY id`,
		tsArg:      func(s string) any { return s + "+00" },
		pause:      time.Millisecond,
		retryable: func(err error) bool {
			return strings.Contains(err.Error(), "40P01") || strings.Contains(err.Error(), "40001")
		},
	}
}

func concMySQL(t *testing.T) *concDB {
	m := providertest.NewMySQL(t)
	execSQL(t, m.DB,
		"CREATE TABLE orders (id BIGINT PRIMARY KEY, email VARCHAR(255), amount DECIMAL(12,2) NOT NULL, created_at DATETIME NOT NULL, note VARCHAR(64) NOT NULL)",
		fmt.Sprintf(`INSERT INTO orders SELECT seq, CASE WHEN seq %% 50 = 0 THEN NULL ELSE CONCAT('user', seq, '@example.com') END,
			(seq %% 97) + 0.25, TIMESTAMP('2026-01-01 00:00:00') + INTERVAL seq * 30 SECOND, CONCAT('n', seq) FROM seq_1_to_%d`, concRows),
		"ANALYZE TABLE orders",
	)
	return &concDB{
		db: m.DB, app: m.DB, kind: "mysql",
		source:     fmt.Sprintf("source \"mysql\" \"shop\" {\n  dsn            = %q\n  journal_schema = %q\n  allow_writes   = true\n}\n", m.DSN, m.Journal),
		rebind:     func(q string) string { return q },
		selectRows: `SELECT id, email, CAST(amount AS CHAR), DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), note FROM orders ORDER BY id`,
		tsArg:      func(s string) any { return s },
		pause:      time.Millisecond,
		retryable: func(err error) bool {
			return strings.Contains(err.Error(), "Error 1213") || strings.Contains(err.Error(), "Error 1205")
		},
	}
}

func concSQLite(t *testing.T) *concDB {
	s := providertest.NewSQLite(t)
	execSQL(t, s.DB,
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, email TEXT, amount NUMERIC(12,2) NOT NULL, created_at TEXT NOT NULL, note TEXT NOT NULL)`,
		fmt.Sprintf(`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d)
		 INSERT INTO orders SELECT i, CASE WHEN i %% 50 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
		   (i %% 97) + 0.25, datetime('2026-01-01 00:00:00', '+' || (i * 30) || ' seconds'), 'n' || i FROM s`, concRows),
	)
	// The application takes the write lock when it begins, as anomgen
	// does: a deferred transaction that read first could not wait for it.
	app, err := sql.Open("sqlite", "file:"+s.Path+"?_pragma=busy_timeout(20000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return &concDB{
		db: s.DB, app: app, kind: "sqlite",
		source:     fmt.Sprintf("source \"sqlite\" \"shop\" {\n  path         = %q\n  allow_writes = true\n}\n", s.Path),
		rebind:     func(q string) string { return q },
		selectRows: `SELECT id, email, printf('%.2f', amount), created_at, note FROM orders ORDER BY id`,
		tsArg:      func(s string) any { return s },
		retryable:  func(err error) bool { return strings.Contains(err.Error(), "SQLITE_BUSY") },
		noHolders:  true, pause: 5 * time.Millisecond,
	}
}

// concWrite is one committed application write: an UPDATE of column col
// of row id to val, or (col "") the INSERT of row.
type concWrite struct {
	id  int64
	col string
	val string
	row concRow
}

// concApp is the application: the writer goroutines and what they
// committed. Each goroutine appends only to its own log.
type concApp struct {
	c       *concDB
	stop    chan struct{}
	wg      sync.WaitGroup
	seq     atomic.Int64
	logs    [concOwners][]concWrite
	aborted [concOwners]int
	errs    [concOwners][]string
	// ready is closed by each holder once its first row lock is held.
	ready [concOwners - concFast]chan struct{}
}

func (a *concApp) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// owned returns a random id in [from, to) that goroutine g owns.
func owned(rng *rand.Rand, g int, from, to int64) int64 {
	id := from + rng.Int63n(to-from)
	id += int64(g) - id%concOwners
	if id < from {
		id += concOwners
	}
	if id >= to {
		id -= concOwners
	}
	return id
}

// value returns a fresh, unique value for col, as text and as the value
// to bind. It is never NULL (null_rate's after value), and no amount is
// one that numeric_shift writes: application amounts are whole numbers
// from 1,000,001 up, the seeded ones below 100, and ×1.5 takes an
// application amount beyond 1,500,000, which the application never
// reaches.
func (a *concApp) value(col string) (string, any) {
	n := a.seq.Add(1)
	if col == "amount" {
		return fmt.Sprintf("%d.00", 1000000+n), 1000000 + n
	}
	v := fmt.Sprintf("app-%d@example.com", n)
	return v, v
}

// update runs BEGIN; UPDATE one row; [hold]; COMMIT and records the write
// when it committed and changed the row. held, when not nil, is called
// after the UPDATE, inside the transaction.
func (a *concApp) update(g int, id int64, col string, held func()) {
	v, arg := a.value(col)
	tx, err := a.c.app.Begin()
	if err != nil {
		a.fail(g, "BEGIN", err)
		return
	}
	res, err := tx.Exec(a.c.rebind("UPDATE orders SET "+col+" = ? WHERE id = ?"), arg, id)
	if held != nil {
		held()
	}
	if err != nil {
		_ = tx.Rollback()
		a.fail(g, "UPDATE", err)
		return
	}
	n, err := res.RowsAffected()
	if err != nil {
		_ = tx.Rollback()
		a.fail(g, "RowsAffected", err)
		return
	}
	if err := tx.Commit(); err != nil {
		// Whether it committed is unknown: the check cannot judge.
		a.errs[g] = append(a.errs[g], fmt.Sprintf("COMMIT of the update of row %d: %v", id, err))
		return
	}
	if n == 1 {
		a.logs[g] = append(a.logs[g], concWrite{id: id, col: col, val: v})
	}
}

func (a *concApp) insert(g int, rng *rand.Rand) {
	n := a.seq.Add(1)
	// Most new rows fall in a window, at any second of its day.
	day := rng.Intn(10)
	if rng.Intn(10) < 7 {
		day = int(concWindows[rng.Intn(len(concWindows))].from / concPerDay)
	}
	created := concBase.Add(time.Duration(day)*24*time.Hour + time.Duration(rng.Intn(86400))*time.Second).Format(concTime)
	row := concRow{email: sql.NullString{String: fmt.Sprintf("app-ins-%d@example.com", n), Valid: true},
		amount: fmt.Sprintf("%d.00", 1000000+n), created: created, note: fmt.Sprintf("app-%d", n)}
	id := 1000000 + n*concOwners + int64(g)
	tx, err := a.c.app.Begin()
	if err != nil {
		a.fail(g, "BEGIN", err)
		return
	}
	if _, err := tx.Exec(a.c.rebind("INSERT INTO orders (id, email, amount, created_at, note) VALUES (?, ?, ?, ?, ?)"),
		id, row.email.String, 1000000+n, a.c.tsArg(created), row.note); err != nil {
		_ = tx.Rollback()
		a.fail(g, "INSERT", err)
		return
	}
	if err := tx.Commit(); err != nil {
		a.errs[g] = append(a.errs[g], fmt.Sprintf("COMMIT of the insert of row %d: %v", id, err))
		return
	}
	a.logs[g] = append(a.logs[g], concWrite{id: id, row: row})
}

// fail records a failed statement: an abort the database chose (deadlock
// victim, busy) is counted, anything else is an error of the test.
func (a *concApp) fail(g int, what string, err error) {
	if a.c.retryable(err) {
		a.aborted[g]++
		return
	}
	a.errs[g] = append(a.errs[g], fmt.Sprintf("%s: %v", what, err))
}

// fast is writer g: short transactions, as fast as they go.
func (a *concApp) fast(g int) {
	defer a.wg.Done()
	rng := rand.New(rand.NewSource(int64(g) + 1))
	var mine []int64 // rows g inserted
	for !a.stopped() {
		switch r := rng.Intn(100); {
		case r < 25:
			a.insert(g, rng)
			if l := a.logs[g]; len(l) > 0 && l[len(l)-1].col == "" {
				mine = append(mine, l[len(l)-1].id)
			}
		case r < 35 && len(mine) > 0:
			col := []string{"email", "amount"}[rng.Intn(2)]
			a.update(g, mine[rng.Intn(len(mine))], col, nil)
		case r < 85:
			w := concWindows[rng.Intn(len(concWindows))]
			col := w.writeCol
			if rng.Intn(4) == 0 {
				col = []string{"email", "amount"}[rng.Intn(2)]
			}
			a.update(g, owned(rng, g, w.from, w.to), col, nil)
		default:
			col := []string{"email", "amount"}[rng.Intn(2)]
			a.update(g, owned(rng, g, 1, concRows+1), col, nil)
		}
		time.Sleep(a.c.pause)
	}
}

// hold is holder g for window w: it keeps one of keys (rows the anomaly
// selects) locked for 300 ms to 1 s at a time, the first time for 1 s.
func (a *concApp) hold(g int, w int, keys []int64) {
	defer a.wg.Done()
	rng := rand.New(rand.NewSource(int64(g) + 100))
	pause := time.Second
	first := true
	for !a.stopped() {
		held := func() {
			if first {
				close(a.ready[w])
				first = false
			}
			time.Sleep(pause)
		}
		a.update(g, keys[rng.Intn(len(keys))], concWindows[w].writeCol, held)
		pause = time.Duration(300+rng.Intn(700)) * time.Millisecond
	}
	if first {
		close(a.ready[w])
	}
}

// TestConcurrentApplyRollback: application writes during apply and
// rollback are never lost, and every value anomgen changed comes back.
func TestConcurrentApplyRollback(t *testing.T) {
	for _, db := range []struct {
		name string
		make func(*testing.T) *concDB
	}{{"postgres", concPostgres}, {"mysql", concMySQL}, {"sqlite", concSQLite}} {
		// Each database is its own; the three run side by side (most of
		// their time is spent waiting on locks the holders keep).
		t.Run(db.name, func(t *testing.T) { t.Parallel(); concurrentApplyRollback(t, db.make(t)) })
	}
}

func concurrentApplyRollback(t *testing.T, c *concDB) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", c.source+fmt.Sprintf(`
target "orders" {
  source      = source.%s.shop
  table       = "orders"
  time_column = "created_at"
}
`, c.kind))
	writeFile(t, dir, "anomalies.hcl", concAnomalies)
	orig := c.rows(t)
	sum := providertest.Checksum(t, c.db, "SELECT * FROM orders ORDER BY id")

	// Without writers: which rows each anomaly selects (the choice is a
	// hash of the key and the seed, the same in the run below), and a
	// round trip that restores every byte.
	mustOK(t, cli(t, dir, "apply", "-auto-approve"))
	applied := c.rows(t)
	selected := make([][]int64, len(concWindows))
	for id, o := range orig {
		n, ok := applied[id]
		for w, win := range concWindows {
			if !win.has(id) {
				continue
			}
			if !ok || (win.column != "" && n.get(win.column) != o.get(win.column)) {
				selected[w] = append(selected[w], id)
			}
		}
	}
	for w, ids := range selected {
		if len(ids) < concPerDay/4 {
			t.Fatalf("%s changed %d rows of its window without writers, want about %d", concWindows[w].addr, len(ids), concPerDay/2)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	}
	mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	if got := providertest.Checksum(t, c.db, "SELECT * FROM orders ORDER BY id"); got != sum {
		t.Fatalf("apply and rollback without writers: orders is %s, was %s", got, sum)
	}

	// With writers.
	a := &concApp{c: c, stop: make(chan struct{})}
	for g := 0; g < concFast; g++ {
		a.wg.Add(1)
		go a.fast(g)
	}
	for w := range concWindows {
		if c.noHolders {
			break
		}
		g := concFast + w
		var keys []int64
		for _, id := range selected[w] {
			if id%concOwners == int64(g) {
				keys = append(keys, id)
			}
		}
		a.ready[w] = make(chan struct{})
		a.wg.Add(1)
		go a.hold(g, w, keys)
	}
	stopWriters := sync.OnceFunc(func() {
		close(a.stop)
		a.wg.Wait()
	})
	defer stopWriters()
	for w := range concWindows {
		if c.noHolders {
			break
		}
		select {
		case <-a.ready[w]:
		case <-time.After(10 * time.Second):
			t.Fatalf("the holder of %s took no row lock within 10 s", concWindows[w].addr)
		}
	}
	start := time.Now()
	ra := cli(t, dir, "apply", "-auto-approve")
	applyTook := time.Since(start)
	time.Sleep(500 * time.Millisecond)
	start = time.Now()
	rr := cli(t, dir, "rollback", "-all", "-auto-approve", "-continue-on-error")
	rollbackTook := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	stopWriters()

	if ra.code != 0 {
		t.Errorf("apply during application writes failed:\n%s", ra)
	}
	switch rr.code {
	case 0:
	case 2: // rows the application changed after injection were left alone
		wantAll(t, rr, rr.stderr, "changed by someone else after injection")
	default:
		t.Errorf("rollback during application writes failed:\n%s", rr)
	}

	// The independent record: the seeded rows with the committed writes
	// applied in order (each key has one writer, so its log is the order).
	want := make(map[int64]concRow, len(orig))
	for id, r := range orig {
		want[id] = r
	}
	type cell struct {
		id  int64
		col string
	}
	written := map[cell]bool{}
	writes, inserts, aborted := 0, 0, 0
	for g := range a.logs {
		aborted += a.aborted[g]
		for _, e := range a.errs[g] {
			t.Errorf("application writer %d: %s", g, e)
		}
		for _, wr := range a.logs[g] {
			writes++
			if wr.col == "" {
				inserts++
				want[wr.id] = wr.row
				continue
			}
			r := want[wr.id]
			r.set(wr.col, wr.val)
			want[wr.id] = r
			written[cell{wr.id, wr.col}] = true
		}
	}
	got := c.rows(t)
	t.Logf("%d application writes committed (%d inserts, %d updates of %d cells; %d transactions aborted by the database); apply took %s (exit %d), rollback %s (exit %d)",
		writes, inserts, writes-inserts, len(written), aborted, applyTook.Round(time.Millisecond), ra.code, rollbackTook.Round(time.Millisecond), rr.code)

	where := func(id int64) string {
		for _, w := range concWindows {
			if w.has(id) {
				return w.addr
			}
		}
		if id > concRows {
			return "an application row"
		}
		return "outside the windows"
	}
	var lost, notRestored, missing []string
	lostBy := map[string]int{}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			missing = append(missing, fmt.Sprintf("row %d (%s)", id, where(id)))
			continue
		}
		for _, col := range []string{"email", "amount"} {
			if g.get(col) == w.get(col) {
				continue
			}
			o, seeded := orig[id]
			msg := fmt.Sprintf("row %d (%s) %s = %s, want %s", id, where(id), col, g.get(col), w.get(col))
			if seeded {
				msg += fmt.Sprintf(" (seeded %s)", o.get(col))
			}
			if written[cell{id, col}] {
				lost = append(lost, msg)
				lostBy[where(id)]++
			} else {
				notRestored = append(notRestored, msg)
			}
		}
		if g.created != w.created || g.note != w.note {
			notRestored = append(notRestored, fmt.Sprintf("row %d (%s) created_at, note = %s, %s, want %s, %s", id, where(id), g.created, g.note, w.created, w.note))
		}
	}
	var extra []string
	for id := range got {
		if _, ok := want[id]; !ok {
			extra = append(extra, fmt.Sprint(id))
		}
	}
	report := func(what string, list []string) {
		if len(list) == 0 {
			return
		}
		sort.Strings(list)
		if len(list) > 10 {
			list = append(list[:10], "...")
		}
		t.Errorf("%s:\n  %s", what, strings.Join(list, "\n  "))
	}
	if len(lost) > 0 {
		var by []string
		for k, n := range lostBy {
			by = append(by, fmt.Sprintf("%d in %s", n, k))
		}
		sort.Strings(by)
		report(fmt.Sprintf("%d of the %d cells the application wrote (%d committed updates) do not hold its last committed value (%s)",
			len(lost), len(written), writes-inserts, strings.Join(by, ", ")), lost)
	}
	report(fmt.Sprintf("%d values the application never wrote differ from the seeded table (anomgen's change not undone)", len(notRestored)), notRestored)
	report(fmt.Sprintf("%d rows are missing (seeded or inserted by the application)", len(missing)), missing)
	report(fmt.Sprintf("%d rows nobody inserted", len(extra)), extra)
	if t.Failed() {
		t.Logf("apply:\n%s\nrollback:\n%s", ra, rr)
	}
}
