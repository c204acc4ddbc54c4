// Command fleet is anomgen's fleet benchmark: it seeds N customer databases
// on PostgreSQL, writes one anomgen workspace per customer (three anomalies
// per table, one from each catalog family), then measures anomgen's fleet
// plan, apply and rollback against the same mutations written by hand in
// SQL (journal table + UPDATE/DELETE/INSERT, then the restore) run through
// psql with the same parallelism, and verifies every table's checksum after
// both restores. On one large table it also measures apply against one bare
// UPDATE of the same rows, and an application's single-row update latency
// (pgbench) during apply and rollback.
//
//	go run ./examples/fleet -customers 3 -tables 10 -rows 100000
//
// See examples/fleet/README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	opt, err := parseFlags(os.Args[1:], os.Stderr)
	if err == flag.ErrHelp {
		return
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, opt, os.Stdout, os.Stderr)
	if res != nil {
		if opt.JSON {
			res.writeJSON(os.Stdout)
		} else {
			res.writeTable(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet benchmark FAILED:", err)
		os.Exit(1)
	}
}

// options are the benchmark's flags.
type options struct {
	Customers, Tables, Rows, Days, Parallelism int
	BigRows, BigRounds, BatchLanes             int
	DSN, Prefix, Workdir, Anomgen              string
	Keep, JSON, Quiet, HandFirst               bool
}

func defaultDSN() string {
	if d := os.Getenv("ANOMGEN_TEST_POSTGRES"); d != "" {
		return d
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Customers, "customers", 10, "customer databases (one workspace each)")
	fs.IntVar(&o.Tables, "tables", 50, "tables per customer (three anomalies each)")
	fs.IntVar(&o.Rows, "rows", 100000, "rows per table")
	fs.IntVar(&o.Days, "days", 90, "days of history per table (at least 9)")
	fs.IntVar(&o.Parallelism, "parallelism", 10, "concurrent workspaces / psql sessions / seeding sessions")
	fs.IntVar(&o.BigRows, "big-rows", 1000000, "rows of the single large table for apply vs bare UPDATE and pgbench latency; 0 skips that part")
	fs.IntVar(&o.BigRounds, "big-rounds", 3, "rounds of bare UPDATE and apply FILE on the large table, alternating; the medians are compared")
	fs.IntVar(&o.BatchLanes, "batch-lanes", 0, "batch_lanes of the customers' sources (0: anomgen's default)")
	fs.StringVar(&o.DSN, "dsn", defaultDSN(), "PostgreSQL admin URL (may create databases); default $ANOMGEN_TEST_POSTGRES")
	fs.StringVar(&o.Prefix, "prefix", "anomgen_fleet", "database name prefix; databases named PREFIX_* are dropped first")
	fs.StringVar(&o.Workdir, "workdir", "", "folder for the workspaces and logs (default: a new temporary folder)")
	fs.StringVar(&o.Anomgen, "anomgen", "", "anomgen binary to measure (default: go build ./cmd/anomgen into the workdir)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the databases and the workdir afterwards")
	fs.BoolVar(&o.JSON, "json", false, "print the results as JSON instead of a table")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress lines on standard error")
	fs.BoolVar(&o.HandFirst, "hand-first", false, "run the hand-written SQL before anomgen (default: anomgen first), to see what the order costs")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./examples/fleet [flags]\n\n"+
			"Seeds customers × tables × rows on PostgreSQL, measures anomgen fleet plan/apply/rollback\n"+
			"against hand-written SQL via psql, verifies every checksum. See examples/fleet/README.md.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		err := fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
		fmt.Fprintln(stderr, err)
		return o, err
	case o.Customers < 1 || o.Tables < 1 || o.Rows < 100 || o.Days < 9 || o.Parallelism < 1 || o.BigRows < 0 || o.BigRounds < 1 || o.BatchLanes < 0:
		err := fmt.Errorf("need -customers ≥ 1, -tables ≥ 1, -rows ≥ 100, -days ≥ 9, -parallelism ≥ 1, -big-rows ≥ 0, -big-rounds ≥ 1, -batch-lanes ≥ 0")
		fmt.Fprintln(stderr, err)
		return o, err
	case !safeName.MatchString(o.Prefix):
		err := fmt.Errorf("-prefix %q: lower-case letters, digits and _ only", o.Prefix)
		fmt.Fprintln(stderr, err)
		return o, err
	}
	return o, nil
}
