package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/spf13/cobra"
)

// fleetFlags are the flags of the fleet subcommands.
type fleetFlags struct {
	file            string
	parallelism     int
	workspaces      int
	autoApprove     bool
	lockTimeout     time.Duration
	maxRows         int64
	force           bool
	continueOnError bool
	destroy         bool   // fleet plan -destroy
	out             string // fleet plan -out NAME
	planName        string // fleet apply -plan NAME
}

func (a *app) fleetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Plan, apply, roll back or list many workspaces (customers) at once",
		Long: `Run plan, apply, rollback or status over many workspaces at once: each DIR
(or each line of -file) is one customer's workspace, with its own scenario
files and state. Workspaces run concurrently (-workspaces at a time), their
changes under one cap (-parallelism across the whole fleet); one failing
customer never stops the others. The run ends with one table: customer,
anomalies, rows, duration, outcome. Exit code 0 when every customer
succeeded (or had nothing to do), 1 otherwise.

Reviewed runs: fleet plan -out NAME saves each workspace's plan as the file
NAME in its folder (as plan -out does); fleet apply -plan NAME applies each
workspace's saved plan without planning again, once it is checked against
the state and the tables as apply FILE checks it. A workspace whose saved
plan is missing or stale fails alone; the others are applied.`,
	}
	common := func(c *cobra.Command, f *fleetFlags) {
		c.Flags().StringVar(&f.file, "file", "", "read the workspace folders from `FILE`, one a line (# comments; relative to the file's folder)")
		c.Flags().IntVar(&f.parallelism, "parallelism", executor.DefaultParallelism, "run up to `N` changes (counts, profiles) at once across the whole fleet")
		c.Flags().IntVar(&f.workspaces, "workspaces", 4, "work on up to `N` workspaces at once")
	}
	sub := func(use, short string, mode string) *cobra.Command {
		var f fleetFlags
		c := &cobra.Command{
			Use:   use + " [DIR...]",
			Short: short,
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.runFleet(cmd.Context(), mode, args, f)
			},
		}
		common(c, &f)
		if mode == "apply" || mode == "rollback" {
			c.Flags().BoolVar(&f.autoApprove, "auto-approve", false, "skip the one confirmation prompt")
			c.Flags().DurationVar(&f.lockTimeout, "lock-timeout", 0, "wait up to this long for another run's state lock in each workspace (e.g. 60s)")
			c.Flags().BoolVar(&f.continueOnError, "continue-on-error", false, "within a workspace, carry on with its other anomalies after one fails")
		}
		if mode == "apply" {
			c.Flags().Int64Var(&f.maxRows, "max-rows", planner.DefaultMaxRowsPerApply, "the most rows one workspace's apply may change in all")
			c.Flags().StringVar(&f.planName, "plan", "", "apply the plan each workspace saved as `NAME` in its folder (fleet plan -out NAME) instead of planning again; it is checked as apply FILE checks it")
		}
		if mode == "plan" {
			c.Flags().StringVar(&f.out, "out", "", "save each workspace's plan as `NAME` in its folder (mode 0600, no secrets), for fleet apply -plan NAME")
			c.Flags().BoolVar(&f.destroy, "destroy", false, "plan the rollback of every applied anomaly (with -out: a reviewed rollback, applied by fleet apply -plan NAME)")
		}
		if mode == "rollback" {
			c.Flags().BoolVar(&f.force, "force", false, "overwrite rows changed since injection too")
		}
		return c
	}
	cmd.AddCommand(
		sub("plan", "Plan every workspace: what apply would change, with exact row counts", "plan"),
		sub("apply", "Apply every workspace's plan after one confirmation", "apply"),
		sub("rollback", "Roll back every anomaly applied in every workspace", "rollback"),
		sub("status", "List the anomalies applied in every workspace", "status"),
	)
	return cmd
}

// customer is one workspace of a fleet run and how it went.
type customer struct {
	dir  string // as given
	name string // the workspace name, or dir
	a    *app   // writes into buf
	buf  *lockedBuffer
	s    *session
	plan *planner.Plan

	anomalies int
	rows      int64
	took      time.Duration
	outcome   string // ok, nothing to do, failed: reason
	failed    bool
}

// lockedBuffer is a buffer several goroutines may write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fail records why the customer failed: the whole error in its output,
// its first line (at most 160 characters) in the table.
func (c *customer) fail(err error) {
	c.failed = true
	var ee exitError
	if errors.As(err, &ee) {
		c.outcome = "failed: invalid scenario files or plan (see its output above)"
		return
	}
	fmt.Fprintf(c.a.err, "Error: %v\n", err)
	reason := providers.FirstLine(err.Error())
	if r := []rune(reason); len(r) > 160 {
		reason = string(r[:159]) + "…"
	}
	c.outcome = "failed: " + reason
}

// fleetDirs reads the workspace folders from args and -file.
func fleetDirs(args []string, file string) ([]string, error) {
	dirs := append([]string(nil), args...)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-file: %w", err)
		}
		base := filepath.Dir(file)
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if i := strings.Index(line, "#"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if line == "" {
				continue
			}
			if !filepath.IsAbs(line) {
				line = filepath.Join(base, line)
			}
			dirs = append(dirs, line)
		}
	}
	if len(dirs) == 0 {
		return nil, errors.New("name the workspace folders: anomgen fleet apply DIR..., or -file FILE listing one folder a line")
	}
	seen := map[string]string{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("%s is not a folder: each fleet entry is a workspace folder holding its scenario files", d)
		}
		if prev, dup := seen[abs]; dup {
			return nil, fmt.Errorf("%s is listed twice (also as %s): each workspace runs once per fleet run", d, prev)
		}
		seen[abs] = d
	}
	return dirs, nil
}

// each runs fn for every customer, n at a time.
func each(cs []*customer, n int, fn func(c *customer)) {
	if n < 1 {
		n = 1
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(c)
		}()
	}
	wg.Wait()
}

func (a *app) runFleet(ctx context.Context, mode string, args []string, f fleetFlags) error {
	if err := checkParallelism(f.parallelism); err != nil {
		return err
	}
	if f.workspaces < 1 {
		return fmt.Errorf("-workspaces %d: use 1 or more (the default is 4)", f.workspaces)
	}
	for flag, name := range map[string]string{"-out": f.out, "-plan": f.planName} {
		if err := savedPlanName(flag, name); err != nil {
			return err
		}
	}
	dirs, err := fleetDirs(args, f.file)
	if err != nil {
		return err
	}
	var cs []*customer
	for _, d := range dirs {
		c := &customer{dir: d, name: d, buf: &lockedBuffer{}}
		sub := a.workspaceApp(d) // daemon.go: the app of one workspace folder
		sub.out, sub.err = c.buf, c.buf
		sub.isTerminal = func() bool { return false }
		c.a = sub
		cs = append(cs, c)
	}
	if mode == "status" {
		return a.fleetStatus(ctx, cs, f)
	}
	slots := executor.NewSlots(f.parallelism) // shared by every workspace
	destroy := mode == "rollback" || f.destroy
	op := map[string]string{"plan": "", "apply": "apply", "rollback": "rollback"}[mode]

	// 1. Open and plan every workspace.
	each(cs, f.workspaces, func(c *customer) {
		start := time.Now()
		defer func() { c.took += time.Since(start) }()
		cfg, err := c.a.loadConfig() // its diagnostics go to its output
		if err != nil {
			c.fail(err)
			return
		}
		if cfg.Workspace != "" {
			c.name = cfg.Workspace
		}
		s, err := c.a.open(ctx, openOptions{lockOp: op, lockTimeout: f.lockTimeout})
		if err != nil {
			c.fail(connectError(err))
			return
		}
		c.s = s
		s.eng.Slots = slots
		s.eng.Force = f.force
		s.eng.ContinueOnError = f.continueOnError
		var p *planner.Plan
		if f.planName != "" {
			p, err = c.a.loadFleetPlan(ctx, s, f.planName)
		} else {
			p, err = c.a.makePlan(ctx, s, nil, destroy)
		}
		if err != nil {
			c.fail(err)
			return
		}
		c.plan = p
		writePlanText(c.a.out, p, textOptions{})
		if f.out != "" {
			path := filepath.Join(c.a.dir, f.out)
			if err := c.a.writeSavedPlan(path, p); err != nil {
				c.fail(err)
				return
			}
			fmt.Fprintf(c.a.out, "\nSaved the plan to %s.\n", path)
		}
		for _, ch := range p.Changes {
			if ch.Action != planner.NoOp {
				c.anomalies++
				if ch.Rows > 0 {
					c.rows += ch.Rows
				}
			}
		}
		switch {
		case p.Empty():
			c.outcome = "nothing to do"
		case mode == "apply":
			if err := refuseOverLimits(p, f.maxRows); err != nil {
				c.fail(err)
			}
		}
		if !c.failed && !p.Empty() && mode != "plan" {
			for _, ch := range p.Changes {
				if src := s.cfg.Source(ch.Source); ch.Action != planner.NoOp && src != nil && !src.AllowWrites {
					c.fail(fmt.Errorf("%s does not allow writes: add allow_writes = true to its block (only for databases you may change)", ch.Source))
					break
				}
			}
		}
		if !c.failed && c.outcome == "" {
			c.outcome = "ok"
		}
	})
	defer func() {
		for _, c := range cs {
			if c.s != nil {
				c.s.close()
			}
		}
	}()
	if mode == "plan" {
		for _, c := range cs {
			if c.failed && f.out != "" {
				c.a.dropSavedPlan(f.out)
			}
		}
		a.fleetReport(cs, "plan")
		if f.out != "" {
			fmt.Fprintf(a.out, "\nSaved each planned workspace's plan as %s in its folder. To apply exactly these plans, run: anomgen fleet apply -plan %s DIR...\n", f.out, f.out)
		}
		return fleetExit(cs)
	}

	// 2. One confirmation for every database.
	var run []*customer
	for _, c := range cs {
		if !c.failed && c.plan != nil && !c.plan.Empty() {
			run = append(run, c)
		}
	}
	if len(run) > 0 {
		if err := a.fleetConfirm(run, mode, f.autoApprove); err != nil {
			for _, c := range run {
				c.outcome = "planned, not " + map[string]string{"apply": "applied", "rollback": "rolled back"}[mode] + " (no confirmation)"
			}
			a.fleetReport(cs, mode)
			return err
		}
	}

	// 3. Apply (or roll back) every workspace.
	pr := newProgress(a.err, isTerminal(a.err))
	hooks := map[*customer]func(executor.Event){}
	for _, c := range run {
		hooks[c] = pr.customer(c.name, c.plan)
	}
	pr.start()
	each(run, f.workspaces, func(c *customer) {
		start := time.Now()
		defer func() { c.took += time.Since(start) }()
		c.s.eng.Progress = hooks[c]
		fmt.Fprintln(c.a.out)
		var done int64
		audit := c.a.watch(c.s, op)
		next := c.s.eng.Events
		c.s.eng.Events = func(ev executor.Event) {
			if ev.Kind == executor.EventDone {
				done += ev.Rows
			}
			next(ev)
		}
		res, err := c.s.eng.Apply(ctx, c.plan, c.s.st, c.s.saveState)
		if aerr := audit.flush(); aerr != nil {
			fmt.Fprintf(c.a.err, "Warning: %v\n", aerr)
		}
		c.anomalies, c.rows = res.Applied+res.RolledBack+res.Incomplete, done
		summary := fmt.Sprintf("%d applied, %d rolled back, %d failed, %d not attempted", res.Applied, res.RolledBack, res.Failed, res.NotAttempted)
		fmt.Fprintf(c.a.out, "\n%s: %s.\n", capitalize(mode), summary)
		if err != nil {
			if errors.Is(err, executor.ErrConflicts) && res.Failed == 0 {
				c.failed, c.outcome = true, "failed: rows changed since injection were left alone (journals kept)"
				return
			}
			c.fail(err)
			return
		}
		c.outcome = "ok"
	})
	pr.stop()
	a.fleetReport(cs, mode)
	return fleetExit(cs)
}

// savedPlanName checks the name given to fleet plan -out or fleet apply
// -plan: a file name relative to each workspace folder.
func savedPlanName(flag, name string) error {
	switch {
	case name == "":
		return nil
	case filepath.IsAbs(name):
		return fmt.Errorf("%s %s: give a file name, relative to each workspace folder (e.g. %s reviewed.plan), not an absolute path: every workspace saves its own plan", flag, name, flag)
	case filepath.Clean(name) == "." || strings.HasSuffix(name, string(filepath.Separator)):
		return fmt.Errorf("%s %q: give a file name, relative to each workspace folder (e.g. %s reviewed.plan)", flag, name, flag)
	}
	return nil
}

// loadFleetPlan reads the plan this workspace saved as name and checks it
// as apply FILE does (saved.go).
func (a *app) loadFleetPlan(ctx context.Context, s *session, name string) (*planner.Plan, error) {
	path := filepath.Join(a.dir, name)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no saved plan %s in this workspace: plan it with `anomgen fleet plan -out %s DIR...`, review it, then run fleet apply -plan %s again (looked for %s; nothing was changed in this workspace)", name, name, name, path)
	}
	p, err := a.loadSavedPlan(ctx, s, path)
	var stale *staleError
	if errors.As(err, &stale) {
		return nil, fmt.Errorf("the saved plan %s is stale: %s; nothing was changed in this workspace\n  - %s\nPlan it again with `anomgen fleet plan -out %s DIR...`, review it, then run fleet apply -plan %s again",
			name, stale.why[0], strings.Join(stale.why, "\n  - "), name, name)
	}
	return p, err
}

// dropSavedPlan removes an older plan saved as name when planning this
// workspace failed, so that fleet apply -plan name never applies a plan
// other than the one this fleet plan showed.
func (a *app) dropSavedPlan(name string) {
	path := filepath.Join(a.dir, name)
	if err := os.Remove(path); err == nil {
		fmt.Fprintf(a.out, "Removed the older saved plan %s: planning this workspace failed.\n", path)
	}
}

func fleetExit(cs []*customer) error {
	for _, c := range cs {
		if c.failed {
			return exitError{1}
		}
	}
	return nil
}

// fleetConfirm lists every database the run changes and asks once.
func (a *app) fleetConfirm(run []*customer, verb string, autoApprove bool) error {
	fmt.Fprintln(a.err)
	fmt.Fprintln(a.err, a.paint(bold+red, fmt.Sprintf("WARNING: this fleet %s changes data in place in these databases:", verb)))
	n := 0
	for _, c := range run {
		for _, t := range planTouches(c.plan) {
			addr := t.addr
			conn := c.s.eng.Conn(addr)
			if conn == nil {
				continue
			}
			db := conn.Database
			if src := c.s.cfg.Source(addr); src != nil && src.Type == "sqlite" {
				db = filepath.Base(db)
			}
			tl, rows := t.tables, t.rows
			n++
			fmt.Fprintf(a.err, "  %s: %s on host %s, database %s: %d tables (%s), %s rows\n", c.name, addr, conn.Host, db, len(tl), strings.Join(tl, ", "), planner.Thousands(rows))
		}
	}
	if autoApprove {
		return nil
	}
	if !a.isTerminal() {
		return fmt.Errorf("refusing to %s without confirmation: standard input is not a terminal. Review the plans, then run again with -auto-approve", verb)
	}
	fmt.Fprintf(a.err, "\nType the number of databases listed (%d) to confirm: ", n)
	line, _ := bufio.NewReader(a.in).ReadString('\n')
	if strings.TrimSpace(line) != strconv.Itoa(n) {
		return fmt.Errorf("fleet %s cancelled: the answer did not match; nothing was changed", verb)
	}
	return nil
}

// fleetReport prints each customer's output, then the table.
func (a *app) fleetReport(cs []*customer, mode string) {
	for _, c := range cs {
		fmt.Fprintf(a.out, "%s\n", a.paint(bold, fmt.Sprintf("=== %s (%s) ===", c.name, c.dir)))
		io.WriteString(a.out, c.buf.String())
		fmt.Fprintln(a.out)
	}
	rowsHead := "ROWS"
	if mode == "plan" {
		rowsHead = "ROWS (planned)"
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "CUSTOMER\tANOMALIES\t%s\tDURATION\tOUTCOME\n", rowsHead)
	for _, c := range cs {
		outcome := c.outcome
		if c.failed {
			outcome = a.paint(red, outcome)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", c.name, c.anomalies, planner.Thousands(c.rows), c.took.Round(time.Millisecond), outcome)
	}
	_ = tw.Flush()
}

// fleetStatus lists the applied anomalies of every workspace.
func (a *app) fleetStatus(ctx context.Context, cs []*customer, f fleetFlags) error {
	each(cs, f.workspaces, func(c *customer) {
		start := time.Now()
		defer func() { c.took = time.Since(start) }()
		cfg, err := c.a.loadConfig()
		if err != nil {
			c.fail(err)
			return
		}
		if cfg.Workspace != "" {
			c.name = cfg.Workspace
		}
		st, err := c.a.readState(ctx)
		if err != nil {
			c.fail(err)
			return
		}
		tw := tabwriter.NewWriter(c.a.out, 0, 4, 2, ' ', 0)
		for _, an := range st.Anomalies {
			c.anomalies++
			c.rows += an.Rows
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", an.Address, status(an), where(an), planner.Thousands(an.Rows), an.AppliedAt.UTC().Format(time.RFC3339))
		}
		_ = tw.Flush()
		c.outcome = "ok"
		if c.anomalies == 0 {
			c.outcome = "nothing applied"
			fmt.Fprintln(c.a.out, "Nothing is applied.")
		}
	})
	a.fleetReport(cs, "status")
	return fleetExit(cs)
}
