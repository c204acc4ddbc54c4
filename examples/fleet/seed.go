package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// customer is one seeded database and its workspace folder.
type customer struct {
	Name   string // the database name, also the workspace folder's name
	DSN    string
	Dir    string
	Tables []string
	// sums holds each table's checksum right after seeding.
	sums map[string]string
}

// tableDDL is the schema of every benchmark table: a bigint key, an event
// time, a decimal amount, an integer quantity, a skewed category, an e-mail,
// a code, a flag and a date.
const tableDDL = `CREATE TABLE public.%s (
	id         bigint PRIMARY KEY,
	created_at timestamptz NOT NULL,
	amount     numeric(12,2),
	qty        integer,
	category   text,
	email      text,
	code       text,
	active     boolean,
	ship_date  date
)`

// seedSQL fills a table server-side: rows evenly spread over the days before
// end, random values from a seeded generator so a rerun makes the same data.
// $1 = end, $2 = days, $3 = rows.
const seedSQL = `INSERT INTO public.%s
SELECT i,
	$1::timestamptz - make_interval(days => $2::int) + (i - 0.5) * ($2::int * 86400.0 / $3::bigint) * interval '1 second',
	round((5 + r1 * r1 * 495)::numeric, 2),
	1 + floor(r2 * 20)::int,
	CASE WHEN r3 < 0.50 THEN 'standard' WHEN r3 < 0.75 THEN 'express' WHEN r3 < 0.87 THEN 'priority'
	     WHEN r3 < 0.95 THEN 'bulk' ELSE 'return' END,
	CASE WHEN r4 < 0.02 THEN NULL ELSE 'user' || floor(r4 * 50000)::int || '@example.com' END,
	chr(65 + floor(r5 * 26)::int) || chr(65 + floor(r2 * 26)::int) || '-' || lpad(floor(r5 * 100000)::int::text, 5, '0'),
	r6 < 0.7,
	($1::timestamptz - make_interval(days => $2::int) + (i - 0.5) * ($2::int * 86400.0 / $3::bigint) * interval '1 second')::date + floor(r6 * 7)::int
FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6
      FROM generate_series(1, $3::bigint) AS i) AS s`

var safeName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// dbDSN returns the admin DSN pointed at another database.
func dbDSN(admin, db string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("-dsn must be a postgres:// URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
	}
	u.Path = "/" + db
	return u.String(), nil
}

// dropCustomers drops every database named prefix_*, so a rerun starts clean.
func dropCustomers(ctx context.Context, admin *sql.DB, prefix string) error {
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE $1`,
		strings.ReplaceAll(prefix, "_", `\_`)+`\_%`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+n+`" WITH (FORCE)`); err != nil {
			return fmt.Errorf("dropping %s: %w", n, err)
		}
	}
	return nil
}

// seed creates the customer databases and fills their tables, parallelism
// tables at a time. end is the newest row's time (rounded to the hour).
func (b *bench) seed(ctx context.Context) error {
	admin, err := sql.Open("pgx", b.opt.DSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := dropCustomers(ctx, admin, b.opt.Prefix); err != nil {
		return err
	}
	for c := 1; c <= b.opt.Customers; c++ {
		name := fmt.Sprintf("%s_c%02d", b.opt.Prefix, c)
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return fmt.Errorf("creating database %s: %w", name, err)
		}
		dsn, err := dbDSN(b.opt.DSN, name)
		if err != nil {
			return err
		}
		cu := &customer{Name: name, DSN: dsn, Dir: filepath.Join(b.workdir, name), sums: map[string]string{}}
		for t := 1; t <= b.opt.Tables; t++ {
			cu.Tables = append(cu.Tables, fmt.Sprintf("t%03d", t))
		}
		b.customers = append(b.customers, cu)
	}
	type job struct {
		c *customer
		t int
	}
	var jobs []job
	for _, c := range b.customers {
		for t := range c.Tables {
			jobs = append(jobs, job{c, t})
		}
	}
	return b.forEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		db, err := b.open(j.c.DSN)
		if err != nil {
			return err
		}
		return seedTable(ctx, db, j.c.Tables[j.t], b.end, b.opt.Days, b.opt.Rows,
			float64((i*7919)%10000)/10000)
	})
}

// seedTable creates and fills one table on one connection (setseed is per
// session), then vacuums and analyzes it.
func seedTable(ctx context.Context, db *sql.DB, table string, end time.Time, days, rows int, seed float64) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: fmt.Sprintf(tableDDL, table)},
		{sql: `SELECT setseed($1)`, args: []any{seed}},
		{sql: fmt.Sprintf(seedSQL, table), args: []any{end, days, rows}},
		{sql: `VACUUM ANALYZE public.` + table},
	} {
		if _, err := conn.ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("seeding %s: %w", table, err)
		}
	}
	return nil
}

// checksumSQL is the checksum of a whole table: every row as text, in key
// order.
const checksumSQL = `SELECT count(*), coalesce(md5(string_agg(t::text, '' ORDER BY id)), '') FROM public.%s t`

// bigChecksumSQL is the same for tables whose text would pass PostgreSQL's
// 1 GB limit of a string: the md5 of every row's md5, in key order.
const bigChecksumSQL = `SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY id)), '') FROM public.%s t`

// checksum is a table's row count and checksum; rows is the seeded count,
// which picks the form (the same for the record and every verification).
func checksum(ctx context.Context, db *sql.DB, table string, rows int) (string, error) {
	var n int64
	var sum string
	q := checksumSQL
	if rows > 2_000_000 {
		q = bigChecksumSQL
	}
	if err := db.QueryRowContext(ctx, fmt.Sprintf(q, table)).Scan(&n, &sum); err != nil {
		return "", fmt.Errorf("checksum of %s: %w", table, err)
	}
	return fmt.Sprintf("%d rows, md5 %s", n, sum), nil
}

// checksums records (record = true) or verifies every table's checksum.
// It returns how many tables were verified equal.
func (b *bench) checksums(ctx context.Context, record bool, after string) (int, error) {
	type job struct {
		c *customer
		t string
	}
	var jobs []job
	for _, c := range b.customers {
		for _, t := range c.Tables {
			jobs = append(jobs, job{c, t})
		}
	}
	var mu sync.Mutex
	var bad []string
	err := b.forEach(ctx, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		db, err := b.open(j.c.DSN)
		if err != nil {
			return err
		}
		sum, err := checksum(ctx, db, j.t, b.opt.Rows)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if record {
			j.c.sums[j.t] = sum
		} else if sum != j.c.sums[j.t] {
			bad = append(bad, fmt.Sprintf("%s.public.%s: %s, want %s", j.c.Name, j.t, sum, j.c.sums[j.t]))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if len(bad) > 0 {
		return len(jobs) - len(bad), fmt.Errorf("CHECKSUM MISMATCH after %s: %d of %d tables differ from the seeded data:\n  %s",
			after, len(bad), len(jobs), strings.Join(bad, "\n  "))
	}
	return len(jobs), nil
}

// open returns a pooled handle per database.
func (b *bench) open(dsn string) (*sql.DB, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if db, ok := b.dbs[dsn]; ok {
		return db, nil
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(b.opt.Parallelism)
	db.SetMaxIdleConns(2)
	b.dbs[dsn] = db
	return db, nil
}

// forEach runs fn(0..n-1), parallelism at a time; the first error stops
// the rest from starting and is returned.
func (b *bench) forEach(ctx context.Context, n int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, max(1, b.opt.Parallelism))
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}(i)
	}
	wg.Wait()
	return first
}

// writeFile writes a workspace file.
func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
