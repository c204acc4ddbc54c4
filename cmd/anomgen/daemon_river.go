package main

// The daemon with a postgres backend (issue 13, replicas): any number of
// `anomgen daemon` processes serve the same workspaces, and each
// occurrence is applied exactly once and reverted exactly once.
//
//   - Every replica runs gocron, which only decides when to enqueue: at an
//     occurrence's fire time it inserts a River job "apply (workspace,
//     address, fire time)", at fire time + duration a job "revert (...)".
//     The jobs are unique by their arguments (River UniqueOpts ByArgs), so
//     the inserts of the other replicas are absorbed.
//   - Any replica's River client may run a job. A replica killed while
//     running one leaves it "running"; River's rescuer hands it to another
//     replica after rescue_after.
//   - Delivery is thus at least once, and a job is idempotent: it runs
//     under the backend's state lock, and the journal catalog entry of an
//     occurrence carries its id (state.Anomaly.Occurrence), committed in
//     the transaction of the mutation. A second delivery of an apply finds
//     it (or a later occurrence) and does nothing; a second delivery of a
//     revert finds nothing applied and does nothing.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
	"github.com/go-co-op/gocron/v2"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// occArgs identifies one occurrence: the unique key of its jobs.
type occArgs struct {
	Workspace string    `json:"workspace"`
	Address   string    `json:"address"`
	Fire      time.Time `json:"fire"`
}

// occurrenceID is the occurrence id recorded in the journal catalog.
func occurrenceID(workspace, addr string, fire time.Time) string {
	return workspace + "/" + addr + "/" + fire.UTC().Format(time.RFC3339Nano)
}

type applyArgs struct{ occArgs }

func (applyArgs) Kind() string { return "anomgen_apply" }

type revertArgs struct{ occArgs }

func (revertArgs) Kind() string { return "anomgen_revert" }

// replica serves one workspace with a postgres backend.
type replica struct {
	r      *wsRunner
	cfg    *config.Config
	name   string // the workspace name
	queue  string
	pg     *state.Postgres
	client *river.Client[pgx.Tx]
}

type applyWorker struct {
	river.WorkerDefaults[applyArgs]
	rp *replica
}

func (w *applyWorker) Work(ctx context.Context, job *river.Job[applyArgs]) error {
	return w.rp.apply(ctx, job.Args.Address, job.Args.Fire.UTC(), job.Attempt)
}

type revertWorker struct {
	river.WorkerDefaults[revertArgs]
	rp *replica
}

func (w *revertWorker) Work(ctx context.Context, job *river.Job[revertArgs]) error {
	return w.rp.revert(ctx, job.Args.Address, job.Args.Fire.UTC())
}

// runReplicated serves the workspaces with River when they declare a
// backend; handled is false when none does (the local daemon runs).
func (a *app) runReplicated(ctx, work context.Context, runners []*wsRunner, o daemonOptions) (handled bool, err error) {
	var reps []*replica
	for _, r := range runners {
		cfg, err := r.a.loadConfig()
		if err != nil {
			return true, err
		}
		reps = append(reps, &replica{r: r, cfg: cfg, name: cfg.Workspace})
	}
	with := 0
	for _, rp := range reps {
		if rp.cfg.Backend != nil {
			with++
		}
	}
	if with == 0 {
		return false, nil
	}
	if with != len(reps) {
		var without []string
		for _, rp := range reps {
			if rp.cfg.Backend == nil {
				without = append(without, rp.r.dir)
			}
		}
		return true, fmt.Errorf("some of the workspaces declare a backend and %s do not: serve workspaces with a postgres backend and workspaces with a local state in separate daemon processes", strings.Join(without, ", "))
	}
	if o.once {
		return true, a.onceReplicated(work, reps, o)
	}
	for _, rp := range reps {
		rp.r.replicaReload = rp.reload
	}
	defer func() {
		for _, rp := range reps {
			if rp.pg != nil {
				rp.pg.Close()
			}
		}
	}()
	for _, rp := range reps {
		if err := rp.start(work); err != nil {
			return true, fmt.Errorf("%s: %w", rp.r.dir, err)
		}
	}
	s, stopReload, err := a.startScheduler(ctx, work, o, runners, func(s gocron.Scheduler) error {
		for _, rp := range reps {
			if err := rp.schedule(work, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return true, err
	}
	defer stopReload()
	var dirs []string
	for _, rp := range reps {
		dirs = append(dirs, rp.r.dir)
	}
	fmt.Fprintf(a.out, "anomgen daemon: serving %s as a replica (state and work queue in the postgres backend); stop with SIGTERM or SIGINT.\n", strings.Join(dirs, ", "))
	o.observe.obs.setReady() // /readyz (daemon_observe.go)
	<-ctx.Done()
	o.observe.obs.setStopping()
	fmt.Fprintln(a.out, "anomgen daemon: stopping: no new work; waiting for running work to finish.")
	_ = s.Shutdown()
	stopCtx, cancel := context.WithTimeout(context.Background(), o.stopTimeout)
	defer cancel()
	for _, rp := range reps {
		if err := rp.client.Stop(stopCtx); err != nil {
			fmt.Fprintf(a.err, "%s %s: running work did not finish in time; it was cancelled (rolled back)\n", a.paint(yellow, "Warning:"), rp.r.dir)
			hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = rp.client.StopAndCancel(hard)
			cancel()
		}
	}
	fmt.Fprintln(a.out, "anomgen daemon: stopped.")
	return true, nil
}

// onceReplicated is -once with a postgres backend: what is due now runs
// in this process, without River, under the backend's state lock and with
// the occurrence ids the replicas' jobs use, so it neither repeats nor is
// repeated by an occurrence a replica runs: overdue reverts, the reverts
// and replaces of removed and changed blocks (the planner's, as a reload
// does), then each scheduled anomaly's occurrence running now, then the
// stale_data sweep. The revert
// of an occurrence applied here is for the next run (of -once or of a
// replica) after its end.
func (a *app) onceReplicated(ctx context.Context, reps []*replica, o daemonOptions) error {
	var failed error
	now := o.clock.Now().UTC()
	for _, rp := range reps {
		r := rp.r
		if err := r.runDueMode(ctx, now, true); err != nil {
			r.report(err)
			failed = err
		}
		for _, an := range rp.cfg.Anomalies {
			if an.Schedule == nil {
				continue
			}
			addr, dur := an.Addr(), occurrenceDuration(an)
			for _, f := range planner.FiresBetween(an.Schedule, now.Add(-dur), now, addr) {
				if err := rp.apply(ctx, addr, f.UTC(), 1); err != nil {
					r.report(err)
					failed = err
				}
			}
		}
		r.sweepNow(ctx) // stale_data (daemon_sweep.go)
	}
	if failed != nil {
		return exitError{1}
	}
	return nil
}

// reload is a replica's reload (SIGHUP, -watch): its files are read
// again and, when they load, served. What the change means for the
// databases runs through the planner under the backend's state lock, as
// the local daemon's reload (runDueMode): the applied occurrence of a
// removed block reverted, that of a changed block replaced; another
// replica reloading the same files then finds nothing left to do. The
// occurrences of new blocks are enqueued as River jobs at their fire
// times, and the one running now at once.
func (rp *replica) reload(work context.Context, s gocron.Scheduler) bool {
	r := rp.r
	cfg, ok := r.reloadConfig(func(cfg *config.Config) error {
		if cfg.Backend != nil && cfg.Workspace == rp.name {
			return nil
		}
		err := fmt.Errorf("the new files remove the backend block or rename the workspace (%q): restart the daemon to serve another backend or workspace", rp.name)
		fmt.Fprintf(r.a.err, "%s %s: %v\n", r.a.paint(red, "Error:"), r.dir, err)
		return err
	}) // the local daemon's, with the replica's own check (daemon_reload.go)
	if !ok {
		return false
	}
	rp.cfg = cfg
	now := r.o.clock.Now()
	if err := r.runDueMode(work, now, true); err != nil {
		r.report(err)
	}
	if err := rp.schedule(work, s); err != nil {
		r.report(err)
	}
	for _, an := range cfg.Anomalies {
		if an.Schedule != nil {
			rp.enqueueDue(work, an, now)
		}
	}
	fmt.Fprintf(r.a.out, "anomgen daemon: reloaded %s\n", r.dir)
	r.a.log.Info("daemon reloaded", "workspace", r.dir)
	return true
}

// queueName is the River queue of a workspace: replicas serving other
// workspaces on the same backend never take its jobs.
func queueName(workspace string) string {
	h := fnv.New64a()
	h.Write([]byte(workspace))
	return fmt.Sprintf("anomgen_%016x", h.Sum64())
}

// start connects to the backend, migrates River's tables (one replica at
// a time) and starts the River client.
func (rp *replica) start(ctx context.Context) error {
	b := rp.cfg.Backend
	pg, err := rp.r.a.openPostgresBackend(ctx, rp.cfg)
	if err != nil {
		return err
	}
	rp.pg = pg
	driver := riverpgxv5.New(pg.Pool())
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: pg.Schema()})
	if err != nil {
		return err
	}
	if err := pg.WithSetupSessionLock(ctx, func() error {
		_, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}); err != nil {
		return fmt.Errorf("migrating River's tables: %w", err)
	}
	rp.queue = queueName(rp.name)
	workers := river.NewWorkers()
	river.AddWorker(workers, &applyWorker{rp: rp})
	river.AddWorker(workers, &revertWorker{rp: rp})
	logger := slog.New(slog.NewTextHandler(rp.r.a.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rp.client, err = river.NewClient(driver, &river.Config{
		// One job at a time per replica and workspace: jobs of a
		// workspace serialize on its state lock anyway.
		Queues:               map[string]river.QueueConfig{rp.queue: {MaxWorkers: 1}},
		RetryPolicy:          occurrenceRetry{},
		Workers:              workers,
		Schema:               pg.Schema(),
		JobTimeout:           b.JobTimeout,
		RescueStuckJobsAfter: b.RescueAfter,
		MaxAttempts:          5,
		FetchPollInterval:    250 * time.Millisecond,
		Logger:               logger,
	})
	if err != nil {
		return err
	}
	if err := rp.client.Start(ctx); err != nil {
		return fmt.Errorf("starting River: %w", rp.r.a.scrub(err))
	}
	// What is due now: the running occurrences, the reverts that are
	// overdue (also of occurrences whose block changed since).
	now := rp.r.o.clock.Now()
	for _, an := range rp.cfg.Anomalies {
		if an.Schedule != nil {
			rp.enqueueDue(ctx, an, now)
		}
	}
	if st, err := pg.Load(ctx); err == nil {
		for _, p := range st.Anomalies {
			if p.Status == "" && p.ExpiresAt != nil && !now.Before(*p.ExpiresAt) {
				rp.insert(ctx, revertArgs{occArgs{rp.name, p.Address, p.AppliedAt.UTC()}}, time.Time{})
			}
		}
	}
	return nil
}

// occurrenceRetry retries a failed job soon (an occurrence lasts only its
// duration): after 1 s, 2 s, 4 s ... at most 30 s.
type occurrenceRetry struct{}

func (occurrenceRetry) NextRetry(job *rivertype.JobRow) time.Time {
	d := time.Second << min(job.Attempt, 5)
	return time.Now().Add(min(d, 30*time.Second))
}

// insert enqueues a job, unique by its arguments: to run now, or at at
// (a scheduled job). A job due now that is found waiting as a scheduled
// one (the revert its apply scheduled) is made available at once rather
// than at River's next scheduler pass (every 5 s).
func (rp *replica) insert(ctx context.Context, args river.JobArgs, at time.Time) {
	if rp.client == nil {
		return // not started (a test running jobs in-process)
	}
	opts := &river.InsertOpts{Queue: rp.queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if !at.IsZero() {
		opts.ScheduledAt = at
	}
	res, err := rp.client.Insert(ctx, args, opts)
	if err != nil {
		if ctx.Err() == nil {
			rp.r.report(fmt.Errorf("enqueueing %s: %w", args.Kind(), rp.r.a.scrub(err)))
		}
		return
	}
	if at.IsZero() && res.UniqueSkippedAsDuplicate && res.Job != nil && res.Job.State == rivertype.JobStateScheduled && !res.Job.ScheduledAt.After(time.Now().Add(time.Second)) {
		// Running or finished meanwhile: JobRetry leaves a running job
		// alone, and a job run twice does nothing the second time.
		_, _ = rp.client.JobRetry(ctx, res.Job.ID)
	}
}

// enqueueDue enqueues, for an at now, the apply of its running occurrence
// and the reverts of the occurrences that ended lately. Every replica does
// so; River's uniqueness keeps one job of each.
func (rp *replica) enqueueDue(ctx context.Context, an *config.Anomaly, now time.Time) {
	addr, dur := an.Addr(), occurrenceDuration(an)
	for _, f := range planner.FiresBetween(an.Schedule, now.Add(-dur), now, addr) {
		rp.insert(ctx, applyArgs{occArgs{rp.name, addr, f.UTC()}}, time.Time{})
	}
	ended := planner.FiresBetween(an.Schedule, now.Add(-6*dur-time.Minute), now.Add(-dur), addr)
	if len(ended) > 3 {
		ended = ended[len(ended)-3:]
	}
	for _, f := range ended {
		rp.insert(ctx, revertArgs{occArgs{rp.name, addr, f.UTC()}}, time.Time{})
	}
}

// nextEvent is the next fire or end time of an's occurrences after now.
func nextEvent(an *config.Anomaly, now time.Time) time.Time {
	addr, dur := an.Addr(), occurrenceDuration(an)
	var cands []time.Time
	for _, f := range planner.NextFires(an.Schedule, now, 1, addr) {
		cands = append(cands, f, f.Add(dur))
	}
	for _, f := range planner.FiresBetween(an.Schedule, now.Add(-dur), now, addr) {
		cands = append(cands, f.Add(dur))
	}
	var next time.Time
	for _, c := range cands {
		if c.After(now) && (next.IsZero() || c.Before(next)) {
			next = c
		}
	}
	return next
}

// schedule adds one gocron job per scheduled anomaly, moved to the next
// fire or end time after each run; it only enqueues.
func (rp *replica) schedule(ctx context.Context, s gocron.Scheduler) error {
	var jobs []gocron.Job
	defer func() {
		// A reload's: the previous files' jobs go.
		r := rp.r
		r.revertMu.Lock()
		for _, j := range r.jobs {
			_ = s.RemoveJob(j.ID())
		}
		r.jobs = jobs
		r.revertMu.Unlock()
	}()
	for _, an := range rp.cfg.Anomalies {
		if an.Schedule == nil {
			continue
		}
		next := nextEvent(an, rp.r.o.clock.Now())
		if next.IsZero() {
			continue
		}
		an, name := an, rp.r.dir+" "+an.Addr()
		var job gocron.Job
		var task func()
		task = func() {
			now := rp.r.o.clock.Now()
			rp.enqueueDue(ctx, an, now)
			if n := nextEvent(an, now); !n.IsZero() {
				_, _ = s.Update(job.ID(), gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(n)), gocron.NewTask(task), gocron.WithName(name))
			}
		}
		var err error
		if job, err = s.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(next)), gocron.NewTask(task), gocron.WithName(name)); err != nil {
			return fmt.Errorf("%s: scheduling %s: %w", rp.r.dir, an.Addr(), err)
		}
		jobs = append(jobs, job)
	}
	// Continuous kinds (stale_data): the local daemon's periodic sweep,
	// on every replica, one at a time under the state lock.
	if err := rp.r.scheduleSweep(ctx, s); err != nil {
		return err
	}
	// Applied occurrences no schedule here ends (their block was removed
	// or is no longer scheduled): their reverts, at their expiry.
	st, err := rp.pg.Load(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", rp.r.dir, err)
	}
	now := rp.r.o.clock.Now()
	for _, p := range st.Anomalies {
		if p.Status != "" || p.ExpiresAt == nil || !p.ExpiresAt.After(now) {
			continue
		}
		if an := rp.cfg.Anomaly(p.Address); an != nil && an.Schedule != nil {
			continue
		}
		args := revertArgs{occArgs{rp.name, p.Address, p.AppliedAt.UTC()}}
		job, err := s.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartDateTime(*p.ExpiresAt)), gocron.NewTask(func() { rp.insert(ctx, args, time.Time{}) }), gocron.WithName(rp.r.dir+" revert "+p.Address))
		if err != nil {
			return fmt.Errorf("%s: scheduling the revert of %s: %w", rp.r.dir, p.Address, err)
		}
		jobs = append(jobs, job)
	}
	return nil
}

// job is one River job's session: the state locked in the backend,
// sources open, audit records collected (to the audit log and the
// backend's audit table).
type job struct {
	rp     *replica
	s      *session
	au     *auditor
	ob     *observedRun // metrics and the status page (daemon_observe.go)
	firing time.Time
	// addr and fire are the occurrence the job is about: close makes
	// sure the audit table records what the databases say happened to
	// it (recordRecovered).
	addr string
	fire time.Time
}

func (rp *replica) open(ctx context.Context) (*job, error) {
	r := rp.r
	lockTimeout := config.DefaultLockTimeout
	if rp.cfg.Backend != nil {
		lockTimeout = rp.cfg.Backend.LockTimeout
	}
	s, err := r.a.open(ctx, openOptions{lockOp: "daemon", lockTimeout: lockTimeout})
	if err != nil {
		return nil, r.a.scrub(connectError(err))
	}
	if diags := daemonGuards(s.cfg); diags.HasErrors() {
		s.close()
		_ = r.a.diagnostics(s.cfg.Files, diags)
		return nil, fmt.Errorf("%s: the daemon refuses to run this workspace (see above)", r.dir)
	}
	s.occurrences = true // scheduled anomalies plan as occurrences
	j := &job{rp: rp, s: s}
	j.au = r.a.watch(s, "daemon")
	j.ob = r.o.observe.obs.watch(r.dir, s, j.au)
	j.au.occurrence = func(addr string) time.Time {
		if !j.firing.IsZero() {
			return j.firing
		}
		if p := s.st.Get(addr); p != nil {
			return p.AppliedAt
		}
		return time.Time{}
	}
	return j, nil
}

// close writes the audit records and releases the session.
func (j *job) close() {
	j.recordRecovered()
	j.au.mu.Lock()
	recs := append([]auditRecord(nil), j.au.recs...)
	j.au.mu.Unlock()
	a := j.rp.r.a
	if err := j.au.flush(); err != nil {
		fmt.Fprintf(a.err, "%s %v\n", a.paint(yellow, "Warning:"), err)
	}
	a.backendAudit(j.s, recs)
	j.s.close()
}

// backendAudit appends recs to the audit table of s's postgres backend,
// shared by the replicas (none without a backend).
func (a *app) backendAudit(s *session, recs []auditRecord) {
	pg, ok := s.backend.(*state.Postgres)
	if !ok || len(recs) == 0 {
		return
	}
	var rows [][]byte
	for _, rec := range recs {
		b, _ := json.Marshal(rec)
		rows = append(rows, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pg.AppendAudit(ctx, rows); err != nil {
		fmt.Fprintf(a.err, "%s %v\n", a.paint(yellow, "Warning:"), a.scrub(err))
	}
}

// recordRecovered adds the audit records of j's occurrence that a replica
// killed between a commit and its audit write left out. The mutation and
// its journal catalog entry (which carries the occurrence id) commit in
// the target database; the audit record goes to the backend afterwards,
// so a SIGKILL in between loses the record but not the facts: the
// occurrence was applied when its catalog entry exists, the state records
// it as run or the audit table holds its apply, and reverted when it was
// applied and its entry is gone (an entry is only deleted with its
// rollback). For each fact the
// backend's audit table (and this job's own records) lacks, a record
// marked "recorded on recovery" is added. It runs under the state lock,
// so two replicas never both add one.
func (j *job) recordRecovered() {
	if j.addr == "" || j.fire.IsZero() {
		return
	}
	pg, ok := j.s.backend.(*state.Postgres)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, s := j.rp.r.a, j.s
	occ := occurrenceID(j.rp.name, j.addr, j.fire)
	found, err := s.eng.FindOccurrence(ctx, occ)
	if err != nil {
		fmt.Fprintf(a.err, "%s checking the audit records of %s: %v\n", a.paint(yellow, "Warning:"), occ, a.scrub(err))
		return
	}
	var applies, reverts int
	rows, err := pg.Pool().Query(ctx, "SELECT record->>'action' FROM "+pgx.Identifier{pg.Schema(), "audit"}.Sanitize()+
		" WHERE workspace = $1 AND record->>'address' = $2 AND record->>'outcome' = 'done' AND (record->>'occurrence')::timestamptz = $3", j.rp.name, j.addr, j.fire)
	if err != nil {
		fmt.Fprintf(a.err, "%s checking the audit records of %s: %v\n", a.paint(yellow, "Warning:"), occ, a.scrub(err))
		return
	}
	count := func(action string) {
		switch planner.Action(action) {
		case planner.Create, planner.Replace:
			applies++
		case planner.Expire, planner.Destroy:
			reverts++
		}
	}
	for rows.Next() {
		var action string
		if rows.Scan(&action) == nil {
			count(action)
		}
	}
	rows.Close()
	if rows.Err() != nil {
		return
	}
	j.au.mu.Lock()
	defer j.au.mu.Unlock()
	for _, rec := range j.au.recs {
		if rec.Address == j.addr && rec.Outcome == "done" && rec.Occurrence != nil && rec.Occurrence.Equal(j.fire) {
			count(rec.Action)
		}
	}
	// An apply record is evidence too: the state may have forgotten an
	// occurrence whose rollback committed before its save (the refresh
	// then drops it from the state).
	applied := found != nil || s.st.HasRun(j.addr, occ) || applies > 0
	if !applied {
		return
	}
	reverted := found == nil
	add := func(action planner.Action, what string) {
		host, _ := os.Hostname()
		fire := j.fire
		rec := auditRecord{Time: time.Now().UTC(), User: "daemon", Host: host, Command: j.au.command, Address: j.addr, Action: string(action), Outcome: "done", Occurrence: &fire,
			Note: "recorded on recovery: the occurrence was " + what + " (the journal catalog says so) by a replica that stopped before writing this record"}
		if an := s.cfg.Anomaly(j.addr); an != nil && an.Target != nil {
			rec.Source, rec.Table = an.Target.Source.Addr(), an.Target.Table
		}
		if found != nil {
			rec.Rows = found.Rows
		} else if p := s.st.Get(j.addr); p != nil && p.Occurrence == occ {
			rec.Rows = p.Rows
		}
		j.au.recs = append(j.au.recs, rec)
		fmt.Fprintf(a.out, "%s: the audit log lacked the %s of the occurrence of %s: recorded on recovery\n", j.addr, what, j.fire.Format(time.RFC3339))
	}
	if applies == 0 {
		add(planner.Create, "applied")
	}
	if reverted && reverts == 0 {
		add(planner.Expire, "reverted")
	}
}

// run plans only at planNow, keeps the changes of action and applies them
// with the engine's clock at planNow (as the local daemon's runDue).
func (j *job) run(ctx context.Context, only []string, planNow time.Time, action planner.Action) error {
	s, a := j.s, j.rp.r.a
	s.now = planNow
	p, err := a.makePlan(ctx, s, only, action == planner.Destroy)
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
	if action == planner.Create {
		if err := refuseOverLimits(p, j.rp.r.o.maxRows); err != nil {
			return err
		}
	}
	s.eng.Now = func() time.Time { return planNow }
	_, err = s.eng.Apply(ctx, p, s.st, s.saveState)
	return err
}

// expire reverts addr's applied occurrence at now (not before its expiry):
// through the planner's expiry, or its rollback when its block changed.
func (j *job) expire(ctx context.Context, addr string, now time.Time) error {
	j.firing = time.Time{}
	p := j.s.st.Get(addr)
	if p == nil || p.Status != "" {
		return nil
	}
	at := now
	if p.ExpiresAt != nil && at.Before(*p.ExpiresAt) {
		at = *p.ExpiresAt
	}
	if err := j.run(ctx, []string{addr}, at, planner.Expire); err != nil {
		return err
	}
	if p := j.s.st.Get(addr); p != nil && p.Status == "" {
		return j.run(ctx, []string{addr}, at, planner.Destroy)
	}
	return nil
}

// adopt puts the occurrence found in the journal catalog into the state
// when the state lost it (its replica was killed between the commit and
// the state's save): with its lineage when the state is a new one, as
// state recover does.
func (j *job) adopt(found *state.Anomaly, addr, when string) error {
	s := j.s
	if cur := s.st.Get(addr); cur != nil && cur.Journal.ID == found.Journal.ID {
		return nil
	}
	if cur := s.st.Get(addr); cur != nil && cur.Status == state.StatusExpired {
		s.st.RecordRan(addr, cur.Occurrence)
	}
	if found.Lineage != "" && found.Lineage != s.st.Lineage {
		if _, err := s.eng.Recover(s.st, found.Lineage); err != nil {
			return fmt.Errorf("%s: the occurrence of %s is applied (journal %s) by state lineage %s, which this state cannot adopt: %w", addr, when, found.Journal.ID, found.Lineage, err)
		}
	} else {
		s.st.Put(found.Clone())
	}
	if err := s.saveState(s.st); err != nil {
		return err
	}
	fmt.Fprintf(j.rp.r.a.out, "%s: the state had lost the occurrence of %s: adopted it from the journal catalog\n", addr, when)
	return nil
}

// apply runs the apply job of addr's occurrence at fire.
func (rp *replica) apply(ctx context.Context, addr string, fire time.Time, attempt int) error {
	r := rp.r
	r.mu.Lock()
	defer r.mu.Unlock()
	j, err := rp.open(ctx)
	if err != nil {
		return err
	}
	defer j.close()
	j.addr, j.fire = addr, fire
	s, au, out := j.s, j.au, r.a.out
	occ := occurrenceID(rp.name, addr, fire)
	when := fire.Format(time.RFC3339)
	an := s.cfg.Anomaly(addr)
	if an == nil || an.Schedule == nil {
		au.note(addr, fire, "skip", "skipped", fmt.Sprintf("occurrence of %s: the anomaly is no longer scheduled in the scenario files", when))
		j.ob.skipped(addr, fire, "no longer scheduled")
		fmt.Fprintf(out, "%s: skipped the occurrence of %s: no longer scheduled\n", addr, when)
		return nil
	}
	// Idempotency: the catalog entry commits with the mutation.
	found, err := s.eng.FindOccurrence(ctx, occ)
	if err != nil {
		return r.a.scrub(err)
	}
	if found != nil {
		if err := j.adopt(found, addr, when); err != nil {
			return err
		}
		// Its revert: the job that scheduled it may have been killed
		// before inserting it, or a revert job may have run before the
		// state knew of the occurrence.
		if p := s.st.Get(addr); p != nil && p.Status == "" && p.Occurrence == occ && p.ExpiresAt != nil {
			if now := r.o.clock.Now().UTC(); !now.Before(*p.ExpiresAt) {
				fmt.Fprintf(out, "%s: the occurrence of %s is already applied and its duration has ended: reverting it\n", addr, when)
				return j.expire(ctx, addr, now)
			}
			rp.insert(ctx, revertArgs{occArgs{rp.name, addr, fire}}, *p.ExpiresAt)
		}
		fmt.Fprintf(out, "%s: the occurrence of %s is already applied (delivered again): nothing to do\n", addr, when)
		return nil
	}
	now := r.o.clock.Now().UTC()
	if s.st.HasRun(addr, occ) {
		fmt.Fprintf(out, "%s: the occurrence of %s already ran (delivered again): nothing to do\n", addr, when)
		return nil
	}
	prior := s.st.Get(addr)
	// An overdue revert goes first (its own job may come later: it then
	// finds nothing to revert).
	if prior != nil && prior.Status == "" && prior.ExpiresAt != nil && !now.Before(*prior.ExpiresAt) {
		if err := j.expire(ctx, addr, now); err != nil {
			return fmt.Errorf("reverting the overdue occurrence of %s: %w", addr, err)
		}
	}
	if p := s.st.Get(addr); p != nil && p.Status == "" {
		if an.Schedule.CatchUp && p.AppliedAt.After(fire) && p.ExpiresAt != nil {
			// A later occurrence ran while this one waited (its replica
			// was killed): catch up once that one is reverted.
			fmt.Fprintf(out, "%s: the occurrence of %s waits for the later one applied now to end\n", addr, when)
			return river.JobSnooze(p.ExpiresAt.Sub(now) + time.Second)
		}
		au.note(addr, fire, "skip", "skipped", fmt.Sprintf("occurrence of %s: the previous occurrence is still applied", when))
		j.ob.skipped(addr, fire, "the previous occurrence is still applied")
		fmt.Fprintf(out, "%s: skipped the occurrence of %s: the previous one is still applied\n", addr, when)
		return nil
	} else if p != nil && p.Status == state.StatusExpired {
		s.st.RecordRan(addr, p.Occurrence)
		s.st.Remove(addr)
	}
	dur := occurrenceDuration(an)
	late := !fire.Add(dur).After(now)
	if late && !an.Schedule.CatchUp {
		au.note(addr, fire, "skip", "skipped", fmt.Sprintf("occurrence of %s: it ran to its end before a replica could apply it (attempt %d; catch_up = true applies and reverts such occurrences)", when, attempt))
		j.ob.skipped(addr, fire, "delivered after its duration ended")
		fmt.Fprintf(out, "%s: skipped the occurrence of %s: delivered after its duration ended\n", addr, when)
		return nil
	}
	fmt.Fprintf(out, "%s: occurrence of %s (attempt %d)\n", addr, when, attempt)
	j.firing = fire
	s.eng.Occurrences = map[string]string{addr: occ}
	err = j.run(ctx, []string{addr}, fire, planner.Create)
	j.firing = time.Time{}
	s.eng.Occurrences = nil
	if err != nil {
		j.ob.failed(addr, fire, err)
		return fmt.Errorf("%s: occurrence of %s: %w", addr, when, r.a.scrub(err))
	}
	if late {
		return j.expire(ctx, addr, now)
	}
	// Its revert, as a scheduled job: kept by River even if no replica's
	// gocron is there to enqueue it at the end.
	if p := s.st.Get(addr); p != nil && p.Status == "" && p.ExpiresAt != nil {
		rp.insert(ctx, revertArgs{occArgs{rp.name, addr, fire}}, *p.ExpiresAt)
	}
	return nil
}

// revert runs the revert job of addr's occurrence at fire: it reverts it
// when it is the applied one, and does nothing otherwise.
func (rp *replica) revert(ctx context.Context, addr string, fire time.Time) error {
	r := rp.r
	r.mu.Lock()
	defer r.mu.Unlock()
	j, err := rp.open(ctx)
	if err != nil {
		return err
	}
	defer j.close()
	j.addr, j.fire = addr, fire
	occ := occurrenceID(rp.name, addr, fire)
	p := j.s.st.Get(addr)
	if p == nil || p.Status != "" {
		// The state may have lost it (its replica was killed between
		// the commit and the state's save): the catalog knows.
		found, err := j.s.eng.FindOccurrence(ctx, occ)
		if err != nil {
			return r.a.scrub(err)
		}
		if found != nil {
			if err := j.adopt(found, addr, fire.Format(time.RFC3339)); err != nil {
				return err
			}
			p = j.s.st.Get(addr)
		}
	}
	if p == nil || p.Status != "" || (p.Occurrence != occ && !p.AppliedAt.Equal(fire)) {
		fmt.Fprintf(r.a.out, "%s: nothing to revert for the occurrence of %s\n", addr, fire.Format(time.RFC3339))
		return nil
	}
	now := r.o.clock.Now().UTC()
	if p.ExpiresAt != nil && p.ExpiresAt.Sub(now) > 5*time.Second && rp.client != nil {
		// Its end moved later (a reload replaced it with a longer one):
		// wait for it.
		fmt.Fprintf(r.a.out, "%s: the occurrence of %s ends at %s: its revert waits\n", addr, fire.Format(time.RFC3339), p.ExpiresAt.Format(time.RFC3339))
		return river.JobSnooze(p.ExpiresAt.Sub(now))
	}
	if err := j.expire(ctx, addr, now); err != nil {
		return fmt.Errorf("%s: reverting the occurrence of %s: %w", addr, fire.Format(time.RFC3339), r.a.scrub(err))
	}
	return nil
}
