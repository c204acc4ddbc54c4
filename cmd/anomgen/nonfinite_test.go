package main

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
)

// NaN and ±Infinity (PostgreSQL double precision and real, SQLite REAL)
// are left out of selections and statistics, and plan says how many: a
// shift leaves them as they are, outliers are computed from the finite
// values (not NaN), and profile's figures are finite.
func TestNonFiniteFloats(t *testing.T) {
	for _, db := range []struct {
		name string
		make func(testing.TB) *fixture
		// setup adds score (amount as a float) with 10 NaN (where the
		// database has them) and 10 infinities among ids 10 to 29.
		setup      []string
		nonFinite  int64
		nanRows    string
		finiteRows string
	}{
		{"postgres", postgresFixture, []string{
			"ALTER TABLE orders ADD COLUMN score double precision",
			"UPDATE orders SET score = amount",
			"UPDATE orders SET score = 'NaN' WHERE id BETWEEN 10 AND 19",
			"UPDATE orders SET score = 'Infinity' WHERE id BETWEEN 20 AND 24",
			"UPDATE orders SET score = '-Infinity' WHERE id BETWEEN 25 AND 29",
		}, 20, "SELECT COUNT(*) FROM orders WHERE score IN ('NaN', 'Infinity', '-Infinity')", "SELECT COUNT(*) FROM orders WHERE score NOT IN ('NaN', 'Infinity', '-Infinity') AND score <> amount"},
		{"sqlite", sqliteFixture, []string{
			"ALTER TABLE orders ADD COLUMN score REAL",
			"UPDATE orders SET score = amount",
			"UPDATE orders SET score = 9e999 WHERE id BETWEEN 20 AND 24",
			"UPDATE orders SET score = -9e999 WHERE id BETWEEN 25 AND 29",
		}, 10, "SELECT COUNT(*) FROM orders WHERE score IN (9e999, -9e999)", "SELECT COUNT(*) FROM orders WHERE score NOT IN (9e999, -9e999) AND score <> amount"},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			f := db.make(t)
			execSQL(t, f.db, db.setup...)
			dir := scenario(t, f, `
anomaly "numeric_shift" "shift" {
  target    = target.orders
  column    = "score"
  amplitude = 0.5
  volume    = 1
`+window10h+`}
`)
			p := mustOK(t, cli(t, dir, "plan", "-no-color"))
			want := int64(599) - db.nonFinite
			if got := plannedRows(t, p.stdout)["anomaly.numeric_shift.shift"]; got != want {
				t.Errorf("plan counts %d rows, want %d (the finite ones)", got, want)
			}
			wantAll(t, p, p.stdout, planner.Thousands(db.nonFinite)+" rows of the window hold NaN or ±Infinity in score: left out of the selection and of the window's statistics")
			wantNone(t, p, p.stdout, "NaN →", "mean of score NaN", "+Inf")
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			if n := queryInt(t, f.db, db.nanRows); n != db.nonFinite {
				t.Errorf("%d non-finite scores after the shift, want the %d left as they were", n, db.nonFinite)
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))

			// Outliers: the window's mean and standard deviation come from
			// the finite values, so the outliers are numbers.
			dir = scenario(t, f, `
anomaly "outliers" "spikes" {
  target = target.orders
  column = "score"
  volume = 0.2
`+window10h+`}
`)
			mustOK(t, cli(t, dir, "apply", "-auto-approve"))
			if n := queryInt(t, f.db, db.nanRows); n != db.nonFinite {
				t.Errorf("%d non-finite scores after outliers, want %d", n, db.nonFinite)
			}
			if n := queryInt(t, f.db, db.finiteRows); n == 0 {
				t.Errorf("no finite outlier: the statistics were not finite")
			}
			mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))

			r := mustOK(t, cli(t, dir, "profile", "orders", "-no-color"))
			wantAll(t, r, r.stdout, planner.Thousands(db.nonFinite)+" NaN or ±Infinity (left out of these figures)")
			for _, line := range strings.Split(r.stdout, "\n") {
				if strings.Contains(line, "mean") && (strings.Contains(line, "NaN ") || strings.Contains(line, "Inf")) && !strings.Contains(line, "left out") {
					t.Errorf("profile shows a non-finite figure: %s", line)
				}
			}
		})
	}
}
