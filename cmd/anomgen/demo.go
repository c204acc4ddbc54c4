package main

import (
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
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/spf13/cobra"
)

const demoMarker = ".anomgen-demo"

func (a *app) demoCmd() *cobra.Command {
	var days int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole flow on an embedded SQLite shop database in ./anomgen-demo",
		Long: `Creates ./anomgen-demo with a SQLite shop database (90 days of orders with a
daily and weekly rhythm, and customers) and scenario files, then plans,
applies, shows what a monitor would see, rolls back, and proves the table is
byte-identical to how it started. Running it again starts afresh.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd.Context(), days) },
	}
	cmd.Flags().IntVar(&days, "days", 90, "days of order history to generate")
	return cmd
}

func (a *app) runDemo(ctx context.Context, days int) error {
	dir := filepath.Join(a.dir, "anomgen-demo")
	if err := prepareDemoDir(dir); err != nil {
		return err
	}
	step := func(n int, title string) {
		fmt.Fprintf(a.out, "\n%s\n\n", a.paint(bold, fmt.Sprintf("── %d/5 %s ", n, title)+strings.Repeat("─", max(0, 60-len(title)))))
	}

	step(1, "Create a shop database")
	dbPath := filepath.Join(dir, "shop.db")
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	stats, err := quickstart.Generate(ctx, db, quickstart.Options{Days: days, Now: time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := fs.WalkDir(quickstart.Scenarios, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := quickstart.Scenarios.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	}); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s: %s orders and %s customers from %s to %s, in %s.\nScenario files: %s/main.hcl (source and target) and %s/anomalies.hcl (three anomalies).\n",
		dbPath, planner.Thousands(stats.Orders), planner.Thousands(stats.Customers),
		stats.From.Format("2006-01-02"), stats.To.Format("2006-01-02"), time.Since(start).Round(time.Millisecond), dir, dir)

	a.dir = dir
	s, err := a.open(ctx, openOptions{lockOp: "demo"})
	if err != nil {
		return err
	}
	defer s.close()
	save := func(st *state.State) error { return state.Save(s.statePath, st) }

	step(2, "Plan")
	p, err := a.makePlan(ctx, s, nil, false)
	if err != nil {
		return err
	}
	p.WriteText(a.out, planner.TextOptions{Color: !a.noColor})

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
	if _, err := s.eng.Apply(ctx, p, s.st, save); err != nil {
		return err
	}
	after, err := quickstart.Daily(ctx, db, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.out)
	a.demoChart(before, after)

	step(4, "Roll back from the journals")
	rb, err := a.makePlan(ctx, s, nil, true)
	if err != nil {
		return err
	}
	if _, err := s.eng.Apply(ctx, rb, s.st, save); err != nil {
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

	step(5, "Explore by hand")
	rel := dir
	fmt.Fprintf(a.out, `  go run ./cmd/anomgen -chdir %[1]s plan                 # what would change, exact row counts
  go run ./cmd/anomgen -chdir %[1]s apply                # type the database name to confirm
  go run ./cmd/anomgen -chdir %[1]s state list           # what is applied
  go run ./cmd/anomgen -chdir %[1]s rollback -all        # put every byte back
  sqlite3 %[1]s/shop.db "select * from anomgen_journals"  # the journal catalog (while applied)

Edit %[1]s/anomalies.hcl (try volume = 0.5, or a window with start and duration) and plan again.
`, rel)
	return nil
}

// prepareDemoDir creates dir, or empties one that an earlier demo made.
func prepareDemoDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and was not made by anomgen demo; move it away or run the demo elsewhere with -chdir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by anomgen demo; the demo deletes and recreates this folder\n"), 0o644)
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
