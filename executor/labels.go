package executor

// Labels: the ground truth of every applied occurrence (planner/truth).
// apply measures the kind's metric family over the affected range before
// the change (labelBefore) and after it, inside the change's transaction,
// where it also inserts the label into the label table beside the journal
// catalog (writeLabel); once committed, the label joins the state
// (recordLabel). A rollback sets reverted_at in both (revertLabel). The
// label table outlives the journal, so a lost state still finds its
// labels (Labels).

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Version is the anomgen version recorded in labels (set by the command).
var Version = "dev"

// labelProbe is a label being made: its fields, and the metric query whose
// baseline was measured before the change.
type labelProbe struct {
	label  truth.Label
	q      sqlgen.Statement
	finish func([]float64) float64
	// parts are the metric query's figures before the change (nil: not
	// measured), and complete is true where this run journals every row
	// the change changes (not a resumed batched change): the figures after
	// can then be derived from them and the journal (afterFromJournal).
	parts    []float64
	complete bool
	// moved is the move of the figures over the rows this run's batches
	// changed, as each batch's statement returned it (foldable; guarded
	// by the batch run's lock), nil where they did not.
	moved []float64
	ch    *planner.Change
	// The next writer of the table and its baseline, measured with the
	// figure after (writeLabel) and handed over after the commit.
	next     *planner.Change
	nextQ    sqlgen.Statement
	nextVals []float64
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// measure runs the probe's metric query on q.
func (lp *labelProbe) measure(ctx context.Context, q queryer) (*float64, error) {
	vals, err := queryFloats(ctx, q, lp.q)
	if err != nil {
		return nil, err
	}
	v := lp.finish(vals)
	return &v, nil
}

// queryFloats runs s on q and reads its one row as numbers (NULL as 0).
func queryFloats(ctx context.Context, q queryer, s sqlgen.Statement) ([]float64, error) {
	rows, err := q.QueryContext(ctx, s.SQL, s.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]float64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &nullFloat{&vals[i]}
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, sql.ErrNoRows
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return vals, rows.Close()
}

// labelBefore starts the label of change ch (nil under -dry-run) and
// measures its metric before the change. Where DDL is not transactional it
// also creates the label table now (the journal schema exists by then).
func (e *Engine) labelBefore(ctx context.Context, c *providers.Conn, ch *planner.Change) *labelProbe {
	if e.DryRun || ch.Mutation == nil {
		return nil
	}
	m := ch.Mutation
	lp := &labelProbe{label: newLabel(e.cfg.Workspace, ch), ch: ch}
	if !c.Dialect.TransactionalDDL() {
		_, _ = c.DB.ExecContext(ctx, sqlgen.LabelsEnsure(c.Dialect, e.cfg.Source(ch.Source).JournalSchema))
	}
	if m.Op.Schema() {
		return lp
	}
	q, finish, ok := sqlgen.LabelMetric(c.Dialect, m, lp.label.Metric)
	if !ok {
		return lp
	}
	lp.q, lp.finish = q, finish
	vals, ok := e.planMeasurement(ch, q) // labelreuse.go: the plan's count or the stale check measured it
	if !ok {
		var err error
		if vals, err = queryFloats(ctx, c.DB, q); err != nil {
			return lp
		}
	}
	v := finish(vals)
	lp.label.BaselineValue, lp.parts = &v, vals
	return lp
}

// newLabel fills the label fields a change knows before it runs.
func newLabel(workspace string, ch *planner.Change) truth.Label {
	m := ch.Mutation
	l := truth.Label{Address: ch.Address, Workspace: workspace, Kind: ch.Kind, Source: ch.Source, Table: ch.Table.String(),
		Column: ch.Column, Segment: segmentText(m.Where.Segments), Seed: m.Where.Seed, AnomgenVersion: Version}
	k := planner.LookupKind(ch.Kind)
	if k != nil {
		l.Category = string(k.Category)
		l.Metric = k.MetricFamilyFor(m.Column)
		if k.SegmentShare() && l.Column == "" && len(m.Where.Segments) == 1 {
			// The segment's share of its column is what moves: the label
			// names that column (a segment on several columns moves each
			// column's shares, so its label stays table-level).
			l.Column = m.Where.Segments[0].Column.Name
		}
	}
	l.Start, l.End = labelRange(ch)
	l.Grain = "day"
	if l.End.Sub(l.Start) < 24*time.Hour {
		l.Grain = "hour"
	}
	for _, s := range ch.Settings {
		v, err := strconv.ParseFloat(s.Value, 64)
		if err != nil {
			continue
		}
		switch {
		case s.Name == "amplitude" && k != nil && k.UsesAmplitude:
			l.Magnitude, l.Unit = v, "ratio"
		case s.Name == "volume" && l.Unit == "":
			l.Magnitude, l.Unit = v, "share of rows"
		}
	}
	return l
}

// labelRange is the affected range of the table's time column: the
// selection's range (or the span of its periods), else the resolved
// window, UTC and half-open.
func labelRange(ch *planner.Change) (time.Time, time.Time) {
	w := ch.Mutation.Where
	var from, to time.Time
	switch {
	case len(w.Ranges) > 0:
		from, to = w.Ranges[0].From, w.Ranges[0].To
		for _, r := range w.Ranges[1:] {
			if r.From.Before(from) {
				from = r.From
			}
			if r.To.After(to) {
				to = r.To
			}
		}
	case !w.From.IsZero() || !w.To.IsZero():
		from, to = w.From, w.To
	case ch.Window != nil:
		from, to = ch.Window.Start, ch.Window.End
	}
	if w.OpenEnd || to.IsZero() || !to.After(from) {
		if ch.Window != nil && ch.Window.End.After(from) {
			to = ch.Window.End
		} else {
			to = time.Now()
		}
	}
	return from.UTC(), to.UTC()
}

// segmentText renders segments readably: channel = 'web' AND region IN ('eu', 'us').
func segmentText(segs []planner.Filter) string {
	var parts []string
	for _, f := range segs {
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			if f.Column.Class.Numeric() {
				vals[i] = v
			} else {
				vals[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
			}
		}
		if len(vals) == 1 {
			parts = append(parts, f.Column.Name+" = "+vals[0])
		} else {
			parts = append(parts, f.Column.Name+" IN ("+strings.Join(vals, ", ")+")")
		}
	}
	return strings.Join(parts, " AND ")
}

// writeLabel completes the label of the change that entry records, inside
// its transaction tx after the mutation: the metric after, the rows and
// the journal id; it creates the label table where DDL is transactional
// and inserts the label, so that it commits with the catalog entry.
func (e *Engine) writeLabel(ctx context.Context, tx queryer, c *providers.Conn, entry *state.Anomaly, lp *labelProbe) error {
	if lp == nil {
		return nil
	}
	l := &lp.label
	l.AnomalyID, l.InjectedAt, l.RowsAffected = entry.Journal.ID, entry.AppliedAt.UTC(), entry.Rows
	if lp.parts != nil {
		v, err := e.measureAfter(ctx, tx, c, entry, lp)
		if err != nil {
			return fmt.Errorf("measuring %s after the change for its label: %w", l.Metric, err)
		}
		l.InjectedValue = v
	}
	schema := entry.Journal.Schema
	if c.Dialect.TransactionalDDL() {
		if _, err := tx.ExecContext(ctx, sqlgen.LabelsEnsure(c.Dialect, schema)); err != nil {
			return fmt.Errorf("creating the label table %s: %w", sqlgen.LabelTable(c.Dialect, schema), err)
		}
	}
	b, _ := json.Marshal(l)
	ins := sqlgen.LabelInsert(c.Dialect, schema, l.AnomalyID, l.Address, l.InjectedAt, string(b))
	e.emit(Event{Kind: EventStatement, Address: l.Address, Message: ins.SQL})
	if _, err := tx.ExecContext(ctx, ins.SQL, ins.Args...); err != nil {
		return fmt.Errorf("recording the label in %s: %w", sqlgen.LabelTable(c.Dialect, schema), err)
	}
	return nil
}

// measureAfter measures lp's metric after its change, inside tx. Where
// the next change of the plan writes the same table (noteNextWriters),
// its baseline is not known yet (labelreuse.go), and both metrics are
// aggregates the dialect can filter, one scan measures this figure and
// the next change's baseline (the table as this change leaves it), which
// handOver gives that change once this one commits. Otherwise the figure
// comes from the journal where it can (afterFromJournal), else from a scan.
func (e *Engine) measureAfter(ctx context.Context, tx queryer, c *providers.Conn, entry *state.Anomaly, lp *labelProbe) (*float64, error) {
	if next := e.nextWriter(lp.ch); next != nil && next.Mutation != nil && !next.Mutation.Op.Schema() && lp.ch.Mutation != nil && !e.hasBaseline(next) {
		if v, ok, err := e.measureWithNext(ctx, tx, c, lp, next); ok || err != nil {
			return v, err
		}
	}
	if v, ok, err := e.afterFromJournal(ctx, tx, c, entry, lp); ok || err != nil {
		return v, err
	}
	return lp.measure(ctx, tx)
}

// measureWithNext measures lp's figure after its change and the baseline
// of next, the next change of the table, in one scan; ok is false where
// the two cannot be read together.
func (e *Engine) measureWithNext(ctx context.Context, tx queryer, c *providers.Conn, lp *labelProbe, next *planner.Change) (v *float64, ok bool, err error) {
	fold, nq, ok := e.labelMetricOf(c.Dialect, next)
	if !ok {
		return nil, false, nil
	}
	both, cols, ok := sqlgen.LabelsTogether(c.Dialect, sqlgen.LabelFold{Mutation: lp.ch.Mutation, Family: lp.label.Metric}, fold)
	if !ok {
		return nil, false, nil
	}
	e.emit(Event{Kind: EventStatement, Address: lp.label.Address, Message: both.SQL})
	vals, err := queryFloats(ctx, tx, both)
	if err != nil {
		return nil, true, err
	}
	if len(vals) != cols[0]+cols[1] {
		return nil, true, fmt.Errorf("the label query read %d figures, want %d", len(vals), cols[0]+cols[1])
	}
	after := lp.finish(vals[:cols[0]])
	lp.next, lp.nextQ, lp.nextVals = next, nq, vals[cols[0]:]
	return &after, true, nil
}

// foldable returns the label metric a complete batched change's
// statements can return the move of with their rows (PostgreSQL,
// sqlgen.ApplyBatchNextDelta), for afterFromJournal; "" where there is
// none to fold.
func (lp *labelProbe) foldable() string {
	if lp == nil || !lp.complete || lp.parts == nil {
		return ""
	}
	return lp.label.Metric
}

// addMoved adds one batch's moved figures to lp's and returns what undoes
// it (the batch's transaction failed).
func (lp *labelProbe) addMoved(delta []float64) (undo func()) {
	if lp == nil || delta == nil {
		return func() {}
	}
	was := lp.moved
	sum := append([]float64(nil), delta...)
	for i := range min(len(was), len(sum)) { // the same statement: as many figures each batch
		sum[i] += was[i]
	}
	lp.moved = sum
	return func() { lp.moved = was }
}

// afterFromJournal derives lp's figure after its change from the figures
// before it and what the change journaled (sqlgen.LabelDelta: a one-column
// update, a metric that adds up its rows, which it picks by other
// columns), inside tx, without reading the table again, nor the journal
// where the batches returned the move with their rows (lp.moved); ok is
// false where it cannot, or where this run did not journal the whole
// change.
func (e *Engine) afterFromJournal(ctx context.Context, tx queryer, c *providers.Conn, entry *state.Anomaly, lp *labelProbe) (v *float64, ok bool, err error) {
	if !lp.complete || lp.ch.Mutation == nil || entry.Journal.ID == "" {
		return nil, false, nil
	}
	jt := c.Dialect.JournalTable(entry.Journal.Schema, entry.Journal.ID)
	q, unchanged, ok := sqlgen.LabelDelta(c.Dialect, lp.ch.Mutation, lp.label.Metric, jt)
	if !ok {
		return nil, false, nil
	}
	vals := append([]float64(nil), lp.parts...)
	if !unchanged {
		delta := lp.moved // what the batches returned
		if delta == nil {
			e.emit(Event{Kind: EventStatement, Address: lp.label.Address, Message: q.SQL})
			if delta, err = queryFloats(ctx, tx, q); err != nil {
				return nil, true, err
			}
		}
		if len(delta) != len(vals) {
			return nil, true, fmt.Errorf("the journal's figures are %d, the metric's %d", len(delta), len(vals))
		}
		for i := range vals {
			vals[i] += delta[i]
		}
	}
	after := lp.finish(vals)
	return &after, true, nil
}

// labelMetricOf returns ch's label metric as the scans that read it with
// other figures take it, and its own statement (LabelMetric: what
// labelBefore compares a reading with); ok false where ch has none.
func (e *Engine) labelMetricOf(d sqlgen.Dialect, ch *planner.Change) (sqlgen.LabelFold, sqlgen.Statement, bool) {
	fold := sqlgen.LabelFold{Mutation: ch.Mutation, Family: newLabel(e.cfg.Workspace, ch).Metric}
	q, _, ok := sqlgen.LabelMetric(d, ch.Mutation, fold.Family)
	return fold, q, ok
}

// recordLabel adds a committed label to the state.
func recordLabel(st *state.State, lp *labelProbe) {
	if lp == nil || lp.label.AnomalyID == "" {
		return
	}
	putLabel(st, lp.label)
}

// putLabel adds or replaces label l in st, copy on write: a change's
// scratch state shares its Labels with the run's state (parallel.go), so
// the slice is never written in place.
func putLabel(st *state.State, l truth.Label) {
	ls := append([]truth.Label(nil), st.Labels...)
	for i := range ls {
		if ls[i].AnomalyID == l.AnomalyID {
			ls[i] = l
			st.Labels = ls
			return
		}
	}
	st.Labels = append(ls, l)
}

// mergeLabels copies into st the labels of a change's scratch state sc
// that st lacks or holds unreverted while sc has them reverted; the caller
// holds st's lock (parallel.go's guard.sync).
func mergeLabels(st, sc *state.State) {
	have := map[string]*truth.Label{}
	for i := range st.Labels {
		have[st.Labels[i].AnomalyID] = &st.Labels[i]
	}
	for _, l := range sc.Labels {
		if h, ok := have[l.AnomalyID]; !ok || (h.RevertedAt == nil && l.RevertedAt != nil) {
			putLabel(st, l)
		}
	}
}

// revertLabel marks the label of prior rolled back, in the state and in
// the label table. The table's update is best effort: a failure is a
// warning (the rollback itself committed).
func (e *Engine) revertLabel(ctx context.Context, c *providers.Conn, prior *state.Anomaly, st *state.State) {
	if e.DryRun {
		return
	}
	now := e.now().UTC()
	id := prior.Journal.ID
	var entry *truth.Label
	for _, l := range st.Labels {
		if l.AnomalyID == id {
			if l.RevertedAt == nil {
				t := now
				l.RevertedAt = &t
				putLabel(st, l)
			}
			entry = &l
		}
	}
	if entry == nil { // not in this state (made before labels, or the state was lost): the table's copy
		var raw string
		q := fmt.Sprintf("SELECT entry FROM %s WHERE id = %s", sqlgen.LabelTable(c.Dialect, prior.Journal.Schema), c.Dialect.Placeholder(1))
		if err := c.DB.QueryRowContext(ctx, q, id).Scan(&raw); err != nil {
			return
		}
		var l truth.Label
		if json.Unmarshal([]byte(raw), &l) != nil {
			return
		}
		t := now
		l.RevertedAt = &t
		entry = &l
	}
	b, _ := json.Marshal(entry)
	up := sqlgen.LabelRevert(c.Dialect, prior.Journal.Schema, id, *entry.RevertedAt, string(b))
	e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: up.SQL})
	if _, err := c.DB.ExecContext(ctx, up.SQL, up.Args...); err != nil && !providers.IsUndefinedTable(err) {
		e.emit(Event{Kind: EventWarning, Address: prior.Address, Message: fmt.Sprintf("the rollback committed, but its label could not be marked reverted in %s: %s", sqlgen.LabelTable(c.Dialect, prior.Journal.Schema), providers.FirstLine(err.Error()))})
	}
}

// Labels returns the labels of this workspace: those of st, merged with
// the label tables of the open sources (entries of st's lineage or of this
// workspace that st does not hold: a lost or fresh state still finds
// them). Oldest first.
func (e *Engine) Labels(ctx context.Context, st *state.State) ([]truth.Label, error) {
	out := append([]truth.Label(nil), st.Labels...)
	seen := map[string]int{}
	for i, l := range out {
		seen[l.AnomalyID] = i
	}
	addrs := make([]string, 0, len(e.conns))
	for a := range e.conns {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		c := e.conns[addr]
		src := e.cfg.Source(addr)
		stmt := sqlgen.LabelList(c.Dialect, src.JournalSchema)
		rows, err := c.DB.QueryContext(ctx, stmt.SQL)
		if providers.IsUndefinedTable(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the labels of %s: %w", addr, err)
		}
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return nil, err
			}
			var l truth.Label
			if err := json.Unmarshal([]byte(raw), &l); err != nil {
				continue
			}
			if l.Workspace != e.cfg.Workspace || l.Source != addr {
				continue
			}
			if i, ok := seen[l.AnomalyID]; ok {
				if out[i].RevertedAt == nil && l.RevertedAt != nil {
					out[i].RevertedAt = l.RevertedAt
				}
				continue
			}
			seen[l.AnomalyID] = len(out)
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].InjectedAt.Before(out[j].InjectedAt) })
	return out, nil
}

// labelSchema records the label of an applied schema change (after its
// commit: a schema change spans several transactions where DDL is not
// transactional) in the label table and the state. Nothing is measured:
// the schema snapshot is the metric. A failure to write the table is a
// warning; the state keeps the label.
func (e *Engine) labelSchema(ctx context.Context, c *providers.Conn, ch *planner.Change, entry *state.Anomaly, st *state.State) {
	if e.DryRun || ch.Mutation == nil {
		return
	}
	lp := &labelProbe{label: newLabel(e.cfg.Workspace, ch), ch: ch}
	l := &lp.label
	l.AnomalyID, l.InjectedAt, l.RowsAffected = entry.Journal.ID, entry.AppliedAt.UTC(), entry.Rows
	schema := entry.Journal.Schema
	b, _ := json.Marshal(l)
	ins := sqlgen.LabelInsert(c.Dialect, schema, l.AnomalyID, l.Address, l.InjectedAt, string(b))
	for _, s := range []string{sqlgen.LabelsEnsure(c.Dialect, schema), ins.SQL} {
		args := []any(nil)
		if s == ins.SQL {
			args = ins.Args
		}
		if _, err := c.DB.ExecContext(ctx, s, args...); err != nil {
			e.emit(Event{Kind: EventWarning, Address: ch.Address, Message: fmt.Sprintf("applied, but its label could not be written to %s (%s); the state keeps it", sqlgen.LabelTable(c.Dialect, schema), providers.FirstLine(err.Error()))})
			break
		}
	}
	recordLabel(st, lp)
}

// LabelRowColumns are the columns of the row-level truth file.
var LabelRowColumns = []string{"anomaly_id", "address", "table", "key", "column", "original_value", "injected_value"}

// StreamLabelRows writes the row-level truth of every label still applied
// (its anomaly in st, with its journal) through write, one row at a time,
// straight from the journal joined with the table: the key (values joined
// by |), the column, the original value and the injected value. NULL is
// written as an empty value; a deleted row has original "(row)" and
// injected "(deleted)", an inserted one original "(absent)" and injected
// "(inserted)". Reverted labels have no rows: the journal went with the
// rollback. It returns how many labels it streamed.
func (e *Engine) StreamLabelRows(ctx context.Context, st *state.State, labels []truth.Label, write func([]string) error) (int, error) {
	streamed := 0
	for _, l := range labels {
		if l.RevertedAt != nil {
			continue
		}
		var a *state.Anomaly
		for _, x := range st.Anomalies {
			if x.Journal.ID == l.AnomalyID && x.Status == "" {
				a = x
			}
		}
		if a == nil || planner.Op(a.Journal.Op).Schema() {
			continue
		}
		c := e.conns[a.Source]
		if c == nil {
			continue
		}
		q := sqlgen.LabelRows(c.Dialect, a.Journal)
		rows, err := c.DB.QueryContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return streamed, fmt.Errorf("reading the journal of %s: %w", a.Address, err)
		}
		nk := len(a.Journal.Key)
		cols, _ := rows.Columns()
		vals, ptrs := providers.ScanSlots(len(cols))
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return streamed, err
			}
			keys := make([]string, nk)
			for i := 0; i < nk; i++ {
				keys[i] = cellText(vals[i])
			}
			rec := []string{l.AnomalyID, l.Address, l.Table, strings.Join(keys, "|"), l.Column}
			switch {
			case len(cols) > nk+1:
				rec = append(rec, cellText(vals[nk]), cellText(vals[nk+1]))
			case a.Journal.Op == string(planner.OpDelete):
				rec = append(rec, "(row)", "(deleted)")
			default:
				rec = append(rec, "(absent)", "(inserted)")
			}
			if err := write(rec); err != nil {
				rows.Close()
				return streamed, err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return streamed, err
		}
		streamed++
	}
	return streamed, nil
}

// cellText renders a scanned value; NULL is empty.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// batchLabel writes the label of a batched change with its last batch
// (last), in that batch's transaction: the figures then cover every batch.
func (e *Engine) batchLabel(ctx context.Context, tx queryer, c *providers.Conn, entry *state.Anomaly, lp *labelProbe, last bool) error {
	if !last {
		return nil
	}
	return e.writeLabel(ctx, tx, c, entry, lp)
}

// ensureLabels creates the label table of journal schema schema when it is
// missing, before an apply's changes run in parallel (PostgreSQL's CREATE
// TABLE IF NOT EXISTS fails when two transactions run it at once). A
// failure is left for the change's own statements to report.
func ensureLabels(ctx context.Context, c *providers.Conn, schema string) {
	_, _ = c.DB.ExecContext(ctx, sqlgen.LabelsEnsure(c.Dialect, schema))
}
