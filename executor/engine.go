// Package executor carries out plans: it connects to sources, profiles
// targets, counts the rows each change touches, and applies and rolls back
// mutations, each with its journal in one transaction.
//
// The executor never prints: it reports through Events, which cmd renders.
package executor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/secrets"
	"github.com/anomgen/anomgen/state"
	"github.com/hashicorp/hcl/v2"
)

// EventKind classifies events.
type EventKind string

const (
	EventConnected EventKind = "connected"
	EventNote      EventKind = "note"
	EventWarning   EventKind = "warning"
	EventStart     EventKind = "start"
	EventDone      EventKind = "done"
	EventFailed    EventKind = "failed"
	EventStatement EventKind = "statement"
	// EventRetry: a connection attempt failed in a way worth retrying;
	// Message says when the next attempt is, Err why.
	EventRetry EventKind = "retry"
	// EventProgress: a change's rows done so far (Rows), where the work
	// can tell; only Engine.Progress sees it.
	EventProgress EventKind = "progress"
)

// Event is something the executor did or noticed.
type Event struct {
	Kind    EventKind
	Address string
	Action  planner.Action
	Message string
	Rows    int64
	Elapsed time.Duration
	Err     error
}

// Engine holds the open connections of one run.
type Engine struct {
	cfg   *config.Config
	conns map[string]*providers.Conn
	// readings are the plan's measurements a label may reuse
	// (labelreuse.go), shared by the engine's workers.
	readings *readings
	// Events receives progress; nil drops it. While changes run at the
	// same time (parallel.go), events arrive one at a time and in plan
	// order, whatever the parallelism.
	Events func(Event)
	// Now, when set, is the clock journals record their applied and expiry
	// times with (the daemon passes the fire time); nil: time.Now.
	Now func() time.Time
	// Force makes rollbacks overwrite rows changed since injection.
	Force bool
	// DryRun runs each new row-level mutation inside a transaction that is
	// rolled back, measuring its real row count and its effect on the
	// metric a monitor watches; nothing is kept and the state is not saved.
	DryRun bool
	// ContinueOnError makes Apply carry on with the other changes after
	// one fails, and report every failure at the end.
	ContinueOnError bool
	// Retry is how connecting retries transient failures; the zero value
	// means DefaultRetry.
	Retry Retry
	// Secrets resolves secret() references when a source is opened (New
	// sets a fresh registry configured by the anomgen block).
	Secrets secrets.Resolver
	// Revealed, when set, is told every secret value of a source before it
	// is handed to the driver, so that the caller can keep them out of
	// everything it writes.
	Revealed func(values []string)
	// Occurrences, when set, maps an address to the daemon occurrence
	// (state.Anomaly.Occurrence) its change applies: written in the
	// journal catalog entry with the mutation.
	Occurrences map[string]string
	// Parallelism is how many tasks (changes on different tables, counts,
	// profiles) run at once when Slots is nil; 0 or 1: one at a time.
	Parallelism int
	// Slots, when set, bounds the tasks of every engine that shares it (a
	// fleet's workspaces); Parallelism is then not used.
	Slots Slots
	// Progress, when set, receives start, done, failed and progress events
	// as they happen, in no particular order (Events gets them in plan
	// order); for live progress bars. It is called under the run's mutex.
	Progress func(Event)
	// others are other workspaces' anomalies found by Refresh.
	others []Other
	// running, on the engine a change of Apply runs on, is the run's
	// slots, of which a batched change's extra lanes take free ones
	// (lanes.go).
	running Slots
}

// New returns an engine for cfg with no connections yet.
func New(cfg *config.Config) *Engine {
	return &Engine{cfg: cfg, conns: map[string]*providers.Conn{}, Secrets: NewSecrets(cfg), readings: &readings{}}
}

func (e *Engine) emit(ev Event) {
	if e.Events != nil {
		e.Events(ev)
	}
}

// Settings converts a source block into provider settings. This is the one
// place a secret is revealed, to be handed to a driver. Values of secret()
// are there once the source's secrets are resolved (Engine.Open and Check
// do that first); before, they are empty.
func Settings(src *config.Source, dir string) providers.Settings {
	s := providers.Settings{
		Type: src.Type, Name: src.Name, Host: src.Host, Port: src.Port, Database: src.Database,
		Username: src.Username, Password: src.Password.Reveal(), TLS: src.TLS, DSN: src.DSN.Reveal(),
		JournalSchema: src.JournalSchema,
	}
	s.Sensitive = append(s.Sensitive, src.Password.Sensitive()...)
	s.Sensitive = append(s.Sensitive, src.DSN.Sensitive()...)
	if src.UsernameSecret.IsSet() {
		s.Username = src.UsernameSecret.Reveal()
		s.Sensitive = append(s.Sensitive, s.Username)
		s.Sensitive = append(s.Sensitive, src.UsernameSecret.Sensitive()...)
	}
	abs := func(p string) string {
		if p != "" && !filepath.IsAbs(p) {
			return filepath.Join(dir, p)
		}
		return p
	}
	s.Path, s.CAFile, s.CertFile, s.KeyFile = abs(src.Path), abs(src.CAFile), abs(src.CertFile), abs(src.KeyFile)
	s.ConnectTimeout = int(src.ConnectTimeout.Seconds())
	s.MaxConnections = src.MaxConnections
	s.Options = src.Options
	if len(src.SecretOptions) > 0 {
		s.Options = make(map[string]string, len(src.Options)+len(src.SecretOptions))
		for k, v := range src.Options {
			s.Options[k] = v
		}
		for k, sec := range src.SecretOptions {
			s.Options[k] = sec.Reveal()
			s.Sensitive = append(s.Sensitive, s.Options[k])
			s.Sensitive = append(s.Sensitive, sec.Sensitive()...)
		}
	}
	return s
}

// Open connects to the given sources (addresses); with none, to every
// source an anomaly uses or the state mentions.
func (e *Engine) Open(ctx context.Context, addrs []string) error {
	for _, addr := range addrs {
		if _, ok := e.conns[addr]; ok {
			continue
		}
		src := e.cfg.Source(addr)
		if src == nil {
			return fmt.Errorf("%s is not declared in the scenario files; it is needed to roll back anomalies applied through it. Restore its source block (it may be the only change), then run again", addr)
		}
		s, err := e.settings(ctx, src)
		if err != nil {
			return err
		}
		c, err := e.connect(ctx, addr, s)
		if err != nil {
			return err
		}
		e.conns[addr] = c
		e.emit(Event{Kind: EventConnected, Message: fmt.Sprintf("%s: %s, database %s (%s)", addr, c.Host, c.Database, c.Version)})
	}
	return nil
}

// Conn returns the open connection of a source address.
func (e *Engine) Conn(addr string) *providers.Conn { return e.conns[addr] }

// Close closes every connection.
func (e *Engine) Close() {
	for _, c := range e.conns {
		c.Close()
	}
}

// SourcesFor lists the sources that the in-scope anomalies and state
// entries need.
func SourcesFor(cfg *config.Config, st *state.State, only []string) []string {
	set := map[string]bool{}
	in := func(addr string) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == addr {
				return true
			}
		}
		return false
	}
	for _, a := range cfg.Anomalies {
		if in(a.Addr()) && a.Target != nil && a.Target.Source != nil {
			set[a.Target.Source.Addr()] = true
		}
	}
	for _, a := range st.Anomalies {
		if in(a.Address) {
			set[a.Source] = true
		}
	}
	var out []string
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Profiles inspects the target of every in-scope anomaly. A missing table
// is a diagnostic on the target's table attribute.
func (e *Engine) Profiles(ctx context.Context, only []string) (map[string]*planner.TableProfile, hcl.Diagnostics) {
	return e.ProfilesFor(ctx, only, nil)
}

// ProfilesFor is Profiles, except that a target whose table is gone while
// every anomaly on it (in scope) is applied according to st is left
// without a profile instead of failing: the planner shows that as drift.
func (e *Engine) ProfilesFor(ctx context.Context, only []string, st *state.State) (map[string]*planner.TableProfile, hcl.Diagnostics) {
	out := map[string]*planner.TableProfile{}
	var diags hcl.Diagnostics
	allApplied := func(target string) bool {
		if st == nil {
			return false
		}
		for _, a := range e.cfg.Anomalies {
			if a.Target.Name != target || (len(only) > 0 && !contains(only, a.Addr())) {
				continue
			}
			if prior := st.Get(a.Addr()); prior == nil || (prior.Status != "" && prior.Status != state.StatusLost) {
				return false
			}
		}
		return true
	}
	// One task per target, run at the same time within the engine's
	// bounds; the results are assembled in declaration order.
	type result struct {
		name  string
		p     *planner.TableProfile
		gone  bool
		diags hcl.Diagnostics
	}
	var results []*result
	var tasks []task
	seen := map[string]bool{}
	for _, a := range e.cfg.Anomalies {
		if len(only) > 0 && !contains(only, a.Addr()) {
			continue
		}
		t := a.Target
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		c := e.conns[t.Source.Addr()]
		if c == nil {
			continue
		}
		r := &result{name: t.Name}
		results = append(results, r)
		tasks = append(tasks, task{sources: []string{t.Source.Addr()}, run: func() error {
			p, err := c.Inspector.Profile(ctx, t.Table, t.TimeColumn)
			var nt *providers.NoTableError
			switch {
			case errors.As(err, &nt) && allApplied(t.Name):
				r.gone = true // gone: drift (planner)
			case errors.As(err, &nt):
				detail := fmt.Sprintf("Source %s has no table %s.", t.Source.Addr(), nt.Table)
				if len(nt.Similar) > 0 {
					detail += " Did you mean " + strings.Join(nt.Similar, " or ") + "?"
				}
				rg := t.Ranges["table"]
				r.diags = append(r.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Table not found", Detail: detail, Subject: &rg})
			case err != nil:
				r.diags = append(r.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot inspect " + t.Table,
					Detail: providers.Scrub(err, Settings(t.Source, e.cfg.Dir)).Error(), Subject: t.DeclRange.Ptr()})
			default:
				// A declared key no constraint proves unique and NOT NULL is
				// checked by a query; the planner judges the result.
				providers.CheckKey(ctx, c, p, t.Key)
				if p.KeyCheck != nil && p.KeyCheck.Error != "" {
					p.KeyCheck.Error = providers.Scrub(errors.New(p.KeyCheck.Error), Settings(t.Source, e.cfg.Dir)).Error()
				}
				r.p = p
			}
			return nil
		}})
	}
	e.schedule(ctx, tasks, false)
	for _, r := range results {
		switch {
		case r.gone:
			out[r.name] = nil
		case r.p != nil:
			out[r.name] = r.p
		}
		diags = append(diags, r.diags...)
	}
	return out, diags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// now is the engine's clock (Engine.Now, or time.Now).
func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}
