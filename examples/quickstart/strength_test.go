package quickstart

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"

	_ "github.com/anomgen/anomgen/providers/sqlite"
)

// strengthCase is one kind's block (only its required arguments, plus what
// it cannot do without) and the daily metric a monitor would watch, as a
// SELECT of (day, value) over orders grouped by day.
type strengthCase struct {
	args   string // block body besides target and window
	metric string // SQL: SELECT day, value ... GROUP BY day
	sqrt   bool   // value is a variance; compare its square root
	// weekday divides the value by the generator's weekday factor: a row
	// count's day-to-day spread is otherwise the weekly rhythm itself.
	weekday bool
}

const (
	dayExpr = "substr(created_at, 1, 10)"
	perDay  = " FROM orders GROUP BY 1"
)

func share(cond string) string {
	return "SELECT " + dayExpr + ", AVG(CASE WHEN " + cond + " THEN 1.0 ELSE 0.0 END)" + perDay
}

var (
	rowsPerDay = "SELECT " + dayExpr + ", COUNT(*)" + perDay
	meanAmount = "SELECT " + dayExpr + ", AVG(amount)" + perDay
	varAmount  = "SELECT " + dayExpr + ", AVG(amount*amount) - AVG(amount)*AVG(amount)" + perDay
	storeRows  = "SELECT " + dayExpr + ", SUM(channel = 'store')" + perDay
)

var strengthCases = map[string]strengthCase{
	// quality
	"null_rate":          {`column = "email"`, share("email IS NULL"), false, false},
	"empty_values":       {`column = "email"`, share("email IS NOT NULL AND TRIM(email) = ''"), false, false},
	"numeric_shift":      {`column = "amount"`, meanAmount, false, false},
	"unit_change":        {`column = "amount"`, meanAmount, false, false},
	"variance_change":    {`column = "amount"`, varAmount, true, false},
	"outliers":           {`column = "amount"`, varAmount, true, false},
	"precision_loss":     {`column = "amount"`, share("amount = ROUND(amount)"), false, false},
	"negative_values":    {`column = "amount"`, share("amount < 0"), false, false},
	"sentinel_values":    {`column = "amount"`, share("amount = -1"), false, false},
	"invalid_category":   {`column = "status"`, share("status NOT IN ('paid', 'refunded', 'cancelled')"), false, false},
	"typos":              {`column = "status"`, share("status NOT IN ('paid', 'refunded', 'cancelled')"), false, false},
	"swapped_columns":    {"column = \"status\"\n  with = \"channel\"", share("status NOT IN ('paid', 'refunded', 'cancelled')"), false, false},
	"string_case":        {`column = "status"`, share("status <> LOWER(status)"), false, false},
	"whitespace_padding": {`column = "channel"`, share("channel <> TRIM(channel)"), false, false},
	"truncation":         {`column = "email"`, share("email IS NOT NULL AND email NOT LIKE '%@%'"), false, false},
	"format_change":      {`column = "email"`, share("email LIKE '''%'"), false, false},
	// the share of the day's most frequent value: a few orders of one
	// customer on an ordinary day, every copied key on the anomalous one
	"duplicate_keys":    {`column = "email"`, "SELECT d, 1.0*MAX(c)/SUM(c) FROM (SELECT " + dayExpr + " AS d, email, COUNT(*) AS c FROM orders WHERE email IS NOT NULL GROUP BY 1, 2) GROUP BY d", false, false},
	"orphan_references": {`column = "email"`, share("email IS NOT NULL AND email NOT IN (SELECT email FROM customers WHERE email IS NOT NULL)"), false, false},
	// pipeline
	"volume_drop":  {``, rowsPerDay, false, true},
	"volume_spike": {``, rowsPerDay, false, true},
	// the share of rows equal to another one but for the key
	"duplicate_rows":    {``, "SELECT " + dayExpr + ", 1.0 - 1.0*COUNT(DISTINCT customer_id || '|' || created_at || '|' || amount || '|' || status || '|' || channel || '|' || COALESCE(email, ''))/COUNT(*)" + perDay, false, false},
	"stale_data":        {``, rowsPerDay, false, true},
	"late_arrival":      {``, rowsPerDay, false, true},
	"missing_partition": {``, rowsPerDay, false, true},
	"stuck_values":      {`column = "status"`, share("status = 'paid'"), false, false},
	// business
	"level_shift":        {"column = \"amount\"\n  segment {\n    column = \"channel\"\n    values = [\"mobile\"]\n  }", "SELECT " + dayExpr + ", AVG(CASE WHEN channel = 'mobile' THEN amount END)" + perDay, false, false},
	"trend_change":       {`column = "amount"`, meanAmount, false, false},
	"category_mix_shift": {"column = \"channel\"\n  from = \"web\"\n  to = \"store\"", share("channel = 'store'"), false, false},
	"segment_drop":       {"segment {\n    column = \"channel\"\n    values = [\"store\"]\n  }", storeRows, false, true},
	"segment_spike":      {"segment {\n    column = \"channel\"\n    values = [\"store\"]\n  }", storeRows, false, true},
	"seasonality_break":  {`weekdays = ["thu"]`, rowsPerDay, false, true},
}

// strengthSkipped are the kinds without a daily series of the same rows.
var strengthSkipped = map[string]string{
	"date_format":         "needs a text column of dates; the shop has none besides the time column",
	"timestamp_shift":     "moves created_at itself, the column that defines the days: no daily series measures it",
	"encoding_corruption": "only changes non-ASCII values; the shop's text is ASCII",
	"future_dates":        "moves created_at itself, the column that defines the days: no daily series measures it",
}

// TestDefaultStrength measures the default-strength rule: on 30 days of
// ordinary history with at least 1,000 rows a day, each kind with only its
// required arguments over the last day moves that day's metric at least 7σ
// from the mean of the 14 days before it.
func TestDefaultStrength(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 30 days of orders")
	}
	ctx := context.Background()
	db := providertest.NewSQLite(t)
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	if _, err := Generate(ctx, db.DB, Options{Days: 30, OrdersPerDay: 1200, Customers: 5000, Now: now}); err != nil {
		t.Fatal(err)
	}
	lastDay := now.AddDate(0, 0, -1).Format("2006-01-02")
	sum := func() string { return providertest.Checksum(t, db.DB, "SELECT * FROM orders ORDER BY id") }
	before := sum()
	src := fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n  allow_writes = true\n}\ntarget \"orders\" {\n  source = source.sqlite.db\n  table = \"orders\"\n  time_column = \"created_at\"\n}\n", db.Path)
	var report strings.Builder
	for _, k := range planner.Kinds() {
		if strings.HasPrefix(k.Name, "schema_") {
			continue // schema kinds change the table, not a daily metric
		}
		if why, ok := strengthSkipped[k.Name]; ok {
			fmt.Fprintf(&report, "%-20s skipped: %s\n", k.Name, why)
			continue
		}
		tc, ok := strengthCases[k.Name]
		if !ok {
			t.Errorf("%s: no daily metric in strengthCases and not in strengthSkipped", k.Name)
			continue
		}
		t.Run(k.Name, func(t *testing.T) {
			block := fmt.Sprintf("anomaly %q \"x\" {\n  target = target.orders\n  %s\n  window {\n    last = \"24h\"\n  }\n}\n", k.Name, tc.args)
			dir := t.TempDir()
			cfg, diags := config.LoadFiles(dir, map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(src + block)}, config.Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			eng := executor.New(cfg)
			defer eng.Close()
			if err := eng.Open(ctx, []string{"source.sqlite.db"}); err != nil {
				t.Fatal(err)
			}
			st := state.New()
			save := func(*state.State) error { return nil }
			run := func(destroy bool) {
				t.Helper()
				profiles, diags := eng.Profiles(ctx, nil)
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				p, diags := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: now, Destroy: destroy})
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				if err := eng.Count(ctx, p); err != nil {
					t.Fatal(err)
				}
				if _, err := eng.Apply(ctx, p, st, save); err != nil {
					t.Fatal(err)
				}
			}
			run(false)
			series := map[string]float64{}
			rows, err := db.DB.Query(tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var d string
				var v *float64
				if err := rows.Scan(&d, &v); err != nil {
					t.Fatal(err)
				}
				if v != nil {
					x := *v
					if tc.sqrt {
						x = math.Sqrt(math.Max(x, 0))
					}
					if tc.weekday {
						day, err := time.Parse("2006-01-02", d)
						if err != nil {
							t.Fatal(err)
						}
						x /= weekdayFactor[day.Weekday()]
					}
					series[d] = x
				}
			}
			rows.Close()
			var hist []float64
			for i := 14; i >= 1; i-- {
				hist = append(hist, series[now.AddDate(0, 0, -1-i).Format("2006-01-02")])
			}
			var mean, sd float64
			for _, x := range hist {
				mean += x
			}
			mean /= float64(len(hist))
			for _, x := range hist {
				sd += (x - mean) * (x - mean)
			}
			sd = math.Sqrt(sd / float64(len(hist)-1))
			got := series[lastDay]
			z := math.Inf(1)
			if sd > 0 {
				z = math.Abs(got-mean) / sd
			} else if got == mean {
				z = 0
			}
			fmt.Fprintf(&report, "%-20s z=%7.1f  last day %.4g, 14-day mean %.4g, σ %.4g\n", k.Name, z, got, mean, sd)
			if z < 7 {
				t.Errorf("%s: last day %.4g is %.1fσ from the 14-day mean %.4g (σ %.4g), want ≥ 7", k.Name, got, z, mean, sd)
			}
			run(true)
			if got := sum(); got != before {
				t.Fatalf("after rollback the table is %s, want %s", got, before)
			}
		})
	}
	t.Log("\n" + report.String())
}
