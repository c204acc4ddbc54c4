package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/state"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	_ "github.com/anomgen/anomgen/providers/mysql"
	_ "github.com/anomgen/anomgen/providers/oracle"
	_ "github.com/anomgen/anomgen/providers/postgres"
	_ "github.com/anomgen/anomgen/providers/sqlite"
	_ "github.com/anomgen/anomgen/providers/sqlserver"
)

// session is the loaded working folder of one command.
type session struct {
	cfg       *config.Config
	st        *state.State
	statePath string
	// backend holds the state: the local file at statePath, or the
	// anomgen { backend "postgres" } database (backend.go).
	backend state.Backend
	lock    state.Unlocker
	eng     *executor.Engine
	// refreshed is true when the journal catalogs changed the state.
	refreshed bool
	// replace lists the -replace addresses.
	replace []string
	// now, when set, is the time plans are made at (the daemon's fire
	// time); zero: planClock.
	now time.Time
	// occurrences: plan scheduled anomalies as the daemon's occurrences
	// (planner.Input.Occurrences); plan and apply leave them to it.
	occurrences bool
}

func (s *session) close() {
	if s.eng != nil {
		s.eng.Close()
	}
	if s.lock != nil {
		_ = s.lock.Release()
	}
	if s.backend != nil {
		s.backend.Close()
	}
}

// refuseOverLimits is apply's (and the daemon's) refusal of a plan whose
// changes exceed the row limits (planner.Plan.CheckLimits).
func refuseOverLimits(p *planner.Plan, maxRows int64) error {
	if problems := p.CheckLimits(maxRows); len(problems) > 0 {
		return fmt.Errorf("refusing to apply:\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

// saveState writes st to the session's state backend (the engine's save).
func (s *session) saveState(st *state.State) error {
	if s.backend == nil {
		return state.Save(s.statePath, st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.backend.Save(ctx, st)
}

func (a *app) statePath() string { return filepath.Join(a.dir, ".anomgen", "state.json") }

// loadConfig reads and validates the scenario files.
func (a *app) loadConfig() (*config.Config, error) {
	vars := map[string]string{}
	for _, v := range a.vars {
		name, val, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-var %q: write -var name=value", v)
		}
		vars[name] = val
	}
	cfg, diags := config.Load(a.dir, config.Options{Vars: vars, VarFiles: a.varFiles})
	if !diags.HasErrors() {
		diags = append(diags, planner.Validate(cfg)...)
	}
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
		// Sensitive variables are secrets from here on: a diagnostic's
		// snippet or a message may quote them before any source opens.
		a.redact.add(sensitiveValues(cfg))
	}
	if err := a.diagnostics(files, diags); err != nil {
		return nil, err
	}
	return cfg, nil
}

// sensitiveValues are the string values of cfg's sensitive variables.
func sensitiveValues(cfg *config.Config) []string {
	var out []string
	for _, v := range cfg.Variables {
		if !v.Sensitive {
			continue
		}
		for _, val := range []cty.Value{v.Value, v.Default} {
			val, _ = val.UnmarkDeep()
			if val != cty.NilVal && val.IsWhollyKnown() && !val.IsNull() && val.Type() == cty.String {
				out = append(out, val.AsString())
			}
		}
	}
	return out
}

// diagnostics prints diags with file:line:col and snippets; it returns an
// exit error when any is an error.
func (a *app) diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) error {
	if len(diags) == 0 {
		return nil
	}
	for _, d := range diags {
		writeDiagnostic(a.err, files, d, 100, a.paint)
	}
	if diags.HasErrors() {
		return exitError{1}
	}
	return nil
}

type openOptions struct {
	lockOp      string // empty: no lock
	lockTimeout time.Duration
	only        []string
	// cfg, when set, is used instead of loading the scenario files (the
	// daemon serves the configuration it last loaded without error).
	cfg *config.Config
}

// open loads config and state, takes the lock, connects the needed sources
// and refreshes the state from their journal catalogs.
func (a *app) open(ctx context.Context, o openOptions) (*session, error) {
	cfg, err := o.cfg, error(nil)
	if cfg == nil {
		cfg, err = a.loadConfig()
	}
	if err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, statePath: a.statePath()}
	if s.backend, err = a.stateBackend(ctx, cfg); err != nil {
		return nil, err
	}
	if o.lockOp != "" {
		s.lock, err = s.backend.Lock(ctx, o.lockTimeout, state.NewLockInfo(o.lockOp))
		if err != nil {
			s.close()
			return nil, err
		}
	}
	if s.st, err = s.backend.Load(ctx); err != nil {
		s.close()
		return nil, err
	}
	s.eng = a.engine(cfg)
	if err := s.eng.Open(ctx, executor.SourcesFor(cfg, s.st, o.only)); err != nil {
		s.close()
		return nil, err
	}
	if s.refreshed, err = s.eng.Refresh(ctx, s.st); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// connectRetry is how commands retry transient connection failures (tests
// shorten it).
var connectRetry = executor.DefaultRetry

// engine returns an executor for cfg that reports to this command.
func (a *app) engine(cfg *config.Config) *executor.Engine {
	eng := executor.New(cfg)
	eng.Events = a.event
	eng.Retry = connectRetry
	eng.Revealed = a.redact.add
	return eng
}

// makePlan profiles the targets, plans and counts.
func (a *app) makePlan(ctx context.Context, s *session, only []string, destroy bool) (*planner.Plan, error) {
	var profiles map[string]*planner.TableProfile
	if !destroy {
		var diags hcl.Diagnostics
		profiles, diags = s.eng.ProfilesFor(ctx, only, s.st)
		if err := a.diagnostics(s.cfg.Files, diags); err != nil {
			return nil, err
		}
	}
	if !destroy {
		if err := unrecovered(s); err != nil {
			return nil, err
		}
	}
	p, diags := planner.Make(planner.Input{Config: s.cfg, State: s.st, Profiles: profiles, Now: s.planNow(), Only: only, Destroy: destroy, Replace: s.replace, Occurrences: s.occurrences})
	if err := a.diagnostics(s.cfg.Files, diags); err != nil {
		return nil, err
	}
	if err := s.eng.CountParallel(ctx, p); err != nil { // at most s.eng.Parallelism at once
		return nil, err
	}
	// What changed outside anomgen in the applied anomalies' rows.
	if err := s.eng.Drift(ctx, p); err != nil {
		return nil, err
	}
	// What a saved plan is checked against, and its statements (saved.go).
	if err := s.eng.Identify(ctx, p, s.st, profiles); err != nil {
		return nil, err
	}
	return p, nil
}

// unrecovered refuses to plan when this folder's state records nothing
// applied while the journal catalogs hold anomalies of a workspace with
// this folder's name (a lost state file, or another copy of the folder):
// planning would apply them a second time on top.
func unrecovered(s *session) error {
	if s.cfg.Workspace == "" {
		return nil
	}
	for _, a := range s.st.Anomalies {
		if a.Status != state.StatusExpired {
			return nil
		}
	}
	var same []string
	lineages := map[string]bool{}
	for _, o := range s.eng.Others() {
		if o.Workspace == s.cfg.Workspace && o.Status != state.StatusExpired {
			same = append(same, fmt.Sprintf("%s (%s, lineage %s, applied %s)", o.Address, o.Source, o.Lineage, o.AppliedAt.Format(time.RFC3339)))
			lineages[o.Lineage] = true
		}
	}
	if len(same) == 0 {
		return nil
	}
	fix := "run `anomgen state recover` to adopt them into this folder's state"
	if len(lineages) > 1 {
		fix = "run `anomgen state recover` to list them, then `anomgen state recover -lineage ID` for the one to adopt"
	}
	return fmt.Errorf("workspace %q records nothing applied here, but the journal catalogs hold anomalies that a workspace of the same name applied: %s. This folder's state file was lost, or another copy of this folder applied them. Planning now would apply them a second time on top. If they are this folder's, %s; if the other copy is someone else's, give this folder its own name in anomgen { workspace = \"...\" }",
		s.cfg.Workspace, strings.Join(same, "; "), fix)
}

// writeOthers lists, after a plan, the anomalies other workspaces applied
// on the tables the plan touches: information, never changes.
func (a *app) writeOthers(s *session, p *planner.Plan) {
	seen := map[string]bool{}
	var lines []string
	for _, ch := range p.Changes {
		for _, o := range executor.OthersOn(s.eng.Others(), ch.Source, ch.Table, "") {
			if seen[o.Journal.ID] {
				continue
			}
			seen[o.Journal.ID] = true
			who := "lineage " + o.Lineage
			if o.Workspace != "" {
				who = fmt.Sprintf("workspace %q, lineage %s", o.Workspace, o.Lineage)
			}
			where := o.Journal.Table
			if o.Column != "" {
				where += "." + o.Column
			}
			lines = append(lines, fmt.Sprintf("  %s (%s): %s, %s rows, applied %s", o.Address, who, where, planner.Thousands(o.Rows), o.AppliedAt.Format(time.RFC3339)))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(a.out)
	fmt.Fprintln(a.out, a.paint(bold, "Other workspaces' anomalies on these tables")+" (not managed here; this plan never changes them):")
	for _, l := range lines {
		fmt.Fprintln(a.out, l)
	}
}

// event renders executor events.
func (a *app) event(ev executor.Event) {
	switch ev.Kind {
	case executor.EventStatement:
		// Logged by providers.DB and providers.Tx as they run.
	case executor.EventConnected:
		a.log.Info("connected", "source", ev.Message)
	case executor.EventRetry:
		// Printed once: as text, or as the log line when the log is on
		// standard error.
		if !a.logShown {
			fmt.Fprintf(a.err, "%s\n", ev.Message)
		}
		a.log.Warn(ev.Message, "source", ev.Address, "error", ev.Err)
	case executor.EventNote:
		fmt.Fprintf(a.out, "%s: %s\n", ev.Address, ev.Message)
	case executor.EventWarning:
		// The text is for people; the log line only reaches a log that
		// was asked for (root.go), so the warning shows once by default.
		fmt.Fprintf(a.err, "%s %s: %s\n", a.paint(yellow, "Warning:"), ev.Address, ev.Message)
		a.log.Warn(ev.Message, "address", ev.Address)
	case executor.EventStart:
		verb := map[planner.Action]string{planner.Create: "Applying", planner.Replace: "Replacing", planner.Destroy: "Rolling back", planner.Expire: "Expiring"}[ev.Action]
		fmt.Fprintf(a.out, "%s: %s...\n", ev.Address, verb)
	case executor.EventDone:
		fmt.Fprintf(a.out, "%s: done after %s: %s\n", ev.Address, ev.Elapsed.Round(time.Millisecond), ev.Message)
		a.log.Info("done", "address", ev.Address, "action", string(ev.Action), "rows", ev.Rows)
	case executor.EventFailed:
		fmt.Fprintf(a.out, "%s: %s\n", ev.Address, a.paint(red, "failed"))
		a.log.Error("failed", "address", ev.Address, "error", ev.Err)
	}
}

// sourceTouch is what a plan changes in one source: its tables (sorted) and
// the rows of its changes that know their row count.
type sourceTouch struct {
	addr   string
	tables []string
	rows   int64
}

// planTouches groups a plan's non-no-op changes by source, sorted by address;
// confirm and fleetConfirm both list them.
func planTouches(p *planner.Plan) []sourceTouch {
	perSource := map[string][]*planner.Change{}
	for _, ch := range p.Changes {
		if ch.Action != planner.NoOp {
			perSource[ch.Source] = append(perSource[ch.Source], ch)
		}
	}
	var out []sourceTouch
	for addr, chs := range perSource {
		t := sourceTouch{addr: addr}
		tables := map[string]bool{}
		for _, ch := range chs {
			tables[ch.Table.String()] = true
			if ch.Rows > 0 {
				t.rows += ch.Rows
			}
		}
		for tb := range tables {
			t.tables = append(t.tables, tb)
		}
		sort.Strings(t.tables)
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out
}

// confirm shows what apply or rollback will touch and asks the user to type
// the database name. With autoApprove it only shows; without a terminal it
// refuses.
func (a *app) confirm(s *session, p *planner.Plan, verb string, autoApprove bool) error {
	touches := planTouches(p)
	for _, t := range touches {
		if src := s.cfg.Source(t.addr); src != nil && !src.AllowWrites {
			return fmt.Errorf("%s does not allow writes. anomgen changes data in place, so a source must opt in: add allow_writes = true to its block (only for databases you may change, never production)", t.addr)
		}
	}
	fmt.Fprintln(a.err)
	if verb == "dry run" {
		fmt.Fprintln(a.err, a.paint(bold, "Dry run: each mutation runs inside a transaction that is rolled back; nothing is kept."))
	} else {
		fmt.Fprintln(a.err, a.paint(bold+red, "WARNING: this "+verb+" changes data in place."))
	}
	var names []string
	for _, t := range touches {
		addr := t.addr
		c := s.eng.Conn(addr)
		name := c.Database
		if s.cfg.Source(addr).Type == "sqlite" {
			name = filepath.Base(name) // the file name, not its whole path
		}
		names = append(names, name)
		fmt.Fprintf(a.err, "  %s: host %s, database %s\n    tables %s, %s rows; before-images are kept in journal schema %q of that database.\n",
			addr, c.Host, c.Database, strings.Join(t.tables, ", "), planner.Thousands(t.rows), s.cfg.Source(addr).JournalSchema)
	}
	if autoApprove {
		return nil
	}
	if !a.isTerminal() {
		return errors.New("refusing to " + verb + " without confirmation: standard input is not a terminal. Review the plan, then run again with -auto-approve")
	}
	want := strings.Join(unique(names), ",")
	fmt.Fprintf(a.err, "\nType the database name (%s) to confirm: ", want)
	line, _ := bufio.NewReader(a.in).ReadString('\n')
	if strings.TrimSpace(line) != want {
		return errors.New(verb + " cancelled: the answer did not match the database name; nothing was changed")
	}
	return nil
}

func unique(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// connectError turns a connection failure into a user message.
func connectError(err error) error {
	var ce *providers.ConnectError
	if errors.As(err, &ce) {
		return ce
	}
	return err
}
