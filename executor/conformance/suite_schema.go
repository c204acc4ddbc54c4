package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// RunSchemaKinds runs the schema kinds (schema_add_column,
// schema_drop_column, schema_rename_column, schema_change_type) against b,
// each in a database of its own, on a table of its own (items: a nullable
// column with a default, NOT NULL columns with and without one, NULLs,
// quotes, backslashes and non-ASCII text in the data, an index). For each
// kind: the column list read from the catalog after apply (names, types,
// nullability, defaults), the values of a retyped column, a re-plan that
// is a no-op, and a rollback that restores the column list (and, on MySQL,
// column order) and every byte of every row. Where DDL is not
// transactional it also stops runs between their steps and has the next
// rollback finish them.
func RunSchemaKinds(t *testing.T, b Backend) {
	if b.BatchRows == 0 {
		b.BatchRows = 200
	}
	s := &suite{b: b, data: genOrders()}
	for _, c := range schemaCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if why, skip := c.skip[b.Name]; skip {
				t.Skip(why)
			}
			testSchemaKind(t, s, c)
		})
	}
	t.Run("refused/indexed_column", func(t *testing.T) { t.Parallel(); testSchemaRefused(t, s) })
	t.Run("replace/rename_column", func(t *testing.T) {
		t.Parallel()
		testSchemaReplace(t, s, "schema_rename_column", "  column   = \"status\"\n  new_name = \"%s\"\n", "order_status", "state")
	})
	t.Run("conflicts", func(t *testing.T) { t.Parallel(); testSchemaConflicts(t, s) })
	if b.Name != "sqlite" {
		t.Run("replace/change_type", func(t *testing.T) {
			t.Parallel()
			testSchemaReplace(t, s, "schema_change_type", "  column   = \"price\"\n  new_type = \"%s\"\n", "varchar(32)", "varchar(40)")
		})
	}
	if b.Name == "sqlite" {
		t.Run("refused/change_type", func(t *testing.T) { t.Parallel(); testSchemaUnsupported(t, s) })
	}
	if b.Name == "mysql" {
		t.Run("refused/commented_column", func(t *testing.T) {
			t.Parallel()
			h := s.itemsHarness(t)
			h.exec("ALTER TABLE {items} MODIFY COLUMN {note} VARCHAR(255) NULL COMMENT 'free text'")
			for _, kind := range []string{"schema_drop_column", "schema_change_type"} {
				block := schemaBlock(kind, "  column = \"note\"\n")
				if kind == "schema_change_type" {
					block = schemaBlock(kind, "  column   = \"note\"\n  new_type = \"varchar(300)\"\n")
				}
				cfg := h.loadItems(block)
				testSchemaRefusal(t, h, h.engine(cfg), cfg, "a comment 'free text'")
			}
		})
	}
	if !b.Dialect.TransactionalDDL() {
		t.Run("crash/after_change", func(t *testing.T) { t.Parallel(); testSchemaCrashAfterChange(t, s) })
		t.Run("crash/pending", func(t *testing.T) { t.Parallel(); testSchemaCrashPending(t, s) })
		t.Run("crash/mid_rollback", func(t *testing.T) { t.Parallel(); testSchemaCrashMidRollback(t, s) })
		t.Run("failed_change_restored", func(t *testing.T) { t.Parallel(); testSchemaFailedChange(t, s) })
	}
}

// item is one seeded row of items.
type item struct {
	id           int64
	at           time.Time
	label        *string
	cents, qty   int64
	status, note *string
}

var itemColumns = []string{"id", "created_at", "label", "price", "qty", "status", "note"}

const itemRows = 1500

func genItems() []item {
	rng := rand.New(rand.NewPCG(20261127, 3))
	labels := []string{"n/a", "", "it's", `back\slash`, "naïve — ✓", "plain", "O'Brien \\' x"}
	statuses := []string{"new", "paid", "shipped"}
	str := func(s string) *string { return &s }
	var out []item
	for i := range itemRows {
		it := item{id: int64(i + 1), at: suiteBase.Add(time.Duration(rng.IntN(30*86400)) * time.Second),
			cents: 1 + rng.Int64N(9_999_999), qty: 1 + rng.Int64N(10)}
		if rng.IntN(10) > 0 {
			it.label = str(labels[rng.IntN(len(labels))])
		}
		if rng.IntN(20) > 0 {
			it.status = str(statuses[rng.IntN(len(statuses))])
		}
		if rng.IntN(3) == 0 {
			it.note = str(fmt.Sprintf("note %d", rng.IntN(1000)))
		}
		out = append(out, it)
	}
	return out
}

// itemsHarness makes a fresh database with the seeded items table.
func (s *suite) itemsHarness(t *testing.T) *harness {
	t.Helper()
	h := s.empty(t)
	ty := h.b.Types
	h.exec(fmt.Sprintf("CREATE TABLE {items} ({id} %s PRIMARY KEY, {created_at} %s NULL, {label} %s DEFAULT 'it''s n/a' NULL, {price} %s NOT NULL, {qty} %s DEFAULT 1 NOT NULL, {status} %s NULL, {note} %s NULL)",
		ty.BigInt, ty.Timestamp, ty.Text, ty.Decimal, ty.Int, ty.Text, ty.Text))
	h.exec("CREATE INDEX {items_created} ON {items} ({created_at})")
	rows := genItems()
	for len(rows) > 0 {
		n := min(len(rows), h.b.BatchRows)
		var sb strings.Builder
		sb.WriteString("INSERT INTO {items} ({id}, {created_at}, {label}, {price}, {qty}, {status}, {note}) VALUES ")
		var args []any
		for i, it := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?)")
			val := func(p *string) any {
				if p == nil {
					return nil
				}
				return *p
			}
			args = append(args, it.id, h.b.TimeValue(it.at), val(it.label), float64(it.cents)/100, it.qty, val(it.status), val(it.note))
		}
		h.exec(sb.String(), args...)
		rows = rows[n:]
	}
	return h
}

// itemsChecksum hashes every column of items by name, in id order; on
// SQLite each value as quote() writes it, which shows its storage class.
func (h *harness) itemsChecksum() string {
	h.t.Helper()
	cols := make([]string, len(itemColumns))
	for i, c := range itemColumns {
		cols[i] = h.b.Dialect.Quote(c)
		if h.b.Name == "sqlite" {
			cols[i] = "quote(" + cols[i] + ")"
		}
	}
	return providertest.Checksum(h.t, h.db, "SELECT "+strings.Join(cols, ", ")+h.sql(" FROM {items} ORDER BY {id}"))
}

func (h *harness) loadItems(blocks string) *config.Config {
	h.t.Helper()
	text := h.src + fmt.Sprintf("\ntarget \"items\" {\n  source = source.%s.db\n  table  = \"items\"\n}\n", h.b.Name) + blocks
	cfg, diags := config.LoadFiles(h.dir, map[string][]byte{filepath.Join(h.dir, "main.hcl"): []byte(text)}, config.Options{})
	if diags.HasErrors() {
		h.t.Fatalf("scenario does not load: %v\n%s", diags, text)
	}
	if diags := planner.Validate(cfg); diags.HasErrors() {
		h.t.Fatalf("scenario does not validate: %v", diags)
	}
	return cfg
}

// inspectItems reads items from the catalog through the provider.
func (h *harness) inspectItems(e *executor.Engine) *planner.TableProfile {
	h.t.Helper()
	p, err := e.Conn("source."+h.b.Name+".db").Inspector.Profile(h.ctx, "items", "")
	if err != nil {
		h.t.Fatalf("profile of items: %v", err)
	}
	return p
}

// sameColumns compares two column lists by name, type, nullability and
// default (and order when ordered is set).
func sameColumns(t *testing.T, what string, got, want *planner.TableProfile, ordered bool) {
	t.Helper()
	describe := func(p *planner.TableProfile) []string {
		var out []string
		for _, c := range p.Columns {
			out = append(out, fmt.Sprintf("%s %s nullable=%v default=%q", c.Name, c.Type, c.Nullable, c.Default))
		}
		if !ordered {
			slices.Sort(out)
		}
		return out
	}
	if g, w := describe(got), describe(want); !slices.Equal(g, w) {
		t.Errorf("%s: columns\n  %s\nwant\n  %s", what, strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

func findCol(p *planner.TableProfile, name string) *planner.Column {
	for i := range p.Columns {
		if strings.EqualFold(p.Columns[i].Name, name) {
			return &p.Columns[i]
		}
	}
	return nil
}

type schemaCase struct {
	name, kind, block string
	// journaled says whether every row's value is journaled (drop and
	// change_type) or none (add and rename).
	journaled bool
	skip      map[string]string
	// refused names the backends that refuse the change before anything
	// is changed, with a piece of the reason.
	refused map[string]string
	// after checks the table once applied, against the profile before.
	after func(t *testing.T, h *harness, before, after *planner.TableProfile)
}

func schemaBlock(kind, attrs string) string {
	return fmt.Sprintf("\nanomaly %q \"k\" {\n  target = target.items\n%s}\n", kind, attrs)
}

// The value of the added column: a quote, a backslash, non-ASCII text.
const addedDefault = `it's a \ "test" — ✓`

var noSQLiteRetype = map[string]string{"sqlite": "SQLite cannot change a column's type (refused/change_type checks that it says so)"}

func schemaCases() []schemaCase {
	gone := func(col string) func(t *testing.T, h *harness, before, after *planner.TableProfile) {
		return func(t *testing.T, h *harness, before, after *planner.TableProfile) {
			if findCol(after, col) != nil || len(after.Columns) != len(before.Columns)-1 {
				t.Errorf("after the drop: columns %v, want %v without %s", after.ColumnNames(), before.ColumnNames(), col)
			}
		}
	}
	return []schemaCase{
		{name: "add_column", kind: "schema_add_column",
			block: schemaBlock("schema_add_column", fmt.Sprintf("  name    = \"coupon\"\n  type    = \"varchar(40)\"\n  default = %q\n", addedDefault)),
			after: func(t *testing.T, h *harness, before, after *planner.TableProfile) {
				c := findCol(after, "coupon")
				if c == nil || len(after.Columns) != len(before.Columns)+1 || !c.Nullable || c.Default == "" || c.Class != planner.ClassText {
					t.Fatalf("after the add: columns %v, coupon %+v; want coupon added, nullable, text, with a default", after.ColumnNames(), c)
				}
				// Every existing row has the value: the literal was escaped
				// right, on its way through DDL.
				if n := h.queryInt("SELECT COUNT(*) FROM {items} WHERE {coupon} = ?", addedDefault); n != itemRows {
					t.Errorf("%d rows have coupon = %q, want all %d", n, addedDefault, itemRows)
				}
			}},
		{name: "drop_column/nullable_with_default", kind: "schema_drop_column", journaled: true,
			block: schemaBlock("schema_drop_column", "  column = \"label\"\n"), after: gone("label")},
		{name: "drop_column/not_null_with_default", kind: "schema_drop_column", journaled: true,
			block: schemaBlock("schema_drop_column", "  column = \"qty\"\n"), after: gone("qty")},
		{name: "drop_column/not_null_no_default", kind: "schema_drop_column", journaled: true,
			refused: map[string]string{"sqlite": "SQLite cannot add a NOT NULL column without a default"},
			block:   schemaBlock("schema_drop_column", "  column = \"price\"\n"), after: gone("price")},
		{name: "rename_column", kind: "schema_rename_column",
			block: schemaBlock("schema_rename_column", "  column   = \"status\"\n  new_name = \"order_status\"\n"),
			after: func(t *testing.T, h *harness, before, after *planner.TableProfile) {
				old, c := findCol(before, "status"), findCol(after, "order_status")
				if findCol(after, "status") != nil || c == nil || c.Type != old.Type || c.Nullable != old.Nullable {
					t.Errorf("after the rename: columns %v, order_status %+v; want status renamed, same type", after.ColumnNames(), c)
				}
			}},
		{name: "change_type/decimal_to_text", kind: "schema_change_type", journaled: true, skip: noSQLiteRetype,
			block: schemaBlock("schema_change_type", "  column   = \"price\"\n  new_type = \"varchar(32)\"\n"),
			after: func(t *testing.T, h *harness, before, after *planner.TableProfile) {
				c := findCol(after, "price")
				if c == nil || c.Class != planner.ClassText || !strings.Contains(strings.ToLower(c.Type), "char") || c.Nullable {
					t.Fatalf("after the type change: price %+v, want a NOT NULL character type", c)
				}
				// Every value converted to its text, the same number.
				want := map[int64]int64{}
				for _, it := range genItems() {
					want[it.id] = it.cents
				}
				rows, err := h.db.QueryContext(h.ctx, h.sql("SELECT {id}, {price} FROM {items}"))
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				bad, n := 0, 0
				for rows.Next() {
					var id int64
					var txt string
					if err := rows.Scan(&id, &txt); err != nil {
						t.Fatal(err)
					}
					n++
					if got := int64(math.Round(toFloat(t, txt) * 100)); got != want[id] {
						if bad++; bad <= 5 {
							t.Errorf("row %d: price %q after the change, want %.2f as text", id, txt, float64(want[id])/100)
						}
					}
				}
				if n != itemRows {
					t.Errorf("%d rows after the type change, want %d", n, itemRows)
				}
			}},
		{name: "change_type/not_null_with_default", kind: "schema_change_type", journaled: true, skip: noSQLiteRetype,
			block: schemaBlock("schema_change_type", "  column   = \"qty\"\n  new_type = \"varchar(8)\"\n"),
			after: func(t *testing.T, h *harness, before, after *planner.TableProfile) {
				c, old := findCol(after, "qty"), findCol(before, "qty")
				if c == nil || c.Class != planner.ClassText || c.Nullable || c.Default == "" || old.Default == "" {
					t.Errorf("after the type change: qty %+v (was %+v), want text, NOT NULL, with its default", c, old)
				}
				if n := h.queryInt("SELECT COUNT(*) FROM {items} WHERE {qty} IN ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10')"); n != itemRows {
					t.Errorf("%d rows have qty as the text of 1 to 10, want %d", n, itemRows)
				}
			}},
	}
}

func testSchemaKind(t *testing.T, s *suite, c schemaCase) {
	h := s.itemsHarness(t)
	addr := "anomaly." + c.kind + ".k"
	sumBefore := h.itemsChecksum()
	cfg := h.loadItems(c.block)
	st := state.New()
	e := h.engine(cfg)
	before := h.inspectItems(e)
	if l, q, p := findCol(before, "label"), findCol(before, "qty"), findCol(before, "price"); !strings.Contains(l.Default, "n/a") || !strings.Contains(q.Default, "1") || p.Default != "" || q.Nullable || !l.Nullable {
		t.Fatalf("the inspector reads items as label %+v, qty %+v, price %+v; want the defaults 'it''s n/a' and 1, and none", l, q, p)
	}
	if c.name == "add_column" {
		t.Logf("defaults as the catalog gives them: label %s, qty %s", findCol(before, "label").Default, findCol(before, "qty").Default)
	}
	if why, ok := c.refused[s.b.Name]; ok {
		testSchemaRefusal(t, h, e, cfg, why)
		if got := h.itemsChecksum(); got != sumBefore {
			t.Errorf("after a refused change the checksum is %s, want the original %s", got, sumBefore)
		}
		sameColumns(t, "after a refused change", h.inspectItems(e), before, true)
		return
	}

	start := time.Now()
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	wantRows := int64(0)
	if c.journaled {
		wantRows = itemRows
	}
	if ch.Action != planner.Create || ch.Rows != wantRows || ch.WindowRows != itemRows {
		t.Fatalf("plan: %s with %d rows of %d, want create with %d of %d", ch.Action, ch.Rows, ch.WindowRows, wantRows, itemRows)
	}
	if rows := planner.SchemaRows(ch.Rows, ch.WindowRows, ch.Effect); ch.Mutation == nil || !ch.Mutation.Op.Schema() || !strings.Contains(rows, "schema change") {
		t.Errorf("the plan does not say it is a schema change: %q", rows)
	}
	res := h.mustApply(e, p, st)
	entry := st.Get(addr)
	if res.Applied != 1 || entry == nil || entry.Rows != wantRows || h.done[addr] != wantRows {
		t.Fatalf("apply: %+v, entry %+v, reported %d rows; want 1 applied with %d rows", res, entry, h.done[addr], wantRows)
	}
	t.Logf("%s apply: %s", c.name, time.Since(start).Round(time.Millisecond))
	if n := h.catalogCount(entry.Journal.ID); n != 1 {
		t.Errorf("catalog has %d entries for journal %s, want 1", n, entry.Journal.ID)
	}
	if c.journaled {
		if ids := h.journalIDs(entry); len(ids) != itemRows {
			t.Errorf("journal has %d rows, want %d", len(ids), itemRows)
		}
	}
	after := h.inspectItems(e)
	c.after(t, h, before, after)

	// Planned again, the applied anomaly is unchanged (it is planned
	// against the table as it was before the change).
	if ch := h.only(h.plan(e, cfg, st, false)); ch.Action != planner.NoOp {
		t.Errorf("re-plan after apply: %s, want no-op", ch.Action)
	}
	// The catalog holds the entry for a lost state.
	lost := sameLineage(st)
	if _, err := e.Refresh(h.ctx, lost); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := lost.Get(addr); got == nil || got.Journal.ID != entry.Journal.ID || got.Status != "" {
		t.Errorf("refresh of an empty state: %+v, want the applied entry", got)
	}

	start = time.Now()
	rp := h.plan(e, cfg, st, true)
	res = h.mustApply(e, rp, st)
	if res.RolledBack != 1 || st.Get(addr) != nil {
		t.Fatalf("rollback: %+v, state %+v", res, st.Get(addr))
	}
	t.Logf("%s rollback: %s", c.name, time.Since(start).Round(time.Millisecond))
	restored := h.inspectItems(e)
	sameColumns(t, "after rollback", restored, before, s.b.Dialect.Name() == "mysql")
	if got := h.itemsChecksum(); got != sumBefore {
		t.Errorf("after rollback the items checksum is %s, want the original %s", got, sumBefore)
	}
	h.journalGone(entry)
}

// testSchemaRefused: an indexed column is not dropped, and plan says why.
func testSchemaRefused(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	cfg := h.loadItems(schemaBlock("schema_drop_column", "  column = \"created_at\"\n"))
	testSchemaRefusal(t, h, h.engine(cfg), cfg, "items_created")
	if got := h.itemsChecksum(); got != sum {
		t.Errorf("after a refused drop the checksum is %s, want the original %s", got, sum)
	}
}

// testSchemaRefusal checks that plan (its count) and apply refuse the one
// change of cfg with an error containing why, and leave no journal.
func testSchemaRefusal(t *testing.T, h *harness, e *executor.Engine, cfg *config.Config, why string) {
	t.Helper()
	profiles, diags := e.Profiles(h.ctx, nil)
	if diags.HasErrors() {
		t.Fatalf("profiles: %v", diags)
	}
	p, diags := planner.Make(planner.Input{Config: cfg, State: state.New(), Profiles: profiles, Now: suiteNow})
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	err := e.Count(h.ctx, p)
	if err == nil || !strings.Contains(err.Error(), why) {
		t.Fatalf("plan's count: %v, want a refusal saying %q", err, why)
	}
	t.Logf("refused as it should be: %v", err)
	st := state.New()
	if _, err := h.apply(e, p, st); err == nil || !strings.Contains(err.Error(), why) || len(st.Anomalies) != 0 {
		t.Errorf("apply: %v, state %d entries; want a refusal saying %q", err, len(st.Anomalies), why)
	}
	if n := h.catalogCount(""); n != 0 {
		t.Errorf("catalog has %d entries after a refused apply", n)
	}
}

// testSchemaUnsupported: SQLite's validate names why change_type does not
// run there.
func testSchemaUnsupported(t *testing.T, s *suite) {
	h := s.empty(t)
	text := h.src + "\ntarget \"items\" {\n  source = source.sqlite.db\n  table  = \"items\"\n}\n" +
		schemaBlock("schema_change_type", "  column   = \"price\"\n  new_type = \"text\"\n")
	cfg, diags := config.LoadFiles(h.dir, map[string][]byte{filepath.Join(h.dir, "main.hcl"): []byte(text)}, config.Options{})
	if diags.HasErrors() {
		t.Fatalf("scenario: %v", diags)
	}
	if d := planner.Validate(cfg); !d.HasErrors() || !strings.Contains(d.Error(), "does not run on sqlite") {
		t.Errorf("validate: %v, want schema_change_type refused on sqlite", d)
	}
}

// ---------------------------------------------------------------------------
// Where DDL commits on its own: runs stopped between their steps.

// schemaSteps plans the drop of qty and returns what the executor would
// build for it: the mutation, its catalog entry and statements.
func (h *harness) schemaSteps(e *executor.Engine, cfg *config.Config, st *state.State) (*planner.Change, *state.Anomaly, *sqlgen.SchemaChange) {
	h.t.Helper()
	ch := h.only(h.plan(e, cfg, st, false))
	id := state.NewID()
	schema := cfg.Sources[0].JournalSchema
	entry := &state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Source: ch.Source, Target: ch.Target,
		Column: ch.Column, Journal: ch.Mutation.Journal(id, schema), Lineage: st.Lineage, AppliedAt: time.Now().UTC(), Rows: itemRows}
	sc, err := sqlgen.ApplySchema(h.b.Dialect, schema, id, ch.Mutation)
	if err != nil {
		h.t.Fatal(err)
	}
	return ch, entry, sc
}

func (h *harness) run(stmts ...sqlgen.Statement) {
	h.t.Helper()
	for _, s := range stmts {
		if _, err := h.db.ExecContext(h.ctx, s.SQL, s.Args...); err != nil {
			h.t.Fatalf("%s: %v", s.SQL, err)
		}
	}
}

func entryJSON(a *state.Anomaly) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// recoverAndRollBack reads the catalog into st as a new run would, checks
// that plan stops on the unfinished journal, rolls it back, and checks that
// items is as it was.
func (h *harness) recoverAndRollBack(cfg *config.Config, st *state.State, addr, status, sum string, before *planner.TableProfile) {
	h.t.Helper()
	e := h.engine(cfg)
	if _, err := e.Refresh(h.ctx, st); err != nil {
		h.t.Fatalf("refresh: %v", err)
	}
	got := st.Get(addr)
	if got == nil || got.Status != status {
		h.t.Fatalf("refresh: entry %+v, want status %s", got, status)
	}
	if _, diags := h.tryPlan(e, cfg, st, false); !strings.Contains(diags, "Unfinished journal") {
		h.t.Errorf("plan over a %s journal: %q, want it to stop on the unfinished journal", status, diags)
	}
	res := h.mustApply(e, h.plan(e, cfg, st, true), st)
	if res.RolledBack != 1 || len(st.Anomalies) != 0 {
		h.t.Errorf("rollback: %+v, state %d entries", res, len(st.Anomalies))
	}
	sameColumns(h.t, "after the recovering rollback", h.inspectItems(e), before, h.b.Dialect.Name() == "mysql")
	if got := h.itemsChecksum(); got != sum {
		h.t.Errorf("after the recovering rollback the checksum is %s, want the original %s", got, sum)
	}
	h.journalGone(got)
}

// testSchemaCrashAfterChange: a run stops after the column was dropped and
// before its entry was marked applied.
func testSchemaCrashAfterChange(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	cfg := h.loadItems(schemaBlock("schema_drop_column", "  column = \"qty\"\n"))
	st := state.New()
	e := h.engine(cfg)
	before := h.inspectItems(e)
	ch, entry, sc := h.schemaSteps(e, cfg, st)
	d, schema := h.b.Dialect, entry.Journal.Schema
	// The executor's steps 1 to 3 (sqlgen/schema.go), then the kill.
	h.run(sc.Ensure...)
	pend := entry.Clone()
	pend.Status = sqlgen.StatusPending
	h.run(sqlgen.CatalogInsert(d, schema, entry.Journal.ID, ch.Address, entry.AppliedAt, entryJSON(pend), sqlgen.StatusPending), sc.Journal)
	tx, err := h.db.BeginTx(h.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	upd := sqlgen.CatalogUpdate(d, schema, entry.Journal.ID, entryJSON(entry), sqlgen.StatusChanging)
	for _, s := range []sqlgen.Statement{*sc.Fill, upd} {
		if _, err := tx.ExecContext(h.ctx, s.SQL, s.Args...); err != nil {
			t.Fatalf("%s: %v", s.SQL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	h.run(sc.Change...)
	if findCol(h.inspectItems(e), "qty") != nil {
		t.Fatal("qty was not dropped")
	}
	h.recoverAndRollBack(cfg, sameLineage(st), ch.Address, sqlgen.StatusChanging, sum, before)
}

// testSchemaCrashPending: a run stops after creating the empty journal.
func testSchemaCrashPending(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	cfg := h.loadItems(schemaBlock("schema_drop_column", "  column = \"qty\"\n"))
	st := state.New()
	e := h.engine(cfg)
	before := h.inspectItems(e)
	ch, entry, sc := h.schemaSteps(e, cfg, st)
	pend := entry.Clone()
	pend.Status = sqlgen.StatusPending
	h.run(sc.Ensure...)
	h.run(sqlgen.CatalogInsert(h.b.Dialect, entry.Journal.Schema, entry.Journal.ID, ch.Address, entry.AppliedAt, entryJSON(pend), sqlgen.StatusPending), sc.Journal)
	h.recoverAndRollBack(cfg, sameLineage(st), ch.Address, sqlgen.StatusPending, sum, before)
}

// testSchemaCrashMidRollback: a rollback stops after putting the column
// back and before refilling it.
func testSchemaCrashMidRollback(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	cfg := h.loadItems(schemaBlock("schema_drop_column", "  column = \"qty\"\n"))
	st := state.New()
	e := h.engine(cfg)
	before := h.inspectItems(e)
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	entry := st.Get("anomaly.schema_drop_column.k")
	r, err := sqlgen.RenderSchemaRollback(h.b.Dialect, entry.Journal, h.inspectItems(e), false)
	if err != nil || r.Conflict != "" || len(r.Steps) < 2 || !r.Steps[0].DDL {
		t.Fatalf("rollback steps %+v, %v", r, err)
	}
	h.run(sqlgen.CatalogUpdate(h.b.Dialect, entry.Journal.Schema, entry.Journal.ID, entryJSON(entry), sqlgen.StatusChanging), r.Steps[0])
	if c := findCol(h.inspectItems(e), "qty"); c == nil || !c.Nullable {
		t.Fatalf("after the first rollback step qty is %+v, want it back, nullable and empty", c)
	}
	h.recoverAndRollBack(cfg, sameLineage(st), entry.Address, sqlgen.StatusChanging, sum, before)
}

// testSchemaFailedChange: a change the server refuses after the journal
// committed (values too long for the new type) is undone by the apply
// itself, and its journal removed.
func testSchemaFailedChange(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	cfg := h.loadItems(schemaBlock("schema_change_type", "  column   = \"note\"\n  new_type = \"varchar(2)\"\n"))
	st := state.New()
	e := h.engine(cfg)
	before := h.inspectItems(e)
	_, err := h.apply(e, h.plan(e, cfg, st, false), st)
	var re *executor.RunError
	if !errors.As(err, &re) || len(st.Anomalies) != 0 {
		t.Fatalf("apply of a type the values do not fit: %v (state %d entries), want a RunError and nothing applied", err, len(st.Anomalies))
	}
	t.Logf("refused as it should be: %v", err)
	sameColumns(t, "after the failed change", h.inspectItems(e), before, true)
	if got := h.itemsChecksum(); got != sum {
		t.Errorf("after the failed change the checksum is %s, want the original %s", got, sum)
	}
	if n := h.catalogCount(""); n != 0 {
		t.Errorf("catalog has %d entries after the failed change, want 0", n)
	}
}

// testSchemaReplace applies a schema anomaly, changes its setting (the
// first %s of attrs: from first to second), and applies again: the plan is
// a replace (planned against the table as it was), apply rolls the old
// change back and makes the new one, and the final rollback restores
// items.
func testSchemaReplace(t *testing.T, s *suite, kind, attrs, first, second string) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	addr := "anomaly." + kind + ".k"
	st := state.New()
	cfg1 := h.loadItems(schemaBlock(kind, fmt.Sprintf(attrs, first)))
	e1 := h.engine(cfg1)
	before := h.inspectItems(e1)
	h.mustApply(e1, h.plan(e1, cfg1, st, false), st)
	old := st.Get(addr)
	cfg2 := h.loadItems(schemaBlock(kind, fmt.Sprintf(attrs, second)))
	e2 := h.engine(cfg2)
	p := h.plan(e2, cfg2, st, false)
	if ch := h.only(p); ch.Action != planner.Replace {
		t.Fatalf("plan after a changed setting: %s, want replace", ch.Action)
	}
	if res := h.mustApply(e2, p, st); res.RolledBack != 1 || res.Applied != 1 {
		t.Fatalf("replace: %+v, want 1 rolled back and 1 applied", res)
	}
	h.journalGone(old)
	after := h.inspectItems(e2)
	found := false
	for _, c := range after.Columns {
		if strings.EqualFold(c.Name, second) || strings.Contains(strings.ToLower(c.Type), strings.TrimPrefix(second, "varchar")) {
			found = true
		}
	}
	if !found {
		t.Errorf("after the replace the columns are %v, want %s in them", after.ColumnNames(), second)
	}
	h.mustApply(e2, h.plan(e2, cfg2, st, true), st)
	sameColumns(t, "after the rollback of the replacement", h.inspectItems(e2), before, s.b.Dialect.Name() == "mysql")
	if got := h.itemsChecksum(); got != sum {
		t.Errorf("after the rollback of the replacement the checksum is %s, want the original %s", got, sum)
	}
}

// testSchemaConflicts: a table someone changed after the schema change.
// An added column dropped by hand leaves nothing to roll back; a renamed
// column renamed again by hand is a conflict (the journal is kept) until
// rollback -force forgets it; a dropped column added again by hand is a
// conflict that -force refills.
func testSchemaConflicts(t *testing.T, s *suite) {
	h := s.itemsHarness(t)
	sum := h.itemsChecksum()
	st := state.New()
	cfg := h.loadItems(schemaBlock("schema_add_column", "  name = \"coupon\"\n  type = \"varchar(40)\"\n") +
		strings.Replace(schemaBlock("schema_rename_column", "  column   = \"status\"\n  new_name = \"order_status\"\n"), "\"k\"", "\"r\"", 1) +
		strings.Replace(schemaBlock("schema_drop_column", "  column = \"note\"\n"), "\"k\"", "\"d\"", 1))
	e := h.engine(cfg)
	before := h.inspectItems(e)
	if res := h.mustApply(e, h.plan(e, cfg, st, false), st); res.Applied != 3 {
		t.Fatalf("apply: %+v", res)
	}
	add, ren, drop := st.Get("anomaly.schema_add_column.k"), st.Get("anomaly.schema_rename_column.r"), st.Get("anomaly.schema_drop_column.d")
	h.ddl("ALTER TABLE {items} DROP COLUMN {coupon}")
	h.ddl("ALTER TABLE {items} RENAME COLUMN {order_status} TO {state}")
	h.ddl(fmt.Sprintf("ALTER TABLE {items} ADD {note} %s NULL", s.b.Types.Text))
	e.ContinueOnError = true
	res, err := h.apply(e, h.plan(e, cfg, st, true), st)
	if !errors.Is(err, executor.ErrConflicts) || res.RolledBack != 1 || res.Conflicts != 2 {
		t.Fatalf("rollback: %+v, %v; want the add rolled back and 2 conflicts", res, err)
	}
	h.journalGone(add)
	if st.Get(add.Address) != nil || st.Get(ren.Address) == nil || st.Get(drop.Address) == nil {
		t.Fatalf("state after the conflicting rollback: %v entries, want the rename and the drop kept", len(st.Anomalies))
	}
	for _, a := range []*state.Anomaly{ren, drop} {
		if n := h.catalogCount(a.Journal.ID); n != 1 {
			t.Errorf("catalog has %d entries for the kept journal of %s, want 1", n, a.Address)
		}
	}
	e.Force = true
	if res, err := h.apply(e, h.plan(e, cfg, st, true), st); err != nil || res.RolledBack != 2 {
		t.Fatalf("forced rollback: %+v, %v", res, err)
	}
	h.journalGone(ren)
	h.journalGone(drop)
	// The rename is forgotten (state stays as someone named it); the drop
	// refilled the column added by hand.
	h.ddl("ALTER TABLE {items} RENAME COLUMN {state} TO {status}")
	after := h.inspectItems(e)
	for _, name := range itemColumns {
		if findCol(after, name) == nil {
			t.Errorf("column %s missing after the forced rollback: %v", name, after.ColumnNames())
		}
	}
	if len(after.Columns) != len(before.Columns) {
		t.Errorf("columns %v after the forced rollback, want %v", after.ColumnNames(), before.ColumnNames())
	}
	if got := h.itemsChecksum(); got != sum {
		t.Errorf("after the forced rollback the checksum is %s, want the original %s", got, sum)
	}
}

// ddl runs a DDL statement by hand. On SQLite it reads the schema first in
// the same call: the harness's pooled connection may have cached it before
// the engine's connections changed it (see the SQLite dialect's
// freshSchema).
func (h *harness) ddl(q string) {
	h.t.Helper()
	if h.b.Name == "sqlite" {
		q = "SELECT COUNT(*) FROM sqlite_schema; " + q
	}
	h.exec(q)
}
