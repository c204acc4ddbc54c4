// Package planner turns scenarios, state and table profiles into a Plan.
// It is pure: no database, file or clock is touched here; the caller passes
// everything in, including the current time.
package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Action is what a Change does.
type Action string

const (
	Create  Action = "create"
	Replace Action = "replace"
	Destroy Action = "destroy"
	Expire  Action = "expire"
	NoOp    Action = "no-op"
)

// Symbol is the plan-text marker of the action, after Terraform.
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Replace:
		return "-/+"
	case Destroy, Expire:
		return "-"
	}
	return " "
}

// Plan is the set of changes that apply would make.
type Plan struct {
	// Now is the time the plan was made at; relative windows end here.
	Now time.Time `json:"now"`
	// Changes are in execution order: reverts (newest first), then creates
	// in file order. No-op changes are included so callers can list them.
	Changes []*Change `json:"changes"`
	// Lineage and Serial are those of the state the plan was made from: a
	// saved plan is stale once the state moved on (issue 12).
	Lineage string `json:"lineage,omitempty"`
	Serial  int64  `json:"serial,omitempty"`
	// Targets are the fingerprints of the tables the changes touch, by
	// target name, as counted: a saved plan is stale once one differs.
	Targets map[string]Fingerprint `json:"targets,omitempty"`
	// Scheduled lists the anomalies with a schedule block, which the
	// daemon runs (scheduled.go); none of them is among Changes unless the
	// plan was made with Input.Occurrences (the daemon's own plans) or its
	// block is gone (then its applied occurrence is destroyed).
	Scheduled []*Scheduled `json:"scheduled,omitempty"`
}

// Fingerprint is what a saved plan checks a table against before it is
// applied: rows, the newest time, the columns.
type Fingerprint struct {
	// Rows is the table's exact row count; WindowRows maps each change's
	// address to the rows of its window.
	Rows       int64            `json:"rows"`
	WindowRows map[string]int64 `json:"window_rows,omitempty"`
	// MaxTime is the maximum of the time column (nil without one or rows).
	MaxTime *time.Time `json:"max_time,omitempty"`
	// Columns are the column names with their types, in table order.
	Columns []string `json:"columns"`
}

// Statement is one SQL statement as the target database runs it, with its
// bound arguments rendered as text (never a secret: values of the data).
type Statement struct {
	SQL  string   `json:"sql"`
	Args []string `json:"args,omitempty"`
}

// AttrChange is one effective setting that differs from the applied
// anomaly's: why a replace is planned.
type AttrChange struct {
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Change is one anomaly's planned action.
type Change struct {
	Action  Action `json:"action"`
	Address string `json:"address"`
	Kind    string `json:"kind"`
	// Source is the source address, Target the target name.
	Source string    `json:"source"`
	Target string    `json:"target"`
	Table  TableName `json:"table"`
	Column string    `json:"column,omitempty"`
	// Window is the resolved window; nil means the whole table.
	Window *state.Window `json:"window,omitempty"`
	// Settings are the effective settings, for display, in a stable order.
	Settings []Setting `json:"settings,omitempty"`
	// ParamsHash identifies the effective declared settings.
	ParamsHash string `json:"params_hash,omitempty"`
	// Duration, when non-zero, is how long the anomaly stays applied.
	Duration time.Duration `json:"duration,omitempty"`
	// Mutation is the change to make (create and replace).
	Mutation *Mutation `json:"mutation,omitempty"`
	// Prior is the applied anomaly to revert (replace, destroy, expire).
	Prior *state.Anomaly `json:"prior,omitempty"`
	// Rows is the exact number of rows the mutation changes and WindowRows
	// the rows in its window; both are filled in by counting against the
	// database (executor.Count) and are -1 until then.
	Rows       int64 `json:"rows"`
	WindowRows int64 `json:"window_rows"`
	// Unchanged counts the rows the selection chose that the change would
	// leave as they are (their new value equals the old one, or the kind
	// finds nothing to change in them, e.g. ASCII text for
	// encoding_corruption): they are neither changed nor journaled, nor
	// in Rows. NonFinite counts the window's rows whose value is NaN or
	// ±Infinity, left out of the selection and the statistics. Both are
	// filled in by counting (nothing.go).
	Unchanged int64 `json:"unchanged,omitempty"`
	NonFinite int64 `json:"non_finite,omitempty"`
	// Newest is the time of the table's newest row, read when the window
	// holds no row.
	Newest *time.Time `json:"newest,omitempty"`
	// Nothing, when set, says why a counted change would change no row:
	// it is shown, with its action no-op (a create) or destroy (a
	// replace: the old anomaly is still rolled back), and never applied
	// as an empty update (nothing.go).
	Nothing string `json:"nothing,omitempty"`
	// At is where remarks on the change point in the scenario files:
	// file:line of the block's window, or of the block without one.
	At string `json:"at,omitempty"`
	// Effect describes the change in words, e.g. "set to NULL".
	Effect string `json:"effect,omitempty"`
	// TableRows is the table's row count from its profile.
	TableRows int64 `json:"table_rows,omitempty"`
	// MaxRows is the most rows the change may touch (max_rows, or the
	// default); apply refuses a change over it.
	MaxRows int64 `json:"max_rows,omitempty"`
	// Protected is true when the target says protect = true: apply
	// refuses the change.
	Protected bool `json:"protected,omitempty"`
	// Metric is what a monitor would see: the metric over the window now
	// and after the change, filled in by counting (nil when unknown).
	Metric *Metric `json:"metric,omitempty"`
	// SQL is what apply runs for this change and ReverseSQL what its
	// rollback runs, as the target database runs them (filled when the
	// plan is counted; empty for changes that run nothing).
	SQL        []Statement `json:"sql,omitempty"`
	ReverseSQL []Statement `json:"reverse_sql,omitempty"`
	// Reasons says why the action was chosen (e.g. "settings changed",
	// "-replace"), Changed which settings differ from the applied ones.
	Reasons []string     `json:"reasons,omitempty"`
	Changed []AttrChange `json:"changed,omitempty"`
	// Drift, on a no-op, says what changed outside anomgen that anomgen
	// will not act on by itself (a lost journal), with the way out.
	Drift string `json:"drift,omitempty"`
	// Cautions are the guards' remarks (guards.go): triggers that fire
	// under triggers = "ignore", triggers anomgen cannot see. Plan text
	// prints them with the limit warnings.
	Cautions []string `json:"cautions,omitempty"`
	// FirstKey, when set, is the smallest key (one column) of the
	// window's rows, read by a saved plan's stale check right before the
	// apply: the first batch of a batched change starts there instead of
	// at the table's first key. Not saved with the plan.
	FirstKey any `json:"-"`
	// LastKey is the greatest key of those rows, read with FirstKey: a
	// batched change's lanes split the span between them.
	LastKey any `json:"-"`
}

// Setting is one effective setting of a change.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Counts returns the number of changes per action.
func (p *Plan) Counts() map[Action]int {
	m := map[Action]int{}
	for _, c := range p.Changes {
		m[c.Action]++
	}
	return m
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool {
	for _, c := range p.Changes {
		if c.Action != NoOp {
			return false
		}
	}
	return true
}

// Input is everything Plan needs.
type Input struct {
	Config *config.Config
	State  *state.State
	// Profiles are keyed by target name; every target an anomaly uses must
	// have one.
	Profiles map[string]*TableProfile
	Now      time.Time
	// Only, when not empty, limits the plan to these anomaly addresses.
	Only []string
	// Destroy plans the revert of every applied anomaly in scope.
	Destroy bool
	// Replace lists addresses to apply anew even though they are applied
	// with unchanged settings (an applied one is rolled back first) or
	// their journal is lost (applied on top of the changed rows).
	Replace []string
	// Occurrences plans scheduled anomalies as the daemon does at a fire
	// time: each one an ordinary change (its occurrence applied, expired
	// or replaced). Without it (plan, apply, rollback) they are listed in
	// Plan.Scheduled and left to the daemon; a rollback of an applied
	// occurrence is planned as its expiry, so the daemon moves on to the
	// next occurrence instead of applying the same one again.
	Occurrences bool
}

// Make computes the plan. Diagnostics point at the scenario ranges that
// cause them.
func Make(in Input) (*Plan, hcl.Diagnostics) {
	p := &Plan{Now: in.Now.UTC()}
	var diags hcl.Diagnostics
	inScope := func(addr string) bool {
		if len(in.Only) == 0 {
			return true
		}
		for _, o := range in.Only {
			if o == addr {
				return true
			}
		}
		return false
	}
	var reverts []*Change
	declared := map[string]bool{}
	// A journal left half-done by a stopped run must be finished first.
	if !in.Destroy {
		for _, a := range in.State.Anomalies {
			if a.Status != "" && a.Status != state.StatusExpired && a.Status != state.StatusLost && inScope(a.Address) {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unfinished journal for " + a.Address,
					Detail: fmt.Sprintf("Journal %s of %s is %s: a run stopped between its steps (on databases whose DDL commits by itself). %s, but the journal must be finished before anything else: run `anomgen rollback %s`.", a.Journal.ID, a.Address, a.Status, unfinished(a.Status), a.Address)})
			}
		}
		if diags.HasErrors() {
			return p, diags
		}
	}
	for _, a := range in.Config.Anomalies {
		declared[a.Addr()] = true
		if !inScope(a.Addr()) {
			continue
		}
		prior := in.State.Get(a.Addr())
		daemonRuns := a.Schedule != nil && !in.Occurrences
		if in.Destroy {
			switch {
			case prior != nil && daemonRuns && prior.Status == "" && prior.ExpiresAt != nil:
				// An occurrence the daemon applied, rolled back by hand:
				// recorded as ended, not forgotten (scheduled.go).
				reverts = append(reverts, revert(Expire, prior))
			case prior != nil:
				reverts = append(reverts, revert(Destroy, prior))
			}
			continue
		}
		if daemonRuns && (prior == nil || prior.Status == "" || prior.Status == state.StatusExpired) {
			// The daemon runs it: listed, not planned (scheduled.go).
			if _, d := kindOf(a); d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
			p.Scheduled = append(p.Scheduled, scheduled(a, prior, in.Profiles[a.Target.Name], in.Now))
			continue
		}
		replace := contains(in.Replace, a.Addr())
		prof := in.Profiles[a.Target.Name]
		if why := gone(prior, prof); why != "" {
			// The table or column an applied anomaly changed is gone:
			// nothing to plan for it, and its rollback cannot restore.
			ch := revert(NoOp, prior)
			ch.Effect, ch.Drift = "", why+". Nothing is done about it now; its rollback cannot restore into it until it is back (`anomgen journal purge "+prior.Address+"` drops the before-images for good)"
			p.Changes = append(p.Changes, ch)
			continue
		}
		if prior != nil && prior.Status == "" && prof != nil && Op(prior.Journal.Op).Schema() {
			// The live table carries the applied schema change; plan
			// against the table it was applied to (schema_state.go).
			prof = prof.BeforeSchemaChange(prior.Journal)
		}
		ch, d := plan(a, prof, in.Now)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		switch {
		case prior != nil && prior.Status == state.StatusExpired && prior.ParamsHash == ch.ParamsHash:
			// It ran its course; the unchanged block is not applied again.
			ch.Action = NoOp
			ch.Prior = prior
			ch.Rows = 0
		case prior == nil || prior.Status == state.StatusExpired:
			ch.Action = Create
		case prior.Status == state.StatusLost && replace:
			// Applied anew on top of the rows the lost change left; the
			// new journal's before-images are those rows as they are.
			ch.Action = Create
			ch.Prior = prior
		case prior.Status == state.StatusLost:
			ch.Action = NoOp
			ch.Prior = prior
			ch.Rows = prior.Rows
			ch.Drift = lostDrift(prior)
		case prior.ParamsHash != ch.ParamsHash || replace:
			ch.Action = Replace
			ch.Prior = prior
			ch.Reasons, ch.Changed = replaceReasons(prior, ch, replace) // reasons.go
		case prior.ExpiresAt != nil && !in.Now.Before(*prior.ExpiresAt):
			reverts = append(reverts, revert(Expire, prior))
			continue
		default:
			ch.Action = NoOp
			ch.Prior = prior
			ch.Rows = prior.Rows
			if prior.Window != nil {
				ch.Window = prior.Window
			}
		}
		if ch.Action == Create || ch.Action == Replace {
			// Only what is about to run is checked: an applied anomaly
			// stays in the plan (as a no-op) whatever the table got since.
			d := guard(a, in.Profiles[a.Target.Name], ch)
			diags = append(diags, d...)
			if d.HasErrors() {
				continue
			}
		}
		p.Changes = append(p.Changes, ch)
	}
	spreadNudges(p.Changes) // copies.go
	// Applied anomalies whose block is gone are reverted.
	for _, prior := range in.State.Anomalies {
		if !declared[prior.Address] && inScope(prior.Address) {
			reverts = append(reverts, revert(Destroy, prior))
		}
	}
	// Reverts run first, newest first, so stacked anomalies unwind in
	// reverse order of application. Anomalies applied at the same instant
	// (the daemon's occurrences of one fire time, applied in file order)
	// unwind in reverse file order.
	order := map[string]int{}
	for i, a := range in.Config.Anomalies {
		order[a.Addr()] = i
	}
	sort.SliceStable(reverts, func(i, j int) bool {
		ai, aj := reverts[i].Prior.AppliedAt, reverts[j].Prior.AppliedAt
		if ai.Equal(aj) {
			return order[reverts[i].Address] > order[reverts[j].Address]
		}
		return ai.After(aj)
	})
	p.Changes = append(reverts, p.Changes...)
	for _, o := range in.Only {
		if !declared[o] && in.State.Get(o) == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown -target address",
				Detail: fmt.Sprintf("-target %s names no anomaly in the scenario files or the state. Addresses look like anomaly.null_rate.email_nulls; `anomgen state list` shows the applied ones.", o)})
		}
	}
	return p, diags
}

// gone says what an applied anomaly changed that is no longer there: its
// table (no profile) or, for a row-level column kind, its column; "" when
// both are there or the anomaly is not applied.
func gone(prior *state.Anomaly, prof *TableProfile) string {
	if prior == nil || prior.Status != "" {
		return ""
	}
	table := journalTable(prior)
	if prof == nil {
		return fmt.Sprintf("table %s, which it changed, is gone", table)
	}
	if Op(prior.Journal.Op).Schema() {
		return ""
	}
	for _, c := range []string{prior.Journal.Column, prior.Journal.With} {
		if c != "" && prof.Column(c) == nil {
			return fmt.Sprintf("column %s of %s, which it changed, is gone", c, table)
		}
	}
	return ""
}

// lostDrift describes an anomaly whose journal is lost, with the ways out.
func lostDrift(prior *state.Anomaly) string {
	what := "rows"
	if prior.Column != "" {
		what = "values of column " + prior.Column
	}
	return fmt.Sprintf("its journal is lost: %s. Its change (%s %s of %s, applied %s) stays in the table and cannot be rolled back; it will not be applied again. `anomgen state forget %s` drops the record; `anomgen apply -replace %s` applies it anew on top of the changed rows",
		prior.Lost, Thousands(prior.Rows), what, journalTable(prior), fmtTime(prior.AppliedAt), prior.Address, prior.Address)
}

func revert(action Action, prior *state.Anomaly) *Change {
	ch := &Change{
		Action: action, Address: prior.Address, Kind: prior.Kind, Source: prior.Source, Target: prior.Target,
		Table: journalTable(prior), Column: prior.Column,
		Window: prior.Window, Prior: prior, Rows: prior.Rows, WindowRows: -1,
		Effect: "restore from journal " + prior.Journal.ID,
	}
	if prior.Status == state.StatusLost {
		// Nothing to restore from: shown as drift, never run.
		ch.Action, ch.Effect, ch.Drift = NoOp, "", lostDrift(prior)
	}
	return ch
}

// journalTable is the table an applied anomaly changed, as its journal
// records it.
func journalTable(prior *state.Anomaly) TableName {
	return TableName{Schema: prior.Journal.TableSchema, Name: prior.Journal.Table}
}

func plan(a *config.Anomaly, prof *TableProfile, now time.Time) (*Change, hcl.Diagnostics) {
	k, diags := kindOf(a)
	if diags.HasErrors() {
		return nil, diags
	}
	t := a.Target
	if prof == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No profile for target " + t.Name,
			Detail: "The table could not be inspected.", Subject: t.DeclRange.Ptr()}}
	}
	b := &build{Anomaly: a, Profile: prof, Volume: k.DefaultVolume, Amplitude: k.DefaultAmplitude}
	if a.Volume != nil {
		b.Volume = *a.Volume
	}
	if a.Amplitude != nil {
		b.Amplitude = *a.Amplitude
	}
	if k.UsesAmplitude && b.Amplitude <= -1 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid amplitude",
			Detail:  fmt.Sprintf("amplitude %g would multiply values by %g; use a value above -1 (e.g. -0.3 for a 30%% drop, 0.5 for +50%%).", b.Amplitude, 1+b.Amplitude),
			Subject: a.Range("amplitude")}}
	}
	// Key.
	keyNames := t.Key
	keyRange := t.Ranges["key"]
	if len(keyNames) == 0 {
		keyNames = prof.PrimaryKey
	}
	if len(keyNames) == 0 {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No key for table " + prof.Table.String(),
			Detail:  fmt.Sprintf("Table %s has no primary key, so anomgen cannot tell rows apart to journal and restore them. Add key = [\"...\"] to target %q naming columns that are unique together (columns: %s).", prof.Table, t.Name, strings.Join(prof.ColumnNames(), ", ")),
			Subject: t.DeclRange.Ptr()}}
	}
	for _, n := range keyNames {
		c := prof.Column(n)
		if c == nil {
			return nil, hcl.Diagnostics{missingColumn(prof, n, "key", &keyRange)}
		}
		b.Key = append(b.Key, *c)
	}
	var keySetting *Setting
	if len(t.Key) > 0 { // a declared key must be unique and NOT NULL (keys.go)
		var d hcl.Diagnostics
		if keySetting, d = keyGuard(t, prof, columnNames(b.Key), &keyRange); d.HasErrors() {
			return nil, d
		}
	}
	// Column.
	if k.NeedsColumn {
		c := prof.Column(a.Column)
		if c == nil {
			return nil, hcl.Diagnostics{missingColumn(prof, a.Column, "column", a.Range("column"))}
		}
		for _, kc := range b.Key {
			if kc.Name == c.Name {
				return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Column is part of the key",
					Detail:  fmt.Sprintf("Column %s of %s identifies rows (it is in the key), so changing it would lose track of them. Choose another column.", c.Name, prof.Table),
					Subject: a.Range("column")}}
			}
		}
		if c.Generated {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Generated column",
				Detail:  fmt.Sprintf("Column %s of %s is generated by the database and cannot be written. Choose a column it is computed from.", c.Name, prof.Table),
				Subject: a.Range("column")}}
		}
		if ok, why := k.Suits(*c); !ok {
			others := kindsFitting(prof, *c, k.Name) // constraints.go
			hint := suitableHint(k, prof, b.Key)
			if len(others) > 0 {
				hint += fmt.Sprintf(" Kinds that suit %s (%s): %s.", c.Name, c.Type, strings.Join(others, ", "))
			}
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Kind %s does not suit %s.%s", k.Name, prof.Table, c.Name),
				Detail: why + ". " + hint, Subject: a.Range("column")}}
		}
		b.Column = c
	}
	// Window.
	ch := &Change{Address: a.Addr(), Kind: k.Name, Source: t.Source.Addr(), Target: t.Name, Table: prof.Table,
		Column: a.Column, Rows: -1, WindowRows: -1, TableRows: prof.Rows, MaxRows: DefaultMaxRows, Protected: t.Protect, At: declaredAt(a)}
	if a.MaxRows > 0 {
		ch.MaxRows = a.MaxRows
	}
	b.Now = now.UTC()
	b.Duration = a.Duration
	if a.Schedule != nil && a.Schedule.Duration > 0 {
		// A scheduled anomaly's occurrence lasts the schedule's duration
		// (the daemon plans each occurrence through here).
		b.Duration = a.Schedule.Duration
	}
	if b.Duration == 0 {
		b.Duration = k.DefaultDuration
	}
	b.Where = Selection{Seed: config.DefaultSeed(a.Addr()), Share: b.Volume, TimeFormat: prof.TimeFormat}
	if a.Seed != nil {
		b.Where.Seed = *a.Seed
	}
	windowText := ""
	switch {
	case k.NoWindow:
		b.Where.Share = 1
	case t.TimeColumn != "":
		tc := prof.Column(t.TimeColumn)
		if tc == nil {
			r := t.Ranges["time_column"]
			return nil, hcl.Diagnostics{missingColumn(prof, t.TimeColumn, "time_column", &r)}
		}
		w := a.Window
		if w == nil {
			w = &config.Window{Last: k.DefaultWindow, Text: fmt.Sprintf("last=%s (default)", k.DefaultWindow)}
		}
		from, to := w.Resolve(now.UTC())
		if a.Window != nil && !from.Before(now) { // validate.go
			return nil, hcl.Diagnostics{futureWindow(a, from, to, now)}
		}
		b.Where.TimeColumn, b.Where.From, b.Where.To = tc, from, to
		ch.Window = &state.Window{Start: from, End: to}
		windowText = w.Text
	case k.NeedsTime:
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Kind " + k.Name + " needs a time column",
			Detail:  fmt.Sprintf("Kind %s works on time (windows, cutoffs, periods), but target %q names no time_column. Add time_column = \"...\" to the target.", k.Name, t.Name),
			Subject: a.Range("target")}}
	case a.Window != nil:
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Window without a time column",
			Detail:  fmt.Sprintf("Anomaly %s has a window, but target %q names no time_column. Add time_column = \"...\" to the target, or remove the window to use the whole table.", a.Addr(), t.Name),
			Subject: a.Window.Range.Ptr()}}
	}
	m, diags := k.Build(b)
	if diags.HasErrors() {
		return nil, diags
	}
	selSettings, selHash, diags := applySelection(a, k, prof, m) // selection.go
	if diags.HasErrors() {
		return nil, diags
	}
	if m.Where.OpenEnd && ch.Window != nil {
		ch.Window.End = time.Time{}
	}
	if len(m.Where.Ranges) > 0 {
		first, last := m.Where.Ranges[0].From, m.Where.Ranges[0].To
		for _, r := range m.Where.Ranges {
			if r.From.Before(first) {
				first = r.From
			}
			if r.To.After(last) {
				last = r.To
			}
		}
		ch.Window = &state.Window{Start: first, End: last}
	}
	m.Table, m.Key, m.Columns = prof.Table, b.Key, prof.Columns
	ch.Mutation = m
	ch.Duration = b.Duration
	ch.Effect = describe(m)
	if keySetting != nil {
		ch.Settings = append(ch.Settings, *keySetting)
	}

	if k.UsesVolume {
		ch.Settings = append(ch.Settings, Setting{"volume", fmt.Sprint(b.Volume)})
	}
	if k.UsesAmplitude {
		ch.Settings = append(ch.Settings, Setting{"amplitude", fmt.Sprint(b.Amplitude)})
	}
	if k.UsesVolume || k.UsesAmplitude {
		ch.Settings = append(ch.Settings, Setting{"seed", fmt.Sprint(b.Where.Seed)})
	}
	params := map[string]string{}
	for _, p := range k.Params {
		if v, ok := a.Params[p.Name]; ok {
			params[p.Name] = ctyText(v.Value)
			ch.Settings = append(ch.Settings, Setting{p.Name, params[p.Name]})
		}
	}
	if b.Duration > 0 {
		ch.Settings = append(ch.Settings, Setting{"duration", FormatDuration(b.Duration)})
	}
	ch.Settings = append(ch.Settings, selSettings...)
	hashed := map[string]any{
		"kind": k.Name, "source": t.Source.Addr(), "table": prof.Table.String(), "key": keyNames,
		"time_column": t.TimeColumn, "load_time_column": t.LoadTimeColumn, "column": a.Column, "volume": b.Volume, "amplitude": b.Amplitude,
		"seed": b.Where.Seed, "window": windowText, "duration": a.Duration.String(), "params": params,
	}
	for n, v := range selHash { // only when set: existing hashes stay
		hashed[n] = v
	}
	ch.ParamsHash = paramsHash(hashed)
	return ch, nil
}

func describe(m *Mutation) string {
	if d, ok := m.Set.(describer); ok { // ir_num.go
		return d.describe(m)
	}
	switch s := m.Set.(type) {
	case SetNull:
		return "set to NULL"
	case Scale:
		return fmt.Sprintf("multiply by %g", s.Factor)
	case AddSeconds:
		if s.Seconds < 0 { // timestamp_shift
			return fmt.Sprintf("move %s back by %s", m.Column.Name, FormatDuration(time.Duration(-s.Seconds)*time.Second))
		}
		return fmt.Sprintf("move %s forward by %s", m.Column.Name, FormatDuration(time.Duration(s.Seconds)*time.Second))
	case FirstInWindow:
		return "set to the window's first value"
	}
	switch m.Op {
	case OpDelete:
		return "delete rows (kept in the journal)"
	case OpInsert:
		if len(m.Rounds) == 1 {
			return fmt.Sprintf("insert copies with fresh %s", m.FreshKey.Name)
		}
		return fmt.Sprintf("insert copies in %d rounds with fresh %s", len(m.Rounds), m.FreshKey.Name)
	case OpAddColumn:
		return fmt.Sprintf("add column %s %s", m.Def.Name, m.Def.Type)
	case OpDropColumn:
		return fmt.Sprintf("drop column %s (values and definition kept in the journal)", m.Column.Name)
	case OpRenameColumn:
		return fmt.Sprintf("rename column %s to %s", m.Column.Name, m.NewName)
	case OpChangeType:
		return fmt.Sprintf("change %s from %s to %s (values kept in the journal)", m.Column.Name, m.Column.Type, m.Def.Type)
	}
	return string(m.Op)
}

// ctyText renders an argument for display and hashing.
func ctyText(v cty.Value) string {
	v, _ = v.Unmark()
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	switch {
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	case v.CanIterateElements():
		var parts []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			parts = append(parts, ctyText(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.GoString()
}

func paramsHash(v map[string]any) string {
	b, _ := json.Marshal(v) // map keys are sorted by encoding/json
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func missingColumn(prof *TableProfile, name, attr string, rng *hcl.Range) *hcl.Diagnostic {
	detail := fmt.Sprintf("Table %s has no column %q.", prof.Table, name)
	if s := config.Nearest(name, prof.ColumnNames()); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	detail += " Its columns: " + strings.Join(prof.ColumnNames(), ", ") + "."
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("No column %q in %s (%s)", name, prof.Table, attr), Detail: detail, Subject: rng}
}

func suitableHint(k *Kind, prof *TableProfile, key []Column) string {
	var ok []string
	isKey := map[string]bool{}
	for _, c := range key {
		isKey[c.Name] = true
	}
	for _, c := range prof.Columns {
		if good, _ := k.Suits(c); good && !c.Generated && !isKey[c.Name] {
			ok = append(ok, c.Name)
		}
	}
	if len(ok) == 0 {
		return fmt.Sprintf("No column of %s suits %s.", prof.Table, k.Name)
	}
	return fmt.Sprintf("Columns of %s that suit %s: %s.", prof.Table, k.Name, strings.Join(ok, ", "))
}
