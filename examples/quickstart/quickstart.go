// Package quickstart builds the small "shop" database used by the
// `anomgen demo` command (SQLite, or with Seed a PostgreSQL or MySQL/MariaDB
// database), and carries the demo's scenario files.
//
// The database has two tables, customers and orders, filled with synthetic
// but plausible data: orders follow a daily rhythm (quiet nights, peaks around
// noon and 20:00 UTC), a weekly rhythm (busier weekends, a slower Monday), a
// mild upward trend and Poisson-like day-to-day noise. All randomness comes
// from a seeded math/rand/v2 generator, so the same Options always produce
// the same rows.
package quickstart

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Scenarios holds the demo's scenario files (the *.hcl files of this folder).
// They expect to sit next to the generated database, named shop.db.
//
//go:embed *.hcl
var Scenarios embed.FS

// TimeLayout is the layout of every timestamp stored in the database (UTC).
const TimeLayout = "2006-01-02 15:04:05"

// Options tune the generated data; zero values mean the defaults.
type Options struct {
	Days         int       // days of history ending at Now; default 90
	OrdersPerDay int       // mean orders on an ordinary weekday; default 3000
	Customers    int       // default 20000
	Seed         int64     // default 1; same seed and Now give identical data
	Now          time.Time // required; data covers [Now-Days days, Now)
}

// Stats says what was generated.
type Stats struct {
	Customers, Orders int64
	From, To          time.Time
}

const (
	defaultDays         = 90
	defaultOrdersPerDay = 3000
	defaultCustomers    = 20000
	defaultSeed         = 1

	daySec  = 24 * 60 * 60
	hourSec = 60 * 60

	// rowsPerInsert is the number of rows per multi-row INSERT statement.
	// 500 rows x 7 columns stays well below SQLite's 32766 variable limit.
	rowsPerInsert = 500

	// Share of customers who signed up before the period (the rest sign up
	// during it), and how far back the oldest signup lies.
	preexistingShare = 0.75
	signupHistory    = 2 * 365 * daySec

	nullEmailRate = 0.005 // customers without an email address
	trendPerDay   = 0.0012
	dailyNoise    = 0.05 // sigma of the log-normal day-level multiplier

	amountMedian = 45.0 // log-normal amounts: median 45, mean ~60
	amountSigma  = 0.75
)

// hourWeights is the relative order intensity per hour of the (UTC) day.
var hourWeights = [24]float64{
	2.0, 1.2, 0.6, 0.4, 0.4, 0.6, // 00-05: night
	1.2, 2.2, 3.2, 4.0, 4.6, 5.4, // 06-11: morning ramp
	6.0, 5.6, 4.8, 4.4, 4.4, 4.8, // 12-17: lunch peak, afternoon
	5.4, 6.2, 6.6, 5.6, 4.2, 3.0, // 18-23: evening peak
}

// weekdayFactor scales the daily volume; index is time.Weekday (Sunday = 0).
var weekdayFactor = [7]float64{
	time.Sunday:    1.35,
	time.Monday:    0.90,
	time.Tuesday:   1.00,
	time.Wednesday: 1.00,
	time.Thursday:  1.00,
	time.Friday:    1.05,
	time.Saturday:  1.35,
}

type weighted struct {
	value  string
	weight float64
}

var countries = []weighted{
	{"US", 30}, {"DE", 14}, {"GB", 12}, {"FR", 9}, {"CA", 7},
	{"NL", 6}, {"ES", 6}, {"IT", 6}, {"AU", 5}, {"BR", 5},
}

var statuses = []weighted{{"paid", 93}, {"refunded", 4}, {"cancelled", 3}}

var (
	firstNames = []string{
		"anna", "ben", "carla", "david", "emma", "felix", "grace", "hugo",
		"isabel", "jack", "klara", "liam", "maria", "noah", "olivia", "paul",
		"quinn", "rosa", "sam", "tara", "umar", "vera", "will", "yara", "zoe",
	}
	lastNames = []string{
		"smith", "mueller", "brown", "martin", "devries", "garcia", "rossi",
		"tremblay", "wilson", "silva", "jones", "schmidt", "taylor", "bernard",
		"jansen", "lopez", "russo", "roy", "nguyen", "santos",
	}
	emailDomains = []string{"example.com", "example.org", "example.net"}
)

// Flavor is the SQL dialect of the database Seed fills.
type Flavor string

const (
	// SQLite is an embedded SQLite database (driver "sqlite" from
	// modernc.org/sqlite): created_at and signup_at are TEXT in TimeLayout,
	// amount NUMERIC(10,2) stored as REAL.
	SQLite Flavor = "sqlite"
	// Postgres is PostgreSQL (driver "pgx"): the tables go into the
	// current schema (public unless search_path says otherwise), times are
	// timestamptz, amount numeric(10,2).
	Postgres Flavor = "postgres"
	// MySQL is MySQL or MariaDB (driver "mysql"): InnoDB tables, times are
	// DATETIME in UTC, amount DECIMAL(10,2).
	MySQL Flavor = "mysql"
)

// Marker is the comment Seed puts on the tables it creates on PostgreSQL
// and MySQL/MariaDB; Drop drops only tables that carry it.
const Marker = "anomgen demo shop"

// Tables are the tables Seed creates, in creation order.
var Tables = []string{"customers", "orders"}

// ErrTablesExist is returned (wrapped, naming the tables and whether Seed
// made them) when customers or orders already exist.
var ErrTablesExist = errors.New("the demo's tables already exist")

// Generate creates the tables customers and orders in db (an open
// database/sql handle on a SQLite database, driver "sqlite" from
// modernc.org/sqlite) and fills them. It fails if the tables already exist.
// Everything happens in one transaction: on error nothing is left behind.
func Generate(ctx context.Context, db *sql.DB, opt Options) (Stats, error) {
	return Seed(ctx, db, SQLite, opt)
}

// Seed is Generate for a database of flavor f: the same rows (for the same
// Options) in the types of that database. It fails, with ErrTablesExist,
// if customers or orders already exist. On SQLite and PostgreSQL everything
// happens in one transaction; MySQL commits DDL implicitly, so there Seed
// drops the tables it created when it fails after creating them.
func Seed(ctx context.Context, db *sql.DB, f Flavor, opt Options) (st Stats, err error) {
	fl, ok := flavors[f]
	if !ok {
		return Stats{}, fmt.Errorf("quickstart: unknown flavor %q (have sqlite, postgres, mysql)", f)
	}
	opt, err = opt.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	to := opt.Now.UTC()
	from := to.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	st = Stats{From: from, To: to}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("quickstart: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	found, err := existingTables(ctx, tx, fl)
	if err != nil {
		return Stats{}, err
	}
	if len(found) > 0 {
		var names []string
		demo := true
		for _, t := range found {
			names = append(names, t.name)
			demo = demo && t.demo
		}
		made := "not made by the demo"
		if demo && f != SQLite {
			made = "made by the demo"
		}
		if f == SQLite {
			return Stats{}, fmt.Errorf("quickstart: table(s) %s already exist: %w", strings.Join(names, ", "), ErrTablesExist)
		}
		return Stats{}, fmt.Errorf("quickstart: table(s) %s already exist (%s): %w", strings.Join(names, ", "), made, ErrTablesExist)
	}
	if !fl.transactionalDDL {
		defer func() {
			if err != nil {
				// DDL committed implicitly: take the tables away again.
				for _, t := range slices.Backward(Tables) {
					_, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+t)
				}
			}
		}()
	}
	for _, q := range fl.schema {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Stats{}, fmt.Errorf("quickstart: create schema: %w", err)
		}
	}

	// Integer seconds s with from <= s < to.
	lo, hi := ceilUnix(from), ceilUnix(to)

	custRng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x637573746f6d6572)) // "customer"
	custs := makeCustomers(custRng, opt.Customers, lo, hi)
	if st.Customers, err = insertCustomers(ctx, tx, fl, custs); err != nil {
		return Stats{}, err
	}

	ordRng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x6f72646572730000)) // "orders"
	if st.Orders, err = insertOrders(ctx, tx, fl, ordRng, opt, custs, lo, hi); err != nil {
		return Stats{}, err
	}

	// Building the index after the bulk load is cheaper than maintaining it.
	for _, q := range fl.after {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Stats{}, fmt.Errorf("quickstart: %s: %w", strings.Fields(q)[0], err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Stats{}, fmt.Errorf("quickstart: commit: %w", err)
	}
	return st, nil
}

// Drop drops customers and orders from db when Seed made them (on
// PostgreSQL and MySQL/MariaDB their comment says so; on SQLite every
// table is taken as the demo's). A table that exists without the marker is
// an error and nothing is dropped. It reports whether there was anything
// to drop.
func Drop(ctx context.Context, db *sql.DB, f Flavor) (bool, error) {
	fl, ok := flavors[f]
	if !ok {
		return false, fmt.Errorf("quickstart: unknown flavor %q (have sqlite, postgres, mysql)", f)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("quickstart: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	found, err := existingTables(ctx, tx, fl)
	if err != nil || len(found) == 0 {
		return false, err
	}
	for _, t := range found {
		if !t.demo {
			return false, fmt.Errorf("quickstart: table %s was not made by the demo (its comment is not %q); drop it yourself if you mean to", t.name, Marker)
		}
	}
	for _, t := range slices.Backward(Tables) {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return false, fmt.Errorf("quickstart: drop %s: %w", t, err)
		}
	}
	return true, tx.Commit()
}

// flavor is how Seed writes to one kind of database.
type flavor struct {
	schema, after []string
	// tables lists (name, comment) of the existing demo tables.
	tables           string
	transactionalDDL bool
	placeholder      func(n int) string // the n-th parameter, from 1
	time             func(unixSec int64) any
	amount           func(float64) any
}

var flavors = map[Flavor]flavor{
	SQLite: {
		schema: []string{
			`CREATE TABLE customers (
	id        INTEGER PRIMARY KEY,
	email     TEXT,
	country   TEXT NOT NULL,
	signup_at TEXT NOT NULL
)`,
			`CREATE TABLE orders (
	id          INTEGER PRIMARY KEY,
	customer_id INTEGER NOT NULL REFERENCES customers(id),
	created_at  TEXT NOT NULL,
	amount      NUMERIC(10,2) NOT NULL,
	status      TEXT NOT NULL,
	channel     TEXT NOT NULL,
	email       TEXT
)`,
		},
		after:            []string{`CREATE INDEX orders_created_at ON orders(created_at)`},
		tables:           `SELECT name, '` + Marker + `' FROM sqlite_master WHERE type = 'table' AND name IN ('customers', 'orders') ORDER BY name`,
		transactionalDDL: true,
		placeholder:      func(int) string { return "?" },
		time:             func(s int64) any { return formatUnix(s) },
		amount:           func(x float64) any { return x },
	},
	Postgres: {
		schema: []string{
			`CREATE TABLE customers (
	id        bigint PRIMARY KEY,
	email     text,
	country   text NOT NULL,
	signup_at timestamptz NOT NULL
)`,
			`CREATE TABLE orders (
	id          bigint PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers(id),
	created_at  timestamptz NOT NULL,
	amount      numeric(10,2) NOT NULL,
	status      text NOT NULL,
	channel     text NOT NULL,
	email       text
)`,
		},
		after: []string{
			`CREATE INDEX orders_created_at ON orders(created_at)`,
			`CREATE INDEX orders_customer_id ON orders(customer_id)`,
			`COMMENT ON TABLE customers IS '` + Marker + `'`,
			`COMMENT ON TABLE orders IS '` + Marker + `'`,
			`ANALYZE customers`,
			`ANALYZE orders`,
		},
		tables: `SELECT c.relname, COALESCE(obj_description(c.oid, 'pg_class'), '') FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = current_schema() AND c.relname IN ('customers', 'orders') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	ORDER BY c.relname`,
		transactionalDDL: true,
		placeholder:      func(n int) string { return "$" + strconv.Itoa(n) },
		time:             func(s int64) any { return time.Unix(s, 0).UTC() },
		amount:           func(x float64) any { return strconv.FormatFloat(x, 'f', 2, 64) },
	},
	MySQL: {
		schema: []string{
			`CREATE TABLE customers (
	id        BIGINT NOT NULL PRIMARY KEY,
	email     VARCHAR(255) NULL,
	country   VARCHAR(2) NOT NULL,
	signup_at DATETIME NOT NULL
) ENGINE=InnoDB COMMENT='` + Marker + `'`,
			`CREATE TABLE orders (
	id          BIGINT NOT NULL PRIMARY KEY,
	customer_id BIGINT NOT NULL,
	created_at  DATETIME NOT NULL,
	amount      DECIMAL(10,2) NOT NULL,
	status      VARCHAR(16) NOT NULL,
	channel     VARCHAR(16) NOT NULL,
	email       VARCHAR(255) NULL,
	KEY orders_customer_id (customer_id),
	CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers(id)
) ENGINE=InnoDB COMMENT='` + Marker + `'`,
		},
		after:       []string{`CREATE INDEX orders_created_at ON orders(created_at)`},
		tables:      `SELECT table_name, table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('customers', 'orders') ORDER BY table_name`,
		placeholder: func(int) string { return "?" },
		time:        func(s int64) any { return formatUnix(s) },
		amount:      func(x float64) any { return strconv.FormatFloat(x, 'f', 2, 64) },
	},
}

func (o Options) withDefaults() (Options, error) {
	if o.Now.IsZero() {
		return o, errors.New("quickstart: Options.Now is required")
	}
	if o.Days < 0 || o.OrdersPerDay < 0 || o.Customers < 0 {
		return o, fmt.Errorf("quickstart: negative option (Days=%d, OrdersPerDay=%d, Customers=%d)",
			o.Days, o.OrdersPerDay, o.Customers)
	}
	if o.Days == 0 {
		o.Days = defaultDays
	}
	if o.OrdersPerDay == 0 {
		o.OrdersPerDay = defaultOrdersPerDay
	}
	if o.Customers == 0 {
		o.Customers = defaultCustomers
	}
	if o.Seed == 0 {
		o.Seed = defaultSeed
	}
	return o, nil
}

type existing struct {
	name string
	demo bool // carries the Marker comment
}

func existingTables(ctx context.Context, tx *sql.Tx, fl flavor) ([]existing, error) {
	rows, err := tx.QueryContext(ctx, fl.tables)
	if err != nil {
		return nil, fmt.Errorf("quickstart: inspect schema: %w", err)
	}
	defer rows.Close()
	var found []existing
	for rows.Next() {
		var name, comment string
		if err := rows.Scan(&name, &comment); err != nil {
			return nil, fmt.Errorf("quickstart: inspect schema: %w", err)
		}
		found = append(found, existing{name: name, demo: comment == Marker})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("quickstart: inspect schema: %w", err)
	}
	return found, nil
}

type customer struct {
	email   sql.NullString
	country string
	signup  int64 // unix seconds
}

// makeCustomers returns the customers sorted by signup time, so that id order
// is signup order. Most signed up before the period; the rest during it.
func makeCustomers(rng *rand.Rand, n int, lo, hi int64) []customer {
	nBefore := max(1, int(math.Round(float64(n)*preexistingShare)))
	if nBefore > n {
		nBefore = n
	}
	signups := make([]int64, n)
	for i := range signups {
		if i < nBefore || hi <= lo {
			signups[i] = lo - 1 - rng.Int64N(signupHistory)
		} else {
			signups[i] = lo + rng.Int64N(hi-lo)
		}
	}
	slices.Sort(signups)

	countryPick := newPicker(countries)
	custs := make([]customer, n)
	for i := range custs {
		c := &custs[i]
		c.signup = signups[i]
		c.country = countryPick.pick(rng)
		if rng.Float64() >= nullEmailRate {
			c.email = sql.NullString{Valid: true, String: fmt.Sprintf("%s.%s%d@%s",
				firstNames[rng.IntN(len(firstNames))],
				lastNames[rng.IntN(len(lastNames))],
				i+1,
				emailDomains[rng.IntN(len(emailDomains))])}
		}
	}
	return custs
}

func insertCustomers(ctx context.Context, tx *sql.Tx, fl flavor, custs []customer) (int64, error) {
	ins := newBatchInserter(ctx, tx, fl, "customers", []string{"id", "email", "country", "signup_at"})
	defer ins.close()
	for i, c := range custs {
		var email any
		if c.email.Valid {
			email = c.email.String
		}
		if err := ins.add(int64(i+1), email, c.country, fl.time(c.signup)); err != nil {
			return 0, err
		}
	}
	if err := ins.flush(); err != nil {
		return 0, err
	}
	return ins.rows, nil
}

// insertOrders generates orders day by day in chronological order, so order
// ids increase with created_at.
func insertOrders(ctx context.Context, tx *sql.Tx, fl flavor, rng *rand.Rand, opt Options, custs []customer, lo, hi int64) (int64, error) {
	ins := newBatchInserter(ctx, tx, fl, "orders",
		[]string{"id", "customer_id", "created_at", "amount", "status", "channel", "email"})
	defer ins.close()

	var hourTotal float64
	for _, w := range hourWeights {
		hourTotal += w
	}
	statusPick := newPicker(statuses)
	signups := make([]int64, len(custs))
	for i, c := range custs {
		signups[i] = c.signup
	}
	mid := float64(lo+hi) / 2

	var (
		id    int64
		cum   [24]float64 // cumulative clipped hour weights of the current day
		start [24]int64   // first valid second of each hour
		span  [24]int64   // number of valid seconds of each hour
		times []int64
	)
	for day := floorDiv(lo, daySec) * daySec; day < hi; day += daySec {
		// Clip every hour of the day to [lo, hi) and weigh it by its overlap.
		var mass float64
		for h := range 24 {
			s := max(day+int64(h)*hourSec, lo)
			e := min(day+int64(h+1)*hourSec, hi)
			start[h], span[h] = s, max(0, e-s)
			mass += hourWeights[h] / hourTotal * float64(span[h]) / hourSec
			cum[h] = mass
		}
		if mass == 0 {
			continue
		}
		wd := time.Unix(day, 0).UTC().Weekday()
		trend := math.Exp(trendPerDay * (float64(day+daySec/2) - mid) / daySec)
		noise := math.Exp(dailyNoise*rng.NormFloat64() - dailyNoise*dailyNoise/2)
		lambda := float64(opt.OrdersPerDay) * weekdayFactor[wd] * trend * noise * mass
		n := poisson(rng, lambda)

		times = times[:0]
		for range n {
			u := rng.Float64() * mass
			h := sort.SearchFloat64s(cum[:], u)
			for h < 23 && span[h] == 0 { // guard against u landing on a boundary
				h++
			}
			times = append(times, start[h]+rng.Int64N(max(1, span[h])))
		}
		slices.Sort(times)

		for _, t := range times {
			id++
			// Customers who had signed up by t: a prefix of the sorted slice.
			k, _ := slices.BinarySearch(signups, t+1)
			ci := rng.IntN(max(1, k))
			c := &custs[ci]
			var email any
			if c.email.Valid {
				email = c.email.String
			}
			hour := int((t - day) / hourSec)
			if err := ins.add(id, int64(ci+1), fl.time(t), fl.amount(amount(rng)),
				statusPick.pick(rng), channel(rng, hour), email); err != nil {
				return 0, err
			}
		}
	}
	if err := ins.flush(); err != nil {
		return 0, err
	}
	return ins.rows, nil
}

// amount draws a log-normal order value (median 45, mean ~60, long right
// tail), rounded to cents. Whole amounts are nudged to .99 so that SQLite's
// NUMERIC affinity keeps every value a REAL rather than turning some into
// INTEGERs.
func amount(rng *rand.Rand) float64 {
	x := amountMedian * math.Exp(amountSigma*rng.NormFloat64())
	x = min(max(x, 1.0), 5000)
	cents := math.Round(x * 100)
	if math.Mod(cents, 100) == 0 {
		cents--
	}
	return cents / 100
}

// channel picks web/mobile/store (about 40/45/15 %); the store channel only
// exists during opening hours (08:00-21:00).
func channel(rng *rand.Rand, hour int) string {
	u := rng.Float64()
	if hour < 8 || hour >= 21 {
		if u < 0.45/0.85 {
			return "mobile"
		}
		return "web"
	}
	switch {
	case u < 0.45:
		return "mobile"
	case u < 0.85:
		return "web"
	default:
		return "store"
	}
}

// poisson draws from a Poisson distribution: exactly for small lambda,
// via the normal approximation otherwise.
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda < 30 {
		l, k, p := math.Exp(-lambda), 0, 1.0
		for {
			p *= rng.Float64()
			if p <= l {
				return k
			}
			k++
		}
	}
	return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
}

type picker struct {
	values []string
	cum    []float64
}

func newPicker(ws []weighted) picker {
	p := picker{values: make([]string, len(ws)), cum: make([]float64, len(ws))}
	var total float64
	for i, w := range ws {
		total += w.weight
		p.values[i], p.cum[i] = w.value, total
	}
	for i := range p.cum {
		p.cum[i] /= total
	}
	return p
}

func (p picker) pick(rng *rand.Rand) string {
	i := sort.SearchFloat64s(p.cum, rng.Float64())
	return p.values[min(i, len(p.values)-1)]
}

// batchInserter buffers rows and writes them with multi-row INSERT
// statements, which is much faster with modernc.org/sqlite than one
// statement per row.
type batchInserter struct {
	ctx   context.Context
	tx    *sql.Tx
	fl    flavor
	table string
	cols  []string
	full  *sql.Stmt // prepared lazily for rowsPerInsert rows
	args  []any
	rows  int64
}

func newBatchInserter(ctx context.Context, tx *sql.Tx, fl flavor, table string, cols []string) *batchInserter {
	return &batchInserter{ctx: ctx, tx: tx, fl: fl, table: table, cols: cols,
		args: make([]any, 0, rowsPerInsert*len(cols))}
}

func (b *batchInserter) insertSQL(n int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", b.table, strings.Join(b.cols, ", "))
	p := 0
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j := range b.cols {
			if j > 0 {
				sb.WriteByte(',')
			}
			p++
			sb.WriteString(b.fl.placeholder(p))
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

func (b *batchInserter) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) == rowsPerInsert*len(b.cols) {
		return b.flush()
	}
	return nil
}

func (b *batchInserter) flush() error {
	n := len(b.args) / len(b.cols)
	if n == 0 {
		return nil
	}
	var err error
	if n == rowsPerInsert {
		if b.full == nil {
			if b.full, err = b.tx.PrepareContext(b.ctx, b.insertSQL(n)); err != nil {
				return fmt.Errorf("quickstart: prepare insert into %s: %w", b.table, err)
			}
		}
		_, err = b.full.ExecContext(b.ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(b.ctx, b.insertSQL(n), b.args...)
	}
	if err != nil {
		return fmt.Errorf("quickstart: insert into %s: %w", b.table, err)
	}
	b.rows += int64(n)
	b.args = b.args[:0]
	return nil
}

func (b *batchInserter) close() {
	if b.full != nil {
		b.full.Close()
	}
}

func formatUnix(s int64) string {
	return time.Unix(s, 0).UTC().Format(TimeLayout)
}

// ceilUnix returns the smallest whole unix second not before t.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
