// Package state records which anomalies are applied where, and holds the
// lock that keeps two runs from changing the same state at once.
//
// State never holds a secret: sources are recorded by address, never by DSN.
package state

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Version is the state file format this package writes.
const Version = 1

// State is the whole of a state file.
type State struct {
	// Version is the file format version.
	Version int `json:"version"`
	// Serial grows by one on every save, so a reader can tell newer from older.
	Serial int64 `json:"serial"`
	// Lineage is a random id given when the state is first created; it never
	// changes, so two states of unrelated projects are never confused.
	Lineage string `json:"lineage"`
	// Anomalies are the applied anomalies, ordered by address.
	Anomalies []*Anomaly `json:"anomalies"`
	// Ran lists, per address, the ids of the daemon's latest occurrences
	// (Anomaly.Occurrence) that were applied and since reverted, at most
	// RanLimit each: an occurrence delivered again after later ones ran
	// is known to have run.
	Ran map[string][]string `json:"ran,omitempty"`
	// Labels are the ground truth of every occurrence applied from this
	// state, kept after their rollback (RevertedAt set): what anomgen
	// labels exports and anomgen score reads. They hold no secret.
	Labels []Label `json:"labels,omitempty"`
}

// RanLimit bounds the occurrence ids State.Ran keeps per address.
const RanLimit = 100

// RecordRan notes that occurrence occ of addr ran (no-op for "").
func (s *State) RecordRan(addr, occ string) {
	if occ == "" || s.HasRun(addr, occ) {
		return
	}
	if s.Ran == nil {
		s.Ran = map[string][]string{}
	}
	l := append(s.Ran[addr], occ)
	if len(l) > RanLimit {
		l = l[len(l)-RanLimit:]
	}
	s.Ran[addr] = l
}

// HasRun reports whether occurrence occ of addr ran: it is the one
// recorded for addr, or among those State.Ran keeps.
func (s *State) HasRun(addr, occ string) bool {
	if a := s.Get(addr); a != nil && a.Occurrence == occ {
		return true
	}
	for _, o := range s.Ran[addr] {
		if o == occ {
			return true
		}
	}
	return false
}

// Anomaly is one applied anomaly and the journal that undoes it.
type Anomaly struct {
	// Address is anomaly.<kind>.<name>.
	Address string `json:"address"`
	// Kind is the anomaly kind, e.g. null_rate.
	Kind string `json:"kind"`
	// ParamsHash identifies the declared parameters: a changed hash means the
	// scenario changed and the anomaly must be replaced.
	ParamsHash string `json:"params_hash"`
	// Source is the source address, e.g. source.postgres.shop.
	Source string `json:"source"`
	// Target is the target name.
	Target string `json:"target"`
	// Column is the changed column, empty for row-level kinds.
	Column string `json:"column,omitempty"`
	// Window is the resolved time window, nil when the whole table was eligible.
	Window *Window `json:"window,omitempty"`
	// Rows is the number of rows the mutation changed.
	Rows int64 `json:"rows"`
	// Journal says where the before-images are and how to restore them.
	Journal Journal `json:"journal"`
	// AppliedAt is when the mutation committed.
	AppliedAt time.Time `json:"applied_at"`
	// ExpiresAt, when set, is when the anomaly is due to be reverted.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Conflicts counts rows a rollback left alone because someone changed
	// them after injection; their before-images stay in the journal.
	Conflicts int64 `json:"conflicts,omitempty"`
	// Status is empty for an applied anomaly, "expired" once its duration
	// ran out and it was rolled back. "pending" means a run stopped
	// between creating the journal and committing the change (nothing was
	// changed); "restored" means a rollback committed but the journal was
	// not dropped yet; "changing" means a schema change (or its rollback)
	// stopped between its steps, with its journal complete. All three are
	// finished by rollback; plan and apply stop on them. They arise only
	// where DDL is not transactional (MySQL, Oracle).
	Status string `json:"status,omitempty"`
	// Lineage is the lineage of the state that applied the anomaly, so the
	// journal catalog of a shared database can tell projects apart.
	Lineage string `json:"lineage,omitempty"`
	// Workspace is the anomgen { workspace = "..." } name of the folder
	// that applied it ("" when the folder declares none).
	Workspace string `json:"workspace,omitempty"`
	// RollingBack is set (and saved) before a rollback starts, so that a
	// journal found missing afterwards is known to have been restored by
	// a run that stopped before saving, not lost.
	RollingBack bool `json:"rolling_back,omitempty"`
	// Lost says why an anomaly's journal is gone while its change stays
	// (Status StatusLost): e.g. the journal schema was dropped.
	Lost string `json:"lost,omitempty"`
	// Occurrence identifies the daemon occurrence that applied it
	// (workspace/address/fire time in RFC 3339), written in the journal
	// catalog entry in the same transaction as the mutation, so that a
	// second delivery of the same occurrence finds it and does nothing.
	// Empty for anomalies applied by plan/apply.
	Occurrence string `json:"occurrence,omitempty"`
	// Settings are the effective settings it was applied with, as plan
	// shows them, so a replace can say which changed (volume: 0.3 → 0.5).
	Settings []Setting `json:"settings,omitempty"`
	// Batches, for a change applied in key-range batches, records their
	// progress; Rows counts the rows of the committed batches.
	Batches *Batches `json:"batches,omitempty"`
}

// Batches is the progress of a change applied in key-range batches (each
// its own transaction, recorded in the journal catalog with it).
type Batches struct {
	// Done counts the committed batches; Estimate is about how many the
	// whole change takes (the window's rows over the batch size).
	Done     int `json:"done"`
	Estimate int `json:"estimate,omitempty"`
	// Size is the rows of the window the first batch covered (batch_rows).
	Size int64 `json:"size"`
	// Planned is the row count the plan counted for the whole change, and
	// WindowRows the rows of its window.
	Planned    int64 `json:"planned"`
	WindowRows int64 `json:"window_rows,omitempty"`
	// Partial is true until the last batch commits: the change is partly
	// applied, and apply carries on after the last committed batch.
	Partial bool `json:"partial,omitempty"`
	// Upto is the last committed batch's upper key bound, as text, for
	// people (apply resumes from the journal's greatest key).
	Upto string `json:"upto,omitempty"`
	// Lanes, when the change works on several parts of its key range at
	// once (the source's batch_lanes), are those parts, in key order;
	// each carries on after its journal's greatest key in its range.
	Lanes []Lane `json:"lanes,omitempty"`
}

// Lane is one part of a batched change's key range (one integer key
// column): the keys after After (none: from the first) up to Upto
// (none: to the last), and whether its last batch committed.
type Lane struct {
	After *int64 `json:"after,omitempty"`
	Upto  *int64 `json:"upto,omitempty"`
	Done  bool   `json:"done,omitempty"`
}

// Same reports whether b and o record the same progress.
func (b *Batches) Same(o *Batches) bool {
	if b == nil || o == nil {
		return b == nil && o == nil
	}
	if b.Done != o.Done || b.Estimate != o.Estimate || b.Size != o.Size || b.Planned != o.Planned ||
		b.WindowRows != o.WindowRows || b.Partial != o.Partial || b.Upto != o.Upto || len(b.Lanes) != len(o.Lanes) {
		return false
	}
	for i, l := range b.Lanes {
		m := o.Lanes[i]
		if l.Done != m.Done || !sameInt(l.After, m.After) || !sameInt(l.Upto, m.Upto) {
			return false
		}
	}
	return true
}

func sameInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// Setting is one effective setting of an applied anomaly.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// StatusExpired marks an anomaly whose duration ran out and that was
// rolled back by plan/apply: its journal is gone, and the entry only keeps
// plan from applying the same block again.
const StatusExpired = "expired"

// StatusLost marks an anomaly whose journal vanished (dropped by someone)
// while its change stays in the table: it cannot be rolled back, and plan
// never applies it again unless told to (-replace).
const StatusLost = "lost"

// Clone returns a copy of a.
func (a *Anomaly) Clone() *Anomaly {
	c := *a
	if a.Batches != nil {
		b := *a.Batches
		b.Lanes = append([]Lane(nil), b.Lanes...) // After and Upto are never written in place
		c.Batches = &b
	}
	return &c
}

// Window is a half-open time interval [Start, End).
type Window struct {
	Start time.Time `json:"start"`
	// End is zero for an open window (every row from Start on, until the
	// anomaly is released: stale_data), and then left out of JSON.
	End time.Time `json:"end,omitzero"`
}

// Journal locates the before-images of one mutation inside the target
// database and says how to put them back.
type Journal struct {
	// ID is unique per mutation; the journal table's name derives from it.
	ID string `json:"id"`
	// Schema is the journal schema (or table prefix where the database has
	// no schemas).
	Schema string `json:"schema"`
	// Op is "update" (column values saved) or "delete" (whole rows saved).
	Op string `json:"op"`
	// TableSchema and Table name the changed table.
	TableSchema string `json:"table_schema,omitempty"`
	Table       string `json:"table"`
	// Key lists the key columns that identify rows.
	Key []string `json:"key"`
	// Column is the changed column for update journals.
	Column string `json:"column,omitempty"`
	// With is the second changed column of a swap (swapped_columns): its
	// values are journaled as anomgen_before2 and anomgen_after2.
	With string `json:"with,omitempty"`
	// Columns lists the restorable columns for delete and insert journals,
	// in table order.
	Columns []string `json:"columns,omitempty"`
	// NewName is the new name of a renamed column.
	NewName string `json:"new_name,omitempty"`
	// Def is the definition of a dropped or retyped column, as it was.
	Def *ColumnDef `json:"def,omitempty"`
	// Triggers is TriggersDisable when the table's user triggers were
	// switched off around the change (target triggers = "disable"), so
	// rollback switches them off around the restore too.
	Triggers string `json:"triggers,omitempty"`
	// Keep lists columns the database rewrites whenever a row is updated
	// (MySQL's ON UPDATE CURRENT_TIMESTAMP): every UPDATE of the change and
	// of its rollback assigns them their own value, which keeps them.
	Keep []string `json:"keep,omitempty"`
}

// TriggersDisable is Journal.Triggers for a change made with the table's
// triggers switched off.
const TriggersDisable = "disable"

// ColumnDef is a column's definition before a schema change.
type ColumnDef struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is the default as SQL text from the database's catalog.
	Default string `json:"default,omitempty"`
	// After names the column it followed ("" when it was first).
	After string `json:"after,omitempty"`
}

// New returns an empty state with a fresh lineage.
func New() *State {
	return &State{Version: Version, Lineage: NewID()}
}

// NewID returns a random 16-hex-digit id.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Get returns the anomaly at addr, or nil.
func (s *State) Get(addr string) *Anomaly {
	for _, a := range s.Anomalies {
		if a.Address == addr {
			return a
		}
	}
	return nil
}

// Put adds or replaces the anomaly with the same address.
func (s *State) Put(a *Anomaly) {
	for i, old := range s.Anomalies {
		if old.Address == a.Address {
			s.Anomalies[i] = a
			return
		}
	}
	s.Anomalies = append(s.Anomalies, a)
	sort.Slice(s.Anomalies, func(i, j int) bool { return s.Anomalies[i].Address < s.Anomalies[j].Address })
}

// Remove drops the anomaly at addr; it reports whether one was there.
func (s *State) Remove(addr string) bool {
	for i, a := range s.Anomalies {
		if a.Address == addr {
			s.Anomalies = append(s.Anomalies[:i], s.Anomalies[i+1:]...)
			return true
		}
	}
	return false
}

// Load reads the state file at path. A missing file is an empty state.
func Load(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state file %s is not valid JSON (%v); restore it from a backup or move it away to start afresh", path, err)
	}
	if s.Version > Version {
		return nil, fmt.Errorf("state file %s has format version %d; this anomgen understands up to %d: upgrade anomgen", path, s.Version, Version)
	}
	if s.Lineage == "" {
		s.Lineage = NewID()
	}
	return &s, nil
}

// Save increments the serial and writes the state atomically (a temporary
// file in the same folder, synced, then renamed over the old one) with mode
// 0600.
func Save(path string, s *State) error {
	s.Version = Version
	s.Serial++
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes data to path through a temporary file and a rename,
// creating the folder (0700) when needed. The file gets mode 0600.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
