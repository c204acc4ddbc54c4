package planner

import (
	"math"
	"strings"
	"time"

	"github.com/anomgen/anomgen/state"
)

// ColumnClass groups database types by what anomalies can do with them.
type ColumnClass string

const (
	ClassInteger ColumnClass = "integer"
	ClassDecimal ColumnClass = "decimal" // exact numerics: numeric, decimal
	ClassFloat   ColumnClass = "float"
	ClassText    ColumnClass = "text"
	ClassTime    ColumnClass = "time" // timestamp, date, datetime
	ClassBool    ColumnClass = "bool"
	// ClassEnum holds one of a fixed list of labels (Column.Labels): a
	// PostgreSQL enum type (or a domain over one), a MySQL ENUM. It is a
	// category column to the category kinds and segments, never text: a
	// label outside the list cannot be written.
	ClassEnum  ColumnClass = "enum"
	ClassOther ColumnClass = "other"
)

// Numeric reports whether the class holds numbers.
func (c ColumnClass) Numeric() bool {
	return c == ClassInteger || c == ClassDecimal || c == ClassFloat
}

// TableName is a possibly schema-qualified table name, as the database
// spells it.
type TableName struct {
	Schema string `json:"schema,omitempty"`
	Name   string `json:"name"`
}

func (t TableName) String() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// Column is one column of a table as the database describes it.
type Column struct {
	Name string `json:"name"`
	// Type is the database's own type name, e.g. "numeric(10,2)".
	Type     string      `json:"type"`
	Class    ColumnClass `json:"class"`
	Nullable bool        `json:"nullable"`
	// Generated columns are computed by the database and never written.
	Generated bool `json:"generated,omitempty"`
	// Identity columns are filled by the database on insert (GENERATED
	// ALWAYS AS IDENTITY); restoring them needs the dialect's override.
	Identity bool `json:"identity,omitempty"`
	// Default is the column default as SQL text from the catalog, or "".
	Default string `json:"default,omitempty"`
	// Labels are the labels an enum column (ClassEnum) accepts, in the
	// type's order.
	Labels []string `json:"labels,omitempty"`
	// OnUpdate, when set, says the database writes the column by itself
	// whenever a statement changes its row: MySQL's and MariaDB's ON
	// UPDATE expression (e.g. CURRENT_TIMESTAMP), which anomgen keeps from
	// firing by assigning the column its own value (onupdate.go); or, on a
	// Generated column, what it is (SQL Server's rowversion, a temporal
	// table's ROW START), which no statement can write or restore.
	OnUpdate string `json:"on_update,omitempty"`
}

// TimeFormat says how a time column stores its values where the database
// has no time type (SQLite): Layout is a Go time layout for text, or Epoch
// is "s" or "ms" for numbers. The zero value means a native time type.
type TimeFormat struct {
	Layout string `json:"layout,omitempty"`
	Epoch  string `json:"epoch,omitempty"`
}

// TableProfile is what the planner knows about a target table.
type TableProfile struct {
	Table   TableName `json:"table"`
	Columns []Column  `json:"columns"`
	// PrimaryKey lists the primary key columns; empty when there is none.
	PrimaryKey []string `json:"primary_key,omitempty"`
	// Rows is the table's row count (an estimate for large tables).
	Rows int64 `json:"rows"`
	// TimeFormat describes the target's time column storage (SQLite).
	TimeFormat TimeFormat `json:"time_format"`
	// Triggers are the user triggers that fire on the table's rows or
	// statements (on PostgreSQL also the row-level triggers of its
	// partitions), enabled or not; never the database's own (foreign-key
	// and constraint triggers).
	Triggers []Trigger `json:"triggers,omitempty"`
	// TriggersUnknown, when set, says why the triggers could not be listed
	// (the database hides them from this user); Triggers is then empty.
	TriggersUnknown string `json:"triggers_unknown,omitempty"`
	// ReferencedBy are the foreign keys of other tables (or of this one)
	// that point at this table.
	ReferencedBy []ForeignKey `json:"referenced_by,omitempty"`
	// Partitioned is true for a partitioned table (PostgreSQL declarative
	// partitioning, MySQL, SQL Server and Oracle partitioned tables); its
	// rows are reached through it.
	Partitioned bool `json:"partitioned,omitempty"`
	// Inherited is true for a PostgreSQL table other tables inherit from
	// (legacy inheritance): statements on it reach their rows too, which
	// live in relations of their own.
	Inherited bool `json:"inherited,omitempty"`
	// PartitionKey lists the columns the partitions are chosen by, where
	// the database says (PostgreSQL); updating one moves rows between
	// partitions.
	PartitionKey []string `json:"partition_key,omitempty"`
	// Unique are the table's unique indexes and constraints other than the
	// primary key, where the inspector lists them (ir_num.go).
	Unique []UniqueIndex `json:"unique,omitempty"`
	// References are the table's own foreign keys (to parent tables).
	References []Reference `json:"references,omitempty"`
	// KeyCheck is what the profile step measured of the target's declared
	// key where no constraint proves it unique and NOT NULL (keys.go).
	KeyCheck *KeyCheck `json:"key_check,omitempty"`
}

// Trigger is a user trigger on a table.
type Trigger struct {
	Name string `json:"name"`
	// Table is the table it is defined on: the target, or on PostgreSQL one
	// of its partitions.
	Table TableName `json:"table"`
	// Timing is BEFORE, AFTER or INSTEAD OF (COMPOUND for Oracle's
	// compound triggers).
	Timing string `json:"timing"`
	// Events are the statements that fire it: INSERT, UPDATE, DELETE.
	Events []string `json:"events"`
	// Columns, when set, limit UPDATE to updates of these columns (UPDATE
	// OF a, b).
	Columns []string `json:"columns,omitempty"`
	// Row is true for a row-level trigger (FOR EACH ROW), false for one
	// that fires once per statement.
	Row bool `json:"row"`
	// Disabled triggers are switched off in the database and do not fire.
	Disabled bool `json:"disabled,omitempty"`
	// Always (PostgreSQL) is a trigger enabled ALWAYS: switching it back on
	// takes ENABLE ALWAYS TRIGGER.
	Always bool `json:"always,omitempty"`
}

// Fires reports whether the trigger fires on event (INSERT, UPDATE or
// DELETE); for UPDATE, column is the updated column ("" for any).
func (t Trigger) Fires(event, column string) bool {
	if t.Disabled {
		return false
	}
	for _, e := range t.Events {
		if e != event {
			continue
		}
		if event != "UPDATE" || len(t.Columns) == 0 || column == "" {
			return true
		}
		for _, c := range t.Columns {
			if strings.EqualFold(c, column) {
				return true
			}
		}
	}
	return false
}

// ForeignKey is a foreign key of Table (the child) whose Columns refer to
// RefColumns of the profiled table.
type ForeignKey struct {
	// Name is the constraint's name; SQLite has none ("").
	Name       string    `json:"name,omitempty"`
	Table      TableName `json:"table"`
	Columns    []string  `json:"columns"`
	RefColumns []string  `json:"ref_columns"`
	// OnDelete and OnUpdate are the actions, in SQL words: CASCADE, SET
	// NULL, SET DEFAULT, RESTRICT or NO ACTION.
	OnDelete string `json:"on_delete"`
	OnUpdate string `json:"on_update,omitempty"`
}

// Column returns the named column, or nil. A name no column has exactly
// finds its upper-cased spelling: Oracle stores an unquoted email as EMAIL.
func (p *TableProfile) Column(name string) *Column {
	for _, n := range []string{name, strings.ToUpper(name)} {
		for i := range p.Columns {
			if p.Columns[i].Name == n {
				return &p.Columns[i]
			}
		}
	}
	return nil
}

// ColumnNames lists the table's columns in order.
func (p *TableProfile) ColumnNames() []string {
	out := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		out[i] = c.Name
	}
	return out
}

// Op is what a mutation does to the chosen rows.
type Op string

const (
	// OpUpdate changes one column of the chosen rows; the journal keeps the
	// key, the value before and the value after.
	OpUpdate Op = "update"
	// OpDelete removes the chosen rows; the journal keeps them whole.
	OpDelete Op = "delete"
	// OpInsert adds copies of the chosen rows with fresh keys (FreshKey);
	// the journal keeps the inserted rows whole, and rollback deletes them.
	OpInsert Op = "insert"
	// OpAddColumn adds Def as a new column; rollback drops it.
	OpAddColumn Op = "add_column"
	// OpDropColumn drops Column; the journal keeps its values by key and its
	// definition, and rollback adds it back and refills it.
	OpDropColumn Op = "drop_column"
	// OpRenameColumn renames Column to NewName; rollback renames it back.
	OpRenameColumn Op = "rename_column"
	// OpChangeType changes Column's type to Def.Type, converting values;
	// the journal keeps the values, and rollback changes the type back and
	// restores them exactly.
	OpChangeType Op = "change_type"
)

// Schema reports whether the op changes the table's definition (DDL).
func (o Op) Schema() bool {
	switch o {
	case OpAddColumn, OpDropColumn, OpRenameColumn, OpChangeType:
		return true
	}
	return false
}

// Mutation is the database-neutral description of one anomaly's change.
// Providers render it into SQL; nothing in it is SQL text.
type Mutation struct {
	Op    Op
	Table TableName
	// Key identifies rows; never empty.
	Key []Column
	// Columns are all columns of the table in order (delete journals).
	Columns []Column
	// Column is the changed column (OpUpdate).
	Column *Column
	// Set is the new value of Column (OpUpdate).
	Set Expr
	// With (swapped_columns, Set Swap) is the second changed column: it
	// takes Column's old value while Column takes its (ir_swap.go).
	With *Column
	// Where chooses the rows.
	Where Selection
	// Rounds (OpInsert) are the copy rounds: in round k (from 1) a chosen
	// row is copied when its hash under seed Where.Seed+k falls below
	// Rounds[k-1] (a share, like Where.Share). Where.Share is unused.
	Rounds []float64
	// FreshKey (OpInsert) is the key column that copies get new values in:
	// integers continue after the table's maximum, text gets a suffix, uuids
	// are derived from the old value, the seed and the round.
	FreshKey *Column
	// Nudge (OpInsert), when set, moves the copies' time column a little
	// per round, and Unique are the unique indexes that keeps (copies.go).
	Nudge  *Nudge
	Unique []UniqueIndex
	// Def is the new column (OpAddColumn), or Column with its new type
	// (OpChangeType).
	Def *ColumnDef
	// NewName is the new name of Column (OpRenameColumn).
	NewName string
	// DisableTriggers (target triggers = "disable", PostgreSQL) are the
	// triggers to switch off around the mutation inside its transaction;
	// its journal then says to do the same on rollback.
	DisableTriggers []Trigger
	// TriggersMayRewrite is true where triggers may fire on the mutation
	// and stay on (target triggers = "ignore", or triggers anomgen cannot
	// see): the table may then hold other values than the journal's new
	// ones, so nothing is derived from the journal that the table would
	// tell otherwise (sqlgen.LabelDelta).
	TriggersMayRewrite bool `json:",omitempty"`
	// Partitioned is true where Table's rows live in several relations:
	// a partitioned table (TableProfile.Partitioned) or a parent of
	// legacy inheritance (TableProfile.Inherited). A PostgreSQL batch then
	// finds its rows by relation and address, through each relation's key
	// index, instead of by address in the table alone
	// (sqlgen.ApplyBatchNext).
	Partitioned bool `json:",omitempty"`
}

// ColumnDef is a column's definition, enough to create it again.
type ColumnDef struct {
	Name string `json:"name"`
	// Type is the database's type name, e.g. "numeric(10,2)".
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is the default as a SQL expression in the database's own
	// words (from its catalog), or "" for none.
	Default string `json:"default,omitempty"`
	// DefaultValue, for OpAddColumn, is a scenario's default: a plain
	// value rendered as a quoted literal by the dialect, never as SQL.
	DefaultValue *string `json:"default_value,omitempty"`
	// After names the column this one follows ("" for the first); MySQL
	// can put a column back in place, other databases append it.
	After string `json:"after,omitempty"`
}

// Expr is a new value for a column, computed from the old one.
type Expr interface{ isExpr() }

// SetNull sets the column to NULL.
type SetNull struct{}

// Scale multiplies the column by Factor (integer columns are rounded).
type Scale struct{ Factor float64 }

// AddSeconds moves a time column forward by Seconds (backward when negative).
type AddSeconds struct{ Seconds int64 }

// FirstInWindow sets the column to its own value on the window's earliest
// row (by time column, then key): a frozen feed.
type FirstInWindow struct{}

func (SetNull) isExpr()       {}
func (Scale) isExpr()         {}
func (AddSeconds) isExpr()    {}
func (FirstInWindow) isExpr() {}

// Selection chooses rows: those in the time window whose hash of seed and
// key falls below the share threshold. The hash is the first 32 bits of
// MD5(seed || ':' || key text), so every database chooses the same rows for
// the same keys and seed.
type Selection struct {
	// TimeColumn is nil when the whole table is eligible.
	TimeColumn *Column
	From, To   time.Time
	TimeFormat TimeFormat
	Seed       int64
	// Share is the probability that an eligible row is chosen, in (0, 1].
	Share float64
	// SkipNull leaves out rows where the mutation's column is already NULL.
	SkipNull bool
	// OpenEnd drops the upper bound: every row from From on (To unused).
	OpenEnd bool
	// Ranges, when set, replace [From, To) by several half-open ranges,
	// any of which qualifies a row (missing_partition's periods).
	Ranges []TimeRange
	// Segments narrow the window to rows whose column holds one of the
	// values, all of them together (selection.go).
	Segments []Filter
	// Flatten, when set, replaces the share by the weekend thinning of
	// seasonality_break's flatten_weekend (ir_business.go).
	Flatten *Flatten
	// Mechanism is how rows are chosen (MechanismRandom when empty);
	// Condition goes with MechanismConditional, BiasLow with
	// MechanismValueDependent (selection.go).
	Mechanism Mechanism
	Condition *Filter
	BiasLow   bool
}

// TimeRange is a half-open interval [From, To).
type TimeRange struct{ From, To time.Time }

// Threshold is the exclusive upper bound of the 32-bit hash for Share.
func (s Selection) Threshold() int64 {
	return int64(math.Round(s.Share * (1 << 32)))
}

// Journal describes where and how the before-images of m are kept, for the
// journal with the given id in the given journal schema.
func (m *Mutation) Journal(id, schema string) state.Journal {
	j := state.Journal{ID: id, Schema: schema, Op: string(m.Op), TableSchema: m.Table.Schema, Table: m.Table.Name}
	for _, k := range m.Key {
		j.Key = append(j.Key, k.Name)
	}
	if m.Column != nil {
		j.Column = m.Column.Name
	}
	if m.With != nil {
		j.With = m.With.Name
	}
	switch m.Op {
	case OpAddColumn:
		j.Column = m.Def.Name
	case OpRenameColumn:
		j.NewName = m.NewName
	case OpDropColumn, OpChangeType:
		def := state.ColumnDef{Name: m.Column.Name, Type: m.Column.Type, Nullable: m.Column.Nullable, Default: m.Column.Default}
		for i, c := range m.Columns {
			if c.Name == m.Column.Name && i > 0 {
				def.After = m.Columns[i-1].Name
			}
		}
		j.Def = &def
	}
	if len(m.DisableTriggers) > 0 {
		j.Triggers = state.TriggersDisable
	}
	j.Keep = m.Kept() // onupdate.go
	if m.Op == OpDelete || m.Op == OpInsert {
		for _, c := range m.Columns {
			if !c.Generated {
				j.Columns = append(j.Columns, c.Name)
			}
		}
	}
	return j
}
