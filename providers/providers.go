// Package providers opens connections to the databases anomgen supports and
// inspects their tables. Each database lives in its own subpackage, which
// registers itself here; the dialect (SQL rendering) is in each subpackage
// too, built on providers/sqlgen.
package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// Settings are a source's connection settings. Password, DSN and the
// values listed in Sensitive are secrets; providers must never put them in
// an error or a log. Every fmt verb and slog print Settings with them
// redacted (see Format).
type Settings struct {
	Type, Name     string
	Host           string
	Port           int
	Database       string
	Username       string
	Password       string
	TLS            string
	DSN            string
	Path           string // sqlite: absolute file path
	JournalSchema  string
	ConnectTimeout int // seconds; 0 means the provider default
	// MaxConnections bounds the connection pool (0: 4).
	MaxConnections int
	// CAFile, CertFile and KeyFile are PEM files for TLS (absolute paths).
	CAFile, CertFile, KeyFile string
	// Options are passed to the driver as connection parameters.
	Options map[string]string
	// Sensitive lists further secret values: a username or option values
	// that came from secret() or a sensitive variable, and the secret()
	// values inside a password or DSN. Scrub removes them like Password.
	Sensitive []string
}

// Conn is an open source.
type Conn struct {
	DB      DB // logs each statement at debug level
	Dialect sqlgen.Dialect
	// Inspector describes tables.
	Inspector Inspector
	// Host and Database are for display (never a DSN).
	Host, Database string
	// Version is the server version string.
	Version string
	// User is the account the server authenticated (PostgreSQL: the role
	// name; MySQL: user@host as CURRENT_USER() gives it); empty when
	// unknown.
	User string
}

// Close closes the connection pool.
func (c *Conn) Close() error { return c.DB.Close() }

// Inspector describes tables of one database.
type Inspector interface {
	// Profile describes table (schema-qualified or not). timeColumn, when
	// not empty, is examined for its storage format. A missing table is a
	// *NoTableError.
	Profile(ctx context.Context, table, timeColumn string) (*planner.TableProfile, error)
}

// Driver opens connections for one provider.
type Driver interface {
	Open(ctx context.Context, s Settings) (*Conn, error)
}

var (
	mu      sync.Mutex
	drivers = map[string]Driver{}
)

// Register makes a driver available under name.
func Register(name string, d Driver) {
	mu.Lock()
	defer mu.Unlock()
	drivers[name] = d
}

// Names lists the registered providers.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	return namesLocked()
}

func namesLocked() []string {
	var out []string
	for n := range drivers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Open connects to the source described by s.
func Open(ctx context.Context, s Settings) (*Conn, error) {
	mu.Lock()
	d := drivers[s.Type]
	mu.Unlock()
	if d == nil {
		return nil, fmt.Errorf("no provider %q is built into this anomgen (have: %s)", s.Type, strings.Join(Names(), ", "))
	}
	c, err := d.Open(ctx, s)
	if err != nil {
		return nil, Scrub(err, s)
	}
	return c, nil
}

// NoTableError says a table does not exist and names similar ones.
type NoTableError struct {
	Table   string
	Similar []string
}

func (e *NoTableError) Error() string {
	msg := fmt.Sprintf("table %s does not exist", e.Table)
	if len(e.Similar) > 0 {
		msg += "; similar tables: " + strings.Join(e.Similar, ", ")
	}
	return msg
}

// ConnectError is a failed connection, classified for the user.
type ConnectError struct {
	// Class is one of: unreachable, tls, auth, database, permission,
	// busy, other.
	Class  Class
	Source string
	Detail string
	Hint   string
	// Transient marks failures worth retrying: the server refused or did
	// not answer, has too many connections, or is starting up. A wrong
	// password or a missing database never is.
	Transient bool
}

func (e *ConnectError) Error() string {
	msg := fmt.Sprintf("cannot connect to %s: %s", e.Source, e.Detail)
	if e.Hint != "" {
		msg += ". " + e.Hint
	}
	return msg
}

// Scrub returns err with every occurrence of the settings' secrets replaced,
// keeping a *ConnectError's type.
func Scrub(err error, s Settings) error {
	if err == nil {
		return nil
	}
	var ce *ConnectError
	if errors.As(err, &ce) {
		c := *ce
		c.Source = scrubString(c.Source, s)
		c.Detail = scrubString(c.Detail, s)
		c.Hint = scrubString(c.Hint, s)
		return &c
	}
	msg := scrubString(err.Error(), s)
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func scrubString(msg string, s Settings) string {
	for _, secret := range s.SecretValues() {
		// Also as a URL or base64 would carry it (see SecretForms).
		for _, form := range SecretForms(secret) {
			msg = strings.ReplaceAll(msg, form, "(sensitive)")
		}
	}
	return msg
}

// Similar returns up to three names from candidates that resemble name.
func Similar(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	var all []scored
	for _, c := range candidates {
		all = append(all, scored{c, distance(strings.ToLower(name), strings.ToLower(c))})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d < all[j].d || all[i].d == all[j].d && all[i].s < all[j].s })
	var out []string
	for _, s := range all {
		if len(out) == 3 || s.d > max(3, len(name)/2) {
			break
		}
		out = append(out, s.s)
	}
	return out
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// SplitTable splits "schema.table" into its parts; schema may be empty.
func SplitTable(s string) (schema, table string) {
	if i := strings.LastIndex(s, "."); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// IsUndefinedTable reports whether err says a table does not exist, in the
// words of any supported database; a missing schema (PostgreSQL 3F000,
// MySQL's unknown database) is a missing table too.
func IsUndefinedTable(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 42P01") || strings.Contains(s, "SQLSTATE 3F000") || strings.Contains(s, "Unknown database") || strings.Contains(s, "no such table") ||
		strings.Contains(s, "doesn't exist") || strings.Contains(s, "Unknown table") || strings.Contains(s, "Invalid object name") || strings.Contains(s, "ORA-00942")
}

// IsUndefinedColumn reports whether err says a column does not exist, in
// the words of any supported database.
func IsUndefinedColumn(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 42703") || strings.Contains(s, "no such column") || strings.Contains(s, "Unknown column") ||
		strings.Contains(s, "Invalid column name") || strings.Contains(s, "ORA-00904")
}

// Privilege is one privilege apply needs, and whether the connected user
// holds it.
type Privilege struct {
	// Object is a table (schema.table) or a journal schema.
	Object string
	// Privilege is SELECT, INSERT, UPDATE, DELETE, ALTER or CREATE.
	Privilege string
	Granted   bool
	// Detail explains a refusal or how it was decided, e.g. the GRANT to run.
	Detail string
	// Grant, for a privilege not granted, is the statement an
	// administrator runs to grant it (empty when there is none).
	Grant string
}

// Checker is implemented (by an Inspector) where a provider can tell which
// privileges the connected user holds. anomgen check uses it.
type Checker interface {
	// Privileges reports SELECT, INSERT, UPDATE and DELETE on each table,
	// ALTER as well when alter is true, and CREATE on the journal schema
	// (or the right to create it).
	Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]Privilege, error)
}

// ExactCountBelow is the table size under which inspectors replace the
// catalog's row estimate with an exact COUNT(*): cheap there, and the
// estimate of a freshly loaded table can be far off.
const ExactCountBelow = 1_000_000

type estimatedCountsKey struct{}

// WithEstimatedCounts returns ctx under which inspectors keep the
// catalog's row estimate even below ExactCountBelow: for callers that
// need a profile's columns but not its row count (the check of a saved
// plan, whose fingerprint query counts the rows itself).
func WithEstimatedCounts(ctx context.Context) context.Context {
	return context.WithValue(ctx, estimatedCountsKey{}, true)
}

// EstimatedCounts reports whether ctx asks inspectors not to count rows
// exactly (WithEstimatedCounts).
func EstimatedCounts(ctx context.Context) bool {
	v, _ := ctx.Value(estimatedCountsKey{}).(bool)
	return v
}

// DB is a *sql.DB whose QueryContext, QueryRowContext and ExecContext log
// each statement at debug level (the SQL text only: arguments may hold
// customer data). Inspectors and checkers use it so that every statement
// anomgen runs can be seen with -log-level debug; the executor reports its
// own statements as events.
type DB struct{ *sql.DB }

func (db DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return db.DB.QueryContext(ctx, query, args...)
}

func (db DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return db.DB.QueryRowContext(ctx, query, args...)
}

func (db DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return db.DB.ExecContext(ctx, query, args...)
}

// BeginTx starts a transaction whose statements are logged like DB's.
func (db DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (Tx, error) {
	tx, err := db.DB.BeginTx(ctx, opts)
	return Tx{tx}, err
}

// Tx is a *sql.Tx that logs each statement at debug level.
type Tx struct{ *sql.Tx }

func (tx Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return tx.Tx.QueryContext(ctx, query, args...)
}

func (tx Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

func (tx Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	Logger(ctx).DebugContext(ctx, "statement", "sql", query)
	return tx.Tx.ExecContext(ctx, query, args...)
}

type loggerKey struct{}

// WithLogger returns a context whose statements DB and Tx log to l.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the context's logger, or slog's default.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}

// PoolSize is the connection pool size of s: MaxConnections, or 4.
func (s Settings) PoolSize() int {
	if s.MaxConnections > 0 {
		return s.MaxConnections
	}
	return 4
}

// ScanSlots returns n values and a pointer to each, for Scan(ptrs...) to
// fill vals.
func ScanSlots(n int) (vals, ptrs []any) {
	vals, ptrs = make([]any, n), make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, ptrs
}
