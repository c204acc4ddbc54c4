package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anomgen/anomgen/examples/quickstart"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
)

const demoMarker = ".anomgen-demo"

// demoOptions are demo's flags.
type demoOptions struct {
	days     int
	source   string
	seedOnly bool
	reset    bool
}

// shop is the data to generate: -days of orders ending now, and customers
// in proportion (20,000 for the default 90 days, at least 1,000).
func (o demoOptions) shop() quickstart.Options {
	return quickstart.Options{Days: o.days, Customers: max(1000, 20000*o.days/90), Now: time.Now().UTC()}
}

func (a *app) demoCmd() *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo [-days N] [-seed-only] [-reset] [-source URL]",
		Short: "Run the whole flow on an embedded SQLite shop database in ./anomgen-demo, or seed the demo shop into a server",
		Long: `Creates ./anomgen-demo with a SQLite shop database (90 days of orders with a
daily and weekly rhythm, and customers) and scenario files, then plans,
applies, shows what a monitor would see, rolls back, and proves the table is
byte-identical to how it started.

Running it again keeps the scenario files (edit anomalies.hcl and run it
again) and makes fresh data; -reset restores the original scenario files
too. -seed-only writes the folder and the data without running the tour.

-source URL seeds the same shop into a PostgreSQL or MySQL/MariaDB server
instead: the tables customers and orders in the database the URL names
(created when missing), e.g.
  anomgen demo -source "postgres://user:password@127.0.0.1:5432/shop"
  anomgen demo -source "mysql://user:password@127.0.0.1:3306/shop"
It leaves tables it did not make alone, keeps its own on a re-run, and
re-creates them with -reset. The password is never printed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd.Context(), o) },
	}
	cmd.Flags().IntVar(&o.days, "days", 90, "days of order history to generate")
	cmd.Flags().StringVar(&o.source, "source", "", "seed the demo shop into the PostgreSQL or MySQL/MariaDB database of this connection `URL` (postgres://…, mysql://…) instead")
	cmd.Flags().BoolVar(&o.seedOnly, "seed-only", false, "write the scenario folder and the data, without running the tour")
	cmd.Flags().BoolVar(&o.reset, "reset", false, "start afresh: restore the original scenario files (with -source: drop and re-create the demo's tables)")
	return cmd
}

func (a *app) runDemo(ctx context.Context, o demoOptions) error {
	if o.days <= 0 {
		return fmt.Errorf("-days %d: give a number of days above 0", o.days)
	}
	if o.source != "" {
		return a.seedServer(ctx, o)
	}
	dir := filepath.Join(a.dir, "anomgen-demo")
	fresh, err := prepareDemoDir(dir, o.reset)
	if err != nil {
		return err
	}
	step := func(n int, title string) {
		fmt.Fprintf(a.out, "\n%s\n\n", a.paint(bold, fmt.Sprintf("── %d/6 %s ", n, title)+strings.Repeat("─", max(0, 60-len(title)))))
	}

	if !o.seedOnly {
		step(1, "Create a shop database")
	}
	dbPath := filepath.Join(dir, "shop.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	stats, err := quickstart.Generate(ctx, db, o.shop())
	if err != nil {
		return err
	}
	kept, err := writeScenarios(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s: %s orders and %s customers from %s to %s, in %s.\n",
		dbPath, planner.Thousands(stats.Orders), planner.Thousands(stats.Customers),
		stats.From.Format("2006-01-02"), stats.To.Format("2006-01-02"), time.Since(start).Round(time.Millisecond))
	switch {
	case fresh && o.reset:
		fmt.Fprintf(a.out, "Started afresh (-reset): %s/main.hcl (source and target) and %s/anomalies.hcl (three anomalies) are the originals.\n", dir, dir)
	case fresh:
		fmt.Fprintf(a.out, "Scenario files: %s/main.hcl (source and target) and %s/anomalies.hcl (three anomalies).\n", dir, dir)
	case len(kept) > 0:
		fmt.Fprintf(a.out, "Fresh data; kept your edited %s (anomgen demo -reset restores the originals).\n", strings.Join(kept, " and "))
	default:
		fmt.Fprintf(a.out, "Fresh data; the scenario files %s/main.hcl and %s/anomalies.hcl are unchanged.\n", dir, dir)
	}
	rel := dir
	if o.seedOnly {
		fmt.Fprintf(a.out, `
Next, by hand:
  go run ./cmd/anomgen -chdir %[1]s plan                 # what would change, exact row counts
  go run ./cmd/anomgen -chdir %[1]s apply                # type the database name to confirm
  go run ./cmd/anomgen -chdir %[1]s rollback -all        # put every byte back
`, rel)
		return nil
	}
	// An edited scenario that does not plan is the user's to fix.
	edited := func(err error) error {
		if err != nil && len(kept) > 0 {
			fmt.Fprintf(a.err, "Your edited %s in %s were kept: fix them, or run anomgen demo -reset to restore the originals.\n", strings.Join(kept, " and "), dir)
		}
		return err
	}

	a.dir = dir
	s, err := a.open(ctx, openOptions{lockOp: "demo"})
	if err != nil {
		return edited(err)
	}
	defer s.close()

	step(2, "Plan")
	p, err := a.makePlan(ctx, s, nil, false)
	if err != nil {
		return edited(err)
	}
	writePlanText(a.out, p, textOptions{Color: !a.noColor})

	from := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -13)
	to := time.Now().UTC().Add(time.Minute)
	before, err := quickstart.Daily(ctx, db, from, to)
	if err != nil {
		return err
	}
	sumBefore, err := quickstart.Checksum(ctx, db, "orders", "id")
	if err != nil {
		return err
	}

	step(3, "Apply (the demo database is its own, so no confirmation)")
	if _, err := s.eng.Apply(ctx, p, s.st, s.saveState); err != nil {
		return edited(err)
	}
	after, err := quickstart.Daily(ctx, db, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	a.demoChart(before, after)

	step(4, "Detect and score: did a standard monitor catch them?")
	if err := a.demoLoop(ctx, s, db); err != nil {
		return err
	}

	step(5, "Roll back from the journals")
	rb, err := a.makePlan(ctx, s, nil, true)
	if err != nil {
		return err
	}
	if _, err := s.eng.Apply(ctx, rb, s.st, s.saveState); err != nil {
		return err
	}
	sumAfter, err := quickstart.Checksum(ctx, db, "orders", "id")
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	if sumAfter != sumBefore {
		return fmt.Errorf("the orders table differs from before the demo (checksum %s, was %s): this is a bug, please report it", sumAfter[:16], sumBefore[:16])
	}
	fmt.Fprintf(a.out, "%s orders is byte-identical to before the apply (SHA-256 over all columns in key order: %s).\n",
		a.paint(green, "✓"), sumAfter[:16])

	step(6, "Explore by hand")
	fmt.Fprintf(a.out, `  go run ./cmd/anomgen -chdir %[1]s plan                 # what would change, exact row counts
  go run ./cmd/anomgen -chdir %[1]s apply                # type the database name to confirm
  go run ./cmd/anomgen -chdir %[1]s state list           # what is applied
  go run ./cmd/anomgen -chdir %[1]s labels -format json  # the ground truth, kept after rollback
  go run ./cmd/anomgen -chdir %[1]s detect -out alerts.csv && go run ./cmd/anomgen -chdir %[1]s score -detections alerts.csv
  go run ./cmd/anomgen -chdir %[1]s rollback -all        # put every byte back
  sqlite3 %[1]s/shop.db "select * from anomgen_journals"  # the journal catalog (while applied)

Edit %[1]s/anomalies.hcl (try volume = 0.5, or a window with start and duration) and plan again;
running anomgen demo again keeps your edits (-reset restores the originals).
`, rel)
	return nil
}

// demoData are the files of the demo folder that belong to its database:
// they are replaced on every run (the state describes the old database's
// journals, which go with it).
var demoData = []string{"shop.db", "shop.db-journal", "shop.db-wal", "shop.db-shm", ".anomgen"}

// prepareDemoDir creates dir, or readies one that an earlier demo made for
// fresh data: it removes the database and its state and keeps the scenario
// files, unless reset, which empties the folder. fresh reports a new (or
// emptied) folder.
func prepareDemoDir(dir string, reset bool) (fresh bool, err error) {
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return false, fmt.Errorf("%s exists and was not made by anomgen demo; move it away or run the demo elsewhere with -chdir", dir)
		}
		if !reset {
			for _, f := range demoData {
				if err := os.RemoveAll(filepath.Join(dir, f)); err != nil {
					return false, err
				}
			}
			return false, nil
		}
		if err := os.RemoveAll(dir); err != nil {
			return false, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	return true, os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by anomgen demo; a re-run replaces shop.db and .anomgen/ and keeps the scenario files; anomgen demo -reset recreates the folder\n"), 0o644)
}

// writeScenarios writes the demo's scenario files that are missing from
// dir and returns the names of those that are there but differ from the
// originals (the user's edits, which are kept).
func writeScenarios(dir string) (kept []string, err error) {
	err = fs.WalkDir(quickstart.Scenarios, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := quickstart.Scenarios.ReadFile(p)
		if err != nil {
			return err
		}
		path := filepath.Join(dir, p)
		have, err := os.ReadFile(path)
		switch {
		case err == nil:
			if !bytes.Equal(have, b) {
				kept = append(kept, p)
			}
			return nil
		case errors.Is(err, os.ErrNotExist):
			return os.WriteFile(path, b, 0o644)
		default:
			return err
		}
	})
	return kept, err
}

// seedServer seeds the demo shop into the database of o.source.
func (a *app) seedServer(ctx context.Context, o demoOptions) error {
	c, err := parseConnURL(o.source)
	if err != nil {
		return fmt.Errorf("-source: %w", err)
	}
	a.redact.add(c.Secrets())
	flavor := quickstart.Postgres
	if c.Type == "mysql" {
		flavor = quickstart.MySQL
	}
	where := fmt.Sprintf("database %s on %s:%d", c.Database, c.Host, c.Port)
	conn, err := providers.Open(ctx, c.Settings("demo", c.Database))
	var ce *providers.ConnectError
	if errors.As(err, &ce) && ce.Class == providers.ClassDatabase {
		if err := a.createDemoDatabase(ctx, c); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "Created %s.\n", where)
		conn, err = providers.Open(ctx, c.Settings("demo", c.Database))
	}
	if err != nil {
		return demoConnectError(err, c)
	}
	defer conn.Close()
	db := conn.DB.DB
	schema := c.Database
	if flavor == quickstart.Postgres {
		if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return err
		}
	}
	if o.reset {
		dropped, err := quickstart.Drop(ctx, db, flavor)
		if err != nil {
			return fmt.Errorf("-reset: %w", err)
		}
		if dropped {
			fmt.Fprintf(a.out, "Dropped the demo's tables %s.customers and %s.orders (-reset).\n", schema, schema)
		}
	}
	start := time.Now()
	stats, err := quickstart.Seed(ctx, db, flavor, o.shop())
	if errors.Is(err, quickstart.ErrTablesExist) {
		if strings.Contains(err.Error(), "not made by the demo") {
			return fmt.Errorf("%s already has a table customers or orders that the demo did not make; the demo leaves it alone: seed into another database (name one in the URL; it is created when missing)", where)
		}
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders").Scan(&n); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "%s already holds the demo shop (%s.orders: %s rows); kept as it is. Add -reset to drop and re-create it with fresh data.\n",
			where, schema, planner.Thousands(n))
	} else if err != nil {
		return fmt.Errorf("seeding %s: %w", where, providers.Scrub(err, c.Settings("demo", c.Database)))
	} else {
		fmt.Fprintf(a.out, "Seeded the demo shop into %s (%s): %s.orders with %s orders from %s to %s and %s.customers with %s customers, in %s.\n",
			where, conn.Version, schema, planner.Thousands(stats.Orders), stats.From.Format("2006-01-02 15:04"), stats.To.Format("2006-01-02 15:04"),
			schema, planner.Thousands(stats.Customers), time.Since(start).Round(100*time.Millisecond))
	}
	table := "orders"
	if flavor == quickstart.Postgres {
		table = schema + ".orders"
	}
	fmt.Fprintf(a.out, "\nScenario files for it start with (the password read from $SHOP_PASSWORD, never written down):\n\n%s\ntarget \"orders\" {\n  source      = source.%s.shop\n  table       = %q\n  time_column = \"created_at\"\n}\n",
		c.sourceBlock("shop", "SHOP_PASSWORD", true), c.Type, table)
	fmt.Fprintln(a.out, "\nThe README's Quickstart goes on from here; anomgen init -from shop, with that source block in main.hcl, writes a target per table and suggested anomalies.")
	return nil
}

// createDemoDatabase creates c's database, connected to the server's
// maintenance database (PostgreSQL) or to none (MySQL).
func (a *app) createDemoDatabase(ctx context.Context, c *connURL) error {
	admin := ""
	quoted := "`" + strings.ReplaceAll(c.Database, "`", "``") + "`"
	if c.Type == "postgres" {
		admin = "postgres"
		quoted = `"` + strings.ReplaceAll(c.Database, `"`, `""`) + `"`
	}
	conn, err := providers.Open(ctx, c.Settings("demo", admin))
	if err != nil {
		return fmt.Errorf("database %s does not exist on %s:%d, and connecting without it to create it failed: %w", c.Database, c.Host, c.Port, demoConnectError(err, c))
	}
	defer conn.Close()
	if _, err := conn.DB.ExecContext(ctx, "CREATE DATABASE "+quoted); err != nil {
		return fmt.Errorf("database %s does not exist on %s:%d and creating it failed: %v; create it yourself (CREATE DATABASE %s) or use an account that may", c.Database, c.Host, c.Port,
			providers.Scrub(err, c.Settings("demo", c.Database)), quoted)
	}
	return nil
}

// demoConnectError names the source by its URL without the password.
func demoConnectError(err error, c *connURL) error {
	var ce *providers.ConnectError
	if errors.As(err, &ce) {
		cp := *ce
		cp.Source = c.Display()
		return &cp
	}
	return err
}

// demoChart prints one line a day: orders before → after with a bar, the
// null share of email and the mean amount.
func (a *app) demoChart(before, after []quickstart.Day) {
	byDate := map[time.Time]quickstart.Day{}
	var peak int64
	for _, d := range after {
		byDate[d.Date] = d
	}
	for _, d := range before {
		peak = max(peak, d.Orders)
	}
	const width = 24
	fmt.Fprintf(a.out, "%-10s  %-*s  %-15s  %-15s  %s\n", "day", width, "orders (█ after, ░ removed)", "orders", "email null", "mean amount")
	for _, b := range before {
		af := byDate[b.Date]
		full := int(float64(b.Orders) / float64(peak) * width)
		kept := int(float64(af.Orders) / float64(peak) * width)
		bar := strings.Repeat("█", kept) + strings.Repeat("░", max(0, full-kept))
		mark := func(changed bool, s string) string {
			if changed {
				return a.paint(yellow, s)
			}
			return s
		}
		orders := fmt.Sprintf("%5d → %-5d", b.Orders, af.Orders)
		nulls := fmt.Sprintf("%4.1f%% → %4.1f%%", 100*b.NullEmail, 100*af.NullEmail)
		mean := fmt.Sprintf("%5.1f → %5.1f", b.MeanAmount, af.MeanAmount)
		fmt.Fprintf(a.out, "%s  %s%s  %s  %s  %s\n", b.Date.Format("2006-01-02"), bar, strings.Repeat(" ", width-len([]rune(bar))),
			mark(af.Orders != b.Orders, orders), mark(af.NullEmail-b.NullEmail > 0.005, nulls), mark(af.MeanAmount/b.MeanAmount > 1.01, mean))
	}
}

// demoLoop closes the loop on the applied anomalies: their labels (which
// apply recorded), the reference monitor (anomgen detect at its defaults:
// daily buckets, 14 prior days, |z| ≥ 3) and the scorer, with a short
// summary: recall, and per anomaly whether it was flagged. So that the demo
// stays fast, the monitor reads a snapshot of the orders of the last 35
// days with the columns the anomalies touch (over the whole table and
// every column, anomgen detect takes tens of seconds here); its alerts
// name the orders table.
func (a *app) demoLoop(ctx context.Context, s *session, db *sql.DB) error {
	labels, err := s.eng.Labels(ctx, s.st)
	if err != nil {
		return err
	}
	t := s.cfg.Target("orders")
	if t == nil || t.TimeColumn == "" {
		return nil
	}
	cols := []string{"id", t.TimeColumn}
	seen := map[string]bool{"id": true, t.TimeColumn: true}
	for _, l := range labels {
		if l.Column != "" && !seen[l.Column] {
			seen[l.Column] = true
			cols = append(cols, l.Column)
		}
	}
	const snap = "anomgen_demo_monitor"
	since := time.Now().UTC().AddDate(0, 0, -35).Format("2006-01-02 15:04:05")
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	defs := []string{`"id" INTEGER PRIMARY KEY`}
	for i, c := range quoted[1:] {
		var typ string // the column's declared type, so the monitor profiles it alike
		_ = db.QueryRowContext(ctx, "SELECT type FROM pragma_table_info('orders') WHERE name = ?", cols[i+1]).Scan(&typ)
		defs = append(defs, strings.TrimSpace(c+" "+typ))
	}
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + snap,
		fmt.Sprintf("CREATE TABLE %s (%s)", snap, strings.Join(defs, ", ")),
		fmt.Sprintf(`INSERT INTO %s SELECT %s FROM orders WHERE "%s" >= '%s'`, snap, strings.Join(quoted, ", "), t.TimeColumn, since),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("the monitor's snapshot: %w", err)
		}
	}
	defer db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+snap) //nolint:errcheck // best effort
	mt := *t
	mt.Table = snap
	o := executor.DetectOptions{Grain: "day", Baseline: 14, Threshold: 3, Seasonality: "none", Now: time.Now().UTC()}
	rep, err := executor.Detect(ctx, s.eng.Conn(t.Source.Addr()), &mt, o)
	if err != nil {
		return err
	}
	alerts := rep.Alerts
	for i := range alerts {
		alerts[i].Table = t.Table
	}
	sc := truth.Compute(labels, alerts, truth.ScoreOptions{Tolerance: 24 * time.Hour})
	fmt.Fprintf(a.out, "%d labels recorded at apply (the ground truth: anomgen labels), %d alerts from anomgen detect\n(daily buckets, 14-day baseline, |z| ≥ 3, over the last 35 days of %s).\n",
		len(labels), len(alerts), strings.Join(cols, ", "))
	fmt.Fprintf(a.out, "Recall: %s of the anomalies flagged (%d of %d); %d alerts matched no anomaly.\n",
		fmtShare(sc.RecallExistence), sc.Detected, sc.Labels, len(sc.FalsePositives))
	for _, r := range sc.Results {
		mark, what := a.paint(green, "✓"), fmt.Sprintf("flagged on %s, max |z| %.1f", r.Metric, r.MaxScore)
		if !r.Detected {
			mark, what = "✗", "not flagged on "+r.Metric
		}
		fmt.Fprintf(a.out, "  %s %-42s %s\n", mark, r.Address, what)
	}
	return nil
}
