package conformance

import (
	"crypto/md5"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// RunNumKinds runs the numeric, date and key data-quality kinds
// (planner/kinds_quality_num.go, numeric_shift's offset) against b, like
// RunRowKinds: the plan's count computed from the data in Go equals what
// apply changes, every changed value is checked against the value computed
// in Go, the effect is measured by a query, untouched rows are
// byte-identical, and rollback restores the table's checksum.
func RunNumKinds(t *testing.T, b Backend) {
	s := newSuite(t, b, rowData())
	for _, c := range numCases(s.data) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testRowKind(t, s, c) })
	}
	t.Run("constrained_keys", func(t *testing.T) { t.Parallel(); testConstrainedKeys(t, s) })
	t.Run("metric", func(t *testing.T) { t.Parallel(); testNumMetric(t, s) })
	t.Run("signed_column", func(t *testing.T) { t.Parallel(); testSignedColumn(t, s) })
	t.Run("date_format/us", func(t *testing.T) { t.Parallel(); testDateFormat(t, s, "01/02/2006") })
	t.Run("date_format/epoch", func(t *testing.T) { t.Parallel(); testDateFormat(t, s, "epoch") })
}

// testDateFormat rewrites a text column of dates ("2006-01-02") in the
// window to layout, on a table of its own: one row an hour from a day
// before the window to a day after it, every 10th day NULL and every 7th a
// value of another length (left as it is, and not counted). Every value is
// checked against Go's formatting, and rollback restores every value.
func testDateFormat(t *testing.T, s *suite, layout string) {
	h := s.harness(t)
	ty := h.b.Types
	h.exec(fmt.Sprintf("CREATE TABLE {days} ({id} %s PRIMARY KEY, {created_at} %s NULL, {day} %s NULL)", ty.BigInt, ty.Timestamp, ty.Text))
	type row struct {
		at  time.Time
		day *string
	}
	rows := map[int64]row{}
	var inWin, chosen int64
	start := winFrom.Add(-24 * time.Hour)
	for i := int64(0); i < int64(winTo.Sub(winFrom).Hours())+48; i++ {
		at := start.Add(time.Duration(i) * time.Hour)
		var day *string
		switch {
		case i%10 == 3:
		case i%7 == 5:
			v := "n/a"
			day = &v
		default:
			v := at.Format("2006-01-02")
			day = &v
		}
		rows[i+1] = row{at, day}
		h.exec("INSERT INTO {days} ({id}, {created_at}, {day}) VALUES (?, ?, ?)", i+1, h.b.TimeValue(at), day)
		if inWindow(at, winFrom, winTo) {
			inWin++
			if day != nil && len(*day) == 10 { // "n/a" would not change: not counted
				chosen++
			}
		}
	}
	read := func() map[int64]string {
		r, err := h.db.QueryContext(h.ctx, h.sql("SELECT {id}, {day} FROM {days}"))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		out := map[int64]string{}
		for r.Next() {
			var id int64
			var v sql.NullString
			if err := r.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			out[id] = fmt.Sprint(v.Valid, ":", v.String)
		}
		return out
	}
	before := read()
	block := fmt.Sprintf("\ntarget \"days\" {\n  source      = source.%s.db\n  table       = \"days\"\n  time_column = \"created_at\"\n}\n", h.b.Name) +
		strings.Replace(anomalyBlock("date_format", "k", fmt.Sprintf("  column = \"day\"\n  layout = %q\n", layout), absWindow(winFrom, winTo.Sub(winFrom))), "target.orders", "target.days", 1)
	cfg := h.load(block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	if ch.WindowRows != inWin || ch.Rows != chosen {
		t.Errorf("plan counted %d rows of %d, want %d of %d", ch.Rows, ch.WindowRows, chosen, inWin)
	}
	h.mustApply(e, p, st)
	if got := h.done["anomaly.date_format.k"]; got != ch.Rows {
		t.Errorf("apply changed %d rows, plan counted %d", got, ch.Rows)
	}
	after := read()
	for id, r := range rows {
		want := before[id]
		if inWindow(r.at, winFrom, winTo) && r.day != nil && len(*r.day) == 10 {
			if layout == "epoch" {
				want = fmt.Sprint(true, ":", r.at.Truncate(24*time.Hour).Unix())
			} else {
				want = fmt.Sprint(true, ":", r.at.Format(layout))
			}
		}
		if after[id] != want {
			t.Fatalf("row %d (%s): day %s, want %s", id, r.at, after[id], want)
		}
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	for id, v := range read() {
		if v != before[id] {
			t.Fatalf("after rollback row %d holds %s, want %s", id, v, before[id])
		}
	}
}

// testSignedColumn: on a column that holds negative values (a balance),
// outliers and variance_change keep their linear forms without
// allow_negative: mean ± k·σ and mean + 2(x − mean). One row an hour over
// the window, values −120.00 … +119.00 (and a day before it, which the
// window statistics leave out). Rollback restores every value.
func testSignedColumn(t *testing.T, s *suite) {
	h := s.harness(t)
	ty := h.b.Types
	h.exec(fmt.Sprintf("CREATE TABLE {balances} ({id} %s PRIMARY KEY, {created_at} %s NULL, {balance} %s NOT NULL)", ty.BigInt, ty.Timestamp, ty.Decimal))
	vals := map[int64]int64{} // cents
	inWin := map[int64]bool{}
	var n, sum, sum2 float64
	start := winFrom.Add(-24 * time.Hour)
	for i := int64(0); i < int64(winTo.Sub(winFrom).Hours())+24; i++ {
		at := start.Add(time.Duration(i) * time.Hour)
		cents := (i*37)%24000 - 12000
		vals[i+1] = cents
		h.exec("INSERT INTO {balances} ({id}, {created_at}, {balance}) VALUES (?, ?, ?)", i+1, h.b.TimeValue(at), float64(cents)/100)
		if inWindow(at, winFrom, winTo) {
			inWin[i+1] = true
			x := float64(cents) / 100
			n, sum, sum2 = n+1, sum+x, sum2+x*x
		}
	}
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	read := func() map[int64]int64 {
		out := map[int64]int64{}
		r, err := h.db.QueryContext(h.ctx, h.sql("SELECT {id}, {balance} FROM {balances}"))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var id int64
			var v any
			if err := r.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			out[id] = toCents(t, v)
		}
		return out
	}
	target := fmt.Sprintf("\ntarget \"balances\" {\n  source      = source.%s.db\n  table       = \"balances\"\n  time_column = \"created_at\"\n}\n", h.b.Name)
	for _, c := range []struct {
		kind, args string
		want       func(id int64) int64
	}{
		{"variance_change", "  amplitude = 1\n", func(id int64) int64 { return roundAway((2*float64(vals[id])/100 - mean) * 100) }},
		{"outliers", "  volume = 0.2\n  seed = 5\n", func(id int64) int64 {
			if !chosen(5, 0.2, id) {
				return vals[id]
			}
			if signPlus(5, id) {
				return roundAway((mean + 6*sd) * 100)
			}
			return roundAway((mean - 6*sd) * 100)
		}},
	} {
		block := target + strings.Replace(anomalyBlock(c.kind, "k", "  column = \"balance\"\n"+c.args, absWindow(winFrom, winTo.Sub(winFrom))), "target.orders", "target.balances", 1)
		cfg := h.load(block)
		st := state.New()
		e := h.engine(cfg)
		h.mustApply(e, h.plan(e, cfg, st, false), st)
		after := read()
		for id, v := range vals {
			want := v
			if inWin[id] {
				want = c.want(id)
			}
			if got := after[id]; got < want-1 || got > want+1 {
				t.Fatalf("%s: row %d: balance %d cents → %d, want %d (the linear form: the column holds negative values)", c.kind, id, v, got, want)
			}
		}
		h.mustApply(e, h.plan(e, cfg, st, true), st)
		for id, v := range read() {
			if v != vals[id] {
				t.Fatalf("%s: after rollback row %d holds %d cents, want %d", c.kind, id, v, vals[id])
			}
		}
	}
}

// testNumMetric runs the dry-run metric (sqlgen.Metric) of every case on
// the untouched table: it must be a number, named after the column.
func testNumMetric(t *testing.T, s *suite) {
	h := s.harness(t)
	for _, c := range numCases(s.data) {
		cfg := h.load(c.block)
		e := h.engine(cfg)
		p := h.plan(e, cfg, state.New(), false)
		st, name := sqlgen.Metric(h.b.Dialect, h.only(p).Mutation)
		var v sql.NullFloat64
		if err := h.db.QueryRowContext(h.ctx, st.SQL, st.Args...).Scan(&v); err != nil || !v.Valid {
			t.Errorf("%s: metric %q: %v (valid %v)\n%s", c.name, name, err, v.Valid, st.SQL)
			continue
		}
		if name == "rows" && c.kind != "timestamp_shift" && c.kind != "future_dates" { // AddSeconds: rows in the window
			t.Errorf("%s: metric is the row count, want one of the column", c.name)
		}
		t.Logf("%s: %s = %g", c.name, name, v.Float64)
	}
}

// testConstrainedKeys checks that the inspector reports unique and foreign
// key constraints, and that duplicate_keys and orphan_references refuse
// constrained columns, naming the constraint.
func testConstrainedKeys(t *testing.T, s *suite) {
	h := s.harness(t)
	ty := h.b.Types
	h.exec(fmt.Sprintf("CREATE TABLE {parents} ({id} %s PRIMARY KEY)", ty.BigInt))
	h.exec(fmt.Sprintf("CREATE TABLE {kids} ({id} %s PRIMARY KEY, {parent_id} %s NULL, {code} %s NULL, {created_at} %s NULL, "+
		"CONSTRAINT {kids_parent} FOREIGN KEY ({parent_id}) REFERENCES {parents} ({id}), CONSTRAINT {kids_code} UNIQUE ({code}))",
		ty.BigInt, ty.BigInt, ty.Text, ty.Timestamp))
	kids := fmt.Sprintf("\ntarget \"kids\" {\n  source      = source.%s.db\n  table       = \"kids\"\n  time_column = \"created_at\"\n}\n", h.b.Name)
	for _, c := range []struct{ kind, column, want, name string }{
		{"duplicate_keys", "code", "unique index or constraint", "kids_code"},
		{"orphan_references", "parent_id", "foreign key constraint", "kids_parent"},
	} {
		cfg := h.load(kids + fmt.Sprintf("anomaly %q \"k\" {\n  target = target.kids\n  column = %q\n}\n", c.kind, c.column))
		e := h.engine(cfg)
		_, diags := h.tryPlan(e, cfg, state.New(), false)
		if !strings.Contains(diags, c.want) {
			t.Errorf("%s on kids.%s: plan says %q, want a refusal naming the %s", c.kind, c.column, diags, c.want)
		}
		// SQLite names neither foreign keys nor UNIQUE constraints'
		// indexes (sqlite_autoindex_...).
		if h.b.Name != "sqlite" && !strings.Contains(diags, c.name) {
			t.Errorf("%s on kids.%s: plan says %q, want it to name %s", c.kind, c.column, diags, c.name)
		}
	}
}

// signPlus is Outlier's sign: the first 32 bits of MD5("<seed>:sign:<id>")
// below 2^31.
func signPlus(seed, id int64) bool {
	sum := md5.Sum([]byte(strconv.FormatInt(seed, 10) + ":sign:" + strconv.FormatInt(id, 10)))
	return binary.BigEndian.Uint32(sum[:4]) < 1<<31
}

// roundAway rounds half away from zero.
func roundAway(x float64) int64 {
	if x < 0 {
		return -int64(math.Floor(-x + 0.5))
	}
	return int64(math.Floor(x + 0.5))
}

func numCases(data []order) []rowCase {
	win := absWindow(winFrom, winTo.Sub(winFrom))
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	W := countOrders(data, inWin)
	// Window statistics in Go: amount in units, qty.
	var n, sumA, sumA2, sumQ, sumQ2 float64
	for _, o := range data {
		if inWin(o) {
			a := float64(o.cents) / 100
			n++
			sumA += a
			sumA2 += a * a
			sumQ += float64(o.qty)
			sumQ2 += float64(o.qty * o.qty)
		}
	}
	meanA, meanQ, meanQ2 := sumA/n, sumQ/n, sumQ2/n
	sdA := math.Sqrt(sumA2/n - meanA*meanA)
	sdQ := math.Sqrt(sumQ2/n - meanQ*meanQ)
	winArgs := func(h *harness) []any { return []any{h.b.TimeValue(winFrom), h.b.TimeValue(winTo)} }
	cents := func(t *testing.T, s snapshot, id int64) int64 { return toCents(t, s.raw[id][s.col("amount")]) }
	intOf := func(t *testing.T, s snapshot, id int64) int64 {
		return int64(math.Round(toFloat(t, s.raw[id][s.col("qty")])))
	}
	timeOf := func(t *testing.T, s snapshot, id int64) time.Time { return toTime(t, s.raw[id][s.col("created_at")]) }
	// onlyColumn checks that the changed rows are want and differ in col only.
	onlyColumn := func(t *testing.T, h *harness, d rowDiff, want func(order) bool, col string) {
		t.Helper()
		idsEqual(t, "changed ids", d.changed, idsOf(h.data, want))
		for _, id := range d.changed {
			if len(d.cols[id]) != 1 || d.cols[id][0] != col {
				t.Errorf("row %d: changed columns %v, want %s only", id, d.cols[id], col)
				return
			}
		}
	}
	share := func(t *testing.T, what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 0.02 {
			t.Errorf("%s: share %.4f, want %.2f ± 0.02", what, got, want)
		}
	}

	outlier := func(o order) bool { return inWin(o) && chosen(5, 0.1, o.id) }
	whole := func(o order) bool { return inWin(o) && o.cents%100 != 0 }
	negative := func(o order) bool { return inWin(o) && chosen(3, 0.05, o.id) }
	future := func(o order) bool { return inWin(o) && chosen(2, 0.05, o.id) }
	var first *order
	for i, o := range data {
		if inWin(o) && (first == nil || o.at.Before(first.at) || (o.at.Equal(first.at) && o.id < first.id)) {
			first = &data[i]
		}
	}
	var maxQty int64
	for _, o := range data {
		maxQty = max(maxQty, o.qty)
	}
	orphanInt := func(o order) bool { return inWin(o) && chosen(11, 0.05, o.id) }
	orphanText := func(o order) bool { return inWin(o) && !o.emailNull && chosen(12, 0.05, o.id) }
	dupChosen := func(o order) bool { return inWin(o) && chosen(9, 0.1, o.id) }
	dupChanged := func(o order) bool {
		return dupChosen(o) && (o.emailNull != first.emailNull || o.email != first.email)
	}

	return []rowCase{
		{
			name: "numeric_shift/offset", kind: "numeric_shift", windowRows: W, rows: W, touched: inWin,
			block: anomalyBlock("numeric_shift", "k", "  column = \"amount\"\n  offset = 2.5\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, inWin, "amount")
				for _, id := range d.changed {
					if got, want := cents(t, after, id), h.byID[id].cents+250; got != want {
						t.Fatalf("row %d: amount %d cents, want %d", id, got, want)
					}
				}
				got := h.queryFloat("SELECT AVG({amount}) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?", winArgs(h)...)
				if math.Abs(got-(meanA+2.5)) > 0.005 {
					t.Errorf("window mean %.4f, want %.4f + 2.5", got, meanA)
				}
			},
		},
		{
			// amount holds no negative value: the low side is mean²/(mean +
			// 6σ), as many times below the mean as the high side is above.
			name: "outliers", kind: "outliers", windowRows: W, rows: countOrders(data, outlier), touched: outlier,
			block: anomalyBlock("outliers", "k", "  column = \"amount\"\n  volume = 0.1\n  amplitude = 6\n  seed = 5\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, outlier, "amount")
				for _, id := range d.changed {
					want := roundAway(meanA * meanA / (meanA + 6*sdA) * 100)
					if signPlus(5, id) {
						want = roundAway((meanA + 6*sdA) * 100)
					}
					if got := cents(t, after, id); got < want-1 || got > want+1 {
						t.Fatalf("row %d: amount %d cents, want mean + 6σ or mean²/(mean + 6σ) = %d", id, got, want)
					}
				}
				if neg := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {amount} < 0"); neg != 0 {
					t.Errorf("%d negative amounts, want none: the column had none", neg)
				}
				far := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {amount} > ?",
					h.b.TimeValue(winFrom), h.b.TimeValue(winTo), meanA+3*sdA)
				share(t, "values above +3σ", float64(far)/float64(W), 0.05)
			},
		},
		{
			// allow_negative: mean ± 6σ, the low side below zero.
			name: "outliers/allow_negative", kind: "outliers", windowRows: W, rows: countOrders(data, outlier), touched: outlier,
			block: anomalyBlock("outliers", "k", "  column = \"amount\"\n  volume = 0.1\n  amplitude = 6\n  seed = 5\n  allow_negative = true\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, outlier, "amount")
				for _, id := range d.changed {
					sign := -1.0
					if signPlus(5, id) {
						sign = 1
					}
					want := roundAway((meanA + sign*6*sdA) * 100)
					if got := cents(t, after, id); got < want-1 || got > want+1 {
						t.Fatalf("row %d: amount %d cents, want mean ± 6σ = %d", id, got, want)
					}
				}
				far := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND ({amount} > ? OR {amount} < ?)",
					h.b.TimeValue(winFrom), h.b.TimeValue(winTo), meanA+3*sdA, meanA-3*sdA)
				share(t, "values beyond ±3σ", float64(far)/float64(W), 0.1)
			},
		},
		{
			// qty holds no negative value: x² · mean / mean(x²), on a log
			// scale, so every value keeps its sign and the mean stays.
			name: "variance_change", kind: "variance_change", windowRows: W, rows: changedRows, touched: func(o order) bool {
				return inWin(o) && roundAway(float64(o.qty*o.qty)*meanQ/meanQ2) != o.qty
			},
			block: anomalyBlock("variance_change", "k", "  column = \"qty\"\n  amplitude = 1\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				var s, s2 float64
				for _, o := range h.data {
					if !inWin(o) {
						continue
					}
					x := float64(o.qty*o.qty) * meanQ / meanQ2
					want := roundAway(x)
					got := intOf(t, after, o.id)
					if got != want && math.Abs(math.Abs(x-math.Trunc(x))-0.5) > 1e-3 {
						t.Fatalf("row %d: qty %d → %d, want x² · mean / mean(x²) = %d", o.id, o.qty, got, want)
					}
					if got < 0 {
						t.Fatalf("row %d: qty %d → %d, want no negative value", o.id, o.qty, got)
					}
					s += float64(got)
					s2 += float64(got * got)
				}
				mean := s / n
				sd := math.Sqrt(s2/n - mean*mean)
				// Integers are rounded: the mean keeps within half a unit;
				// squaring uniform 1..10 raises the spread by about 1.6.
				if math.Abs(mean-meanQ) > 0.5 || sd/sdQ < 1.4 {
					t.Errorf("window qty mean %.3f sd %.3f, want mean %.3f kept and sd well above %.3f", mean, sd, meanQ, sdQ)
				}
				if neg := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {qty} < 0"); neg != 0 {
					t.Errorf("%d negative qty values, want none: the column had none", neg)
				}
			},
		},
		{
			name: "variance_change/allow_negative", kind: "variance_change", windowRows: W, rows: changedRows, touched: func(o order) bool {
				return inWin(o) && roundAway(2*float64(o.qty)-meanQ) != o.qty
			},
			block: anomalyBlock("variance_change", "k", "  column = \"qty\"\n  amplitude = 1\n  allow_negative = true\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				var s, s2 float64
				for _, o := range h.data {
					if !inWin(o) {
						continue
					}
					x := 2*float64(o.qty) - meanQ
					want := roundAway(x)
					got := intOf(t, after, o.id)
					if got != want && math.Abs(math.Abs(x-math.Trunc(x))-0.5) > 1e-3 {
						t.Fatalf("row %d: qty %d, want mean + 2(x − mean) = %d", o.id, got, want)
					}
					s += float64(got)
					s2 += float64(got * got)
				}
				m := s / n
				sd := math.Sqrt(s2/n - m*m)
				// Integers are rounded: the mean keeps within half a unit.
				if math.Abs(m-meanQ) > 0.5 || math.Abs(sd/sdQ-2) > 0.05 {
					t.Errorf("window qty mean %.3f sd %.3f, want mean %.3f kept and sd 2 × %.3f", m, sd, meanQ, sdQ)
				}
				got := h.queryFloat("SELECT AVG({qty}) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?", winArgs(h)...)
				if math.Abs(got-meanQ) > 0.5 {
					t.Errorf("window mean %.4f by query, want %.4f kept", got, meanQ)
				}
			},
		},
		{
			name: "unit_change", kind: "unit_change", windowRows: W, rows: W, touched: inWin,
			block: anomalyBlock("unit_change", "k", "  column = \"amount\"\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, inWin, "amount")
				for _, id := range d.changed {
					if got, want := cents(t, after, id), h.byID[id].cents*100; got != want {
						t.Fatalf("row %d: amount %d cents, want %d", id, got, want)
					}
				}
				got := h.queryFloat("SELECT AVG({amount}) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?", winArgs(h)...)
				if math.Abs(got/meanA-100) > 0.01 {
					t.Errorf("window mean %.4f, want 100 × %.4f", got, meanA)
				}
			},
		},
		{
			name: "precision_loss", kind: "precision_loss", windowRows: W, rows: changedRows, touched: whole,
			block: anomalyBlock("precision_loss", "k", "  column = \"amount\"\n  mode = \"truncate\"\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, whole, "amount")
				for _, id := range d.changed {
					if got, want := cents(t, after, id), h.byID[id].cents/100*100; got != want {
						t.Fatalf("row %d: amount %d cents, want %d", id, got, want)
					}
				}
				frac := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {amount} <> ROUND({amount}, 0)", winArgs(h)...)
				if frac != 0 {
					t.Errorf("%d window values keep a fractional part, want 0", frac)
				}
			},
		},
		{
			name: "negative_values", kind: "negative_values", windowRows: W, rows: countOrders(data, negative), touched: negative,
			block: anomalyBlock("negative_values", "k", "  column = \"amount\"\n  seed = 3\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, negative, "amount")
				for _, id := range d.changed {
					if got, want := cents(t, after, id), -h.byID[id].cents; got != want {
						t.Fatalf("row %d: amount %d cents, want %d", id, got, want)
					}
				}
				neg := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {amount} < 0", winArgs(h)...)
				share(t, "negative values", float64(neg)/float64(W), 0.05)
			},
		},
		{
			name: "timestamp_shift", kind: "timestamp_shift", windowRows: W, rows: W, touched: inWin,
			block: anomalyBlock("timestamp_shift", "k", "  column = \"created_at\"\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, inWin, "created_at")
				for _, id := range d.changed {
					if got, want := timeOf(t, after, id), h.byID[id].at.Add(-5*time.Hour); !got.Equal(want) {
						t.Fatalf("row %d: created_at %s, want %s", id, got, want)
					}
				}
				want := countOrders(h.data, func(o order) bool { return inWindow(o.at, winFrom.Add(5*time.Hour), winTo) })
				if got := h.countBetween(winFrom, winTo); got != want {
					t.Errorf("%d rows in the window after the shift, want %d", got, want)
				}
			},
		},
		{
			name: "future_dates", kind: "future_dates", windowRows: W, rows: countOrders(data, future), touched: future,
			block: anomalyBlock("future_dates", "k", "  column = \"created_at\"\n  seed = 2\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, future, "created_at")
				for _, id := range d.changed {
					if got, want := timeOf(t, after, id), h.byID[id].at.AddDate(0, 0, 365); !got.Equal(want) {
						t.Fatalf("row %d: created_at %s, want %s", id, got, want)
					}
				}
				ahead := h.countBetween(suiteNow, suiteNow.AddDate(2, 0, 0))
				share(t, "future dates", float64(ahead)/float64(W), 0.05)
			},
		},
		{
			name: "orphan_references/integer", kind: "orphan_references", windowRows: W, rows: countOrders(data, orphanInt), touched: orphanInt,
			block: anomalyBlock("orphan_references", "k", "  column = \"qty\"\n  seed = 11\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, orphanInt, "qty")
				for _, id := range d.changed {
					if got, want := intOf(t, after, id), h.byID[id].qty+maxQty+1000000; got != want {
						t.Fatalf("row %d: qty %d, want %d", id, got, want)
					}
				}
				far := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {qty} > ?", h.b.TimeValue(winFrom), h.b.TimeValue(winTo), maxQty)
				share(t, "references past every parent", float64(far)/float64(W), 0.05)
			},
		},
		{
			name: "orphan_references/text", kind: "orphan_references", windowRows: W, rows: countOrders(data, orphanText), touched: orphanText,
			block: anomalyBlock("orphan_references", "k", "  column = \"email\"\n  seed = 12\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, orphanText, "email")
				for _, id := range d.changed {
					if got, want := after.raw[id][after.col("email")], h.byID[id].email+"~orphan"; fmt.Sprint(got) != want {
						t.Fatalf("row %d: email %v, want %s", id, got, want)
					}
				}
				n := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {email} LIKE '%~orphan'", winArgs(h)...)
				share(t, "orphaned emails", float64(n)/float64(W), 0.05)
			},
		},
		{
			name: "duplicate_keys", kind: "duplicate_keys", windowRows: W, rows: countOrders(data, dupChosen), touched: dupChanged,
			block: anomalyBlock("duplicate_keys", "k", "  column = \"email\"\n  seed = 9\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				onlyColumn(t, h, d, dupChanged, "email")
				if first.emailNull {
					t.Skip("the window's first row has no email")
				}
				want := countOrders(h.data, func(o order) bool { return inWin(o) && (dupChosen(o) || (!o.emailNull && o.email == first.email)) })
				got := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {email} = ?", h.b.TimeValue(winFrom), h.b.TimeValue(winTo), first.email)
				if got != want {
					t.Errorf("%d window rows hold %q, want %d", got, first.email, want)
				}
				share(t, "rows on the copied key", float64(got)/float64(W), 0.1)
			},
		},
	}
}
