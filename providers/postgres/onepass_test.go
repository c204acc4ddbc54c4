package postgres_test

import (
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
	for _, s := range []string{
		`CREATE TYPE mood AS ENUM ('calm', 'unknown')`,
		`CREATE TABLE items (id bigint PRIMARY KEY, qty integer, mood mood)`,
		`INSERT INTO items SELECT i, i, 'calm' FROM generate_series(1, 20) i`,
	} {
		if _, err := pg.DB.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
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
