package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// TestOnePassTypedValues applies, on a live PostgreSQL, the batches'
// one statement (journal read, journal insert and UPDATE in one CTE), in
// two batches of at most 15 rows, of a change whose new value is a NULL: a CTE's
// output column of such a value is text, which an integer column refuses
// unless the value is cast to the column's type. The column must hold the
// new value and the journal the old one.
func TestOnePassTypedValues(t *testing.T) {
	pg := providertest.NewPostgres(t)
	d := postgres.Dialect{}
	execAll(t, pg.DB, plain(
		`CREATE TYPE mood AS ENUM ('calm', 'unknown')`,
		`CREATE TABLE items (id bigint PRIMARY KEY, qty integer, mood mood)`,
		`INSERT INTO items SELECT i, i, 'calm' FROM generate_series(1, 20) i`)...)
	key := []planner.Column{{Name: "id", Type: "bigint", Class: planner.ClassInteger}}
	qty := planner.Column{Name: "qty", Type: "integer", Class: planner.ClassInteger, Nullable: true}
	mood := planner.Column{Name: "mood", Type: "mood", Class: planner.ClassEnum, Nullable: true, Labels: []string{"calm", "unknown"}}
	table := planner.TableName{Schema: "public", Name: "items"}
	cols := []planner.Column{key[0], qty, mood}
	for i, c := range []struct {
		name  string
		m     *planner.Mutation
		check string
	}{
		{"null into integer", &planner.Mutation{Op: planner.OpUpdate, Table: table, Key: key, Columns: cols, Column: &qty, Set: planner.SetNull{}, Where: planner.Selection{Share: 1}},
			`SELECT COUNT(*) FROM items WHERE qty IS NULL`},
	} {
		if !sqlgen.Batchable(d, c.m) {
			t.Fatalf("%s: not batchable", c.name)
		}
		id := "onepass" + string(rune('a'+i))
		stmts, err := sqlgen.ApplySetup(d, "anomgen", id, c.m)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := sqlgen.ApplyBatchNext(d, "anomgen", id, c.m, sqlgen.NextRange{}, 15)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := pg.DB.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := tx.Exec(s.SQL, s.Args...); err != nil {
				t.Fatalf("%s: %s: %v", c.name, s.SQL, err)
			}
		}
		// Two batches of at most 15 rows: the first reads 15 and returns
		// its last key, the second carries on after it and reads the rest.
		var rows, read, last int64
		var lastKey *int64
		if err := tx.QueryRow(batch.SQL, batch.Args...).Scan(&rows, &read, &last); err != nil {
			t.Fatalf("%s: %s: %v", c.name, batch.SQL, err)
		}
		if rows != 15 || read != 15 || last != 15 {
			t.Errorf("%s: first batch changed %d rows, read %d, last key %d; want 15, 15, 15", c.name, rows, read, last)
		}
		batch, err = sqlgen.ApplyBatchNext(d, "anomgen", id, c.m, sqlgen.NextRange{Lo: []any{last}}, 15)
		if err != nil {
			t.Fatal(err)
		}
		var more, moreRead int64
		if err := tx.QueryRow(batch.SQL, batch.Args...).Scan(&more, &moreRead, &lastKey); err != nil {
			t.Fatalf("%s: %s: %v", c.name, batch.SQL, err)
		}
		if more != 5 || moreRead != 5 || lastKey == nil || *lastKey != 20 {
			t.Errorf("%s: second batch changed %d rows, read %d, last key %v; want 5, 5, 20", c.name, more, moreRead, lastKey)
		}
		rows += more
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var changed, journaled int64
		if err := pg.DB.QueryRow(c.check).Scan(&changed); err != nil {
			t.Fatal(err)
		}
		if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM anomgen.j_` + id + ` WHERE anomgen_before IS NOT NULL`).Scan(&journaled); err != nil {
			t.Fatal(err)
		}
		if rows != 20 || changed != 20 || journaled != 20 {
			t.Errorf("%s: %d rows changed by the statement, %d rows hold the new value, %d before-images journaled; want 20 each", c.name, rows, changed, journaled)
		}
	}
}

// TestBatchLeavesRowChangedMeanwhile runs a batch while an application's
// transaction holds a write to one of the batch's rows, and commits that
// write once the batch waits for it: the batch must leave that row with
// the application's value and out of the journal (a before-image of the
// version it replaced would make rollback overwrite the application's
// write), change and journal every other row, and rollback must restore
// those and keep the application's value. For an UPDATE of a value
// computed from the old one and for a DELETE, each as a batch
// (ApplyBatchNext) and as the one statement of a one-transaction change
// by address (sqlgen.ApplyWindow).
func TestBatchLeavesRowChangedMeanwhile(t *testing.T) {
	pg := providertest.NewPostgres(t)
	d := postgres.Dialect{}
	ctx := context.Background()
	key := []planner.Column{{Name: "id", Type: "bigint", Class: planner.ClassInteger}}
	qty := planner.Column{Name: "qty", Type: "integer", Class: planner.ClassInteger, Nullable: true}
	cols := []planner.Column{key[0], qty}
	var i int
	for _, c := range []struct {
		name string
		op   planner.Op
		set  planner.Expr
		one  bool // the one-transaction form
	}{
		{"update", planner.OpUpdate, planner.Offset{Add: 1000}, false},
		{"delete", planner.OpDelete, nil, false},
		{"one-transaction update", planner.OpUpdate, planner.Offset{Add: 1000}, true},
		{"one-transaction delete", planner.OpDelete, nil, true},
	} {
		i++
		table := planner.TableName{Schema: "public", Name: fmt.Sprintf("items_%d", i)}
		tq := d.Table(table)
		execAll(t, pg.DB, plain(
			`CREATE TABLE `+tq+` (id bigint PRIMARY KEY, qty integer)`,
			`INSERT INTO `+tq+` SELECT i, i FROM generate_series(1, 20) i`)...)
		m := &planner.Mutation{Op: c.op, Table: table, Key: key, Columns: cols, Where: planner.Selection{Share: 1}}
		if c.op == planner.OpUpdate {
			m.Column, m.Set = &qty, c.set
		}
		id := fmt.Sprintf("meanwhile%d", i)
		var batch sqlgen.Statement
		if c.one {
			stmts, err := sqlgen.ApplyWindow(d, "anomgen", id, m, 20)
			if err != nil {
				t.Fatal(err)
			}
			last := len(stmts) - 1
			if stmts[last].Role != sqlgen.RoleMutation || !strings.Contains(stmts[last].SQL, "anomgen_tid") || strings.Contains(stmts[last].SQL, "FOR UPDATE") {
				t.Fatalf("%s: want one statement by address, unlocked, after the DDL; got %+v", c.name, stmts)
			}
			execAll(t, pg.DB, stmts[:last]...)
			batch = stmts[last]
		} else {
			setup, err := sqlgen.ApplySetup(d, "anomgen", id, m)
			if err != nil {
				t.Fatal(err)
			}
			execAll(t, pg.DB, setup...)
			if batch, err = sqlgen.ApplyBatchNext(d, "anomgen", id, m, sqlgen.NextRange{}, 100); err != nil {
				t.Fatal(err)
			}
		}

		app, err := pg.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		appTx, err := app.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := appTx.Exec(`UPDATE ` + tq + ` SET qty = -5 WHERE id = 7`); err != nil {
			t.Fatal(err)
		}
		type result struct {
			changed, read int64
			last          *int64
			err           error
		}
		done := make(chan result, 1)
		go func() {
			var r result
			tx, err := pg.DB.BeginTx(ctx, nil)
			if err != nil {
				done <- result{err: err}
				return
			}
			if c.one { // its affected rows are the rows changed
				var res sql.Result
				if res, r.err = tx.Exec(batch.SQL, batch.Args...); r.err == nil {
					r.changed, _ = res.RowsAffected()
					r.read, r.last = 20, new(int64(20))
				}
			} else {
				r.err = tx.QueryRow(batch.SQL, batch.Args...).Scan(&r.changed, &r.read, &r.last)
			}
			if r.err == nil {
				r.err = tx.Commit()
			} else {
				tx.Rollback()
			}
			done <- r
		}()
		// The batch waits for the application's row lock; then the
		// application commits.
		for waiting := 0; waiting == 0; {
			if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%anomgen_tid%'`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-done:
				t.Fatalf("%s: the batch ended before the application committed: %+v", c.name, r)
			case <-time.After(10 * time.Millisecond):
			}
		}
		if err := appTx.Commit(); err != nil {
			t.Fatal(err)
		}
		app.Close()
		r := <-done
		if r.err != nil {
			t.Fatalf("%s: %s: %v", c.name, batch.SQL, r.err)
		}
		if r.changed != 19 || r.read != 20 || r.last == nil || *r.last != 20 {
			last := "none"
			if r.last != nil {
				last = fmt.Sprint(*r.last)
			}
			t.Errorf("%s: the batch changed %d rows, read %d, last key %s; want 19, 20, 20", c.name, r.changed, r.read, last)
		}

		var journaled, row7 int64
		if err := pg.DB.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE id = 7) FROM anomgen.j_`+id).Scan(&journaled, &row7); err != nil {
			t.Fatal(err)
		}
		if journaled != 19 || row7 != 0 {
			t.Errorf("%s: journal holds %d rows, %d of them the row written meanwhile; want 19 and 0", c.name, journaled, row7)
		}
		want := func(after string, f func(id int64) (int64, bool)) {
			rows, err := pg.DB.Query(`SELECT id, qty FROM ` + tq + ` ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[int64]int64{}
			for rows.Next() {
				var id, q int64
				if err := rows.Scan(&id, &q); err != nil {
					t.Fatal(err)
				}
				got[id] = q
			}
			for id := int64(1); id <= 20; id++ {
				q, present := got[id]
				wq, wpresent := f(id)
				if present != wpresent || q != wq {
					t.Errorf("%s, %s: row %d present %v qty %d; want present %v qty %d", c.name, after, id, present, q, wpresent, wq)
				}
			}
		}
		want("after the batch", func(id int64) (int64, bool) {
			switch {
			case id == 7:
				return -5, true
			case c.op == planner.OpDelete:
				return 0, false
			}
			return id + 1000, true
		})
		if c.op == planner.OpUpdate {
			var wrong int64
			if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM anomgen.j_` + id + ` WHERE anomgen_before <> id OR anomgen_after <> id + 1000`).Scan(&wrong); err != nil {
				t.Fatal(err)
			}
			if wrong != 0 {
				t.Errorf("%s: %d journal rows hold another before or after value than the row's", c.name, wrong)
			}
		}
		execAll(t, pg.DB, sqlgen.RollbackBatch(d, m.Journal(id, "anomgen"), sqlgen.KeyRange{})...)
		want("after rollback", func(id int64) (int64, bool) {
			if id == 7 {
				return -5, true
			}
			return id, true
		})
	}
}

// TestBatchPartitionedRowAddresses runs a batch over a partitioned table
// whose two partitions hold rows at the same row addresses (ctid): each
// row must get the value computed from its own old value, and the journal
// its own before-image. A mutation not marked Partitioned (a plan made
// before the table was partitioned, which the stale check refuses) finds
// rows by address in the table alone: it must change no row at all,
// rather than one partition's row with the other's value.
func TestBatchPartitionedRowAddresses(t *testing.T) {
	pg := providertest.NewPostgres(t)
	d := postgres.Dialect{}
	execAll(t, pg.DB, plain(
		`CREATE TABLE parts (id bigint NOT NULL, side integer NOT NULL, qty integer, PRIMARY KEY (id, side)) PARTITION BY LIST (side)`,
		`CREATE TABLE parts_even PARTITION OF parts FOR VALUES IN (0)`,
		`CREATE TABLE parts_odd PARTITION OF parts FOR VALUES IN (1)`,
		`INSERT INTO parts SELECT i, i % 2, i * 10 FROM generate_series(1, 40) i`)...)
	var shared int
	if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM parts_even e JOIN parts_odd o ON e.ctid = o.ctid`).Scan(&shared); err != nil || shared == 0 {
		t.Fatalf("the partitions share %d row addresses (%v); the test needs some", shared, err)
	}
	key := []planner.Column{{Name: "id", Type: "bigint", Class: planner.ClassInteger}}
	qty := planner.Column{Name: "qty", Type: "integer", Class: planner.ClassInteger, Nullable: true}
	for i, partitioned := range []bool{true, false} {
		id, base := fmt.Sprintf("parts%d", i), fmt.Sprint(i)
		m := &planner.Mutation{Op: planner.OpUpdate, Table: planner.TableName{Schema: "public", Name: "parts"}, Key: key,
			Columns: []planner.Column{key[0], {Name: "side", Type: "integer", Class: planner.ClassInteger}, qty}, Column: &qty,
			Set: planner.Offset{Add: 1}, Where: planner.Selection{Share: 1}, Partitioned: partitioned}
		setup, err := sqlgen.ApplySetup(d, "anomgen", id, m)
		if err != nil {
			t.Fatal(err)
		}
		execAll(t, pg.DB, setup...)
		var changed, read int64
		for r := (sqlgen.NextRange{}); ; {
			batch, err := sqlgen.ApplyBatchNext(d, "anomgen", id, m, r, 15)
			if err != nil {
				t.Fatal(err)
			}
			var c, n int64
			var last *int64
			if err := pg.DB.QueryRow(batch.SQL, batch.Args...).Scan(&c, &n, &last); err != nil {
				t.Fatalf("%s: %v", batch.SQL, err)
			}
			changed, read = changed+c, read+n
			if n < 15 {
				break
			}
			r = sqlgen.NextRange{Lo: []any{*last}}
		}
		var wrong, journaled, wrongJournal int64
		if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM parts WHERE qty <> id * 10 + 1 + ` + base).Scan(&wrong); err != nil {
			t.Fatal(err)
		}
		if err := pg.DB.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE anomgen_before <> id * 10 + `+base+` OR anomgen_after <> id * 10 + 1 + `+base+`) FROM anomgen.j_`+id+``).Scan(&journaled, &wrongJournal); err != nil {
			t.Fatal(err)
		}
		if !partitioned {
			var touched int64
			if err := pg.DB.QueryRow(`SELECT COUNT(*) FROM parts WHERE qty <> id * 10 + 1`).Scan(&touched); err != nil {
				t.Fatal(err)
			}
			if changed != 0 || read != 0 || touched != 0 || journaled != 0 {
				t.Errorf("not marked partitioned: changed %d rows of %d read, %d rows hold another value than before; journal %d rows; want none", changed, read, touched, journaled)
			}
			continue
		}
		if changed != 40 || read != 40 || wrong != 0 || journaled != 40 || wrongJournal != 0 {
			t.Errorf("partitioned: changed %d rows of %d read, %d rows hold another value than their own plus 1; journal %d rows, %d wrong; want 40, 40, 0, 40, 0",
				changed, read, wrong, journaled, wrongJournal)
		}
	}
}

// execAll runs each statement on db, failing the test at the first error.
func execAll(t *testing.T, db *sql.DB, stmts ...sqlgen.Statement) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s.SQL, s.Args...); err != nil {
			t.Fatalf("%s: %v", s.SQL, err)
		}
	}
}

// plain turns SQL texts without arguments into statements.
func plain(sqls ...string) []sqlgen.Statement {
	out := make([]sqlgen.Statement, len(sqls))
	for i, q := range sqls {
		out[i] = sqlgen.Statement{SQL: q}
	}
	return out
}
