package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
)

// ProfileBackend is a database for RunProfile.
type ProfileBackend struct {
	Name string
	// New returns an empty database and the settings that open it.
	New       func(t *testing.T) (*sql.DB, providers.Settings)
	Types     Types
	TimeValue func(time.Time) any
	// Placeholder is the n-th bind parameter.
	Placeholder func(n int) string
}

type profRow struct {
	id     int64
	at     time.Time
	cents  int64
	null   bool
	status string
	code   string
}

// profileData is 14 days of rows from suiteBase with day 5 empty, a
// varying count per day, NULL amounts on every 13th row, three statuses in
// fixed proportions and codes of two shapes.
func profileData() []profRow {
	var out []profRow
	id := int64(1)
	for day := 0; day < 14; day++ {
		if day == 5 {
			continue
		}
		n := 40 + (day*17)%23
		for i := 0; i < n; i++ {
			r := profRow{id: id, at: suiteBase.AddDate(0, 0, day).Add(time.Duration(i*997%86400) * time.Second)}
			r.cents = 100 + (id*7919)%50000
			r.null = id%13 == 0
			switch {
			case id%10 < 6:
				r.status = "paid"
			case id%10 < 9:
				r.status = "shipped"
			default:
				r.status = "refunded"
			}
			if id%4 == 0 {
				r.code = fmt.Sprintf("X%d-%03d", id%10, id%1000)
			} else {
				r.code = fmt.Sprintf("ab%04d", id)
			}
			out = append(out, r)
			id++
		}
	}
	return out
}

// RunProfile seeds a table and checks that Profiler.Stats measures it: the
// row count, time range, daily counts (with the empty day as a gap), NULL
// shares, distinct counts, top values, mean and standard deviation,
// length range and shapes, each against figures computed from the data in
// Go and, for the daily counts, against a separate query; and that a
// sample is marked as an estimate.
func RunProfile(t *testing.T, b ProfileBackend) {
	db, settings := b.New(t)
	ctx := context.Background()
	ty := b.Types
	ddl := fmt.Sprintf("CREATE TABLE events (id %s PRIMARY KEY, at %s NOT NULL, amount %s, status %s NOT NULL, code %s NOT NULL)", ty.BigInt, ty.Timestamp, ty.Decimal, ty.Text, ty.Text)
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	data := profileData()
	for start := 0; start < len(data); start += 100 {
		var vals []string
		var args []any
		for _, r := range data[start:min(start+100, len(data))] {
			var ph []string
			for range 5 {
				ph = append(ph, b.Placeholder(len(args)+len(ph)+1))
			}
			vals = append(vals, "("+strings.Join(ph, ", ")+")")
			var amount any = fmt.Sprintf("%d.%02d", r.cents/100, r.cents%100)
			if r.null {
				amount = nil
			}
			args = append(args, r.id, b.TimeValue(r.at), amount, r.status, r.code)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO events (id, at, amount, status, code) VALUES "+strings.Join(vals, ", "), args...); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := providers.Open(ctx, settings)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prof, ok := conn.Inspector.(providers.Profiler)
	if !ok {
		t.Fatalf("%s: the inspector is no Profiler", b.Name)
	}
	st, err := prof.Stats(ctx, "events", "at", planner.StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Expected figures, from the data.
	n := int64(len(data))
	perDay := map[string]int64{}
	statuses := map[string]int64{}
	codes := map[string]bool{}
	amounts := map[int64]bool{}
	shapes := map[string]int64{}
	var nulls int64
	var sum, sumSq float64
	minAt, maxAt := data[0].at, data[0].at
	for _, r := range data {
		perDay[r.at.Format(time.DateOnly)]++
		statuses[r.status]++
		codes[r.code] = true
		shapes[planner.Shape(r.code)]++
		if r.at.Before(minAt) {
			minAt = r.at
		}
		if r.at.After(maxAt) {
			maxAt = r.at
		}
		if r.null {
			nulls++
			continue
		}
		amounts[r.cents] = true
		x := float64(r.cents) / 100
		sum += x
		sumSq += x * x
	}
	if st.Rows != n || st.Estimate {
		t.Errorf("rows %d (estimate %v), want exactly %d", st.Rows, st.Estimate, n)
	}
	if st.MinTime == nil || !st.MinTime.Equal(minAt) || st.MaxTime == nil || !st.MaxTime.Equal(maxAt) {
		t.Errorf("time range %v → %v, want %v → %v", st.MinTime, st.MaxTime, minAt, maxAt)
	}

	// Daily counts: every day from the first to the last, the empty one 0,
	// equal to the data and to a GROUP BY of our own.
	if len(st.Daily) != 14 {
		t.Fatalf("%d days, want 14 (day 5 as a gap): %v", len(st.Daily), st.Daily)
	}
	own := map[string]int64{}
	rows, err := db.QueryContext(ctx, "SELECT at FROM events")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var at any
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		switch v := at.(type) {
		case time.Time:
			own[v.UTC().Format(time.DateOnly)]++
		case string:
			own[v[:10]]++
		case []byte:
			own[string(v[:10])]++
		}
	}
	rows.Close()
	for i, d := range st.Daily {
		want := suiteBase.AddDate(0, 0, i).Format(time.DateOnly)
		if d.Day != want || d.Rows != perDay[want] || d.Rows != own[want] {
			t.Errorf("day %d: %s %d, want %s %d (query: %d)", i, d.Day, d.Rows, want, perDay[want], own[want])
		}
	}
	if st.Daily[5].Rows != 0 {
		t.Errorf("day 5 has %d rows, want a gap", st.Daily[5].Rows)
	}

	amount := st.Column("amount")
	if amount == nil {
		t.Fatal("no stats for amount")
	}
	if want := float64(nulls) / float64(n); math.Abs(amount.NullShare-want) > 1e-9 {
		t.Errorf("amount null share %v, want %v", amount.NullShare, want)
	}
	if amount.Distinct != int64(len(amounts)) {
		t.Errorf("amount distinct %d, want %d", amount.Distinct, len(amounts))
	}
	k := float64(n - nulls)
	mean := sum / k
	sd := math.Sqrt((sumSq - k*mean*mean) / (k - 1))
	if amount.Mean == nil || math.Abs(*amount.Mean-mean) > 1e-6*mean {
		t.Errorf("amount mean %v, want %v", amount.Mean, mean)
	}
	if amount.Stddev == nil || math.Abs(*amount.Stddev-sd) > 1e-6*sd {
		t.Errorf("amount stddev %v, want %v", amount.Stddev, sd)
	}
	var minC, maxC int64 = math.MaxInt64, 0
	for c := range amounts {
		minC, maxC = min(minC, c), max(maxC, c)
	}
	if !sameNumber(amount.Min, minC) || !sameNumber(amount.Max, maxC) {
		t.Errorf("amount range %s..%s, want %d..%d cents", amount.Min, amount.Max, minC, maxC)
	}

	status := st.Column("status")
	if status.Distinct != 3 || status.NullShare != 0 {
		t.Errorf("status distinct %d nulls %v, want 3 and 0", status.Distinct, status.NullShare)
	}
	type vs struct {
		v string
		n int64
	}
	var want []vs
	for v, c := range statuses {
		want = append(want, vs{v, c})
	}
	sort.Slice(want, func(i, j int) bool { return want[i].n > want[j].n })
	if len(status.Top) != 3 {
		t.Fatalf("status top %v, want 3 values", status.Top)
	}
	for i, w := range want {
		got := status.Top[i]
		if got.Value != w.v || got.Count != w.n || math.Abs(got.Share-float64(w.n)/float64(n)) > 1e-9 {
			t.Errorf("status top %d: %+v, want %s %d", i, got, w.v, w.n)
		}
	}
	if status.MinLength == nil || *status.MinLength != 4 || *status.MaxLength != 8 {
		t.Errorf("status length %v..%v, want 4..8", status.MinLength, status.MaxLength)
	}

	code := st.Column("code")
	if code.Distinct != int64(len(codes)) || len(code.Top) != 0 {
		t.Errorf("code distinct %d (top %v), want %d and no top values", code.Distinct, code.Top, len(codes))
	}
	if len(code.Shapes) == 0 || code.Shapes[0].Value != "aa9999" {
		t.Errorf("code shapes %v, want aa9999 first", code.Shapes)
	}
	if id := st.Column("id"); id.Distinct != n || len(id.Top) != 0 {
		t.Errorf("id distinct %d top %v, want %d and none", id.Distinct, id.Top, n)
	}

	// A sample: marked as an estimate, counts scaled to about the total.
	est, err := prof.Stats(ctx, "events", "at", planner.StatsOptions{SamplePercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !est.Estimate || est.Note == "" || est.SamplePercent != 50 {
		t.Errorf("sampled stats not marked as estimates: %+v", est)
	}
	// TABLESAMPLE SYSTEM picks whole pages, so a small table's estimate
	// may be far off; it is never above what every page would give.
	if est.Rows > n*3 {
		t.Errorf("sampled row estimate %d, far above %d", est.Rows, n)
	}

	// The table is listed (anomgen inspect and init).
	if l, ok := conn.Inspector.(providers.Lister); ok {
		list, err := l.Tables(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Table.Name != "events" {
			t.Errorf("tables %+v, want events alone", list)
		}
		if tc, err := providers.TimeColumns(ctx, conn, mustProfile(t, conn)); err != nil || strings.Join(tc, ",") != "at" {
			t.Errorf("time columns %v (%v), want at", tc, err)
		}
	}

	// Cancelling the context cancels the queries.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := prof.Stats(cctx, "events", "at", planner.StatsOptions{}); err == nil {
		t.Error("Stats with a cancelled context succeeded")
	}
}

// sameNumber reports whether decimal text s equals cents/100.
func sameNumber(s string, cents int64) bool {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return false
	}
	return math.Abs(f*100-float64(cents)) < 1e-6
}

func mustProfile(t *testing.T, conn *providers.Conn) *planner.TableProfile {
	t.Helper()
	p, err := conn.Inspector.Profile(context.Background(), "events", "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
