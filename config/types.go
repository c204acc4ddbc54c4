// Package config loads scenario files: every *.hcl file in a folder, decoded
// into sources, targets, anomalies and variables.
//
// Mistakes in a scenario are returned as hcl.Diagnostics pointing at the
// offending range, so the user sees file:line:col and the snippet.
package config

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Config is every block of a folder of scenario files.
type Config struct {
	// Dir is the folder the files were read from.
	Dir string
	// Files maps file names to their parsed form, for diagnostics snippets.
	Files map[string]*hcl.File
	// Variables are the declared variables with their final values.
	Variables map[string]*Variable
	// Sources, Targets and Anomalies are in file order.
	Sources   []*Source
	Targets   []*Target
	Anomalies []*Anomaly
	// AWSSecrets is the anomgen { secrets "aws" { ... } } block (nil when
	// absent: the standard AWS configuration applies).
	AWSSecrets *AWSSecrets
	// Workspace is the anomgen { workspace = "..." } name: the identity of
	// this folder's scenarios, recorded with every anomaly it applies, so
	// that `anomgen state recover` can tell its journals from other
	// folders' on a shared database. Empty when not declared.
	Workspace string
	// Backend is the anomgen { backend "postgres" { ... } } block (nil:
	// the state is .anomgen/state.json).
	Backend *Backend

	// secrets holds what secret() and sensitive variables stand for while
	// the files are decoded.
	secrets *secretTable
}

// Variable is a variable block and its resolved value.
type Variable struct {
	Name        string
	Description string
	Sensitive   bool
	Default     cty.Value
	Value       cty.Value
	DeclRange   hcl.Range
}

// Source is a source block: one database connection.
type Source struct {
	// Type is the provider: postgres, mysql, sqlserver, oracle or sqlite.
	Type string
	Name string
	// Connection settings; which apply depends on Type.
	Host string
	Port int
	// Database is the database name (the service name for Oracle).
	Database string
	// Username is the user name; UsernameSecret replaces it when it comes
	// from secret() or a sensitive variable.
	Username       string
	UsernameSecret Secret
	Password       Secret
	// TLS is disable, require, verify-ca or verify-full (postgres).
	TLS string
	// CAFile, CertFile and KeyFile are PEM files for TLS, relative to the
	// scenario folder.
	CAFile, CertFile, KeyFile string
	// ConnectTimeout bounds each connection attempt (0: provider default).
	ConnectTimeout time.Duration
	// Options are passed to the driver as connection parameters;
	// SecretOptions are those whose values come from secret() or a
	// sensitive variable.
	Options       map[string]string
	SecretOptions map[string]Secret
	// DSN, when set, replaces the individual settings.
	DSN Secret
	// Path is the database file of an embedded sqlite source, relative to
	// the scenario folder.
	Path string
	// AllowWrites must be true before apply or rollback touch this source.
	AllowWrites bool
	// Daemon opts the source in to `anomgen daemon` (issue 13): the daemon
	// changes only sources with both allow_writes and daemon set.
	Daemon bool
	// JournalSchema holds journals in the target database (default anomgen).
	JournalSchema string
	// MaxConnections bounds the source's connection pool and how many
	// changes run on it at once (default DefaultMaxConnections; an
	// embedded sqlite source writes through one connection whatever it is).
	MaxConnections int
	// BatchRows bounds the rows of the window one batch of a row-level
	// change covers (each batch is its own transaction with its own
	// journal part); 0 applies each change in one transaction.
	BatchRows int64
	// BatchTime bounds how long one batch should take: a slower batch
	// makes the next ones smaller (0: no time bound).
	BatchTime time.Duration
	// BatchLanes is the most parts of its key range one batched change
	// works on at once (each part its own chain of batches on its own
	// connection); the parts beyond the first take only connections and
	// run slots nothing else is using. 1: one batch at a time.
	BatchLanes int
	DeclRange  hcl.Range
}

// DefaultMaxConnections is a source's max_connections when it says none.
const DefaultMaxConnections = 4

// Defaults of a source's batch_rows, batch_time and batch_lanes.
const (
	DefaultBatchRows  int64 = 10000
	DefaultBatchTime        = 200 * time.Millisecond
	DefaultBatchLanes       = 2
)

// Addr is source.<type>.<name>.
func (s *Source) Addr() string { return "source." + s.Type + "." + s.Name }

// Target is a target block: one table of a source.
type Target struct {
	Name   string
	Source *Source
	// Table is the table name, optionally schema-qualified (schema.table).
	Table string
	// TimeColumn, when set, lets anomalies have windows.
	TimeColumn string
	// LoadTimeColumn, when set, is when each row was loaded; late_arrival
	// pushes it forward instead of hiding rows.
	LoadTimeColumn string
	// Protect makes apply refuse every anomaly on this target.
	Protect bool
	// Key identifies rows; empty means the primary key.
	Key []string
	// Triggers says what to do when anomalies on the table would fire its
	// user triggers: "" or "refuse" (plan refuses them), "ignore" (go
	// ahead; rollback may not undo what the triggers did) or "disable"
	// (PostgreSQL: switch them off inside each transaction).
	Triggers  string
	DeclRange hcl.Range
	// Ranges holds the range of each attribute, for diagnostics.
	Ranges map[string]hcl.Range
}

// Addr is target.<name>.
func (t *Target) Addr() string { return "target." + t.Name }

// Anomaly is an anomaly block.
type Anomaly struct {
	Kind   string
	Name   string
	Target *Target
	// Column is the affected column, for kinds that change a column.
	Column string
	// Volume is the share of rows in the window to change (nil: kind default).
	Volume *float64
	// Amplitude is the strength of the change (nil: kind default).
	Amplitude *float64
	// Seed drives row selection; nil means a seed derived from the address.
	Seed *int64
	// Window limits the anomaly in time (nil: kind default).
	Window *Window
	// Duration, when set, is how long the anomaly stays before plan proposes
	// to expire (revert) it.
	Duration time.Duration
	// MaxRows, when set, replaces the default limit on the rows this
	// anomaly may change.
	MaxRows int64
	// Segments narrow the anomaly to rows whose column holds one of the
	// values; several combine with AND (config/selection.go).
	Segments []Filter
	// Mechanism is "" (random), "conditional" or "value_dependent";
	// Condition goes with conditional and Bias ("high" or "low") with
	// value_dependent.
	Mechanism string
	Condition *Filter
	Bias      string
	// Schedule, when set, makes the anomaly recurring (issue 13): each
	// occurrence is planned and applied at its fire time by the daemon and
	// reverted when its duration ends. nil keeps the one-time behaviour.
	Schedule *Schedule
	// Params holds kind-specific attributes not decoded above.
	Params map[string]Param
	// DeclRange is the block header; Ranges has each attribute's range.
	DeclRange hcl.Range
	Ranges    map[string]hcl.Range
}

// Param is a kind-specific attribute and its value.
type Param struct {
	Value cty.Value
	Range hcl.Range
}

// Addr is anomaly.<kind>.<name>.
func (a *Anomaly) Addr() string { return "anomaly." + a.Kind + "." + a.Name }

// Range returns the range of attribute name, or the block's range.
func (a *Anomaly) Range(name string) *hcl.Range {
	if r, ok := a.Ranges[name]; ok {
		return &r
	}
	r := a.DeclRange
	return &r
}

// Window is a window block: either Start+Duration or Last.
type Window struct {
	Start    *time.Time
	Duration time.Duration
	Last     time.Duration
	// Text is the declaration as written, used to detect changes.
	Text  string
	Range hcl.Range
}

// Resolve returns the concrete [start, end) interval at time now.
func (w *Window) Resolve(now time.Time) (time.Time, time.Time) {
	if w.Start != nil {
		return *w.Start, w.Start.Add(w.Duration)
	}
	return now.Add(-w.Last), now
}

// Source returns the source with the given address, or nil.
func (c *Config) Source(addr string) *Source {
	for _, s := range c.Sources {
		if s.Addr() == addr {
			return s
		}
	}
	return nil
}

// Target returns the target with the given name, or nil.
func (c *Config) Target(name string) *Target {
	for _, t := range c.Targets {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Anomaly returns the anomaly with the given address, or nil.
func (c *Config) Anomaly(addr string) *Anomaly {
	for _, a := range c.Anomalies {
		if a.Addr() == addr {
			return a
		}
	}
	return nil
}

// Schedule is an anomaly's schedule block: when occurrences fire and how
// long each lasts.
type Schedule struct {
	// Every is the fixed interval between fire times; Cron a cron
	// expression (5 fields) instead. Exactly one is set once decoded
	// (a kind's default frequency fills Every when both are absent).
	Every time.Duration
	Cron  string
	// Duration is how long each occurrence stays before it is reverted.
	Duration time.Duration
	// Start and Until bound the fire times (zero: unbounded); MaxRuns, when
	// above zero, stops after that many occurrences.
	Start, Until time.Time
	MaxRuns      int64
	// Jitter delays each fire time by a deterministic amount in [0, Jitter).
	Jitter time.Duration
	// Timezone is the IANA zone cron expressions are read in (default UTC).
	Timezone string
	// CatchUp runs occurrences missed while the daemon was down (by
	// default they are skipped and logged).
	CatchUp bool
	// DeclRange is the block header; Ranges has each attribute's range.
	DeclRange hcl.Range
	Ranges    map[string]hcl.Range
}

// Range returns the range of attribute name, or the block's range.
func (s *Schedule) Range(name string) *hcl.Range {
	if r, ok := s.Ranges[name]; ok {
		return &r
	}
	r := s.DeclRange
	return &r
}
