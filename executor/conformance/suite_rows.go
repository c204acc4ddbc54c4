package conformance

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// RunRowKinds runs the row kinds of the pipeline catalog against b:
// volume_spike, duplicate_rows, missing_partition (with periods and
// without), stale_data, late_arrival (hiding rows, and moving a load-time
// column), stuck_values, plus the rollback of inserted copies with
// conflicts and a key filled by the database. For each: the plan's count
// is computed from the data in Go and equals what apply changes, the
// effect is measured by a query, rows outside the change are byte-
// identical, and rollback restores the table's checksum (row count
// included, so no copy remains).
//
// It uses days 8 to 18 of the suite's data (about 5,500 rows) so that
// every subtest seeds quickly.
func RunRowKinds(t *testing.T, b Backend) {
	s := newSuite(t, b, rowData())
	for _, c := range rowCases(s.data) {
		t.Run(c.name, func(t *testing.T) { t.Parallel(); testRowKind(t, s, c) })
	}
	t.Run("late_arrival/load_time", func(t *testing.T) { t.Parallel(); testLoadTime(t, s) })
	t.Run("insert/conflicts", func(t *testing.T) { t.Parallel(); testInsertConflicts(t, s) })
	t.Run("insert/generated_key", func(t *testing.T) { t.Parallel(); testGeneratedKey(t, s) })
	t.Run("insert/text_key", func(t *testing.T) { t.Parallel(); testFreshKeys(t, s, "text") })
	t.Run("insert/uuid_key", func(t *testing.T) { t.Parallel(); testFreshKeys(t, s, "uuid") })
}

// rowData is the suite's data from day 8 to day 18.
func rowData() []order {
	from, to := suiteBase.AddDate(0, 0, 8), suiteBase.AddDate(0, 0, 19)
	var out []order
	for _, o := range genOrders() {
		if inWindow(o.at, from, to) {
			out = append(out, o)
		}
	}
	return out
}

// rowCase is one row kind: its block, the counts the plan must show
// (computed from the data), which seeded rows it may change or remove, and
// the check of its measured effect.
type rowCase struct {
	name, kind, block string
	// rows is what plan counts and apply changes; changedRows means the
	// rows touched holds for (a column kind leaves out the rows it would
	// not change).
	windowRows, rows int64
	// touched reports whether a seeded row may differ after apply.
	touched func(o order) bool
	// check measures the effect after apply; d compares the snapshots.
	check func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64)
}

func (c rowCase) addr() string { return "anomaly." + c.kind + ".k" }

// changedRows as a rowCase's rows: the rows its touched holds for.
const changedRows = -1

func countOrders(data []order, keep func(o order) bool) int64 {
	var n int64
	for _, o := range data {
		if keep(o) {
			n++
		}
	}
	return n
}

func idsOf(data []order, keep func(o order) bool) []int64 {
	var ids []int64
	for _, o := range data {
		if keep(o) {
			ids = append(ids, o.id)
		}
	}
	slices.Sort(ids)
	return ids
}

// period is a UTC day or hour as missing_partition's periods spell it.
type period struct {
	text     string
	from, to time.Time
}

func rowCases(data []order) []rowCase {
	win := absWindow(winFrom, winTo.Sub(winFrom))
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	none := func(order) bool { return false }
	W := countOrders(data, inWin)

	// volume_spike: amplitude 1.5 is round 1 (every row, seed 6) and
	// round 2 (half the rows, seed 7).
	spikeRound2 := countOrders(data, func(o order) bool { return inWin(o) && chosen(7, 0.5, o.id) })
	// duplicate_rows: one round, seed 8+1.
	dupRows := countOrders(data, func(o order) bool { return inWin(o) && chosen(9, 0.2, o.id) })

	day12 := suiteBase.AddDate(0, 0, 12)
	inDay12 := func(o order) bool { return inWindow(o.at, day12, day12.Add(24*time.Hour)) }
	periods := []period{
		{"2026-02-12", suiteBase.AddDate(0, 0, 11), suiteBase.AddDate(0, 0, 12)},
		{"2026-02-15T05", suiteBase.AddDate(0, 0, 14).Add(5 * time.Hour), suiteBase.AddDate(0, 0, 14).Add(6 * time.Hour)},
		{"2026-02-16T23", suiteBase.AddDate(0, 0, 15).Add(23 * time.Hour), suiteBase.AddDate(0, 0, 16)},
	}
	inPeriods := func(o order) bool {
		for _, p := range periods {
			if inWindow(o.at, p.from, p.to) {
				return true
			}
		}
		return false
	}
	cutoff := suiteBase.AddDate(0, 0, 17).Add(12*time.Hour + 30*time.Minute + 15*time.Second)
	stale := func(o order) bool { return !o.at.Before(cutoff) }
	late := func(o order) bool { return inWin(o) && chosen(4, 0.3, o.id) }

	// stuck_values: the window's earliest row by time, then key.
	var first *order
	for i, o := range data {
		if inWin(o) && (first == nil || o.at.Before(first.at) || (o.at.Equal(first.at) && o.id < first.id)) {
			first = &data[i]
		}
	}
	stuckChanged := func(o order) bool {
		return inWin(o) && (o.statusNull != first.statusNull || o.status != first.status)
	}

	return []rowCase{
		{
			name: "volume_spike", kind: "volume_spike", windowRows: W, rows: W + spikeRound2, touched: none,
			block: anomalyBlock("volume_spike", "k", "  amplitude = 1.5\n  seed      = 5\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkCopies(t, h, d, after, rows, inWin)
				got := h.countBetween(winFrom, winTo)
				if got != W+rows {
					t.Errorf("window rows %d → %d, want +%d", W, got, rows)
				}
				if r := float64(got)/float64(W) - 1; math.Abs(r-1.5) > 0.02 {
					t.Errorf("window rows rose by %.4f, want 1.5 ± 0.02", r)
				}
			},
		},
		{
			name: "duplicate_rows", kind: "duplicate_rows", windowRows: W, rows: dupRows, touched: none,
			block: anomalyBlock("duplicate_rows", "k", "  volume = 0.2\n  seed   = 8\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				checkCopies(t, h, d, after, rows, inWin)
				if got := h.duplicates(); got != rows {
					t.Errorf("exact duplicate business rows: %d, want the %d copies", got, rows)
				}
				if r := float64(rows) / float64(W); math.Abs(r-0.2) > 0.02 {
					t.Errorf("duplicated share of the window %.4f, want 0.2 ± 0.02", r)
				}
			},
		},
		{
			name: "missing_partition/window", kind: "missing_partition", windowRows: countOrders(data, inDay12), rows: countOrders(data, inDay12), touched: inDay12,
			block: anomalyBlock("missing_partition", "k", "", absWindow(day12, 24*time.Hour)),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, inDay12))
				if n := h.countBetween(day12, day12.Add(24*time.Hour)); n != 0 {
					t.Errorf("%d rows left in the emptied day", n)
				}
			},
		},
		{
			name: "missing_partition/periods", kind: "missing_partition", windowRows: countOrders(data, inPeriods), rows: countOrders(data, inPeriods), touched: inPeriods,
			block: anomalyBlock("missing_partition", "k", fmt.Sprintf("  periods = [%q, %q, %q]\n", periods[0].text, periods[1].text, periods[2].text), win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, inPeriods))
				for _, p := range periods {
					if n := h.countBetween(p.from, p.to); n != 0 {
						t.Errorf("period %s still has %d rows", p.text, n)
					}
				}
				// The hour after each period is untouched.
				for _, p := range periods {
					next := func(o order) bool { return inWindow(o.at, p.to, p.to.Add(time.Hour)) }
					if n := h.countBetween(p.to, p.to.Add(time.Hour)); n != countOrders(h.data, next) {
						t.Errorf("the hour after period %s has %d rows, want %d", p.text, n, countOrders(h.data, next))
					}
				}
			},
		},
		{
			name: "stale_data", kind: "stale_data", windowRows: countOrders(data, stale), rows: countOrders(data, stale), touched: stale,
			block: anomalyBlock("stale_data", "k", "  duration = \"4h\"\n", absWindow(cutoff, 6*time.Hour)),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "deleted ids", d.deleted, idsOf(h.data, stale))
				last := h.maxTime()
				if !last.Before(cutoff) {
					t.Errorf("max(created_at) is %s, want before the cutoff %s", last, cutoff)
				}
				var want time.Time
				for _, o := range h.data {
					if !stale(o) && o.at.After(want) {
						want = o.at
					}
				}
				if !last.Equal(want) {
					t.Errorf("max(created_at) is %s, want %s (the last row before the cutoff)", last, want)
				}
			},
		},
		{
			name: "late_arrival/hide", kind: "late_arrival", windowRows: W, rows: countOrders(data, late), touched: late,
			block: anomalyBlock("late_arrival", "k", "  volume = 0.3\n  delay  = \"2h\"\n  seed   = 4\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "hidden ids", d.deleted, idsOf(h.data, late))
				got := h.countBetween(winFrom, winTo)
				if r := 1 - float64(got)/float64(W); math.Abs(r-0.3) > 0.02 {
					t.Errorf("window rows fell by %.4f (%d → %d), want 0.3 ± 0.02", r, W, got)
				}
			},
		},
		{
			name: "stuck_values", kind: "stuck_values", windowRows: W, rows: changedRows, touched: stuckChanged,
			block: anomalyBlock("stuck_values", "k", "  column = \"status\"\n", win),
			check: func(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64) {
				idsEqual(t, "changed ids", d.changed, idsOf(h.data, stuckChanged))
				for _, id := range d.changed {
					if !slices.Equal(d.cols[id], []string{"status"}) {
						t.Errorf("row %d: changed columns %v, want status only", id, d.cols[id])
						break
					}
				}
				var n int64
				if first.statusNull {
					n = h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {status} IS NULL", h.b.TimeValue(winFrom), h.b.TimeValue(winTo))
				} else {
					n = h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ? AND {status} = ?", h.b.TimeValue(winFrom), h.b.TimeValue(winTo), first.status)
				}
				if n != W {
					t.Errorf("%d of %d window rows hold the first row's status %q (NULL %v), want all", n, W, first.status, first.statusNull)
				}
				if distinct := h.queryInt("SELECT COUNT(DISTINCT {status}) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?", h.b.TimeValue(winFrom), h.b.TimeValue(winTo)); distinct > 1 {
					t.Errorf("%d distinct statuses in the window, want 1", distinct)
				}
			},
		},
	}
}

func testRowKind(t *testing.T, s *suite, c rowCase) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	cfg := h.load(c.block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	ch := h.only(p)
	if ch.Action != planner.Create || ch.Address != c.addr() {
		t.Fatalf("change %s %s, want create %s", ch.Action, ch.Address, c.addr())
	}
	if c.rows == changedRows {
		c.rows = countOrders(s.data, c.touched)
	}
	if ch.WindowRows != c.windowRows || ch.Rows != c.rows {
		t.Errorf("plan counted %d rows of %d in the window, want %d of %d (computed from the data)", ch.Rows, ch.WindowRows, c.rows, c.windowRows)
	}
	if c.rows == 0 {
		t.Fatal("the data gives the case no rows")
	}
	entry := h.applyCounted(t, e, p, st, c.addr(), ch.Rows)
	after := h.snapshot()
	d := diffSnapshots(before, after)
	c.check(t, h, d, after, entry.Rows)
	// Every seeded row the kind must not touch is byte-identical.
	untouched := func(id int64) bool {
		o, ok := h.byID[id]
		return ok && !c.touched(o)
	}
	if got, want := after.sum(untouched), before.sum(untouched); got != want {
		t.Errorf("rows the change must not touch differ: checksum %s, was %s", got, want)
	}
	// Rollback restores every byte, and removes every copy.
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}

// checkCopies checks inserted copies: only new rows, rows of them, each
// with the business values of a seeded row in the window and a key above
// every seeded key.
func checkCopies(t *testing.T, h *harness, d rowDiff, after snapshot, rows int64, inWin func(order) bool) {
	t.Helper()
	if len(d.changed) > 0 || len(d.deleted) > 0 {
		t.Errorf("an insert changed %d and deleted %d seeded rows", len(d.changed), len(d.deleted))
	}
	if int64(len(d.inserted)) != rows {
		t.Errorf("%d rows inserted, want %d", len(d.inserted), rows)
	}
	var maxID int64
	business := map[string]int{}
	for _, o := range h.data {
		maxID = max(maxID, o.id)
		if inWin(o) {
			business[businessKey(after, after.rows[o.id])]++
		}
	}
	bad := 0
	for _, id := range d.inserted {
		if id <= maxID || business[businessKey(after, after.rows[id])] == 0 {
			if bad++; bad <= 3 {
				t.Errorf("copy %d: key not above the seeded maximum %d, or values %v of no seeded row in the window", id, maxID, after.rows[id])
			}
		}
	}
}

// businessKey is a row's snapshot text without its id.
func businessKey(s snapshot, row []string) string {
	idc := s.col("id")
	parts := slices.Clone(row)
	parts[idc] = ""
	return strings.Join(parts, "|")
}

func (h *harness) countBetween(from, to time.Time) int64 {
	h.t.Helper()
	return h.queryInt("SELECT COUNT(*) FROM {orders} WHERE {created_at} >= ? AND {created_at} < ?", h.b.TimeValue(from), h.b.TimeValue(to))
}

// duplicates counts rows that repeat the business values (every column
// but id) of another row.
func (h *harness) duplicates() int64 {
	h.t.Helper()
	total := h.queryInt("SELECT COUNT(*) FROM {orders}")
	groups := h.queryInt("SELECT COUNT(*) FROM (SELECT 1 AS x FROM {orders} GROUP BY {created_at}, {email}, {amount}, {qty}, {status}) g")
	return total - groups
}

func (h *harness) maxTime() time.Time {
	h.t.Helper()
	var v any
	q := h.sql("SELECT MAX({created_at}) FROM {orders}")
	if err := h.db.QueryRowContext(h.ctx, q).Scan(&v); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return toTime(h.t, v)
}

// toTime reads a time value as the drivers return it: a time.Time, or
// SQLite's text.
func toTime(t testing.TB, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case []byte:
		return toTime(t, string(x))
	case string:
		for _, l := range []string{"2006-01-02 15:04:05", time.RFC3339Nano} {
			if tm, err := time.Parse(l, x); err == nil {
				return tm.UTC()
			}
		}
	}
	t.Fatalf("not a time: %T %v", v, v)
	return time.Time{}
}

// ---------------------------------------------------------------------------
// late_arrival with a load-time column

const loadsTarget = `
target "loads" {
  source           = source.%s.db
  table            = "loads"
  time_column      = "created_at"
  load_time_column = "loaded_at"
}
`

// testLoadTime moves loads.loaded_at forward by the delay on the chosen
// rows of the window and checks every row's loaded_at against the data.
func testLoadTime(t *testing.T, s *suite) {
	h := s.empty(t)
	ty := h.b.Types
	h.exec(fmt.Sprintf("CREATE TABLE {loads} ({id} %s PRIMARY KEY, {created_at} %s NOT NULL, {loaded_at} %s NULL, {note} %s NULL)", ty.BigInt, ty.Timestamp, ty.Timestamp, ty.Text))
	loaded := func(o order) time.Time { return o.at.Add(time.Duration(5+o.id%50) * time.Minute) }
	rows := s.data
	for len(rows) > 0 {
		n := min(len(rows), h.b.BatchRows)
		var sb strings.Builder
		sb.WriteString("INSERT INTO {loads} ({id}, {created_at}, {loaded_at}, {note}) VALUES ")
		args := make([]any, 0, 4*n)
		for i, o := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?)")
			args = append(args, o.id, h.b.TimeValue(o.at), h.b.TimeValue(loaded(o)), o.status)
		}
		h.exec(sb.String(), args...)
		rows = rows[n:]
	}
	read := func() map[int64]time.Time {
		q := h.sql("SELECT {id}, {loaded_at} FROM {loads}")
		r, err := h.db.QueryContext(h.ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer r.Close()
		out := map[int64]time.Time{}
		for r.Next() {
			var id, v any
			if err := r.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			out[int64(toFloat(t, id))] = toTime(t, v)
		}
		return out
	}
	checksum := func() string {
		q := h.sql("SELECT {id}, {created_at}, {loaded_at}, {note} FROM {loads} ORDER BY {id}")
		r, err := h.db.QueryContext(h.ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer r.Close()
		var sb strings.Builder
		n := 0
		for r.Next() {
			vals := make([]any, 4)
			ptrs := []any{&vals[0], &vals[1], &vals[2], &vals[3]}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&sb, "%T:%v|", v, v)
			}
			sb.WriteString("\n")
			n++
		}
		return fmt.Sprintf("%d rows %x", n, sb.String())
	}
	sumAll := checksum()
	const addr = "anomaly.late_arrival.k"
	cfg := h.load(fmt.Sprintf(loadsTarget, h.b.Name) + strings.Replace(anomalyBlock("late_arrival", "k", "  volume = 0.3\n  delay  = \"3h\"\n  seed   = 4\n", absWindow(winFrom, winTo.Sub(winFrom))), "target.orders", "target.loads", 1))
	inWin := func(o order) bool { return inWindow(o.at, winFrom, winTo) }
	want := idsOf(s.data, func(o order) bool { return inWin(o) && chosen(4, 0.3, o.id) })
	st := state.New()
	e := h.engine(cfg)
	ch := h.only(h.plan(e, cfg, st, false))
	if ch.Rows != int64(len(want)) || ch.WindowRows != countOrders(s.data, inWin) {
		t.Errorf("plan counted %d rows of %d, want %d of %d", ch.Rows, ch.WindowRows, len(want), countOrders(s.data, inWin))
	}
	if ch.Duration != 0 {
		t.Errorf("a load-time delay has duration %s, want none: nothing is hidden", ch.Duration)
	}
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	entry := st.Get(addr)
	if entry == nil || entry.Rows != ch.Rows || h.done[addr] != ch.Rows {
		t.Fatalf("apply: entry %+v, reported %d rows; want %d", entry, h.done[addr], ch.Rows)
	}
	got := read()
	if len(got) != len(s.data) {
		t.Errorf("%d rows after apply, want %d", len(got), len(s.data))
	}
	moved := map[int64]bool{}
	for _, id := range want {
		moved[id] = true
	}
	bad := 0
	for _, o := range s.data {
		wantAt := loaded(o)
		if moved[o.id] {
			wantAt = wantAt.Add(3 * time.Hour)
		}
		if !got[o.id].Equal(wantAt) {
			if bad++; bad <= 5 {
				t.Errorf("row %d: loaded_at %s, want %s (moved: %v)", o.id, got[o.id], wantAt, moved[o.id])
			}
		}
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if sum := checksum(); sum != sumAll {
		t.Errorf("after rollback the loads checksum is %s, want %s", sum, sumAll)
	}
	h.journalGone(entry)
}

// ---------------------------------------------------------------------------
// rollback of copies: conflicts, a copy already gone, force

func testInsertConflicts(t *testing.T, s *suite) {
	h := s.harness(t)
	before := h.initial()
	sumAll := before.sum(nil)
	const addr = "anomaly.duplicate_rows.k"
	cfg := h.load(anomalyBlock("duplicate_rows", "k", "  volume = 0.2\n  seed   = 8\n", absWindow(winFrom, winTo.Sub(winFrom))))
	st := state.New()
	e := h.engine(cfg)
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	entry := st.Get(addr)
	copies := h.journalIDs(entry)
	if int64(len(copies)) != entry.Rows || len(copies) < 10 {
		t.Fatalf("journal holds %d copies, state says %d", len(copies), entry.Rows)
	}
	// One copy changed by hand is a conflict; one deleted by hand is not.
	h.exec("UPDATE {orders} SET {status} = ? WHERE {id} = ?", "changed", copies[0])
	h.exec("DELETE FROM {orders} WHERE {id} = ?", copies[1])

	res, err := h.apply(e, h.plan(e, cfg, st, true), st)
	if !errors.Is(err, executor.ErrConflicts) || res.Conflicts != 1 {
		t.Fatalf("rollback: err %v, %d conflicts; want executor.ErrConflicts with 1", err, res.Conflicts)
	}
	if got := st.Get(addr); got == nil || got.Conflicts != 1 {
		t.Errorf("state entry after a conflicting rollback: %+v, want it kept with 1 conflict", got)
	}
	d := diffSnapshots(before, h.snapshot())
	if len(d.changed) > 0 || len(d.deleted) > 0 || !slices.Equal(d.inserted, copies[:1]) {
		t.Errorf("after a conflicting rollback: %d changed, %d deleted, extra rows %v; want only the changed copy %d", len(d.changed), len(d.deleted), d.inserted, copies[0])
	}
	e.Force = true
	res, err = h.apply(e, h.plan(e, cfg, st, true), st)
	if err != nil || res.Conflicts != 1 {
		t.Fatalf("forced rollback: %v, %d conflicts; want it to report 1 and succeed", err, res.Conflicts)
	}
	if got := h.fullChecksum(); got != sumAll {
		t.Errorf("after a forced rollback the table checksum is %s, want the original %s", got, sumAll)
	}
	h.journalGone(entry)
}

// generatedKey is the key column type that the database fills by itself.
func generatedKey(b Backend) string {
	switch b.Name {
	case "postgres":
		return "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	case "mysql":
		return "BIGINT AUTO_INCREMENT PRIMARY KEY"
	case "sqlite":
		return "INTEGER PRIMARY KEY" // the rowid
	case "sqlserver":
		return "bigint IDENTITY(1,1) PRIMARY KEY"
	}
	return "NUMBER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
}

// testGeneratedKey copies rows of a table whose key the database fills,
// then inserts a row without a key: the database's generator must have
// moved past the copies (PostgreSQL: the sequence was set; MySQL and SQLite
// move by themselves). Rollback restores the table; the generator may stay
// advanced (sequences are not transactional), which only leaves a gap.
func testGeneratedKey(t *testing.T, s *suite) {
	h := s.empty(t)
	h.exec(fmt.Sprintf("CREATE TABLE {autos} ({id} %s, {created_at} %s NOT NULL, {note} %s NULL)", generatedKey(h.b), h.b.Types.Timestamp, h.b.Types.Text))
	const n = 300
	var sb strings.Builder
	sb.WriteString("INSERT INTO {autos} ({created_at}, {note}) VALUES ")
	var args []any
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?)")
		args = append(args, h.b.TimeValue(winFrom.Add(time.Duration(i)*time.Minute)), fmt.Sprintf("row %d", i))
	}
	h.exec(sb.String(), args...)
	sum := func() string {
		return fmt.Sprintf("%d rows, ids %d..%d, notes %d", h.queryInt("SELECT COUNT(*) FROM {autos}"), h.queryInt("SELECT MIN({id}) FROM {autos}"),
			h.queryInt("SELECT MAX({id}) FROM {autos}"), h.queryInt("SELECT COUNT(DISTINCT {note}) FROM {autos}"))
	}
	sumAll := sum()
	target := fmt.Sprintf("\ntarget \"autos\" {\n  source      = source.%s.db\n  table       = \"autos\"\n  time_column = \"created_at\"\n}\n", h.b.Name)
	block := strings.Replace(anomalyBlock("volume_spike", "k", "  amplitude = 1\n  seed      = 3\n", absWindow(winFrom, 24*time.Hour)), "target.orders", "target.autos", 1)
	cfg := h.load(target + block)
	st := state.New()
	e := h.engine(cfg)
	ch := h.only(h.plan(e, cfg, st, false))
	if ch.Rows != n {
		t.Errorf("plan counted %d copies, want %d", ch.Rows, n)
	}
	h.mustApply(e, h.plan(e, cfg, st, false), st)
	entry := st.Get("anomaly.volume_spike.k")
	if entry == nil || entry.Rows != n {
		t.Fatalf("apply: entry %+v, want %d rows", entry, n)
	}
	if got := h.queryInt("SELECT MAX({id}) FROM {autos}"); got != 2*n {
		t.Errorf("largest key after the copies %d, want %d", got, 2*n)
	}
	// The application's next insert gets a key past the copies.
	h.exec("INSERT INTO {autos} ({created_at}, {note}) VALUES (?, ?)", h.b.TimeValue(winTo), "after")
	if id := h.queryInt("SELECT {id} FROM {autos} WHERE {note} = ?", "after"); id <= 2*n {
		t.Errorf("the next generated key is %d, want above the copies' %d", id, 2*n)
	}
	h.exec("DELETE FROM {autos} WHERE {note} = ?", "after")
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := sum(); got != sumAll {
		t.Errorf("after rollback: %s, want %s", got, sumAll)
	}
	h.journalGone(entry)
}

// uuidType is the database's uuid column type, or "" where it has none.
func uuidType(b Backend) string {
	switch b.Name {
	case "postgres":
		return "uuid"
	case "mysql":
		return "UUID" // MariaDB 10.7 and later; MySQL has none
	case "sqlite":
		return "UUID" // text, by declared type
	case "sqlserver":
		return "uniqueidentifier"
	}
	return ""
}

// testFreshKeys copies every row of a table keyed by text (copies get
// key~1, key~2) or by uuid (copies get uuids derived from seed, round and
// key) twice, and rolls back.
func testFreshKeys(t *testing.T, s *suite, kind string) {
	h := s.empty(t)
	typ := h.b.Types.Text
	if kind == "uuid" {
		if typ = uuidType(h.b); typ == "" {
			t.Skipf("%s has no uuid type", h.b.Name)
		}
	}
	q := h.sql(fmt.Sprintf("CREATE TABLE {keyed} ({id} %s PRIMARY KEY, {created_at} %s NOT NULL, {note} %s NULL)", typ, h.b.Types.Timestamp, h.b.Types.Text))
	if _, err := h.db.ExecContext(h.ctx, q); err != nil {
		if kind == "uuid" && h.b.Name == "mysql" {
			t.Skipf("no UUID type (MySQL; MariaDB 10.7+ has one): %v", err)
		}
		t.Fatalf("%s: %v", q, err)
	}
	const n = 200
	keys := make([]string, n)
	var sb strings.Builder
	sb.WriteString("INSERT INTO {keyed} ({id}, {created_at}, {note}) VALUES ")
	var args []any
	for i := range n {
		keys[i] = fmt.Sprintf("key-%03d", i)
		if kind == "uuid" {
			keys[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", i*7919, i)
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?)")
		args = append(args, keys[i], h.b.TimeValue(winFrom.Add(time.Duration(i)*time.Minute)), fmt.Sprintf("row %d", i))
	}
	h.exec(sb.String(), args...)
	ids := func() []string {
		r, err := h.db.QueryContext(h.ctx, h.sql("SELECT {id} FROM {keyed}"))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var v any
			if err := r.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out = append(out, strings.ToLower(fmt.Sprint(v)))
		}
		slices.Sort(out)
		return out
	}
	before := ids()
	target := fmt.Sprintf("\ntarget \"keyed\" {\n  source      = source.%s.db\n  table       = \"keyed\"\n  time_column = \"created_at\"\n}\n", h.b.Name)
	block := strings.Replace(anomalyBlock("volume_spike", "k", "  amplitude = 2\n  seed      = 3\n", absWindow(winFrom, 24*time.Hour)), "target.orders", "target.keyed", 1)
	cfg := h.load(target + block)
	st := state.New()
	e := h.engine(cfg)
	p := h.plan(e, cfg, st, false)
	if ch := h.only(p); ch.Rows != 2*n {
		t.Errorf("plan counted %d copies, want %d", ch.Rows, 2*n)
	}
	h.mustApply(e, p, st)
	entry := st.Get("anomaly.volume_spike.k")
	if entry == nil || entry.Rows != 2*n || h.done["anomaly.volume_spike.k"] != 2*n {
		t.Fatalf("apply: entry %+v, want %d rows", entry, 2*n)
	}
	after := ids()
	if len(after) != 3*n {
		t.Errorf("%d rows after apply, want %d", len(after), 3*n)
	}
	if kind == "text" {
		for _, k := range keys[:3] {
			for _, suffix := range []string{"~1", "~2"} {
				if _, ok := slices.BinarySearch(after, k+suffix); !ok {
					t.Errorf("no copy keyed %s%s", k, suffix)
				}
			}
		}
	}
	if kind == "uuid" {
		// The same seed, round and key give the same uuid on every run:
		// the first copy of key 0 in round 1 is md5("3:1:" + key 0) with
		// digit 13 set to 4 and digit 17 to 8.
		sum := md5.Sum([]byte("3:1:" + keys[0]))
		x := []byte(hex.EncodeToString(sum[:]))
		x[12], x[16] = '4', '8'
		want := string(x[:8]) + "-" + string(x[8:12]) + "-" + string(x[12:16]) + "-" + string(x[16:20]) + "-" + string(x[20:])
		if _, ok := slices.BinarySearch(after, want); !ok {
			t.Errorf("no copy keyed %s (md5 of seed:round:key)", want)
		}
	}
	h.mustApply(e, h.plan(e, cfg, st, true), st)
	if got := ids(); !slices.Equal(got, before) {
		t.Errorf("after rollback %d rows, want the original %d", len(got), len(before))
	}
	h.journalGone(entry)
}
