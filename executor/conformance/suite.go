package conformance

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// Backend describes one live database to RunSuite, in a dialect-neutral
// way: the suite builds its own tables and queries from these pieces, so a
// new provider plugs in by filling a Backend.
type Backend struct {
	// Name is the provider name and the source type in HCL ("postgres").
	Name string
	// New makes a fresh, empty database for one subtest (removed when the
	// subtest ends). It returns the whole source block, labelled
	// source "<Name>" "db", and an open handle on the same database.
	New func(t *testing.T) (src string, db *sql.DB)
	// Dialect quotes identifiers and renders bind placeholders in the
	// suite's own statements; it is the provider's own dialect.
	Dialect sqlgen.Dialect
	// Types are the column types used to create the orders table.
	Types Types
	// TimeValue converts a time to the value bound for created_at, both
	// when seeding and in the suite's window queries.
	TimeValue func(time.Time) any
	// TimeFormat is the TimeFormat the profile of orders must report for
	// created_at (the zero value for native time types).
	TimeFormat planner.TimeFormat
	// ChecksumColumns is the select list over orders used for checksums
	// and row snapshots. Every column must appear under its own name (alias
	// expressions); extra columns such as SQLite's typeof(x) may be added
	// under other names. Empty means the six columns by name.
	ChecksumColumns string
	// BatchRows is the number of rows per multi-row INSERT when seeding;
	// 0 means 200 (1,200 bind parameters).
	BatchRows int
	// Placeholder, when set, renders the suite's own bind parameters
	// instead of Dialect.Placeholder (SQLite's driver binds plain ? much
	// faster than ?NNN in long statements).
	Placeholder func(n int) string
	// Clone, when set, makes a fresh database holding a copy of template
	// (a database New made and the suite seeded), like New otherwise. The
	// suite then seeds once instead of once per subtest.
	Clone func(t *testing.T, template *sql.DB) (src string, db *sql.DB)
	// Profile and Rental, when set, add the profile statistics and the
	// rental-shop schema to Run.
	Profile *ProfileBackend
	Rental  *RentalBackend

	// coverage records what Run's parts applied and rolled back.
	coverage *coverage
}

// Types are a database's spelling of the orders columns' types.
type Types struct {
	BigInt    string // id: 64-bit integer
	Timestamp string // created_at: a time without time zone, second precision at least
	Text      string // email, status
	Decimal   string // amount: exact decimal with 2 places, e.g. numeric(10,2)
	Int       string // qty: 32-bit integer
}

// The fixed data: 30 days of orders from suiteBase; "now" is mid-afternoon
// of day 30 with a sub-second part, so relative windows have awkward bounds.
var (
	suiteBase = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	suiteNow  = suiteBase.Add(30*24*time.Hour + 13*time.Hour + 37*time.Minute + 42*time.Second + 500*time.Millisecond)
	// The absolute window of the per-kind subtests: days 10 to 16. Each day
	// has a row at exactly midnight, so both bounds are exercised.
	winFrom = suiteBase.AddDate(0, 0, 10)
	winTo   = winFrom.Add(7 * 24 * time.Hour)
)

const (
	suiteDays  = 30
	journalSch = "anomgen"
)

// order is one seeded row; the suite's expectations are computed from these
// values in Go, independently of the database.
type order struct {
	id         int64
	at         time.Time
	email      string
	emailNull  bool
	cents      int64
	qty        int64
	status     string
	statusNull bool
}

var orderColumns = []string{"id", "created_at", "email", "amount", "qty", "status"}

// genOrders makes the deterministic data set: 450 to 550 rows a day, the
// first of each day at midnight, about 1% NULL emails, plus rows at the
// whole seconds around both bounds of the relative window last=7d (one
// outside and one inside its start, two inside and one outside its end, so
// that errors at the two bounds cannot cancel out in a count).
func genOrders() []order {
	rng := rand.New(rand.NewPCG(20260201, 7))
	statuses := []string{"paid", "shipped", "delivered", "refunded"}
	var out []order
	add := func(at time.Time) {
		o := order{id: int64(len(out) + 1), at: at, cents: 100 + rng.Int64N(50000), qty: 1 + rng.Int64N(10)}
		if rng.Float64() < 0.01 {
			o.emailNull = true
		} else {
			o.email = fmt.Sprintf("user%d@example.com", rng.IntN(5000))
		}
		if rng.Float64() < 0.02 {
			o.statusNull = true
		} else {
			o.status = statuses[rng.IntN(len(statuses))]
		}
		out = append(out, o)
	}
	for d := range suiteDays {
		day := suiteBase.AddDate(0, 0, d)
		n := 450 + rng.IntN(101)
		for i := range n {
			at := day.Add(time.Duration(rng.IntN(86400)) * time.Second)
			if i == 0 {
				at = day
			}
			add(at)
		}
	}
	lastFrom := suiteNow.Add(-7 * 24 * time.Hour).Truncate(time.Second)
	nowSec := suiteNow.Truncate(time.Second)
	for _, at := range []time.Time{lastFrom, lastFrom.Add(time.Second), nowSec, nowSec, nowSec.Add(time.Second)} {
		add(at)
		out[len(out)-1].emailNull = false
		out[len(out)-1].email = "edge@example.com"
	}
	return out
}

// chosen is the row selection of the spec (planner.Selection): the first 32
// bits of MD5(seed ":" key) below round(share * 2^32).
func chosen(seed int64, share float64, id int64) bool {
	if share >= 1 {
		return true
	}
	sum := md5.Sum([]byte(strconv.FormatInt(seed, 10) + ":" + strconv.FormatInt(id, 10)))
	return int64(binary.BigEndian.Uint32(sum[:4])) < int64(math.Round(share*(1<<32)))
}

func inWindow(at, from, to time.Time) bool { return !at.Before(from) && at.Before(to) }

// shiftCents is c multiplied by factor (at most two decimals) and rounded
// to a cent, half away from zero, as decimal arithmetic does.
func shiftCents(c int64, factor float64) int64 {
	x := c * int64(math.Round(factor*100))
	if x >= 0 {
		return (x + 50) / 100
	}
	return -((-x + 50) / 100)
}

// newSuite fills b's defaults and, where b can clone databases, seeds one
// template database with data for every subtest to copy.
func newSuite(t *testing.T, b Backend, data []order) *suite {
	if b.BatchRows == 0 {
		b.BatchRows = 200
	}
	if b.ChecksumColumns == "" {
		b.ChecksumColumns = strings.Join(quoteAll(b.Dialect, orderColumns), ", ")
	}
	s := &suite{b: b, data: data}
	if b.Clone != nil {
		h := s.harness(t)
		base := h.snapshot()
		s.template, s.baseline = h.db, &base
	}
	return s
}

// RunSuite runs the provider conformance and kind-effect suite against b.
// Every subtest makes its own database.
func RunSuite(t *testing.T, b Backend) {
	s := newSuite(t, b, genOrders())
	t.Run("inspect", func(t *testing.T) { t.Parallel(); testInspect(t, s) })
	for _, k := range kindCases() {
		t.Run("kind/"+k.kind, func(t *testing.T) { t.Parallel(); testKind(t, s, k) })
	}
	t.Run("stacked_counts", func(t *testing.T) { t.Parallel(); testStacked(t, s) })
	t.Run("conflicts/update", func(t *testing.T) { t.Parallel(); testConflictsUpdate(t, s) })
	t.Run("conflicts/delete", func(t *testing.T) { t.Parallel(); testConflictsDelete(t, s) })
	t.Run("recovery", func(t *testing.T) { t.Parallel(); testRecovery(t, s) })
	t.Run("replace", func(t *testing.T) { t.Parallel(); testReplace(t, s) })
	t.Run("key", func(t *testing.T) { t.Parallel(); testKey(t, s) })
}

// suite is what the subtests share: the backend, the data and, with
// Backend.Clone, the seeded template database.
type suite struct {
	b        Backend
	data     []order
	template *sql.DB
	// baseline is the template's snapshot, which every clone starts from.
	baseline *snapshot
}

// ---------------------------------------------------------------------------
// harness

type harness struct {
	t         *testing.T
	b         Backend
	ctx       context.Context
	db        *sql.DB
	src       string
	dir       string
	statePath string
	data      []order
	byID      map[int64]order
	// done holds the rows of each EventDone by address, from the last apply.
	done map[string]int64
	// baseline, when set, is the snapshot of the database as created.
	baseline *snapshot
}

// harness makes a fresh database with the seeded orders table: a clone of
// the template when there is one, else a new database it seeds.
func (s *suite) harness(t *testing.T) *harness {
	t.Helper()
	if s.template != nil {
		src, db := s.b.Clone(t, s.template)
		h := s.wrap(t, src, db)
		h.baseline = s.baseline
		return h
	}
	h := s.empty(t)
	h.createOrders("orders", true)
	h.insertOrders("orders", s.data)
	return h
}

// empty makes a fresh, empty database.
func (s *suite) empty(t *testing.T) *harness {
	t.Helper()
	src, db := s.b.New(t)
	return s.wrap(t, src, db)
}

func (s *suite) wrap(t *testing.T, src string, db *sql.DB) *harness {
	h := &harness{t: t, b: s.b, ctx: context.Background(), db: db, src: src, dir: t.TempDir(), data: s.data,
		byID: map[int64]order{}, done: map[string]int64{}}
	h.statePath = filepath.Join(h.dir, ".anomgen", "state.json")
	for _, o := range s.data {
		h.byID[o.id] = o
	}
	return h
}

// sql replaces {name} with the quoted identifier and each ? with the next
// bind placeholder.
func (h *harness) sql(q string) string {
	var sb strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		switch q[i] {
		case '?':
			n++
			if h.b.Placeholder != nil {
				sb.WriteString(h.b.Placeholder(n))
			} else {
				sb.WriteString(h.b.Dialect.Placeholder(n))
			}
		case '{':
			j := strings.IndexByte(q[i:], '}')
			sb.WriteString(h.b.Dialect.Quote(q[i+1 : i+j]))
			i += j
		default:
			sb.WriteByte(q[i])
		}
	}
	return sb.String()
}

func (h *harness) exec(q string, args ...any) int64 {
	h.t.Helper()
	r, err := h.db.ExecContext(h.ctx, h.sql(q), args...)
	if err != nil {
		h.t.Fatalf("%s: %v", h.sql(q), err)
	}
	n, _ := r.RowsAffected()
	return n
}

func (h *harness) queryInt(q string, args ...any) int64 {
	h.t.Helper()
	var n sql.NullInt64
	if err := h.db.QueryRowContext(h.ctx, h.sql(q), args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", h.sql(q), err)
	}
	return n.Int64
}

func (h *harness) queryFloat(q string, args ...any) float64 {
	h.t.Helper()
	var f sql.NullFloat64
	if err := h.db.QueryRowContext(h.ctx, h.sql(q), args...).Scan(&f); err != nil {
		h.t.Fatalf("%s: %v", h.sql(q), err)
	}
	return f.Float64
}

func (h *harness) createOrders(table string, pk bool) {
	h.t.Helper()
	ty := h.b.Types
	key := " NOT NULL"
	if pk {
		key = " PRIMARY KEY"
	}
	h.exec(fmt.Sprintf("CREATE TABLE {%s} ({id} %s%s, {created_at} %s NULL, {email} %s NULL, {amount} %s NOT NULL, {qty} %s NOT NULL, {status} %s NULL)",
		table, ty.BigInt, key, ty.Timestamp, ty.Text, ty.Decimal, ty.Int, ty.Text))
}

func (h *harness) insertOrders(table string, rows []order) {
	h.t.Helper()
	for len(rows) > 0 {
		n := min(len(rows), h.b.BatchRows)
		var sb strings.Builder
		fmt.Fprintf(&sb, "INSERT INTO {%s} ({id}, {created_at}, {email}, {amount}, {qty}, {status}) VALUES ", table)
		args := make([]any, 0, n*6)
		for i, o := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?)")
			var email, status any
			if !o.emailNull {
				email = o.email
			}
			if !o.statusNull {
				status = o.status
			}
			args = append(args, o.id, h.b.TimeValue(o.at), email, float64(o.cents)/100, o.qty, status)
		}
		h.exec(sb.String(), args...)
		rows = rows[n:]
	}
}

// snapshot is every orders row, keyed by id, with each value rendered with
// its Go type as providertest.Checksum does, so that any changed byte, NULL or type shows.
type snapshot struct {
	cols []string
	rows map[int64][]string
	raw  map[int64][]any
}

// sum hashes the rows that keep accepts (all when nil) in id order, like
// providertest.Checksum over the checksum columns.
func (s snapshot) sum(keep func(id int64) bool) string {
	ids := make([]int64, 0, len(s.rows))
	for id := range s.rows {
		if keep == nil || keep(id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		for _, v := range s.rows[id] {
			h.Write([]byte(v))
			h.Write([]byte{'|'})
		}
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d rows %s", len(ids), hex.EncodeToString(h.Sum(nil))[:24])
}

// initial is the snapshot of the seeded table before any change: the
// template's for a clone, else taken now.
func (h *harness) initial() snapshot {
	h.t.Helper()
	if h.baseline != nil {
		return *h.baseline
	}
	return h.snapshot()
}

// fullChecksum hashes the whole orders table.
func (h *harness) fullChecksum() string { return h.snapshot().sum(nil) }

// outside accepts the seeded rows outside [from, to) and rows that were not
// seeded.
func (h *harness) outside(from, to time.Time) func(int64) bool {
	return func(id int64) bool {
		o, ok := h.byID[id]
		return !ok || !inWindow(o.at, from, to)
	}
}

func (s snapshot) col(name string) int {
	return slices.Index(s.cols, name)
}

func (h *harness) snapshot() snapshot {
	h.t.Helper()
	q := "SELECT " + h.b.ChecksumColumns + h.sql(" FROM {orders}")
	rows, err := h.db.QueryContext(h.ctx, q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for i := range cols {
		cols[i] = strings.ToLower(cols[i])
	}
	s := snapshot{cols: cols, rows: map[int64][]string{}, raw: map[int64][]any{}}
	idCol := s.col("id")
	if idCol < 0 {
		h.t.Fatalf("ChecksumColumns %q has no id column", h.b.ChecksumColumns)
	}
	for rows.Next() {
		vals, ptrs := providers.ScanSlots(len(cols))
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		txt := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case time.Time:
				v = x.UTC().Format(time.RFC3339Nano)
			case []byte:
				v = string(x)
			}
			vals[i] = v
			txt[i] = fmt.Sprintf("%T:%v", v, v)
		}
		id := int64(toFloat(h.t, vals[idCol]))
		s.rows[id] = txt
		s.raw[id] = vals
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// rowDiff compares two snapshots of orders.
type rowDiff struct {
	changed, deleted, inserted []int64
	// cols lists, per changed id, the differing orders columns (extra
	// checksum columns are left out).
	cols map[int64][]string
}

func diffSnapshots(before, after snapshot) rowDiff {
	d := rowDiff{cols: map[int64][]string{}}
	for id, b := range before.rows {
		a, ok := after.rows[id]
		if !ok {
			d.deleted = append(d.deleted, id)
			continue
		}
		if slices.Equal(a, b) {
			continue
		}
		d.changed = append(d.changed, id)
		for i, c := range before.cols {
			if slices.Contains(orderColumns, c) && a[i] != b[i] {
				d.cols[id] = append(d.cols[id], c)
			}
		}
	}
	for id := range after.rows {
		if _, ok := before.rows[id]; !ok {
			d.inserted = append(d.inserted, id)
		}
	}
	slices.Sort(d.changed)
	slices.Sort(d.deleted)
	slices.Sort(d.inserted)
	return d
}

func toFloat(t testing.TB, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float64:
		return x
	case float32:
		return float64(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			t.Fatalf("not a number: %q", x)
		}
		return f
	case []byte:
		return toFloat(t, string(x))
	}
	t.Fatalf("not a number: %T %v", v, v)
	return 0
}

func toCents(t testing.TB, v any) int64 { return int64(math.Round(toFloat(t, v) * 100)) }

const targetBlock = `
target "orders" {
  source      = source.%s.db
  table       = "orders"
  time_column = "created_at"
}
`

// load parses the source block, the orders target and blocks.
func (h *harness) load(blocks string) *config.Config {
	h.t.Helper()
	text := h.src + fmt.Sprintf(targetBlock, h.b.Name) + blocks
	cfg, diags := config.LoadFiles(h.dir, map[string][]byte{filepath.Join(h.dir, "main.hcl"): []byte(text)}, config.Options{})
	if diags.HasErrors() {
		h.t.Fatalf("scenario does not load: %v\n%s", diags, text)
	}
	if diags := planner.Validate(cfg); diags.HasErrors() {
		h.t.Fatalf("scenario does not validate: %v", diags)
	}
	return cfg
}

// engine opens an engine on every source of cfg.
func (h *harness) engine(cfg *config.Config) *executor.Engine {
	h.t.Helper()
	e := executor.New(cfg)
	e.Events = func(ev executor.Event) {
		switch ev.Kind {
		case executor.EventDone:
			h.done[ev.Address] = ev.Rows
		case executor.EventWarning:
			h.t.Logf("warning: %s: %s", ev.Address, ev.Message)
		}
	}
	var addrs []string
	for _, s := range cfg.Sources {
		addrs = append(addrs, s.Addr())
	}
	if err := e.Open(h.ctx, addrs); err != nil {
		h.t.Fatalf("open: %v", err)
	}
	h.t.Cleanup(e.Close)
	return e
}

// plan profiles, plans at suiteNow and counts.
func (h *harness) plan(e *executor.Engine, cfg *config.Config, st *state.State, destroy bool) *planner.Plan {
	h.t.Helper()
	p, diags := h.tryPlan(e, cfg, st, destroy)
	if diags != "" {
		h.t.Fatalf("plan: %s", diags)
	}
	return p
}

func (h *harness) tryPlan(e *executor.Engine, cfg *config.Config, st *state.State, destroy bool) (*planner.Plan, string) {
	h.t.Helper()
	var profiles map[string]*planner.TableProfile
	if !destroy {
		var diags = make([]string, 0)
		pr, d := e.Profiles(h.ctx, nil)
		for _, x := range d {
			diags = append(diags, x.Summary+": "+x.Detail)
		}
		if d.HasErrors() {
			return nil, strings.Join(diags, "; ")
		}
		profiles = pr
	}
	p, d := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: suiteNow, Destroy: destroy})
	if d.HasErrors() {
		var msgs []string
		for _, x := range d {
			msgs = append(msgs, x.Summary+": "+x.Detail)
		}
		return nil, strings.Join(msgs, "; ")
	}
	if err := e.Count(h.ctx, p); err != nil {
		h.t.Fatalf("count: %v", err)
	}
	return p, ""
}

func (h *harness) save(st *state.State) error { return state.Save(h.statePath, st) }

func (h *harness) apply(e *executor.Engine, p *planner.Plan, st *state.State) (executor.Result, error) {
	h.t.Helper()
	clear(h.done)
	res, err := e.Apply(h.ctx, p, st, h.save)
	for _, ch := range p.Changes {
		if _, done := h.done[ch.Address]; done && !e.DryRun {
			h.b.coverage.record(ch.Kind, ch.Action)
		}
	}
	return res, err
}

func (h *harness) mustApply(e *executor.Engine, p *planner.Plan, st *state.State) executor.Result {
	h.t.Helper()
	res, err := h.apply(e, p, st)
	if err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	return res
}

// applyCounted applies p and returns addr's state entry, failing unless
// the entry exists and apply and state both report the plan's rows.
func (h *harness) applyCounted(t *testing.T, e *executor.Engine, p *planner.Plan, st *state.State, addr string, rows int64) *state.Anomaly {
	t.Helper()
	h.mustApply(e, p, st)
	entry := st.Get(addr)
	if entry == nil {
		t.Fatalf("%s is not in state after apply", addr)
	}
	if h.done[addr] != rows || entry.Rows != rows {
		t.Errorf("plan counted %d rows, apply reported %d, state has %d", rows, h.done[addr], entry.Rows)
	}
	return entry
}

// only returns the single change of p.
func (h *harness) only(p *planner.Plan) *planner.Change {
	h.t.Helper()
	if len(p.Changes) != 1 {
		var got []string
		for _, c := range p.Changes {
			got = append(got, string(c.Action)+" "+c.Address)
		}
		h.t.Fatalf("plan has %d changes (%v), want 1", len(p.Changes), got)
	}
	return p.Changes[0]
}

func (h *harness) journalTable(a *state.Anomaly) string {
	return h.b.Dialect.JournalTable(a.Journal.Schema, a.Journal.ID)
}

// journalIDs lists the order ids in a's journal, sorted.
func (h *harness) journalIDs(a *state.Anomaly) []int64 {
	h.t.Helper()
	q := h.sql("SELECT {id} FROM ") + h.journalTable(a) + h.sql(" ORDER BY {id}")
	rows, err := h.db.QueryContext(h.ctx, q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			h.t.Fatal(err)
		}
		ids = append(ids, int64(toFloat(h.t, v)))
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return ids
}

// journalGone asserts a's journal table and catalog entry are gone.
func (h *harness) journalGone(a *state.Anomaly) {
	h.t.Helper()
	var n int64
	err := h.db.QueryRowContext(h.ctx, "SELECT COUNT(*) FROM "+h.journalTable(a)).Scan(&n)
	if err == nil {
		h.t.Errorf("journal table %s still exists (%d rows)", h.journalTable(a), n)
	} else if !providers.IsUndefinedTable(err) {
		h.t.Errorf("querying the dropped journal table: %v, want an undefined-table error", err)
	}
	if c := h.catalogCount(a.Journal.ID); c != 0 {
		h.t.Errorf("catalog still has %d entries for journal %s", c, a.Journal.ID)
	}
}

var journalSchemaAttr = regexp.MustCompile(`journal_schema\s*=\s*"([^"]+)"`)

// catalogCount counts catalog entries with id (all entries when id is "").
func (h *harness) catalogCount(id string) int64 {
	h.t.Helper()
	// The source block may name its own journal schema (MySQL tests give
	// each database one, since there a journal schema is a database).
	sch := journalSch
	if m := journalSchemaAttr.FindStringSubmatch(h.src); m != nil {
		sch = m[1]
	}
	q := "SELECT COUNT(*) FROM " + h.b.Dialect.CatalogTable(sch)
	var args []any
	if id != "" {
		// Unquoted, as sqlgen writes the catalog's columns: quoted, "id"
		// would miss Oracle's ID.
		q += h.sql(" WHERE id = ?")
		args = append(args, id)
	}
	var n int64
	if err := h.db.QueryRowContext(h.ctx, q, args...).Scan(&n); err != nil {
		if providers.IsUndefinedTable(err) {
			return 0
		}
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// expect lists, sorted, the ids of data rows in [from, to) that keep
// returns true for and the hash chooses.
func expect(data []order, from, to time.Time, seed int64, share float64, keep func(order) bool) []int64 {
	var ids []int64
	for _, o := range data {
		if (from.IsZero() || inWindow(o.at, from, to)) && (keep == nil || keep(o)) && chosen(seed, share, o.id) {
			ids = append(ids, o.id)
		}
	}
	return ids
}

func windowCount(data []order, from, to time.Time) int64 {
	var n int64
	for _, o := range data {
		if inWindow(o.at, from, to) {
			n++
		}
	}
	return n
}

func emailNotNull(o order) bool { return !o.emailNull }

func idsEqual(t testing.TB, what string, got, want []int64) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	missing, extra := 0, 0
	var exMissing, exExtra []int64
	for _, id := range want {
		if _, ok := slices.BinarySearch(got, id); !ok {
			missing++
			if len(exMissing) < 5 {
				exMissing = append(exMissing, id)
			}
		}
	}
	for _, id := range got {
		if _, ok := slices.BinarySearch(want, id); !ok {
			extra++
			if len(exExtra) < 5 {
				exExtra = append(exExtra, id)
			}
		}
	}
	t.Errorf("%s: got %d ids, want %d: %d missing (e.g. %v), %d unexpected (e.g. %v)", what, len(got), len(want), missing, exMissing, extra, exExtra)
}

func anomalyBlock(kind, name, attrs, window string) string {
	return fmt.Sprintf("\nanomaly %q %q {\n  target = target.orders\n%s  window {\n%s  }\n}\n", kind, name, attrs, window)
}

func absWindow(from time.Time, d time.Duration) string {
	return fmt.Sprintf("    start    = %q\n    duration = %q\n", from.Format(time.RFC3339), fmt.Sprintf("%dh", int(d.Hours())))
}

// ---------------------------------------------------------------------------
// 1. connect + inspect

func testInspect(t *testing.T, s *suite) {
	h := s.harness(t)
	cfg := h.load("")
	src := cfg.Sources[0]
	conn, err := providers.Open(h.ctx, executor.Settings(src, cfg.Dir))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer conn.Close()
	if conn.Dialect.Name() != s.b.Name {
		t.Errorf("dialect name %q, want %q", conn.Dialect.Name(), s.b.Name)
	}
	if conn.Version == "" || conn.Database == "" {
		t.Errorf("connection lacks display details: version %q, database %q", conn.Version, conn.Database)
	}
	p, err := conn.Inspector.Profile(h.ctx, "orders", "created_at")
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	if p.Table.Name != "orders" {
		t.Errorf("table %v, want orders", p.Table)
	}
	want := []struct {
		name     string
		class    planner.ColumnClass
		nullable bool
	}{
		{"id", planner.ClassInteger, false},
		{"created_at", planner.ClassTime, true},
		{"email", planner.ClassText, true},
		{"amount", planner.ClassDecimal, false},
		{"qty", planner.ClassInteger, false},
		{"status", planner.ClassText, true},
	}
	if len(p.Columns) != len(want) {
		t.Fatalf("columns %v, want %d columns", p.ColumnNames(), len(want))
	}
	for i, w := range want {
		c := p.Columns[i]
		if c.Name != w.name || c.Class != w.class || c.Nullable != w.nullable || c.Type == "" || c.Generated || c.Identity {
			t.Errorf("column %d = %+v, want name %s class %s nullable %v (not generated, not identity, with a type)", i, c, w.name, w.class, w.nullable)
		}
	}
	if !slices.Equal(p.PrimaryKey, []string{"id"}) {
		t.Errorf("primary key %v, want [id]", p.PrimaryKey)
	}
	if p.Rows != int64(len(s.data)) {
		t.Errorf("rows %d, want %d", p.Rows, len(s.data))
	}
	if p.TimeFormat != s.b.TimeFormat {
		t.Errorf("time format %+v, want %+v", p.TimeFormat, s.b.TimeFormat)
	}
	// A missing table is a NoTableError that suggests the near name.
	_, err = conn.Inspector.Profile(h.ctx, "order", "")
	var nt *providers.NoTableError
	if !errors.As(err, &nt) {
		t.Fatalf("profile of a missing table: %v, want *providers.NoTableError", err)
	}
	if !slices.Contains(nt.Similar, "orders") {
		t.Errorf("missing table: similar %v, want it to contain orders", nt.Similar)
	}
	// The profile through the engine is the same.
	cfg = h.load(anomalyBlock("null_rate", "x", "  column = \"email\"\n", absWindow(winFrom, 24*time.Hour)))
	e := h.engine(cfg)
	profiles, diags := e.Profiles(h.ctx, nil)
	if diags.HasErrors() {
		t.Fatalf("engine profiles: %v", diags)
	}
	if got := profiles["orders"]; got == nil || !slices.Equal(got.ColumnNames(), p.ColumnNames()) {
		t.Errorf("engine profile %+v, want the inspector's", got)
	}
}

// ---------------------------------------------------------------------------
// 2. per-kind effects

type kindCase struct {
	kind, block string
	addr        string
	seed        int64
	share       float64
	keep        func(order) bool
	// measure returns the kind's effect measures over the window rows.
	measure func(h *harness) effect
	// check compares the measures before and after apply.
	check func(t *testing.T, before, after effect, rows int64)
	// checkRows checks each changed row against its seeded values.
	checkRows func(t *testing.T, h *harness, d rowDiff, after snapshot)
}

type effect struct {
	rows, nulls int64
	mean        float64
}

func (h *harness) measure() effect {
	h.t.Helper()
	q := h.sql("SELECT COUNT(*), COALESCE(SUM(CASE WHEN {email} IS NULL THEN 1 ELSE 0 END), 0), AVG({amount}) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?")
	var e effect
	var mean sql.NullFloat64
	if err := h.db.QueryRowContext(h.ctx, q, h.b.TimeValue(winFrom), h.b.TimeValue(winTo)).Scan(&e.rows, &e.nulls, &mean); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	e.mean = mean.Float64
	return e
}

func kindCases() []kindCase {
	win := absWindow(winFrom, winTo.Sub(winFrom))
	return []kindCase{
		{
			kind: "null_rate", addr: "anomaly.null_rate.k", seed: 7, share: 0.3, keep: emailNotNull,
			block: anomalyBlock("null_rate", "k", "  column = \"email\"\n  volume = 0.3\n  seed   = 7\n", win),
			check: func(t *testing.T, before, after effect, rows int64) {
				if after.rows != before.rows {
					t.Errorf("window rows %d → %d, want unchanged", before.rows, after.rows)
				}
				if got := after.nulls - before.nulls; got != rows {
					t.Errorf("NULL emails in the window grew by %d, want the %d rows applied", got, rows)
				}
				prior := float64(before.nulls) / float64(before.rows)
				share := float64(after.nulls) / float64(after.rows)
				if want := prior + 0.3*(1-prior); math.Abs(share-want) > 0.02 {
					t.Errorf("null share in the window %.4f (was %.4f), want %.4f ± 0.02", share, prior, want)
				}
			},
			checkRows: func(t *testing.T, h *harness, d rowDiff, after snapshot) {
				ec := after.col("email")
				for _, id := range d.changed {
					if !slices.Equal(d.cols[id], []string{"email"}) || after.raw[id][ec] != nil {
						t.Errorf("row %d: changed columns %v, email %v; want only email, set to NULL", id, d.cols[id], after.raw[id][ec])
						return
					}
				}
			},
		},
		{
			kind: "numeric_shift", addr: "anomaly.numeric_shift.k", seed: 11, share: 1,
			block: anomalyBlock("numeric_shift", "k", "  column    = \"amount\"\n  amplitude = 0.25\n  seed      = 11\n", win),
			check: func(t *testing.T, before, after effect, rows int64) {
				if after.rows != before.rows || rows != before.rows {
					t.Errorf("window rows %d → %d, %d changed; want all %d changed and none removed", before.rows, after.rows, rows, before.rows)
				}
				if r := after.mean / before.mean; math.Abs(r-1.25) > 0.01 {
					t.Errorf("mean amount in the window %.4f → %.4f: ratio %.4f, want 1.25 ± 0.01", before.mean, after.mean, r)
				}
			},
			checkRows: func(t *testing.T, h *harness, d rowDiff, after snapshot) {
				ac := after.col("amount")
				bad := 0
				for _, id := range d.changed {
					o := h.byID[id]
					got := toCents(t, after.raw[id][ac])
					if want := shiftCents(o.cents, 1.25); got != want || !slices.Equal(d.cols[id], []string{"amount"}) {
						if bad++; bad <= 5 {
							t.Errorf("row %d: amount %.2f → %v (%d cents), changed columns %v; want %.2f (round(before*1.25, 2)), only amount",
								id, float64(o.cents)/100, after.raw[id][ac], got, d.cols[id], float64(want)/100)
						}
					}
				}
				if bad > 5 {
					t.Errorf("... %d rows with a wrong amount in all", bad)
				}
			},
		},
		{
			kind: "volume_drop", addr: "anomaly.volume_drop.k", seed: 3, share: 0.4,
			block: anomalyBlock("volume_drop", "k", "  volume = 0.4\n  seed   = 3\n", win),
			check: func(t *testing.T, before, after effect, rows int64) {
				if got := before.rows - after.rows; got != rows {
					t.Errorf("window rows %d → %d: %d removed, want the %d rows applied", before.rows, after.rows, got, rows)
				}
				if r := float64(after.rows) / float64(before.rows); math.Abs(r-0.6) > 0.02 {
					t.Errorf("window rows after/before = %.4f, want 0.6 ± 0.02", r)
				}
			},
		},
	}
}

func testKind(t *testing.T, s *suite, k kindCase) {
	h := s.harness(t)
	want := expect(s.data, winFrom, winTo, k.seed, k.share, k.keep)
	if len(want) == 0 {
		t.Fatal("the data set gives the kind no rows")
	}
	snapBefore := h.initial()
	sumAll := snapBefore.sum(nil)
	sumOut := snapBefore.sum(h.outside(winFrom, winTo))
	effBefore := h.measure()
	if effBefore.rows != windowCount(s.data, winFrom, winTo) {
		t.Fatalf("window rows by query %d, by the data %d", effBefore.rows, windowCount(s.data, winFrom, winTo))
	}

	cfg := h.load(k.block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	if ch.Action != planner.Create || ch.Address != k.addr || ch.Mutation == nil {
		t.Fatalf("change %s %s (mutation %v), want create %s", ch.Action, ch.Address, ch.Mutation != nil, k.addr)
	}
	if ch.Window == nil || !ch.Window.Start.Equal(winFrom) || !ch.Window.End.Equal(winTo) {
		t.Errorf("window %+v, want [%s, %s)", ch.Window, winFrom, winTo)
	}
	if ch.WindowRows != effBefore.rows {
		t.Errorf("plan window rows %d, want %d", ch.WindowRows, effBefore.rows)
	}
	if ch.Rows != int64(len(want)) {
		t.Errorf("plan rows %d, want %d (computed from the data and the selection hash)", ch.Rows, len(want))
	}

	res := h.mustApply(e, p, st)
	entry := st.Get(k.addr)
	if res.Applied != 1 || entry == nil {
		t.Fatalf("apply result %+v, state entry %v", res, entry)
	}
	if h.done[k.addr] != ch.Rows || entry.Rows != ch.Rows {
		t.Errorf("plan counted %d rows, apply reported %d, state has %d", ch.Rows, h.done[k.addr], entry.Rows)
	}
	ids := h.journalIDs(entry)
	if int64(len(ids)) != entry.Rows {
		t.Errorf("journal has %d rows, state says %d", len(ids), entry.Rows)
	}
	idsEqual(t, "journal ids", ids, want)

	// The effect, measured.
	effAfter := h.measure()
	k.check(t, effBefore, effAfter, entry.Rows)
	snapAfter := h.snapshot()
	d := diffSnapshots(snapBefore, snapAfter)
	if len(d.inserted) > 0 {
		t.Errorf("apply inserted rows %v", d.inserted)
	}
	if k.kind == "volume_drop" {
		if len(d.changed) > 0 {
			t.Errorf("volume_drop changed %d rows (e.g. %d), want only deletions", len(d.changed), d.changed[0])
		}
		idsEqual(t, "deleted ids", d.deleted, want)
	} else {
		if len(d.deleted) > 0 {
			t.Errorf("%s deleted %d rows", k.kind, len(d.deleted))
		}
		idsEqual(t, "changed ids", d.changed, want)
		k.checkRows(t, h, d, snapAfter)
	}
	if got := snapAfter.sum(h.outside(winFrom, winTo)); got != sumOut {
		t.Errorf("rows outside the window changed: checksum %s, was %s", got, sumOut)
	}

	// The journal catalog lists the anomaly.
	fresh := sameLineage(st)
	changed, err := e.Refresh(h.ctx, fresh)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := fresh.Get(k.addr); !changed || got == nil || got.Rows != entry.Rows || got.Journal.ID != entry.Journal.ID || got.ParamsHash != entry.ParamsHash {
		t.Errorf("refresh of an empty state: changed %v, entry %+v; want the applied entry %+v", changed, got, entry)
	}

	// Rollback restores every byte.
	rp := h.plan(e, cfg, st, true)
	rc := h.only(rp)
	if rc.Action != planner.Destroy || rc.Rows != entry.Rows {
		t.Errorf("rollback change %s with %d rows, want destroy with %d", rc.Action, rc.Rows, entry.Rows)
	}
	res = h.mustApply(e, rp, st)
	if res.RolledBack != 1 || res.Conflicts != 0 || h.done[k.addr] != entry.Rows {
		t.Errorf("rollback result %+v, restored %d rows; want 1 rolled back, %d rows", res, h.done[k.addr], entry.Rows)
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
	if st.Get(k.addr) != nil {
		t.Errorf("state still has %s after rollback", k.addr)
	}
	if saved, err := state.Load(h.statePath); err != nil || len(saved.Anomalies) != 0 {
		t.Errorf("saved state after rollback: %v, %v; want no anomalies", saved, err)
	}

	// Determinism: the same seed chooses the same rows again.
	e2 := h.engine(cfg)
	p2 := h.plan(e2, cfg, st, false)
	if c2 := h.only(p2); c2.Action != planner.Create || c2.Rows != ch.Rows {
		t.Errorf("re-plan: %s with %d rows, want create with %d", c2.Action, c2.Rows, ch.Rows)
	}
	h.mustApply(e2, p2, st)
	entry2 := st.Get(k.addr)
	if entry2 == nil || entry2.Journal.ID == entry.Journal.ID {
		t.Fatalf("second apply: entry %+v, want a new journal", entry2)
	}
	idsEqual(t, "journal ids of the second apply", h.journalIDs(entry2), ids)
	h.mustApply(e2, h.plan(e2, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after the second rollback the table checksum is %s, want the original %s", got, sumAll)
	}
}

// ---------------------------------------------------------------------------
// 3. three kinds in one plan: counts, a relative window, stacked rollback

func testStacked(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	lastFrom := suiteNow.Add(-7 * 24 * time.Hour)
	w2From, w2To := suiteBase.AddDate(0, 0, 20), suiteBase.AddDate(0, 0, 26)
	w3From, w3To := suiteBase.AddDate(0, 0, 22), suiteBase.AddDate(0, 0, 28).Add(12*time.Hour)
	// null_rate: relative window and the seed derived from its address.
	blocks := anomalyBlock("null_rate", "recent", "  column = \"email\"\n  volume = 0.3\n", "    last = \"7d\"\n") +
		anomalyBlock("numeric_shift", "cut", "  column    = \"amount\"\n  volume    = 0.5\n  amplitude = -0.3\n  seed      = 5\n", absWindow(w2From, w2To.Sub(w2From))) +
		anomalyBlock("volume_drop", "outage", "  volume = 0.4\n  seed   = 9\n", absWindow(w3From, w3To.Sub(w3From)))
	cfg := h.load(blocks)
	nrSeed := config.DefaultSeed("anomaly.null_rate.recent")
	want := map[string][]int64{
		"anomaly.null_rate.recent":   expect(s.data, lastFrom, suiteNow, nrSeed, 0.3, emailNotNull),
		"anomaly.numeric_shift.cut":  expect(s.data, w2From, w2To, 5, 0.5, nil),
		"anomaly.volume_drop.outage": expect(s.data, w3From, w3To, 9, 0.4, nil),
	}
	windowRows := map[string]int64{
		"anomaly.null_rate.recent":   windowCount(s.data, lastFrom, suiteNow),
		"anomaly.numeric_shift.cut":  windowCount(s.data, w2From, w2To),
		"anomaly.volume_drop.outage": windowCount(s.data, w3From, w3To),
	}
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	if len(p.Changes) != 3 {
		t.Fatalf("plan has %d changes, want 3", len(p.Changes))
	}
	nr := p.Changes[0]
	if nr.Window == nil || !nr.Window.Start.Equal(lastFrom) || !nr.Window.End.Equal(suiteNow) {
		t.Errorf("relative window %+v, want [%s, %s)", nr.Window, lastFrom, suiteNow)
	}
	for _, ch := range p.Changes {
		if ch.Action != planner.Create {
			t.Errorf("%s: action %s, want create", ch.Address, ch.Action)
		}
		if ch.WindowRows != windowRows[ch.Address] {
			t.Errorf("%s: plan window rows %d, want %d (window [%s, %s))", ch.Address, ch.WindowRows, windowRows[ch.Address], ch.Window.Start, ch.Window.End)
		}
		if ch.Rows != int64(len(want[ch.Address])) {
			t.Errorf("%s: plan rows %d, want %d", ch.Address, ch.Rows, len(want[ch.Address]))
		}
	}
	res := h.mustApply(e, p, st)
	if res.Applied != 3 {
		t.Fatalf("apply result %+v, want 3 applied", res)
	}
	for _, ch := range p.Changes {
		entry := st.Get(ch.Address)
		if entry == nil {
			t.Fatalf("%s is not in state", ch.Address)
		}
		if h.done[ch.Address] != ch.Rows || entry.Rows != ch.Rows {
			t.Errorf("%s: plan counted %d rows, apply reported %d, state has %d", ch.Address, ch.Rows, h.done[ch.Address], entry.Rows)
		}
		idsEqual(t, ch.Address+" journal ids", h.journalIDs(entry), want[ch.Address])
	}
	// The whole table against a model built from the data.
	after := h.snapshot()
	nulled := map[int64]bool{}
	for _, id := range want["anomaly.null_rate.recent"] {
		nulled[id] = true
	}
	shifted := map[int64]bool{}
	for _, id := range want["anomaly.numeric_shift.cut"] {
		shifted[id] = true
	}
	d := diffSnapshots(before, after)
	idsEqual(t, "deleted ids", d.deleted, want["anomaly.volume_drop.outage"])
	ec, ac := after.col("email"), after.col("amount")
	bad := 0
	for _, o := range s.data {
		row, ok := after.raw[o.id]
		if !ok {
			continue
		}
		wantNull := o.emailNull || nulled[o.id]
		wantCents := o.cents
		if shifted[o.id] {
			wantCents = shiftCents(o.cents, 0.7)
		}
		if (row[ec] == nil) != wantNull || toCents(t, row[ac]) != wantCents {
			if bad++; bad <= 5 {
				t.Errorf("row %d: email %v, amount %v; want email NULL %v, amount %.2f", o.id, row[ec], row[ac], wantNull, float64(wantCents)/100)
			}
		}
	}
	// Rolling everything back unwinds newest first, to the original bytes.
	rp := h.plan(e, cfg, st, true)
	if len(rp.Changes) != 3 || rp.Changes[0].Address != "anomaly.volume_drop.outage" || rp.Changes[2].Address != "anomaly.null_rate.recent" {
		var order []string
		for _, c := range rp.Changes {
			order = append(order, c.Address)
		}
		t.Errorf("rollback order %v, want newest first", order)
	}
	res = h.mustApply(e, rp, st)
	if res.RolledBack != 3 || len(st.Anomalies) != 0 {
		t.Errorf("rollback result %+v, state %d entries", res, len(st.Anomalies))
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	if n := h.catalogCount(""); n != 0 {
		t.Errorf("catalog has %d entries after rollback", n)
	}
}

// ---------------------------------------------------------------------------
// 4. conflicts

func nullRateBlock(volume string) string {
	return anomalyBlock("null_rate", "k", "  column = \"email\"\n  volume = "+volume+"\n  seed   = 7\n", absWindow(winFrom, winTo.Sub(winFrom)))
}

func testConflictsUpdate(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	cfg := h.load(nullRateBlock("0.3"))
	st := state.New()
	e := h.engine(cfg)
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	const addr = "anomaly.null_rate.k"
	entry := st.Get(addr)
	ids := h.journalIDs(entry)
	if len(ids) < 10 {
		t.Fatalf("only %d rows applied", len(ids))
	}
	// Three rows changed by hand are conflicts; a row put back to its
	// original value by hand is not.
	hand := ids[:3]
	h.exec("UPDATE {orders} SET {email} = ? WHERE {id} IN (?, ?, ?)", "changed@x", hand[0], hand[1], hand[2])
	h.exec("UPDATE {orders} SET {email} = ? WHERE {id} = ?", h.byID[ids[3]].email, ids[3])

	res, err := h.apply(e, h.plan(e, cfg, st, true), st)
	if !errors.Is(err, executor.ErrConflicts) {
		t.Fatalf("rollback with conflicts: err %v, want executor.ErrConflicts", err)
	}
	if res.Conflicts != 3 {
		t.Errorf("conflicts %d, want 3", res.Conflicts)
	}
	if got := st.Get(addr); got == nil || got.Conflicts != 3 || got.Journal.ID != entry.Journal.ID {
		t.Errorf("state entry after a conflicting rollback: %+v, want it kept with 3 conflicts", got)
	}
	if saved, err := state.Load(h.statePath); err != nil || saved.Get(addr) == nil || saved.Get(addr).Conflicts != 3 {
		t.Errorf("saved state after a conflicting rollback: %v, %v; want the entry with 3 conflicts", saved, err)
	}
	if n := h.catalogCount(entry.Journal.ID); n != 1 {
		t.Errorf("catalog has %d entries for the kept journal, want 1", n)
	}
	if got := int64(len(h.journalIDs(entry))); got != entry.Rows {
		t.Errorf("kept journal has %d rows, want all %d", got, entry.Rows)
	}
	after := h.snapshot()
	d := diffSnapshots(before, after)
	idsEqual(t, "rows differing from the original after a conflicting rollback", d.changed, hand)
	for _, id := range hand {
		if v := after.raw[id][after.col("email")]; v != "changed@x" {
			t.Errorf("hand-changed row %d: email %v, want changed@x kept", id, v)
		}
	}
	// With force, the before-images win.
	e.Force = true
	res, err = h.apply(e, h.plan(e, cfg, st, true), st)
	if err != nil {
		t.Fatalf("forced rollback: %v", err)
	}
	if res.RolledBack != 1 || res.Conflicts != 3 {
		t.Errorf("forced rollback result %+v, want 1 rolled back reporting 3 conflicts", res)
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after a forced rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	if st.Get(addr) != nil {
		t.Errorf("state still has %s after a forced rollback", addr)
	}
	h.journalGone(entry)
}

func testConflictsDelete(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	cfg := h.load(anomalyBlock("volume_drop", "k", "  volume = 0.4\n  seed   = 3\n", absWindow(winFrom, winTo.Sub(winFrom))))
	st := state.New()
	e := h.engine(cfg)
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	const addr = "anomaly.volume_drop.k"
	entry := st.Get(addr)
	ids := h.journalIDs(entry)
	if len(ids) < 10 {
		t.Fatalf("only %d rows applied", len(ids))
	}
	// A deleted row inserted again with another status is a conflict; one
	// inserted again exactly as it was is not.
	other := h.byID[ids[0]]
	other.status, other.statusNull = "reinserted", false
	h.insertOrders("orders", []order{other, h.byID[ids[1]]})

	res, err := h.apply(e, h.plan(e, cfg, st, true), st)
	if !errors.Is(err, executor.ErrConflicts) {
		t.Fatalf("rollback with conflicts: err %v, want executor.ErrConflicts", err)
	}
	if res.Conflicts != 1 {
		t.Errorf("conflicts %d, want 1", res.Conflicts)
	}
	if got := st.Get(addr); got == nil || got.Conflicts != 1 {
		t.Errorf("state entry after a conflicting rollback: %+v, want it kept with 1 conflict", got)
	}
	d := diffSnapshots(before, h.snapshot())
	if len(d.deleted) > 0 || len(d.inserted) > 0 {
		t.Errorf("after a conflicting rollback %d rows are missing (e.g. %v), %d extra", len(d.deleted), d.deleted[:min(5, len(d.deleted))], len(d.inserted))
	}
	if !slices.Equal(d.changed, []int64{ids[0]}) || !slices.Equal(d.cols[ids[0]], []string{"status"}) {
		t.Errorf("rows differing from the original: %v (columns %v), want only %d's status", d.changed, d.cols, ids[0])
	}
	e.Force = true
	if _, err := h.apply(e, h.plan(e, cfg, st, true), st); err != nil {
		t.Fatalf("forced rollback: %v", err)
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after a forced rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	if st.Get(addr) != nil {
		t.Errorf("state still has %s after a forced rollback", addr)
	}
	h.journalGone(entry)
}

// ---------------------------------------------------------------------------
// 5. crash recovery at the state level

func cloneState(t *testing.T, st *state.State) *state.State {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out state.State
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// sameLineage is an empty state of st's lineage: st's file lost after a
// run committed.
func sameLineage(st *state.State) *state.State {
	return &state.State{Version: state.Version, Lineage: st.Lineage}
}

func testRecovery(t *testing.T, s *suite) {
	h := s.harness(t)
	sumAll := h.initial().sum(nil)
	cfg := h.load(nullRateBlock("0.3"))
	const addr = "anomaly.null_rate.k"
	st := state.New()
	e := h.engine(cfg)
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	entry := st.Get(addr)

	// A consistent state is left alone.
	if changed, err := e.Refresh(h.ctx, st); err != nil || changed {
		t.Errorf("refresh of a consistent state: changed %v, err %v; want no change", changed, err)
	}
	// Another workspace (a fresh state of its own lineage) on the same
	// database neither adopts nor plans anything of this one's: the
	// journal is listed among the others, and adopted only on request.
	other := state.New()
	e2 := h.engine(cfg)
	if changed, err := e2.Refresh(h.ctx, other); err != nil || changed || len(other.Anomalies) != 0 {
		t.Fatalf("refresh of another workspace's empty state: changed %v, err %v, %d entries; want nothing adopted", changed, err, len(other.Anomalies))
	}
	if others := e2.Others(); len(others) != 1 || others[0].Address != addr || others[0].Lineage != st.Lineage {
		t.Errorf("others after refresh: %+v, want %s of lineage %s", others, addr, st.Lineage)
	}
	// Its own anomaly would null the rows this one nulled already: nothing
	// to change, said as such (not a no-op of an applied anomaly).
	if ch := h.only(h.plan(e2, cfg, other, false)); ch.Action != planner.Create && (ch.Action != planner.NoOp || ch.Prior != nil || ch.Nothing == "") {
		t.Errorf("plan of the other workspace: %s (prior %v, nothing %q), want its own anomaly planned", ch.Action, ch.Prior, ch.Nothing)
	}
	if ch := h.plan(e2, cfg, other, true); !ch.Empty() {
		t.Errorf("rollback plan of the other workspace is not empty: %+v", ch.Changes)
	}
	// The state is lost (a run died after commit): refresh finds the
	// journal of its own lineage; and recover adopts another lineage's.
	adopted, err := e2.Recover(other, st.Lineage)
	if err != nil || len(adopted) != 1 || other.Lineage != st.Lineage || other.Get(addr) == nil {
		t.Fatalf("recover: %v, adopted %d, lineage %s; want the anomaly of lineage %s", err, len(adopted), other.Lineage, st.Lineage)
	}
	lost := sameLineage(st)
	changed, err := e2.Refresh(h.ctx, lost)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	got := lost.Get(addr)
	if !changed || got == nil {
		t.Fatalf("refresh of an empty state: changed %v, entry %v; want the applied anomaly", changed, got)
	}
	if got.Rows != entry.Rows || got.Journal.ID != entry.Journal.ID || got.ParamsHash != entry.ParamsHash ||
		!slices.Equal(got.Journal.Key, entry.Journal.Key) || got.Journal.Column != entry.Journal.Column ||
		got.Window == nil || !got.Window.Start.Equal(entry.Window.Start) || !got.Window.End.Equal(entry.Window.End) {
		t.Errorf("recovered entry %+v, want %+v", got, entry)
	}
	// The recovered entry plans as unchanged, and rolls back.
	if ch := h.only(h.plan(e2, cfg, lost, false)); ch.Action != planner.NoOp {
		t.Errorf("plan over the recovered state: %s, want no-op", ch.Action)
	}
	h.mustApply(e2, h.plan(e2, cfg, lost, true), lost)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("rollback from the recovered state: checksum %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)

	// The reverse: a rollback committed but its state was not saved.
	st = state.New()
	h.mustApply(e2, h.plan(e2, cfg, st, false), st)
	stale := cloneState(t, st)
	h.mustApply(e2, h.plan(e2, cfg, st, true), st)
	// The stale copy was saved when the rollback started (RollingBack).
	stale.Get(addr).RollingBack = true
	changed, err = e2.Refresh(h.ctx, stale)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if !changed || stale.Get(addr) != nil {
		t.Errorf("refresh of a stale state: changed %v, entry %+v; want the entry removed", changed, stale.Get(addr))
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("checksum %s, want the original %s", got, sumAll)
	}
}

// ---------------------------------------------------------------------------
// 6. replace

func testReplace(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	const addr = "anomaly.null_rate.k"
	st := state.New()
	cfg1 := h.load(nullRateBlock("0.3"))
	e1 := h.engine(cfg1)
	h.mustApply(e1, h.plan(e1, cfg1, st, false), st)
	first := st.Get(addr)

	cfg2 := h.load(nullRateBlock("0.5"))
	e2 := h.engine(cfg2)
	p := h.plan(e2, cfg2, st, false)
	ch := h.only(p)
	want := expect(s.data, winFrom, winTo, 7, 0.5, emailNotNull)
	if ch.Action != planner.Replace || ch.Prior == nil || ch.Prior.Journal.ID != first.Journal.ID {
		t.Fatalf("change %s (prior %+v), want replace of journal %s", ch.Action, ch.Prior, first.Journal.ID)
	}
	if ch.ParamsHash == first.ParamsHash {
		t.Errorf("replace keeps the params hash %s", ch.ParamsHash)
	}
	if ch.Rows != int64(len(want)) {
		t.Errorf("replace: plan rows %d, want %d, the rows apply changes once the old anomaly is reverted", ch.Rows, len(want))
	}
	res := h.mustApply(e2, p, st)
	if res.RolledBack != 1 || res.Applied != 1 {
		t.Errorf("replace result %+v, want 1 rolled back and 1 applied", res)
	}
	second := st.Get(addr)
	if second == nil || second.Journal.ID == first.Journal.ID || second.ParamsHash != ch.ParamsHash || second.Rows != int64(len(want)) {
		t.Fatalf("state after replace: %+v, want a new journal with %d rows", second, len(want))
	}
	if h.done[addr] != second.Rows {
		t.Errorf("apply reported %d rows, state has %d", h.done[addr], second.Rows)
	}
	h.journalGone(first)
	if n := h.catalogCount(""); n != 1 {
		t.Errorf("catalog has %d entries after replace, want 1", n)
	}
	idsEqual(t, "journal ids after replace", h.journalIDs(second), want)
	d := diffSnapshots(before, h.snapshot())
	idsEqual(t, "rows differing from the original after replace", d.changed, want)

	h.mustApply(e2, h.plan(e2, cfg2, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(second)
}

// ---------------------------------------------------------------------------
// 7. key handling

func testKey(t *testing.T, s *suite) {
	h := s.empty(t)
	h.createOrders("orders", false)
	rows := s.data[:2000]
	h.insertOrders("orders", rows)
	sumAll := h.fullChecksum()
	block := "\nanomaly \"null_rate\" \"k\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.3\n  seed   = 7\n}\n"

	// No primary key, no key: a diagnostic.
	cfg := h.load(block)
	e := h.engine(cfg)
	_, diags := h.tryPlan(e, cfg, state.New(), false)
	if !strings.Contains(diags, "no primary key") {
		t.Errorf("plan over a table without a primary key: diagnostics %q, want one saying \"no primary key\"", diags)
	}

	// With key = ["id"] it works. The target has no time column, so the
	// whole table is eligible.
	text := h.src + fmt.Sprintf("\ntarget \"orders\" {\n  source = source.%s.db\n  table  = \"orders\"\n  key    = [\"id\"]\n}\n", s.b.Name) + block
	cfg, ld := config.LoadFiles(h.dir, map[string][]byte{filepath.Join(h.dir, "main.hcl"): []byte(text)}, config.Options{})
	if ld.HasErrors() {
		t.Fatalf("scenario: %v", ld)
	}
	st := state.New()
	e = h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	want := expect(rows, time.Time{}, time.Time{}, 7, 0.3, emailNotNull)
	if ch.Action != planner.Create || ch.Window != nil || ch.WindowRows != int64(len(rows)) || ch.Rows != int64(len(want)) {
		t.Errorf("change %s, window %v, %d window rows, %d rows; want create over the whole table (%d rows), %d rows", ch.Action, ch.Window, ch.WindowRows, ch.Rows, len(rows), len(want))
	}
	h.mustApply(e, p, st)
	entry := st.Get("anomaly.null_rate.k")
	if entry == nil || entry.Rows != ch.Rows || !slices.Equal(entry.Journal.Key, []string{"id"}) {
		t.Fatalf("state entry %+v, want %d rows keyed by id", entry, ch.Rows)
	}
	idsEqual(t, "journal ids", h.journalIDs(entry), want)
	if n := h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {email} IS NULL"); n != int64(len(want))+int64(countNullEmails(rows)) {
		t.Errorf("%d NULL emails after apply, want %d", n, len(want)+countNullEmails(rows))
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}

func countNullEmails(rows []order) int {
	n := 0
	for _, o := range rows {
		if o.emailNull {
			n++
		}
	}
	return n
}

func quoteAll(d sqlgen.Dialect, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.Quote(n)
	}
	return out
}
