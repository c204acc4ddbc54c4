package quickstart

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	_ "modernc.org/sqlite"
)

// testNow deliberately has a sub-second part and a mid-day time, so the first
// and last day of the period are partial.
var testNow = time.Date(2024, 6, 15, 13, 37, 42, 500_000_000, time.UTC)

func testOptions(seed int64) Options {
	return Options{Days: 30, OrdersPerDay: 500, Customers: 2000, Seed: seed, Now: testNow}
}

func openDB(t testing.TB, name string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func generate(t testing.TB, opt Options) (*sql.DB, Stats) {
	t.Helper()
	db := openDB(t, "shop.db")
	st, err := Generate(context.Background(), db, opt)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return db, st
}

func queryInt(t testing.TB, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func queryFloat(t testing.TB, db *sql.DB, q string, args ...any) float64 {
	t.Helper()
	var f float64
	if err := db.QueryRow(q, args...).Scan(&f); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return f
}

func TestGenerate(t *testing.T) {
	opt := testOptions(42)
	db, st := generate(t, opt)

	if want := testNow; !st.To.Equal(want) {
		t.Errorf("Stats.To = %v, want %v", st.To, want)
	}
	if want := testNow.AddDate(0, 0, -30); !st.From.Equal(want) {
		t.Errorf("Stats.From = %v, want %v", st.From, want)
	}
	nc := queryInt(t, db, `SELECT count(*) FROM customers`)
	no := queryInt(t, db, `SELECT count(*) FROM orders`)
	if nc == 0 || no == 0 || nc != st.Customers || no != st.Orders {
		t.Fatalf("rows: customers=%d orders=%d, stats %+v", nc, no, st)
	}
	if nc != 2000 {
		t.Errorf("customers = %d, want 2000", nc)
	}
	// ~30 days x 500 x weekly/trend factors: roughly 16k orders.
	if no < 12000 || no > 20000 {
		t.Errorf("orders = %d, want about 16000", no)
	}
	t.Logf("stats: %+v", st)

	// Every created_at is in [From, To) and uses the exact layout.
	rows, err := db.Query(`SELECT id, created_at FROM orders ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var prev time.Time
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		ts, err := time.Parse(TimeLayout, s)
		if err != nil || ts.Format(TimeLayout) != s {
			t.Fatalf("order %d: created_at %q does not match layout %q (%v)", id, s, TimeLayout, err)
		}
		if ts.Before(st.From) || !ts.Before(st.To) {
			t.Fatalf("order %d: created_at %s outside [%v, %v)", id, s, st.From, st.To)
		}
		if ts.Before(prev) {
			t.Fatalf("order %d: created_at %s before previous order's %v", id, s, prev)
		}
		prev = ts
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	checks := []struct {
		name string
		q    string
	}{
		{"signup_at layout", `SELECT count(*) FROM customers WHERE typeof(signup_at) != 'text'
			OR signup_at != strftime('%Y-%m-%d %H:%M:%S', signup_at)`},
		{"amount not REAL with 2 decimals", `SELECT count(*) FROM orders
			WHERE typeof(amount) != 'real' OR amount <= 0 OR abs(amount*100 - round(amount*100)) > 1e-6`},
		{"unknown customer", `SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL`},
		{"order before signup", `SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.created_at < c.signup_at`},
		{"email differs from customer", `SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
			WHERE o.email IS NOT c.email`},
		{"bad status", `SELECT count(*) FROM orders WHERE status NOT IN ('paid', 'refunded', 'cancelled')`},
		{"bad channel", `SELECT count(*) FROM orders WHERE channel NOT IN ('web', 'mobile', 'store')`},
		{"store order at night", `SELECT count(*) FROM orders WHERE channel = 'store'
			AND (CAST(strftime('%H', created_at) AS INTEGER) < 8 OR CAST(strftime('%H', created_at) AS INTEGER) >= 21)`},
		{"bad country", `SELECT count(*) FROM customers
			WHERE country NOT IN ('US','DE','GB','FR','NL','ES','IT','CA','AU','BR')`},
	}
	for _, c := range checks {
		if n := queryInt(t, db, c.q); n != 0 {
			t.Errorf("%s: %d rows", c.name, n)
		}
	}

	if r := queryFloat(t, db, `SELECT avg(email IS NULL) FROM orders`); r > 0.01 {
		t.Errorf("NULL email rate in orders = %.4f, want <= 0.01", r)
	}
	if avg := queryFloat(t, db, `SELECT avg(amount) FROM orders`); avg < 50 || avg > 70 {
		t.Errorf("average amount = %.2f, want about 60", avg)
	}
	if m := queryFloat(t, db, `SELECT avg(channel = 'mobile') FROM orders`); m < 0.40 || m > 0.50 {
		t.Errorf("mobile share = %.3f, want about 0.45", m)
	}
	if p := queryFloat(t, db, `SELECT avg(status = 'paid') FROM orders`); p < 0.88 || p > 0.97 {
		t.Errorf("paid share = %.3f, want about 0.93", p)
	}
	if us := queryFloat(t, db, `SELECT avg(country = 'US') FROM customers`); us < 0.25 || us > 0.35 {
		t.Errorf("US share = %.3f, want about 0.30", us)
	}

	// Weekly rhythm over full days (the first and last day are partial).
	fullDays := `FROM (SELECT date(created_at) AS d, count(*) AS n FROM orders GROUP BY d)
		WHERE d > date(?) AND d < date(?)`
	from, to := st.From.Format(TimeLayout), st.To.Format(TimeLayout)
	weekend := queryFloat(t, db, `SELECT avg(n) `+fullDays+` AND strftime('%w', d) IN ('0', '6')`, from, to)
	weekday := queryFloat(t, db, `SELECT avg(n) `+fullDays+` AND strftime('%w', d) NOT IN ('0', '6')`, from, to)
	t.Logf("orders per day: weekend %.0f, weekday %.0f (x%.2f)", weekend, weekday, weekend/weekday)
	if weekend <= weekday*1.15 {
		t.Errorf("weekend days average %.0f orders, weekdays %.0f: want weekends clearly higher", weekend, weekday)
	}

	// Daily rhythm: orders per hour-of-day slot.
	perHour := `SELECT count(*) / 1.0 FROM orders WHERE date(created_at) > date(?) AND date(created_at) < date(?)
		AND CAST(strftime('%H', created_at) AS INTEGER) BETWEEN ? AND ?`
	night := queryFloat(t, db, perHour, from, to, 2, 4) / 3
	midday := queryFloat(t, db, perHour, from, to, 11, 13) / 3
	t.Logf("orders per hour-of-day: night(02-05) %.0f, midday(11-14) %.0f", night, midday)
	if night*4 >= midday {
		t.Errorf("night hours %.0f orders/hour, midday %.0f: want night far lower", night, midday)
	}
}

// checksum hashes every row of both tables in id order.
func checksum(t testing.TB, db *sql.DB) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id, email, country, signup_at FROM customers ORDER BY id`,
		`SELECT id, customer_id, created_at, amount, status, channel, email FROM orders ORDER BY id`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(h, "%T:%v|", v, v)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// smallOptions is enough data for the tests that do not measure it.
func smallOptions(seed int64) Options {
	return Options{Days: 4, OrdersPerDay: 150, Customers: 300, Seed: seed, Now: testNow}
}

func TestDeterministic(t *testing.T) {
	db1, st1 := generate(t, smallOptions(7))
	db2, st2 := generate(t, smallOptions(7))
	db3, _ := generate(t, smallOptions(8))
	if st1 != st2 {
		t.Errorf("same seed, different stats: %+v vs %+v", st1, st2)
	}
	c1, c2, c3 := checksum(t, db1), checksum(t, db2), checksum(t, db3)
	if c1 != c2 {
		t.Errorf("same seed and Now gave different data: %s vs %s", c1, c2)
	}
	if c1 == c3 {
		t.Errorf("different seeds gave identical data (%s)", c1)
	}
}

func TestExistingTables(t *testing.T) {
	ctx := context.Background()
	db, _ := generate(t, smallOptions(1))
	if _, err := Generate(ctx, db, smallOptions(1)); err == nil {
		t.Fatal("second Generate on the same database succeeded, want error")
	}

	// Only one of the tables present: still an error, and nothing is created.
	db2 := openDB(t, "partial.db")
	if _, err := db2.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, db2, smallOptions(1)); err == nil {
		t.Fatal("Generate with an existing orders table succeeded, want error")
	}
	if n := queryInt(t, db2, `SELECT count(*) FROM sqlite_master WHERE name = 'customers'`); n != 0 {
		t.Error("failed Generate left a customers table behind")
	}
}

func TestOptionsValidation(t *testing.T) {
	db := openDB(t, "x.db")
	if _, err := Generate(context.Background(), db, Options{}); err == nil {
		t.Error("Generate without Now succeeded, want error")
	}
	if _, err := Generate(context.Background(), db, Options{Now: testNow, Days: -1}); err == nil {
		t.Error("Generate with negative Days succeeded, want error")
	}
}

func TestCanceledContext(t *testing.T) {
	db := openDB(t, "x.db")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, db, testOptions(1)); err == nil {
		t.Error("Generate with a canceled context succeeded, want error")
	}
}

func TestScenarios(t *testing.T) {
	p := hclparse.NewParser()
	blocks := map[string]bool{}
	for _, name := range []string{"main.hcl", "anomalies.hcl"} {
		src, err := fs.ReadFile(Scenarios, name)
		if err != nil {
			t.Fatalf("embedded %s: %v", name, err)
		}
		f, diags := p.ParseHCL(src, name)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		content, _, diags := f.Body.PartialContent(&hclSchema)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", name, diags)
		}
		for _, b := range content.Blocks {
			key := b.Type
			for _, l := range b.Labels {
				key += "." + l
			}
			blocks[key] = true
		}
	}
	for _, want := range []string{
		"source.sqlite.shop", "target.orders",
		"anomaly.null_rate.email_nulls", "anomaly.numeric_shift.amount_inflation", "anomaly.volume_drop.outage",
	} {
		if !blocks[want] {
			t.Errorf("scenario block %s missing (have %v)", want, blocks)
		}
	}
}

var hclSchema = hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "source", LabelNames: []string{"type", "name"}},
	{Type: "target", LabelNames: []string{"name"}},
	{Type: "anomaly", LabelNames: []string{"kind", "name"}},
}}

func BenchmarkGenerateDefault(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		db := openDB(b, fmt.Sprintf("bench%d.db", i))
		st, err := Generate(context.Background(), db, Options{Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Orders), "orders")
	}
}
