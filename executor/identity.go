package executor

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// The identity of a plan (issue 12): what a saved plan is checked against
// before it is applied (the state's lineage and serial, each target's
// fingerprint), and the statements it shows (plan -sql).

// PlanJournalID stands for the journal id in a plan's statements: the real
// id is drawn when the change is applied.
const PlanJournalID = "{id}"

// newEntry is the state and journal catalog entry of ch, applied now
// with journal id in the source's journal schema: every kind of apply
// (one transaction, batches, schema changes) records the same identity,
// the daemon occurrence it applies (Occurrences) and, for a change that
// lasts, when it expires.
func (e *Engine) newEntry(ch *planner.Change, st *state.State, id, journalSchema string) *state.Anomaly {
	a := &state.Anomaly{
		Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Source: ch.Source, Target: ch.Target,
		Column: ch.Column, Window: ch.Window, Journal: ch.Mutation.Journal(id, journalSchema), Lineage: st.Lineage, Workspace: e.cfg.Workspace,
		AppliedAt: e.now().UTC(), Settings: stateSettings(ch.Settings), Occurrence: e.Occurrences[ch.Address],
	}
	if ch.Duration > 0 {
		exp := a.AppliedAt.Add(ch.Duration)
		a.ExpiresAt = &exp
	}
	return a
}

// stateSettings copies a change's effective settings into the state.
func stateSettings(in []planner.Setting) []state.Setting {
	var out []state.Setting
	for _, s := range in {
		out = append(out, state.Setting{Name: s.Name, Value: s.Value})
	}
	return out
}

// Identify fills in the plan's identity after Count: the state's lineage
// and serial, the fingerprint of every target a create or replace touches
// (profiles are the live tables, from Profiles), and each change's
// statements and their reverse as the target database would run them.
func (e *Engine) Identify(ctx context.Context, p *planner.Plan, st *state.State, profiles map[string]*planner.TableProfile) error {
	p.Lineage, p.Serial = st.Lineage, st.Serial
	for _, ch := range p.Changes {
		c := e.conns[ch.Source]
		if c == nil {
			continue
		}
		e.statements(c, ch)
		if ch.Mutation == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			continue
		}
		if p.Targets == nil {
			p.Targets = map[string]planner.Fingerprint{}
		}
		fp, ok := p.Targets[ch.Target]
		if !ok {
			var err error
			r, err := e.fingerprint(ctx, c, ch.Mutation, profiles[ch.Target], sqlgen.Fingerprint(c.Dialect, ch.Mutation, nil, nil))
			if err != nil {
				return fmt.Errorf("fingerprinting %s for %s: %w", ch.Table, ch.Address, err)
			}
			fp = r.fp
		}
		if fp.WindowRows == nil {
			fp.WindowRows = map[string]int64{}
		}
		fp.WindowRows[ch.Address] = ch.WindowRows
		p.Targets[ch.Target] = fp
	}
	return nil
}

// reading is what a fingerprint query read of a target: the fingerprint,
// the rows of each window, the label metrics measured in the same scan
// (nil where not) and each window's smallest and greatest key (nil
// without).
type reading struct {
	fp     planner.Fingerprint
	counts []int64
	labels [][]float64
	firsts []any
	lasts  []any
}

// fingerprint reads, with q (sqlgen.Fingerprint of m's table: one query,
// one scan), the table's exact row count, the newest value of the time
// column, the rows of each of q's windows, the label metrics and first
// keys q measures, and lists the columns with their types (prof's, from
// Profiles, else m's).
func (e *Engine) fingerprint(ctx context.Context, c *providers.Conn, m *planner.Mutation, prof *planner.TableProfile, q sqlgen.FingerprintQuery) (reading, error) {
	var fp planner.Fingerprint
	dest := []any{&fp.Rows}
	var newest any
	if q.HasMax {
		dest = append(dest, &newest)
	}
	counts := make([]int64, q.Windows)
	for i := range counts {
		dest = append(dest, &counts[i])
	}
	labels := make([][]float64, len(q.Labels)) // the label metrics measured in the same scan
	for i, n := range q.Labels {
		if n > 0 {
			labels[i] = make([]float64, n)
			for j := range labels[i] {
				dest = append(dest, &nullFloat{&labels[i][j]})
			}
		}
	}
	var firsts, lasts []any // each window's smallest and greatest key, where q reads them
	if len(q.Spans) > 0 {
		firsts, lasts = make([]any, q.Windows), make([]any, q.Windows)
		for _, i := range q.Spans {
			dest = append(dest, &firsts[i])
		}
		for _, i := range q.Spans {
			dest = append(dest, &lasts[i])
		}
	}
	if err := c.DB.QueryRowContext(ctx, q.SQL, q.Args...).Scan(dest...); err != nil {
		return reading{}, err
	}
	if t, ok := providers.NewestOf(newest, m); ok {
		fp.MaxTime = &t
	}
	cols := m.Columns
	if prof != nil {
		cols = prof.Columns
	}
	for _, col := range cols {
		fp.Columns = append(fp.Columns, col.Name+" "+col.Type)
	}
	return reading{fp: fp, counts: counts, labels: labels, firsts: ownKey(firsts), lasts: ownKey(lasts)}, nil
}

// statements renders what apply runs for ch and what its rollback runs.
func (e *Engine) statements(c *providers.Conn, ch *planner.Change) {
	d := c.Dialect
	src := e.cfg.Source(ch.Source)
	if src == nil {
		return
	}
	schema := src.JournalSchema
	add := func(to *[]planner.Statement, stmts ...sqlgen.Statement) {
		for _, s := range stmts {
			*to = append(*to, planStatement(s))
		}
	}
	ch.SQL, ch.ReverseSQL = nil, nil
	if ch.Prior != nil && ch.Action != planner.Create && ch.Action != planner.NoOp && !planner.Op(ch.Prior.Journal.Op).Schema() {
		// A replace, destroy or expire first restores the applied one.
		r := sqlgen.RenderRollback(d, ch.Prior.Journal, e.Force)
		add(&ch.SQL, r.Restore...)
		add(&ch.SQL, r.Drop...)
	}
	m := ch.Mutation
	if m == nil || (ch.Action != planner.Create && ch.Action != planner.Replace) || ch.Nothing != "" {
		return
	}
	j := m.Journal(PlanJournalID, schema)
	if m.Op.Schema() {
		sc, err := sqlgen.ApplySchema(d, schema, PlanJournalID, m)
		if err != nil {
			return
		}
		add(&ch.SQL, sc.Ensure...)
		add(&ch.SQL, sc.Journal)
		if sc.Fill != nil {
			add(&ch.SQL, *sc.Fill)
		}
		add(&ch.SQL, sc.Change...)
		before := &planner.TableProfile{Table: m.Table, Columns: m.Columns}
		if r, err := sqlgen.RenderSchemaRollback(d, j, before.AfterSchemaChange(m), false); err == nil {
			add(&ch.ReverseSQL, r.Steps...)
			add(&ch.ReverseSQL, r.Drop...)
		}
		return
	}
	stmts, err := sqlgen.ApplyWindow(d, schema, PlanJournalID, m, ch.WindowRows) // the form apply runs
	if err != nil {
		return
	}
	if stmts, err = withTriggersOff(d, stmts, m.DisableTriggers); err != nil {
		return
	}
	add(&ch.SQL, stmts...)
	r := sqlgen.RenderRollback(d, j, false)
	add(&ch.ReverseSQL, r.Restore...)
	add(&ch.ReverseSQL, r.Drop...)
}

// planStatement renders a statement's bound arguments as text.
func planStatement(s sqlgen.Statement) planner.Statement {
	out := planner.Statement{SQL: s.SQL}
	for _, a := range s.Args {
		switch v := a.(type) {
		case nil:
			out.Args = append(out.Args, "NULL")
		case time.Time:
			out.Args = append(out.Args, v.Format(time.RFC3339Nano))
		case []byte:
			out.Args = append(out.Args, fmt.Sprintf("%x", v))
		case string:
			out.Args = append(out.Args, fmt.Sprintf("%q", v))
		default:
			out.Args = append(out.Args, fmt.Sprint(v))
		}
	}
	return out
}

// Stale compares a saved plan with the state and the tables now, and says
// what changed since it was made; nil when the plan still holds. profiles
// are the live tables (Profiles). The columns are compared first; when they
// still hold, the plan's changes are counted again (on a copy) and the
// targets' fingerprints and the windows' rows compared.
func (e *Engine) Stale(ctx context.Context, saved *planner.Plan, st *state.State, profiles map[string]*planner.TableProfile) ([]string, error) {
	var why []string
	switch {
	case saved.Serial != st.Serial:
		then := fmt.Sprintf("serial %d", saved.Serial)
		if saved.Serial == 0 {
			then = "no state"
		}
		why = append(why, fmt.Sprintf("the state moved on since the plan was made (%s then, serial %d now): another apply, rollback or state command ran in between", then, st.Serial))
	case saved.Lineage != st.Lineage && saved.Serial != 0:
		why = append(why, fmt.Sprintf("the state is another one: lineage %s when planned, %s now (the plan was made in another folder, or the state file was replaced)", saved.Lineage, st.Lineage))
	}
	var names []string
	for n := range saved.Targets {
		names = append(names, n)
	}
	sort.Strings(names)
	columnsGone := false
	for _, n := range names {
		was := saved.Targets[n]
		prof := profiles[n]
		if prof == nil {
			why = append(why, fmt.Sprintf("target %s: its table cannot be inspected now", n))
			columnsGone = true
			continue
		}
		var is []string
		for _, col := range prof.Columns {
			is = append(is, col.Name+" "+col.Type)
		}
		if gone, added := diffList(was.Columns, is); len(gone)+len(added) > 0 {
			var parts []string
			if len(gone) > 0 {
				parts = append(parts, "gone or changed: "+strings.Join(gone, ", "))
				columnsGone = true
			}
			if len(added) > 0 {
				parts = append(parts, "new: "+strings.Join(added, ", "))
			}
			why = append(why, fmt.Sprintf("target %s: its columns changed (%s)", n, strings.Join(parts, "; ")))
		}
	}
	// A table that became partitioned or gained child tables (legacy
	// inheritance) since the plan, or lost them, holds its rows in other
	// relations than the plan's statements find them in (sqlgen.byAddress).
	layout := map[string]bool{}
	for _, ch := range saved.Changes {
		prof := profiles[ch.Target]
		if ch.Mutation == nil || prof == nil || layout[ch.Target] || (ch.Action != planner.Create && ch.Action != planner.Replace) {
			continue
		}
		if now := prof.Partitioned || prof.Inherited; now != ch.Mutation.Partitioned {
			layout[ch.Target] = true
			was, is := "in the table alone", "in partitions or child tables"
			if !now {
				was, is = is, was
			}
			why = append(why, fmt.Sprintf("target %s: its rows were %s when planned, %s now (the table was partitioned, inherited from or detached since)", ch.Target, was, is))
		}
	}
	if columnsGone {
		return why, nil // the statements could not even be counted
	}
	b, err := json.Marshal(saved)
	if err != nil {
		return nil, err
	}
	current := &planner.Plan{}
	if err := json.Unmarshal(b, current); err != nil {
		return nil, err
	}
	for _, ch := range current.Changes {
		if ch.Mutation != nil && (ch.Action == planner.Create || ch.Action == planner.Replace) {
			ch.Rows, ch.WindowRows, ch.Metric, ch.Unchanged, ch.NonFinite = -1, -1, nil, 0, 0
		}
	}
	now, err := e.staleCounts(ctx, saved, current, profiles) // savedcount.go: no recount, one query per target
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		was, is := saved.Targets[n], now[n]
		if _, ok := now[n]; !ok {
			why = append(why, fmt.Sprintf("target %s: no change of the plan touches it now", n))
			continue
		}
		if was.Rows != is.Rows {
			why = append(why, fmt.Sprintf("target %s: the table held %s rows when planned, %s now (rows added or removed)", n, planner.Thousands(was.Rows), planner.Thousands(is.Rows)))
		}
		if !reflect.DeepEqual(fmtTimePtr(was.MaxTime), fmtTimePtr(is.MaxTime)) {
			why = append(why, fmt.Sprintf("target %s: the newest row's time moved (%s when planned, %s now)", n, fmtTimePtr(was.MaxTime), fmtTimePtr(is.MaxTime)))
		}
		var addrs []string
		for a := range was.WindowRows {
			addrs = append(addrs, a)
		}
		sort.Strings(addrs)
		for _, a := range addrs {
			if w, ok := is.WindowRows[a]; ok && w != was.WindowRows[a] {
				why = append(why, fmt.Sprintf("%s: its window held %s rows when planned, %s now (rows added or removed in the window)", a, planner.Thousands(was.WindowRows[a]), planner.Thousands(w)))
			}
		}
	}
	for i, ch := range saved.Changes {
		if i < len(current.Changes) && ch.Rows >= 0 && current.Changes[i].Rows != ch.Rows && ch.Mutation != nil && (ch.Action == planner.Create || ch.Action == planner.Replace) {
			why = append(why, fmt.Sprintf("%s: it would change %s rows now, %s when planned", ch.Address, planner.Thousands(current.Changes[i].Rows), planner.Thousands(ch.Rows)))
		}
	}
	return why, nil
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "none"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// diffList returns the entries of was missing from is, and those of is
// missing from was.
func diffList(was, is []string) (gone, added []string) {
	in := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, w := range was {
		if !in(is, w) {
			gone = append(gone, w)
		}
	}
	for _, s := range is {
		if !in(was, s) {
			added = append(added, s)
		}
	}
	return gone, added
}
