package main

// What the daemon tells about itself (issue 13, observability): a
// daemonObserver counts the occurrences it applies, reverts, skips and
// fails (Prometheus, on its own registry), writes one log line per
// occurrence (log/slog: -log-format json for JSON lines), and keeps what
// the status page shows (daemon_http.go). daemon.go calls it at the
// points where occurrences happen; every method is a no-op on a nil
// observer.

import (
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

// observeOptions are the daemon's observability settings.
type observeOptions struct {
	// listen is the address of the HTTP server (-listen); empty: none.
	listen string
	// bound, when set, is told the address the server listens on (tests
	// listen on 127.0.0.1:0).
	bound func(addr string)
	// obs is the run's observer (set by runDaemon).
	obs *daemonObserver
}

func addObserveFlags(cmd *cobra.Command, o *observeOptions) {
	cmd.Flags().StringVar(&o.listen, "listen", "", "serve /healthz, /readyz, /metrics (Prometheus) and a status page at / on `ADDR` (e.g. 127.0.0.1:9464)")
}

// maxFailures is how many failures per workspace the status page keeps.
const maxFailures = 20

// daemonObserver is what one daemon run tells about itself.
type daemonObserver struct {
	log    *slog.Logger
	redact func(string) string
	clock  clockwork.Clock
	start  time.Time // wall clock

	reg                              *prometheus.Registry
	fired, reverted, failed, skipped *prometheus.CounterVec
	rowsChanged                      *prometheus.CounterVec
	nextDesc, heldDesc, readyDesc    *prometheus.Desc

	mu              sync.Mutex
	ready, stopping bool
	workspaces      []*observedWorkspace
	byDir           map[string]*observedWorkspace
}

// observedWorkspace is one served workspace as the observer knows it.
type observedWorkspace struct {
	dir  string
	name string
	// scheduled are the scheduled anomalies of its latest configuration.
	scheduled []scheduledAnomaly
	// injected are its applied anomalies: read from the state at the
	// start of each run, then kept up to date by the run's events.
	injected map[string]injectedView
	known    bool              // injected was read from a state at least once
	failures []observedFailure // newest last
	// seen are errors already counted, so that the error a run returns
	// (which wraps them) is not counted twice.
	seen []error
}

type scheduledAnomaly struct {
	addr, kind, table string
	sched             *config.Schedule
	dur               time.Duration
}

// observedFailure is one failure as the status page lists it.
type observedFailure struct {
	At         time.Time
	Address    string
	Occurrence time.Time
	Error      string
}

func newDaemonObserver(log *slog.Logger, redact func(string) string, clock clockwork.Clock) *daemonObserver {
	o := &daemonObserver{log: log, redact: redact, clock: clock, start: time.Now(), byDir: map[string]*observedWorkspace{}}
	labels := []string{"workspace", "address"}
	counter := func(name, help string, l []string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "anomgen", Subsystem: "daemon", Name: name, Help: help}, l)
	}
	o.fired = counter("occurrences_fired_total", "Occurrences applied.", labels)
	o.reverted = counter("occurrences_reverted_total", "Occurrences reverted (their duration ended, or their block changed).", labels)
	o.failed = counter("occurrences_failed_total", "Occurrences whose apply or revert failed; address is empty for a failure of a whole workspace run (connection, configuration).", labels)
	o.skipped = counter("occurrences_skipped_total", "Occurrences skipped (missed while the daemon was down without catch_up, or the previous one still applied).", labels)
	o.rowsChanged = counter("rows_changed_total", "Rows changed by occurrences: action apply (the anomaly) or revert (restored from the journal).", []string{"workspace", "address", "action"})
	o.nextDesc = prometheus.NewDesc("anomgen_daemon_next_occurrence_seconds", "Seconds from now to the next fire time of a scheduled anomaly.", labels, nil)
	o.heldDesc = prometheus.NewDesc("anomgen_daemon_journal_rows_held", "Rows of the anomalies currently applied in a workspace (held in their journals), from its state.", []string{"workspace"}, nil)
	o.readyDesc = prometheus.NewDesc("anomgen_daemon_ready", "1 once the initial reconcile is done and the scheduler runs, 0 before and while stopping.", nil, nil)
	o.reg = prometheus.NewRegistry()
	o.reg.MustRegister(o.fired, o.reverted, o.failed, o.skipped, o.rowsChanged, o,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return o
}

// workspace registers (or refreshes) a served workspace with its
// configuration.
func (o *daemonObserver) workspace(dir string, cfg *config.Config) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.workspaceLocked(dir, cfg)
}

func (o *daemonObserver) workspaceLocked(dir string, cfg *config.Config) *observedWorkspace {
	w := o.byDir[dir]
	if w == nil {
		w = &observedWorkspace{dir: dir, injected: map[string]injectedView{}}
		o.byDir[dir] = w
		o.workspaces = append(o.workspaces, w)
	}
	if cfg == nil {
		return w
	}
	w.name = cfg.Workspace
	w.scheduled = nil
	for _, an := range cfg.Anomalies {
		if an.Schedule == nil {
			continue
		}
		sa := scheduledAnomaly{addr: an.Addr(), kind: an.Kind, sched: an.Schedule, dur: occurrenceDuration(an)}
		if an.Target != nil {
			sa.table = an.Target.Table
		}
		w.scheduled = append(w.scheduled, sa)
		// Each scheduled address's counters exist from the start (at 0),
		// so that rates and alerts see them before their first change.
		for _, c := range []*prometheus.CounterVec{o.fired, o.reverted, o.failed, o.skipped} {
			c.WithLabelValues(dir, sa.addr)
		}
	}
	return w
}

// setReady marks the daemon ready (the initial reconcile is done and the
// scheduler runs).
func (o *daemonObserver) setReady() {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.ready = true
	n := len(o.workspaces)
	o.mu.Unlock()
	o.log.Info("daemon ready", "workspaces", n)
}

// setStopping marks the daemon as stopping: no longer ready.
func (o *daemonObserver) setStopping() {
	if o == nil {
		return
	}
	o.mu.Lock()
	o.stopping = true
	o.mu.Unlock()
}

// readiness is "ready", "starting" or "stopping".
func (o *daemonObserver) readiness() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.stopping:
		return "stopping"
	case o.ready:
		return "ready"
	}
	return "starting"
}

// observedRun observes one run of a workspace (runDue).
type observedRun struct {
	o  *daemonObserver
	w  *observedWorkspace
	au *auditor
	s  *session
	// failedAddrs are the addresses whose failure this run counted.
	failedAddrs map[string]bool
}

// watch observes the executor events of a workspace run: applied,
// reverted and failed occurrences are counted, logged and, for failures,
// kept for the status page. It reads what is applied from the run's state
// (loaded and refreshed, nothing applied yet); the auditor gives each
// event its occurrence.
func (o *daemonObserver) watch(dir string, s *session, au *auditor) *observedRun {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	w := o.workspaceLocked(dir, s.cfg)
	w.injected, w.known = map[string]injectedView{}, true
	for _, an := range s.st.Anomalies {
		if an.Status == "" {
			w.injected[an.Address] = injectedView{Address: an.Address, Kind: an.Kind, Table: w.table(an.Address, an.Journal.Table), Rows: an.Rows, AppliedAt: an.AppliedAt, Until: an.ExpiresAt}
		}
	}
	o.mu.Unlock()
	r := &observedRun{o: o, w: w, au: au, s: s, failedAddrs: map[string]bool{}}
	next := s.eng.Events
	s.eng.Events = func(ev executor.Event) {
		if next != nil {
			next(ev)
		}
		switch ev.Kind {
		case executor.EventDone:
			r.done(ev)
		case executor.EventFailed:
			r.fail(ev.Address, r.occurrence(ev.Address), string(ev.Action), ev.Elapsed, ev.Err)
		}
	}
	return r
}

// table is the table an address's target names (as written in the
// scenario), else fallback. The caller holds the observer's lock.
func (w *observedWorkspace) table(addr, fallback string) string {
	for _, sa := range w.scheduled {
		if sa.addr == addr && sa.table != "" {
			return sa.table
		}
	}
	return fallback
}

func (r *observedRun) occurrence(addr string) time.Time {
	if r.au != nil && r.au.occurrence != nil {
		return r.au.occurrence(addr)
	}
	return time.Time{}
}

func (r *observedRun) done(ev executor.Event) {
	o, w, ws := r.o, r.w, r.w.dir
	occ := r.occurrence(ev.Address)
	var msg, action string
	switch ev.Action {
	case planner.Create, planner.Replace:
		// A replace rolls back an occurrence whose block changed and
		// applies the occurrence running now under the new block.
		msg, action = "occurrence applied", "apply"
		if ev.Action == planner.Replace {
			msg = "occurrence replaced"
		}
		o.fired.WithLabelValues(ws, ev.Address).Inc()
		// A reload replaces w.scheduled (workspaceLocked) while runs of the
		// old configuration still report: read it under the lock only.
		o.mu.Lock()
		iv := injectedView{Address: ev.Address, Rows: ev.Rows, AppliedAt: occ}
		for _, sa := range w.scheduled {
			if sa.addr == ev.Address {
				iv.Kind, iv.Table = sa.kind, sa.table
				if !occ.IsZero() {
					until := occ.Add(sa.dur)
					iv.Until = &until
				}
			}
		}
		w.injected[ev.Address] = iv
		o.mu.Unlock()
	case planner.Expire, planner.Destroy:
		msg, action = "occurrence reverted", "revert"
		o.reverted.WithLabelValues(ws, ev.Address).Inc()
		o.mu.Lock()
		delete(w.injected, ev.Address)
		o.mu.Unlock()
	default:
		msg, action = "occurrence changed", string(ev.Action)
	}
	o.rowsChanged.WithLabelValues(ws, ev.Address, action).Add(float64(ev.Rows))
	o.log.Info(msg, "workspace", ws, "address", ev.Address, "occurrence", timeAttr(occ),
		"action", string(ev.Action), "rows", ev.Rows, "duration", ev.Elapsed.Seconds())
}

// skipped counts and logs an occurrence the daemon skipped, and why.
func (r *observedRun) skipped(addr string, occurrence time.Time, why string) {
	if r == nil {
		return
	}
	r.o.skipped.WithLabelValues(r.w.dir, addr).Inc()
	r.o.log.Info("occurrence skipped", "workspace", r.w.dir, "address", addr, "occurrence", timeAttr(occurrence), "action", "skip", "rows", 0, "duration", 0.0, "reason", why)
}

// failed counts, logs and keeps a failed occurrence (once: an executor
// failure of the same address in this run was counted already).
func (r *observedRun) failed(addr string, occurrence time.Time, err error) {
	if r == nil || err == nil || r.failedAddrs[addr] {
		return
	}
	r.fail(addr, occurrence, "create", 0, err)
}

func (r *observedRun) fail(addr string, occurrence time.Time, action string, took time.Duration, err error) {
	if err == nil {
		err = errors.New("failed")
	}
	r.failedAddrs[addr] = true
	msg := r.scrub(err)
	r.o.failed.WithLabelValues(r.w.dir, addr).Inc()
	r.o.log.Error("occurrence failed", "workspace", r.w.dir, "address", addr, "occurrence", timeAttr(occurrence), "action", action, "rows", 0, "duration", took.Seconds(), "error", msg)
	r.o.keepFailure(r.w, observedFailure{At: time.Now().UTC(), Address: addr, Occurrence: occurrence, Error: msg}, err)
}

// scrub takes every source's secrets out of an error's text.
func (r *observedRun) scrub(err error) string {
	msg := err.Error()
	if r.s != nil && r.s.cfg != nil {
		for _, src := range r.s.cfg.Sources {
			msg = providers.ScrubString(msg, executor.Settings(src, r.s.cfg.Dir))
		}
	}
	return r.o.redact(msg)
}

// runFailed keeps a failed workspace run (report): counted under the
// empty address unless the error is one already counted.
func (o *daemonObserver) runFailed(dir string, err error) {
	if o == nil || err == nil {
		return
	}
	o.mu.Lock()
	w := o.byDir[dir]
	var counted bool
	if w != nil {
		for _, e := range w.seen {
			if errors.Is(err, e) {
				counted = true
				break
			}
		}
	}
	o.mu.Unlock()
	if w == nil || counted {
		return
	}
	o.failed.WithLabelValues(dir, "").Inc()
	o.keepFailure(w, observedFailure{At: time.Now().UTC(), Error: o.redact(err.Error())}, err)
}

func (o *daemonObserver) keepFailure(w *observedWorkspace, f observedFailure, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	w.failures = append(w.failures, f)
	if len(w.failures) > maxFailures {
		w.failures = w.failures[len(w.failures)-maxFailures:]
	}
	w.seen = append(w.seen, err)
	if len(w.seen) > 4*maxFailures {
		w.seen = w.seen[len(w.seen)-4*maxFailures:]
	}
}

// timeAttr is a time as a log attribute: RFC 3339 in UTC, "" when zero.
func timeAttr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Describe and Collect make the observer the collector of the gauges
// computed when scraped: seconds to each next occurrence and the journal
// rows each workspace holds.
func (o *daemonObserver) Describe(ch chan<- *prometheus.Desc) {
	ch <- o.nextDesc
	ch <- o.heldDesc
	ch <- o.readyDesc
}

func (o *daemonObserver) Collect(ch chan<- prometheus.Metric) {
	ready := 0.0
	if o.readiness() == "ready" {
		ready = 1
	}
	ch <- prometheus.MustNewConstMetric(o.readyDesc, prometheus.GaugeValue, ready)
	now := o.clock.Now()
	for _, v := range o.snapshot(now, 1) {
		for _, n := range v.Next {
			ch <- prometheus.MustNewConstMetric(o.nextDesc, prometheus.GaugeValue, n.Fire.Sub(now).Seconds(), v.Dir, n.Address)
		}
		if v.Known {
			ch <- prometheus.MustNewConstMetric(o.heldDesc, prometheus.GaugeValue, float64(v.Held), v.Dir)
		}
	}
}

// workspaceView is what the status page and the gauges show of one
// workspace.
type workspaceView struct {
	Dir, Name string
	// Known is false until the workspace's first run read its state.
	Known bool
	// Scheduled is true when the workspace has scheduled anomalies.
	Scheduled bool
	Injected  []injectedView
	Held      int64
	Next      []nextView
	Failures  []observedFailure // newest first
}

type injectedView struct {
	Address, Kind, Table string
	Rows                 int64
	AppliedAt            time.Time
	Until                *time.Time
}

type nextView struct {
	Address, Kind, Table string
	Fire, Revert         time.Time
}

// snapshot is each workspace's applied anomalies and the next perAnomaly
// fire times of its scheduled anomalies at now.
func (o *daemonObserver) snapshot(now time.Time, perAnomaly int) []workspaceView {
	o.mu.Lock()
	var out []workspaceView
	var scheduled [][]scheduledAnomaly
	for _, w := range o.workspaces {
		v := workspaceView{Dir: w.dir, Name: w.name, Known: w.known, Scheduled: len(w.scheduled) > 0}
		for _, iv := range w.injected {
			v.Injected = append(v.Injected, iv)
			v.Held += iv.Rows
		}
		for i := len(w.failures) - 1; i >= 0; i-- {
			v.Failures = append(v.Failures, w.failures[i])
		}
		out = append(out, v)
		scheduled = append(scheduled, append([]scheduledAnomaly(nil), w.scheduled...))
	}
	o.mu.Unlock()
	for i := range out {
		v := &out[i]
		sort.Slice(v.Injected, func(a, b int) bool { return v.Injected[a].Address < v.Injected[b].Address })
		for _, sa := range scheduled[i] {
			for _, f := range planner.NextFires(sa.sched, now, perAnomaly, sa.addr) {
				v.Next = append(v.Next, nextView{Address: sa.addr, Kind: sa.kind, Table: sa.table, Fire: f, Revert: f.Add(sa.dur)})
			}
		}
		sort.SliceStable(v.Next, func(a, b int) bool { return v.Next[a].Fire.Before(v.Next[b].Fire) })
	}
	return out
}
