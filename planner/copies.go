package planner

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Copies and unique indexes. The row-copying kinds (volume_spike,
// duplicate_rows, segment_spike, seasonality_break above 1: every OpInsert)
// give each copy a fresh value of the key column and every other column
// its original's value. A unique index (or the primary key, when the
// target's key is another column) that does not hold the fresh key would
// then see each copy repeat its original, and the database would refuse
// the apply. copyGuard checks every unique index of the table at plan time
// and either keeps it, by moving the copies' time column by the smallest
// step its type stores (one microsecond for PostgreSQL timestamps) times
// the copy round, where the index holds the time column, or refuses the
// anomaly naming the index. The plan's count then checks that no row
// already holds a moved value (sqlgen.CopyCollisions), so that an apply
// never fails on a unique violation.

// Nudge moves the time column of copy round k (from 1) by (Offset + k) ×
// Micros microseconds. Offset comes from the seed (below nudgeLanes), and
// anomalies of one plan copying the same table get different ones, so that
// copies of copies, or two anomalies copying the same rows, do not land on
// the same moved value.
type Nudge struct {
	Column Column
	Micros int64
	Offset int64
	// Kept names the indexes kept this way, for the plan's setting.
	Kept string
}

// nudgeLanes is how many offsets the seed chooses among: up to a
// millisecond on PostgreSQL timestamps, a minute on second-precision types.
func nudgeLanes(micros int64) int64 {
	if micros >= 1_000_000 {
		return 60
	}
	return 1000
}

// Shift is how far copy round k moves, in microseconds.
func (n *Nudge) Shift(k int) int64 { return (n.Offset + int64(k)) * n.Micros }

// nudgeSetting says in plan how the copies keep the indexes.
func nudgeSetting(m *Mutation) string {
	n := m.Nudge
	by := FormatMicros(n.Shift(1))
	if len(m.Rounds) > 1 {
		by += " (" + FormatMicros(n.Shift(len(m.Rounds))) + " in the last copy round)"
	}
	return fmt.Sprintf("%s kept: each copy's %s is %s later than its original's, in steps of %s (the smallest of %s); the count checks that no row already holds a moved value",
		n.Kept, n.Column.Name, by, FormatMicros(n.Micros), n.Column.Type)
}

// spreadNudges gives the copy anomalies of one plan that move the same
// table's time column different offsets.
func spreadNudges(changes []*Change) {
	used := map[string]map[int64]bool{}
	for _, ch := range changes {
		m := ch.Mutation
		if m == nil || m.Nudge == nil || (ch.Action != Create && ch.Action != Replace) {
			continue
		}
		t := m.Table.String()
		if used[t] == nil {
			used[t] = map[int64]bool{}
		}
		lanes := nudgeLanes(m.Nudge.Micros)
		for used[t][m.Nudge.Offset] {
			m.Nudge.Offset = (m.Nudge.Offset + int64(len(m.Rounds))) % lanes
		}
		for k := int64(0); k < int64(len(m.Rounds)); k++ {
			used[t][(m.Nudge.Offset+k)%lanes] = true
		}
		for i := range ch.Settings {
			if ch.Settings[i].Name == "unique" {
				ch.Settings[i].Value = nudgeSetting(m)
			}
		}
	}
}

// copyGuard is the unique-index guard of an OpInsert change.
func copyGuard(a *config.Anomaly, prof *TableProfile, ch *Change) hcl.Diagnostics {
	m := ch.Mutation
	if m == nil || m.Op != OpInsert || m.FreshKey == nil {
		return nil
	}
	fresh := m.FreshKey.Name
	indexes := append([]UniqueIndex(nil), prof.Unique...)
	if len(prof.PrimaryKey) > 0 && !containsFold(prof.PrimaryKey, fresh) {
		indexes = append([]UniqueIndex{{Name: "primary key", Columns: prof.PrimaryKey}}, indexes...)
	}
	tc := m.Where.TimeColumn
	var diags hcl.Diagnostics
	var kept []string
	for _, u := range indexes {
		if containsFold(u.Columns, fresh) {
			continue // every copy's key is new, so is its entry
		}
		name := u.Name
		if u.Partition != "" {
			name += " (of partition " + u.Partition + ")"
		}
		cols := strings.Join(u.Columns, ", ")
		if tc != nil && containsFold(u.Columns, tc.Name) {
			if step, ok := TimeStep(*tc, m.Where.TimeFormat); ok {
				if m.Nudge == nil {
					m.Nudge = &Nudge{Column: *tc, Micros: step, Offset: uint64Mod(m.Where.Seed, nudgeLanes(step))}
				}
				m.Unique = append(m.Unique, u)
				kept = append(kept, fmt.Sprintf("%s (%s)", name, cols))
				continue
			}
			diags = append(diags, copyRefusal(a, prof, fresh, name, cols,
				fmt.Sprintf(" The index holds the time column %s, but its type %s has no finer step than a day to move the copies by without moving them to another day.", tc.Name, tc.Type)))
			continue
		}
		diags = append(diags, copyRefusal(a, prof, fresh, name, cols, ""))
	}
	if len(kept) > 0 && !diags.HasErrors() {
		m.Nudge.Kept = joinAnd(kept)
		ch.Settings = append(ch.Settings, Setting{"unique", nudgeSetting(m)})
	}
	return diags
}

func copyRefusal(a *config.Anomaly, prof *TableProfile, fresh, name, cols, why string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("Copies would break unique index %s of %s", name, prof.Table),
		Detail: fmt.Sprintf("Kind %s inserts copies of rows of %s under a fresh %s, but unique index %s (%s) does not include %s: each copy would repeat its original's %s, so the database would refuse the first copy and the apply would fail and change nothing.%s "+
			"To proceed: target a copy of %s without the index, or choose a kind that does not copy rows (volume_drop, null_rate, stuck_values).",
			a.Kind, prof.Table, fresh, name, cols, fresh, cols, why, prof.Table),
		Subject: a.Range("kind")}
}

var typePrecision = regexp.MustCompile(`\((\d+)\)`)

// TimeStep is the smallest step, in microseconds, that time column c
// stores exactly, read from its type name the way the databases spell it
// (f is its storage format where it is text or a number, SQLite): a
// fractional precision in parentheses (timestamp(3), datetime(6),
// datetime2(7), TIMESTAMP(6)) down to a microsecond; PostgreSQL's timestamp
// [with|without time zone] and SQL Server's datetime2 and datetimeoffset a
// microsecond; smalldatetime a minute; datetime, MySQL's timestamp, text
// and epoch times a second. A date (a type named date) has no step below a
// day: ok is false.
func TimeStep(c Column, f TimeFormat) (micros int64, ok bool) {
	if f.Layout != "" || f.Epoch != "" {
		return 1_000_000, true
	}
	t := strings.ToLower(strings.TrimSpace(c.Type))
	if m := typePrecision.FindStringSubmatch(t); m != nil && strings.Contains(t, "time") {
		n, _ := strconv.Atoi(m[1])
		micros = 1_000_000
		for i := 0; i < n && micros > 1; i++ {
			micros /= 10
		}
		return micros, true
	}
	switch {
	case t == "date":
		return 0, false
	case t == "smalldatetime":
		return 60_000_000, true
	case strings.HasPrefix(t, "timestamp with"), strings.HasPrefix(t, "timestamp without"), t == "timestamptz",
		strings.HasPrefix(t, "datetime2"), strings.HasPrefix(t, "datetimeoffset"):
		return 1, true
	case c.Class == ClassTime:
		return 1_000_000, true // datetime, MySQL timestamp, Oracle DATE
	}
	return 0, false
}

// FormatMicros renders a step: "1µs", "10ms", "1s", "1m0s".
func FormatMicros(us int64) string {
	switch {
	case us%60_000_000 == 0:
		return fmt.Sprintf("%dmin", us/60_000_000)
	case us%1_000_000 == 0:
		return fmt.Sprintf("%ds", us/1_000_000)
	case us%1000 == 0:
		return fmt.Sprintf("%dms", us/1000)
	}
	return fmt.Sprintf("%dµs", us)
}

// uint64Mod is seed modulo n, as a non-negative number.
func uint64Mod(seed, n int64) int64 { return int64(uint64(seed) % uint64(n)) }

// Whole-row kinds that plan refuses on some tables, left out of
// suggestions there: those that delete rows (seasonality_break by default)
// on a table foreign keys point at, and those that copy rows on a table
// with a unique index that copies could not keep.
var (
	deletingKinds = map[string]bool{"volume_drop": true, "stale_data": true, "late_arrival": true, "missing_partition": true, "segment_drop": true, "seasonality_break": true}
	copyingKinds  = map[string]bool{"volume_spike": true, "duplicate_rows": true, "segment_spike": true}
)

// tableSuggested reports whether init and anomalies suggest propose
// whole-row kind k for p (keyed by key).
func tableSuggested(k *Kind, p *TableProfile, key []string) bool {
	if deletingKinds[k.Name] && len(p.ReferencedBy) > 0 {
		return false
	}
	if copyingKinds[k.Name] {
		if len(key) != 1 {
			return false // copies need a single-column key
		}
		indexes := p.Unique
		if !containsFold(p.PrimaryKey, key[0]) && len(p.PrimaryKey) > 0 {
			indexes = append(indexes, UniqueIndex{Columns: p.PrimaryKey})
		}
		for _, u := range indexes {
			if !containsFold(u.Columns, key[0]) && !steppedTime(p, u.Columns) {
				return false
			}
		}
	}
	return true
}

// steppedTime reports whether cols of p include a time column a copy could
// be moved by a step along (TimeStep).
func steppedTime(p *TableProfile, cols []string) bool {
	for _, n := range cols {
		if c := p.Column(n); c != nil && c.Class == ClassTime {
			if _, ok := TimeStep(*c, p.TimeFormat); ok {
				return true
			}
		}
	}
	return false
}
