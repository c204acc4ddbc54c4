package main

// anomgen daemon (issue 13, first part): one process serves one or more
// workspaces and, for every anomaly with a schedule block, applies each
// occurrence at its fire time (planned exactly as `plan` would, with the
// fire time as the plan's now) and reverts it when its duration ends. The
// planner's expiry does the reverting: an occurrence is applied with
// ExpiresAt = fire time + duration and plans as Expire once due.
//
// gocron (github.com/go-co-op/gocron/v2) only decides when to wake up;
// what is due is always computed from the schedule, the state and the
// clock (runDue), so a restart, a late wake-up or -once all end up doing
// the same thing.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/go-co-op/gocron/v2"
	"github.com/hashicorp/hcl/v2"
	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"
)

// daemonOptions are the settings of one daemon run.
type daemonOptions struct {
	once bool
	// file is a fleet file listing workspace folders (-file).
	file string
	// maxRows bounds the rows one occurrence may change.
	maxRows int64
	// stopTimeout bounds how long a stop waits for running work before
	// its context is cancelled (its transaction then rolls back).
	stopTimeout time.Duration
	// clock is the daemon's clock (tests inject a fake one).
	clock clockwork.Clock
	// catchUpLimit bounds the missed occurrences looked at per anomaly.
	catchUpLimit int
	// watch reloads a workspace when its *.hcl files change (-watch).
	watch bool
	// sweep is how often applied continuous occurrences (stale_data)
	// sweep the rows that arrived since into their journal (-sweep).
	sweep time.Duration
	// reload, when set, reloads every workspace on each receive (tests;
	// SIGHUP does the same).
	reload chan struct{}
	// reloaded, when set, is told after each reload (tests).
	reloaded func()
	// observe is -listen and the run's observer (daemon_observe.go).
	observe observeOptions
}

// daemonHook, when set, adjusts a daemon run's options (tests inject a
// fake clock and schedules through it).
var daemonHook func(*daemonOptions)

func (a *app) daemonCmd() *cobra.Command {
	o := daemonOptions{clock: clockwork.NewRealClock()}
	cmd := &cobra.Command{
		Use:   "daemon [DIR...]",
		Short: "Apply scheduled anomalies at their fire times and revert them when their duration ends",
		Long: `Serve one or more workspaces (folders of scenario files with their state;
default: the working folder). Every anomaly with a schedule block is applied
at each fire time, planned exactly as plan would with the fire time as now,
and reverted when its duration ends. Only sources with allow_writes = true
and daemon = true are touched; the daemon never prompts. On start, overdue
reverts run first and missed occurrences are skipped and logged (run with
catch_up = true). SIGTERM or SIGINT: no new work, the running transaction
finishes or rolls back, exit 0. -once runs what is due now and exits.
SIGHUP (or -watch) reloads the files: removed blocks are reverted, changed
ones replaced, new ones scheduled. With a backend "postgres" block, any
number of daemon processes serve the workspace as replicas sharing a River
work queue in the backend: each occurrence is applied and reverted once.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.file != "" {
				dirs, err := fleetDirs(args, o.file) // fleet.go: the fleet file's folders
				if err != nil {
					return err
				}
				args = dirs
			}
			if len(args) == 0 {
				args = []string{a.dir}
			}
			o := o
			if daemonHook != nil {
				daemonHook(&o)
			}
			return a.runDaemon(cmd.Context(), args, o)
		},
	}
	cmd.Flags().StringVar(&o.file, "file", "", "serve the workspace folders listed in `FILE` (a fleet file: one folder a line, # comments, relative to the file's folder), besides any DIR")
	cmd.Flags().BoolVar(&o.once, "once", false, "run what is due now (applies and overdue reverts) and exit")
	cmd.Flags().Int64Var(&o.maxRows, "max-rows", planner.DefaultMaxRowsPerApply, "the most rows one occurrence may change")
	cmd.Flags().DurationVar(&o.stopTimeout, "stop-timeout", 30*time.Second, "on SIGTERM/SIGINT, how long running work may go on before it is cancelled (rolled back)")
	cmd.Flags().BoolVar(&o.watch, "watch", false, "reload a workspace when its *.hcl files change (as SIGHUP does)")
	addObserveFlags(cmd, &o.observe) // -listen (daemon_observe.go)
	cmd.Flags().DurationVar(&o.sweep, "sweep", time.Minute, "how often an applied stale_data occurrence hides the rows that arrived since (moves them into its journal)")
	return cmd
}

// wsRunner runs the schedule of one workspace.
type wsRunner struct {
	a   *app // an app whose dir is the workspace
	o   daemonOptions
	mu  sync.Mutex // one run at a time per workspace
	dir string
	// stopping is done once a stop was asked for.
	stopping context.Context
	// revert is the workspace's one job that wakes it at the next revert
	// (moved, not added, by each run).
	revertMu sync.Mutex
	revert   gocron.Job
	// overdue is the revert time scheduleExpiry last saw: one already
	// due is retried at once the first time, then every minute.
	overdue time.Time
	// jobs are the workspace's per-anomaly jobs (replaced on reload) and
	// sweeper its sweep job; under revertMu.
	jobs    []gocron.Job
	sweeper gocron.Job
	// cfg is the configuration served: loaded at start and by each reload
	// that succeeds (a broken file keeps the previous one); nil with -once
	// (each run loads the files). Under cfgMu.
	cfgMu sync.Mutex
	cfg   *config.Config
	// replicaReload, when set, reloads the workspace as a replica of a
	// postgres backend does (daemon_river.go).
	replicaReload func(work context.Context, s gocron.Scheduler) bool
}

// config is the configuration the runner serves (nil: load the files).
func (r *wsRunner) config() *config.Config {
	r.cfgMu.Lock()
	defer r.cfgMu.Unlock()
	return r.cfg
}

func (a *app) workspaceApp(dir string) *app {
	sub := *a
	if !filepath.IsAbs(dir) && a.chdir != "" && dir != a.dir {
		dir = filepath.Join(a.dir, dir)
	}
	sub.dir = dir
	return &sub
}

// runDaemon serves dirs until ctx ends (or once).
func (a *app) runDaemon(ctx context.Context, dirs []string, o daemonOptions) error {
	if o.clock == nil {
		o.clock = clockwork.NewRealClock()
	}
	// Jobs of several workspaces print from gocron's goroutines: one lock
	// for both streams keeps their lines whole.
	mu := &sync.Mutex{}
	locked := *a
	locked.out, locked.err = &lockedWriter{mu: mu, w: a.out}, &lockedWriter{mu: mu, w: a.err}
	a = &locked
	if o.catchUpLimit == 0 {
		o.catchUpLimit = 1000
	}
	if o.stopTimeout == 0 {
		o.stopTimeout = 30 * time.Second
	}
	stopObserve, oerr := a.observeDaemon(&o) // daemon_http.go: metrics, occurrence logs, -listen
	if oerr != nil {
		return oerr
	}
	defer stopObserve()
	// Work outlives the stop signal for at most stopTimeout: a running
	// transaction finishes (or is cancelled and rolls back).
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case <-time.After(o.stopTimeout):
				cancelWork()
			case <-finished:
			}
		case <-finished:
		}
	}()
	var runners []*wsRunner
	for _, d := range dirs {
		r := &wsRunner{a: a.workspaceApp(d), o: o, dir: d, stopping: ctx}
		cfg, err := r.a.loadConfig()
		if err != nil {
			return err
		}
		if diags := daemonGuards(cfg); diags.HasErrors() {
			_ = r.a.diagnostics(cfg.Files, diags)
			return fmt.Errorf("%s: the daemon refuses to run this workspace (see above)", d)
		}
		if !o.once {
			r.cfg = cfg
		}
		o.observe.obs.workspace(d, cfg)
		runners = append(runners, r)
	}
	// With a postgres backend, the replicas share a River work queue
	// (daemon_river.go).
	if handled, err := a.runReplicated(ctx, work, runners, o); handled {
		return err
	}
	// Reconcile first: overdue reverts, then the occurrence due now (and
	// missed ones with catch_up).
	var failed error
	for _, r := range runners {
		if ctx.Err() != nil {
			break // stopping: no new work
		}
		if err := r.runDue(work, o.clock.Now()); err != nil {
			r.report(err)
			failed = err
		}
	}
	if o.once || ctx.Err() != nil {
		if failed != nil && ctx.Err() == nil {
			return exitError{1}
		}
		if ctx.Err() != nil {
			fmt.Fprintln(a.out, "anomgen daemon: stopped.")
		}
		return nil
	}
	s, stopReload, err := a.startScheduler(ctx, work, o, runners, func(s gocron.Scheduler) error {
		for _, r := range runners {
			if err := r.schedule(work, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer stopReload()
	fmt.Fprintf(a.out, "anomgen daemon: serving %s; stop with SIGTERM or SIGINT.\n", strings.Join(dirs, ", "))
	o.observe.obs.setReady()
	<-ctx.Done()
	o.observe.obs.setStopping()
	fmt.Fprintln(a.out, "anomgen daemon: stopping: no new work; waiting for running work to finish.")
	stopped := make(chan error, 1)
	go func() { stopped <- s.Shutdown() }()
	select {
	case err = <-stopped:
	case <-time.After(o.stopTimeout):
		err = errors.New("running work did not finish in time")
	}
	cancelWork()
	// Each workspace's run holds its mutex: wait (bounded) for them.
	done := make(chan struct{})
	go func() {
		for _, r := range runners {
			r.mu.Lock()
			r.mu.Unlock() //nolint:staticcheck // a barrier
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	if err != nil {
		fmt.Fprintf(a.err, "%s %v\n", a.paint(yellow, "Warning:"), err)
	}
	fmt.Fprintln(a.out, "anomgen daemon: stopped.")
	return nil
}

// daemonGuards refuses scheduled anomalies on sources that did not opt in,
// pointing at the source block.
func daemonGuards(cfg *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	refuse := func(r hcl.Range, summary, detail string) {
		r2 := r
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r2})
	}
	for _, an := range cfg.Anomalies {
		if an.Schedule == nil || an.Target == nil || an.Target.Source == nil {
			continue
		}
		src := an.Target.Source
		var missing []string
		if !src.AllowWrites {
			missing = append(missing, "allow_writes = true")
		}
		if !src.Daemon {
			missing = append(missing, "daemon = true")
		}
		if len(missing) > 0 {
			refuse(src.DeclRange, src.Addr()+" does not opt in to the daemon",
				fmt.Sprintf("%s is scheduled on %s, which does not opt in to the daemon: add %s to the source block (only for databases the daemon may change unattended, never production).", an.Addr(), src.Addr(), strings.Join(missing, " and ")))
			continue
		}
		if an.Schedule.Every <= 0 && an.Schedule.Cron == "" {
			refuse(an.Schedule.DeclRange, "Schedule without every or cron", an.Addr()+": its schedule has neither every nor cron.")
		}
	}
	return diags
}

// occurrenceDuration is how long each occurrence of an lasts (the kind's
// own timing where it decides: planner.OccurrenceDuration).
func occurrenceDuration(an *config.Anomaly) time.Duration {
	if d := planner.OccurrenceDuration(an); d > 0 {
		return d
	}
	switch {
	case an.Schedule.Duration > 0:
		return an.Schedule.Duration
	case an.Duration > 0:
		return an.Duration
	case an.Schedule.Every > 0:
		return an.Schedule.Every
	}
	return time.Hour
}

// startScheduler creates the gocron scheduler on o's clock, lets
// schedule add the jobs, starts it and the reloads (SIGHUP, -watch:
// daemon_reload.go); the local daemon and the replicas share it. On an
// error the scheduler is shut down.
func (a *app) startScheduler(ctx, work context.Context, o daemonOptions, runners []*wsRunner, schedule func(gocron.Scheduler) error) (gocron.Scheduler, func(), error) {
	s, err := gocron.NewScheduler(gocron.WithClock(o.clock), gocron.WithLocation(time.UTC), gocron.WithStopTimeout(o.stopTimeout))
	if err != nil {
		return nil, nil, err
	}
	if err := schedule(s); err != nil {
		_ = s.Shutdown()
		return nil, nil, err
	}
	s.Start()
	stopReload, err := a.startReload(ctx, work, s, runners)
	if err != nil {
		_ = s.Shutdown()
		return nil, nil, err
	}
	return s, stopReload, nil
}

// schedule adds one gocron job per scheduled anomaly; each wakes runDue.
func (r *wsRunner) schedule(ctx context.Context, s gocron.Scheduler) error {
	cfg := r.config()
	if cfg == nil {
		var err error
		if cfg, err = r.a.loadConfig(); err != nil {
			return err
		}
	}
	var jobs []gocron.Job
	var err error
	for _, an := range cfg.Anomalies {
		if an.Schedule == nil {
			continue
		}
		next := planner.NextFires(an.Schedule, r.o.clock.Now(), 1, an.Addr())
		if len(next) == 0 {
			continue
		}
		// One job per scheduled anomaly: a one-time job at its next fire
		// time (planner.NextFires: every or cron, timezone, jitter, until,
		// max_runs), moved to the following one after each run.
		sched, addr, name := an.Schedule, an.Addr(), r.dir+" "+an.Addr()
		var job gocron.Job
		var task func()
		task = func() {
			r.tick(ctx, s)
			if n := planner.NextFires(sched, r.o.clock.Now(), 1, addr); len(n) > 0 {
				_, _ = s.Update(job.ID(), gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(n[0])), gocron.NewTask(task), gocron.WithName(name))
			}
		}
		if job, err = s.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(next[0])), gocron.NewTask(task), gocron.WithName(name)); err != nil {
			return fmt.Errorf("%s: scheduling %s: %w", r.dir, an.Addr(), err)
		}
		jobs = append(jobs, job)
	}
	r.revertMu.Lock()
	for _, j := range r.jobs { // a reload's: the old blocks' jobs go
		_ = s.RemoveJob(j.ID())
	}
	r.jobs = jobs
	r.revertMu.Unlock()
	// Reverts of occurrences applied before this start.
	r.scheduleExpiry(ctx, s)
	return r.scheduleSweep(ctx, s) // daemon_sweep.go
}

// tick runs what is due and schedules the next revert.
func (r *wsRunner) tick(ctx context.Context, s gocron.Scheduler) {
	if r.stopping != nil && r.stopping.Err() != nil {
		return // stopping: no new work
	}
	if err := r.runDue(ctx, r.o.clock.Now()); err != nil {
		r.report(err)
	}
	r.scheduleExpiry(ctx, s)
}

// scheduleExpiry adds a one-time job at the earliest future revert.
func (r *wsRunner) scheduleExpiry(ctx context.Context, s gocron.Scheduler) {
	st, err := state.Load(r.a.statePath())
	if err != nil {
		return
	}
	now := r.o.clock.Now()
	var next time.Time
	for _, an := range st.Anomalies {
		if an.Status == "" && an.ExpiresAt != nil && (next.IsZero() || an.ExpiresAt.Before(next)) {
			next = *an.ExpiresAt
		}
	}
	if next.IsZero() {
		return
	}
	r.revertMu.Lock()
	defer r.revertMu.Unlock()
	start := gocron.OneTimeJobStartDateTime(next)
	if !next.After(now) {
		// Already due: its end passed while the run that applied it (or
		// another) was running; revert it now rather than at the next
		// fire. Once only: when that run could not revert it either (its
		// database is down), retry a minute later, not in a busy loop.
		if r.overdue.Equal(next) {
			start = gocron.OneTimeJobStartDateTime(now.Add(time.Minute))
		} else {
			start = gocron.OneTimeJobStartImmediately()
		}
		r.overdue = next
	} else {
		r.overdue = time.Time{}
	}
	def := gocron.OneTimeJob(start)
	task := gocron.NewTask(func() { r.tick(ctx, s) })
	if r.revert != nil {
		if _, err := s.Update(r.revert.ID(), def, task, gocron.WithName(r.dir+" revert")); err == nil {
			return
		}
	}
	if j, err := s.NewJob(def, task, gocron.WithName(r.dir+" revert")); err == nil {
		r.revert = j
	}
}

// runDue does what is due at now in the workspace: overdue reverts first,
// then the current occurrence of each scheduled anomaly not yet run (and,
// with catch_up, missed ones; without, they are skipped and logged).
func (r *wsRunner) runDue(ctx context.Context, now time.Time) error {
	return r.runDueMode(ctx, now, false)
}

// runDueMode is runDue; reconcileOnly (a replica's reload) stops after the
// reverts and replaces: a replica's new occurrences are River jobs.
func (r *wsRunner) runDueMode(ctx context.Context, now time.Time, reconcileOnly bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now = now.UTC()
	s, err := r.a.open(ctx, openOptions{lockOp: "daemon", lockTimeout: time.Minute, cfg: r.config()})
	if err != nil {
		return connectError(err)
	}
	defer s.close()
	s.occurrences = true // scheduled anomalies plan as occurrences
	if diags := daemonGuards(s.cfg); diags.HasErrors() {
		return diags
	}
	var sched []*config.Anomaly
	var addrs []string
	for _, an := range s.cfg.Anomalies {
		if an.Schedule != nil {
			sched = append(sched, an)
			addrs = append(addrs, an.Addr())
		}
	}
	// Applied anomalies whose block is gone from the files (a reload, or
	// files changed between runs) are reverted, as apply would.
	var removed []string
	for _, p := range s.st.Anomalies {
		if p.Status == "" && s.cfg.Anomaly(p.Address) == nil {
			removed = append(removed, p.Address)
		}
	}
	if len(sched) == 0 && len(removed) == 0 {
		return nil
	}
	au := r.a.watch(s, "daemon")
	ob := r.o.observe.obs.watch(r.dir, s, au) // counts, logs and shows occurrences (daemon_observe.go)
	// The occurrence a record is about: the one being applied, or the
	// applied one being reverted (applied at its fire time).
	var firing time.Time
	au.occurrence = func(addr string) time.Time {
		if !firing.IsZero() {
			return firing
		}
		if p := s.st.Get(addr); p != nil {
			return p.AppliedAt
		}
		return time.Time{}
	}
	defer func() {
		au.mu.Lock()
		recs := append([]auditRecord(nil), au.recs...)
		au.mu.Unlock()
		if err := au.flush(); err != nil {
			fmt.Fprintf(r.a.err, "%s %v\n", r.a.paint(yellow, "Warning:"), err)
		}
		r.a.backendAudit(s, recs) // with a postgres backend (daemon_river.go)
	}()
	// run plans only at planNow (destroy: their rollback), keeps the
	// changes of the given action and applies them with the engine's
	// clock at planNow.
	run := func(only []string, planNow time.Time, action planner.Action) error {
		s.now = planNow
		p, err := r.a.makePlan(ctx, s, only, action == planner.Destroy)
		if err != nil {
			return err
		}
		var keep []*planner.Change
		for _, ch := range p.Changes {
			if ch.Action == action {
				keep = append(keep, ch)
			}
		}
		p.Changes = keep
		if p.Empty() {
			return nil
		}
		if action == planner.Create || action == planner.Replace {
			if err := refuseOverLimits(p, r.o.maxRows); err != nil {
				return err
			}
		}
		s.eng.Now = func() time.Time { return planNow }
		// With a backend, an occurrence's catalog entry carries its id, as
		// the replicas' jobs write it (daemon_river.go).
		s.eng.Occurrences = nil
		if s.cfg.Backend != nil && !firing.IsZero() {
			s.eng.Occurrences = map[string]string{}
			for _, addr := range only {
				s.eng.Occurrences[addr] = occurrenceID(s.cfg.Workspace, addr, firing)
			}
		}
		// The plan carried out, as plan's summary line says it.
		fmt.Fprintf(r.a.out, "%s: %s\n", r.dir, planSummary(p))
		_, err = s.eng.Apply(ctx, p, s.st, s.saveState)
		s.eng.Occurrences = nil
		return err
	}
	// expire reverts the applied occurrences whose duration has ended:
	// through the planner's expiry, or, for one whose block changed since
	// (the planner then proposes a replace), through its rollback.
	expire := func() error {
		firing = time.Time{}
		due := func() []string {
			var out []string
			for _, addr := range addrs {
				if p := s.st.Get(addr); p != nil && p.Status == "" && p.ExpiresAt != nil && !now.Before(*p.ExpiresAt) {
					out = append(out, addr)
				}
			}
			return out
		}
		if d := due(); len(d) > 0 {
			if err := run(d, now, planner.Expire); err != nil {
				return err
			}
		}
		if d := due(); len(d) > 0 {
			return run(d, now, planner.Destroy)
		}
		return nil
	}
	if err := expire(); err != nil {
		return fmt.Errorf("reverting overdue occurrences: %w", err)
	}
	if len(removed) > 0 {
		if err := run(removed, now, planner.Destroy); err != nil {
			return fmt.Errorf("reverting anomalies whose block was removed: %w", err)
		}
	}
	var errs []error
	// An applied occurrence whose block changed (a reload) is replaced
	// through the planner: rolled back, and the occurrence running now
	// under the new block applied at its fire time; with none running
	// now it is only rolled back, and the next fire applies the new block.
	for _, an := range sched {
		addr := an.Addr()
		if p := s.st.Get(addr); p == nil || p.Status != "" {
			continue
		}
		s.now = now
		p, err := r.a.makePlan(ctx, s, []string{addr}, false)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		changed, protected := false, false
		for _, ch := range p.Changes {
			if ch.Address == addr && ch.Action == planner.Replace {
				changed, protected = true, ch.Protected
			}
		}
		if !changed {
			continue
		}
		fires := pendingFires(an, nil, now, occurrenceDuration(an), r.o.catchUpLimit)
		firing = time.Time{}
		if len(fires) == 0 || protected {
			// With its target protected now, no new occurrence may run:
			// the applied one is only rolled back.
			then := "the next fire applies the new block"
			if protected {
				then = "its target is protected now (protect = true), so no new occurrence runs"
			}
			fmt.Fprintf(r.a.out, "%s: its block changed: the applied occurrence is rolled back; %s\n", addr, then)
			err = run([]string{addr}, now, planner.Destroy)
		} else {
			fmt.Fprintf(r.a.out, "%s: its block changed: the occurrence of %s is replaced\n", addr, fires[0].Format(time.RFC3339))
			firing = fires[0]
			err = run([]string{addr}, fires[0], planner.Replace)
			firing = time.Time{}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: replacing its changed occurrence: %w", addr, err))
		}
	}
	if reconcileOnly {
		return errors.Join(errs...)
	}
	for _, an := range sched {
		addr := an.Addr()
		dur := occurrenceDuration(an)
		for _, f := range pendingFires(an, s.st.Get(addr), now, dur, r.o.catchUpLimit) {
			current := f.Add(dur).After(now)
			if !current && !an.Schedule.CatchUp {
				au.note(addr, f, "skip", "skipped", fmt.Sprintf("occurrence of %s missed while the daemon was not running (catch_up = true runs such occurrences)", f.Format(time.RFC3339)))
				ob.skipped(addr, f, "missed while the daemon was not running")
				fmt.Fprintf(r.a.out, "%s: skipped the occurrence of %s, missed while the daemon was not running\n", addr, f.Format(time.RFC3339))
				continue
			}
			if p := s.st.Get(addr); p != nil && p.Status == "" {
				why := "the previous occurrence is still applied"
				if p.ExpiresAt == nil {
					// Applied by apply before the block had a schedule:
					// it never expires by itself.
					why = fmt.Sprintf("it is applied without an end (applied %s, before its block had a schedule); `anomgen rollback %s` lets the daemon run its occurrences", p.AppliedAt.Format(time.RFC3339), addr)
				}
				au.note(addr, f, "skip", "skipped", fmt.Sprintf("occurrence of %s: %s", f.Format(time.RFC3339), why))
				ob.skipped(addr, f, why)
				fmt.Fprintf(r.a.out, "%s: skipped the occurrence of %s: %s\n", addr, f.Format(time.RFC3339), why)
				continue
			} else if p != nil && p.Status == state.StatusExpired {
				// It ran its course: this occurrence is a new one.
				s.st.Remove(addr)
			}
			fmt.Fprintf(r.a.out, "%s: occurrence of %s\n", addr, f.Format(time.RFC3339))
			firing = f
			err := run([]string{addr}, f, planner.Create)
			firing = time.Time{}
			if err != nil {
				ob.failed(addr, f, err)
				errs = append(errs, fmt.Errorf("%s: occurrence of %s: %w", addr, f.Format(time.RFC3339), err))
				break
			}
			if !current {
				if err := expire(); err != nil {
					errs = append(errs, err)
					break
				}
			}
		}
	}
	// Continuous kinds keep acting while they last (daemon_sweep.go).
	if err := r.sweepApplied(ctx, s, sched, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pendingFires are the fire times of an not yet run (planner.FiresBetween):
// after the last applied occurrence prior (the latest catchUpLimit of
// them), or on a first start (no prior) only the latest one whose
// duration dur still runs.
func pendingFires(an *config.Anomaly, prior *state.Anomaly, now time.Time, dur time.Duration, catchUpLimit int) []time.Time {
	addr := an.Addr()
	if prior == nil {
		if fs := planner.FiresBetween(an.Schedule, now.Add(-dur), now, addr); len(fs) > 0 {
			return fs[len(fs)-1:]
		}
		return nil
	}
	fires := planner.FiresBetween(an.Schedule, prior.AppliedAt, now, addr)
	if len(fires) > catchUpLimit {
		fires = fires[len(fires)-catchUpLimit:]
	}
	return fires
}

// note records a daemon decision that changed nothing (a skipped
// occurrence) in the audit log.
func (au *auditor) note(addr string, at time.Time, action, outcome, msg string) {
	au.mu.Lock()
	defer au.mu.Unlock()
	host, _ := os.Hostname()
	occ := at
	rec := auditRecord{Time: time.Now().UTC(), User: "daemon", Host: host, Command: au.command, Address: addr, Action: action, Outcome: outcome, Note: msg, Occurrence: &occ}
	if a := au.s.cfg.Anomaly(addr); a != nil && a.Target != nil {
		rec.Source, rec.Table = a.Target.Source.Addr(), a.Target.Table
	}
	au.recs = append(au.recs, rec)
}

// planNow is the time the session's plans are made at.
func (s *session) planNow() time.Time {
	if !s.now.IsZero() {
		return s.now
	}
	return planClock()
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// report prints a run's error (one already shown as diagnostics is not
// repeated) and logs it.
func (r *wsRunner) report(err error) {
	r.a.log.Error("daemon run failed", "workspace", r.dir, "error", err)
	r.o.observe.obs.runFailed(r.dir, err)
	var shown exitError
	if errors.As(err, &shown) {
		return
	}
	fmt.Fprintf(r.a.err, "%s %s: %v\n", r.a.paint(red, "Error:"), r.dir, err)
}
