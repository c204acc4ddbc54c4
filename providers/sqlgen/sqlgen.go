// Package sqlgen renders the planner's mutation IR into SQL statements for a
// Dialect. It only builds strings and argument lists; the executor runs them.
//
// Every statement a mutation needs is here once; a Dialect supplies the few
// pieces that differ between databases (quoting, placeholders, the hash, the
// UPDATE-with-join form, how time values are passed).
package sqlgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// Dialect is what differs between databases. Implementations return SQL
// text only.
type Dialect interface {
	// Name is the provider name, e.g. "postgres".
	Name() string
	// Quote quotes one identifier.
	Quote(ident string) string
	// Placeholder is the n-th (1-based) bind parameter.
	Placeholder(n int) string
	// Table renders a possibly schema-qualified table name.
	Table(t planner.TableName) string
	// JournalTable and CatalogTable name the journal tables inside the
	// journal schema (or with it as a prefix where there are no schemas).
	JournalTable(schema, id string) string
	CatalogTable(schema string) string
	// EnsureJournal returns the statements that create the journal schema
	// and catalog table when missing; they must be idempotent.
	EnsureJournal(schema string) []string
	// Hash returns an integer expression in [0, 2^32): the first 32 bits of
	// MD5(seed || ':' || k1 || '|' || k2 ...), keys rendered as text.
	Hash(seed string, keys []string) string
	// NotDistinct is null-safe equality.
	NotDistinct(a, b string) string
	// UpdateJoin sets column col (quoted) of table (aliased t) to value,
	// an expression over t and the journal (aliased j), where on and cond
	// (which may be empty) hold.
	UpdateJoin(table, journal, col, value, on, cond string) string
	// TransactionalDDL reports whether CREATE and DROP TABLE take part in
	// transactions. Where they do not (MySQL, Oracle), the executor runs
	// them outside the data transaction and marks the journal pending in
	// the catalog until the data transaction commits.
	TransactionalDDL() bool
	// DeleteJoin deletes the rows of table whose key (quoted key column
	// names) matches a row of journal.
	DeleteJoin(table, journal string, keys []string) string
	// Scale multiplies column expression col of column c by the factor
	// placeholder, keeping the column's type.
	Scale(col string, c planner.Column, factor string) string
	// TimeArg converts a window bound to the value bound for the column.
	TimeArg(t time.Time, f planner.TimeFormat) any
	// InsertRestore returns the INSERT head used to put journaled rows back
	// (e.g. with OVERRIDING SYSTEM VALUE when identity columns are present).
	InsertRestore(table string, cols []string, identity bool) string
	// LockedRead makes a journal's read of table (aliased t) lock the rows
	// it reads until the transaction ends, so that the before-image and the
	// mutation see the same row version and an application's concurrent
	// write is neither overwritten nor restored away: from replaces
	// "table t" in the read, suffix follows its WHERE, and pre, when not
	// empty, is a statement run just before the read that locks the rows
	// of table t for which where holds (where's arguments are bound to it
	// too). A locking read waits for the writers holding those rows and
	// then reads their newest committed version.
	LockedRead(table, where string) (from, suffix, pre string)
	// Capabilities declares what the database can do (the planner's kinds
	// ask these; each provider registers them by source type).
	Capabilities() planner.Capabilities

	// The pieces of each family of kinds, which every database provides
	// (a provider that lacks one does not compile): rows (copies, time
	// shifts), schema changes, numbers, dates kept as text, text values,
	// edits (mojibake, typos), business kinds, unchanged-value tests and
	// profile statistics.
	RowDialect
	SchemaDialect
	NumDialect
	DateTextDialect
	TextDialect
	EditDialect
	BusinessDialect
	ChangeDialect
	StatsDialect
	// A Dialect may also implement the optional hooks TableCreator and
	// RestoreInserter (below) where CREATE TABLE ... AS or an INSERT head do
	// not fit its database, TriggerSwitcher, MicroShifter, ScratchTabler,
	// StatsBigCounter and StatsComparer; each has a default.
}

// TableCreator is implemented by a Dialect whose database has no CREATE
// TABLE ... AS SELECT (SQL Server). Other dialects get
// CREATE TABLE table AS SELECT cols FROM from WHERE 1 = 0.
type TableCreator interface {
	// CreateTableAs returns the statement that creates table, empty, with
	// the columns (names and types) of SELECT cols FROM from, e.g.
	// SELECT cols INTO table FROM from WHERE 1 = 0. It is DDL.
	CreateTableAs(table, cols, from string) string
}

// RestoreInserter is implemented by a Dialect whose restore INSERT needs
// statements around it (SQL Server: SET IDENTITY_INSERT ON and OFF). Other
// dialects get InsertRestore's head followed by query.
type RestoreInserter interface {
	// RestoreInsert returns the statement that inserts the rows of query,
	// a SELECT of cols, into table's columns cols, keeping identity values
	// when identity is true. It may be a batch of several statements when
	// the database runs one as a unit; its affected-row count must be the
	// INSERT's.
	RestoreInsert(table string, cols []string, identity bool, query string) string
}

func createTableAs(d Dialect, table, cols, from string) string {
	if c, ok := d.(TableCreator); ok {
		return c.CreateTableAs(table, cols, from)
	}
	return fmt.Sprintf("CREATE TABLE %s AS SELECT %s FROM %s WHERE 1 = 0", table, cols, from)
}

func restoreInsert(d Dialect, table string, cols []string, identity bool, query string) string {
	if r, ok := d.(RestoreInserter); ok {
		return r.RestoreInsert(table, cols, identity, query)
	}
	return d.InsertRestore(table, cols, identity) + " " + query
}

// Statement is one SQL statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
	// Role tells the executor what the statement is for: RoleMutation's
	// affected-row count is the anomaly's row count.
	Role Role
	// DDL marks CREATE and DROP statements.
	DDL bool
}

// Role classifies statements.
type Role string

const (
	RoleSchema   Role = "schema"
	RoleJournal  Role = "journal"
	RoleMutation Role = "mutation"
	RoleCatalog  Role = "catalog"
	RoleRestore  Role = "restore"
	RoleCleanup  Role = "cleanup"
)

// Journal column names in update journals.
const (
	BeforeCol = "anomgen_before"
	AfterCol  = "anomgen_after"
)

type args struct {
	d    Dialect
	vals []any
}

func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	return a.d.Placeholder(len(a.vals))
}

func qualify(d Dialect, alias string, cols []planner.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = alias + "." + d.Quote(c.Name)
	}
	return out
}

func quoteAll(d Dialect, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.Quote(n)
	}
	return out
}

func keyJoin(d Dialect, keys []string, a, b string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s.%s = %s.%s", a, d.Quote(k), b, d.Quote(k))
	}
	return strings.Join(parts, " AND ")
}

// where renders the selection over alias t: the window, the hash test,
// and for a column update the test that the row would really change
// (unchanged.go). A new value sqlgen cannot render leaves that test out;
// rendering the mutation itself then reports the error.
func where(d Dialect, m *planner.Mutation, a *args) string {
	conds, err := selectConds(d, m, a, true, true)
	if err != nil {
		conds, _ = selectConds(d, m, a, false, true)
	}
	if len(conds) == 0 {
		return "1 = 1"
	}
	return strings.Join(conds, " AND ")
}

// selectConds are the conditions of the selection over alias t, joined by
// AND: the window (when withWindow), NULLs skipped, non-finite floats left
// out, the mechanism's choice; with changes also the tests that leave out
// rows the change would not change (editFilter, swapFilter and the
// change filter of unchanged.go). Arguments are added in text order.
func selectConds(d Dialect, m *planner.Mutation, a *args, changes, withWindow bool) ([]string, error) {
	var conds []string
	s := m.Where
	if withWindow {
		if w := window(d, s, "t", a); w != "" {
			conds = append(conds, w)
		}
	}
	if s.SkipNull && m.Column != nil {
		conds = append(conds, "t."+d.Quote(m.Column.Name)+" IS NOT NULL")
	}
	if m.Op == planner.OpUpdate {
		if f := finite(d, "t", m.Column); f != "" { // unchanged.go
			conds = append(conds, f)
		}
	}
	if changes {
		if f := editFilter(d, m); f != "" { // edits.go
			conds = append(conds, f)
		}
		if f := swapFilter(d, m); f != "" { // swap.go
			conds = append(conds, f)
		}
		f, err := changeFilter(d, m, a) // unchanged.go
		if err != nil {
			return nil, err
		}
		if f != "" {
			conds = append(conds, f)
		}
	}
	conds = append(conds, choose(d, m, a)...) // selection.go: the mechanism
	if f := flatten(d, m, a); f != "" {       // business.go
		conds = append(conds, f)
	}
	return conds, nil
}

// Count returns one statement yielding two integers: rows in the window
// and rows the mutation would change; for a column update two more: the
// rows the selection chooses before those the update would leave as they
// are are left out, and the window's rows whose value is NaN or infinite
// (unchanged.go).
func Count(d Dialect, m *planner.Mutation) Statement {
	if m.Op == planner.OpUpdate && m.Column != nil {
		if st, err := countUpdate(d, m); err == nil {
			return st
		}
		// A new value sqlgen cannot render: counted without the change
		// filter, and apply reports the error.
	}
	if m.Op == planner.OpInsert {
		return countInsert(d, m)
	}
	if m.Op.Schema() {
		return SchemaCount(d, m) // schema.go
	}
	if m.Where.Flatten != nil {
		return countFlatten(d, m) // business.go
	}
	a := &args{d: d}
	// Arguments are added in the order their placeholders appear in the
	// text, for dialects whose placeholders are positional (?).
	inner := *m
	inner.Where.TimeColumn, inner.Where.Segments = nil, nil // the window is the outer WHERE
	chosen := where(d, &inner, a)
	sql := fmt.Sprintf("SELECT COUNT(*), COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) FROM %s t", chosen, d.Table(m.Table))
	if w := window(d, m.Where, "t", a); w != "" {
		sql += " WHERE " + w
	}
	return Statement{SQL: sql, Args: a.vals, Role: RoleJournal}
}

// Apply returns the statements that journal and apply m, in order, inside
// one transaction: journal table, before-images, mutation. The catalog
// insert is rendered by CatalogInsert once the row count is known.
func Apply(d Dialect, schema, id string, m *planner.Mutation) ([]Statement, error) {
	j := d.JournalTable(schema, id)
	t := d.Table(m.Table)
	keyNames := names(m.Key)
	on := keyJoin(d, keyNames, "t", "j")
	var out []Statement
	for _, s := range d.EnsureJournal(schema) {
		out = append(out, Statement{SQL: s, Role: RoleSchema, DDL: true})
	}
	switch m.Op {
	case planner.OpUpdate:
		if m.With != nil { // swapped_columns: swap.go
			out = append(out, applySwap(d, j, t, on, m)...)
			break
		}
		col := "t." + d.Quote(m.Column.Name)
		keys := strings.Join(qualify(d, "t", m.Key), ", ")
		out = append(out, Statement{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j,
			fmt.Sprintf("%s, %s AS %s, %s AS %s", keys, col, d.Quote(BeforeCol), col, d.Quote(AfterCol)), t+" t")})
		a := &args{d: d}
		var set string
		switch e := m.Set.(type) {
		case planner.SetNull:
			set = "NULL"
		case planner.Scale:
			set = d.Scale(col, *m.Column, a.add(e.Factor))
		default:
			var err error
			if set, err = rowSet(d, m, a); err != nil { // rows.go
				return nil, err
			}
		}
		cols := append(quoteAll(d, keyNames), d.Quote(BeforeCol), d.Quote(AfterCol))
		out = append(out, journalRead(d, m, fmt.Sprintf("INSERT INTO %s (%s)", j, strings.Join(cols, ", ")),
			fmt.Sprintf("%s, %s, %s", keys, col, set), a)...)
		out = append(out, Statement{Role: RoleMutation, SQL: d.UpdateJoin(t, j,
			d.Quote(m.Column.Name), "j."+d.Quote(AfterCol)+keep(d, m.Kept()), on, "")})
	case planner.OpDelete:
		out = append(out, Statement{Role: RoleJournal, DDL: true, SQL: createTableAs(d, j, "t.*", t+" t")})
		out = append(out, journalRead(d, m, "INSERT INTO "+j, "t.*", &args{d: d})...)
		out = append(out, Statement{Role: RoleMutation, SQL: d.DeleteJoin(t, j, quoteAll(d, keyNames))})
	case planner.OpInsert:
		ins, err := applyInsert(d, j, t, m) // rows.go
		if err != nil {
			return nil, err
		}
		out = append(out, ins...)
	default:
		return nil, fmt.Errorf("sqlgen: unknown op %q", m.Op)
	}
	return out, nil
}

// journalRead renders the statements that fill a journal with the rows m
// selects: head (INSERT INTO journal (cols)) followed by SELECT sel over
// the table aliased t, as a locking read (Dialect.LockedRead), preceded by
// the dialect's locking statement where it needs one. a holds the
// arguments of placeholders already in sel.
func journalRead(d Dialect, m *planner.Mutation, head, sel string, a *args) []Statement {
	t := d.Table(m.Table)
	w := where(d, m, a)
	from, suffix, _ := d.LockedRead(t, w)
	var out []Statement
	pa := &args{d: d}
	if _, _, pre := d.LockedRead(t, where(d, m, pa)); pre != "" {
		out = append(out, Statement{Role: RoleJournal, SQL: pre, Args: pa.vals})
	}
	return append(out, Statement{Role: RoleJournal, SQL: fmt.Sprintf("%s SELECT %s FROM %s WHERE %s%s", head, sel, from, w, suffix), Args: a.vals})
}

// Catalog statuses. A journal is "applied" once its data transaction has
// committed. Where DDL is not transactional, a journal is "pending" from the
// creation of its table until that commit (a crash in between leaves a
// pending entry: nothing was changed, the empty journal table remains), and
// "restored" from the commit of its rollback until its table is dropped.
const (
	StatusApplied  = "applied"
	StatusPending  = "pending"
	StatusRestored = "restored"
)

// CatalogInsert records a journal in the catalog table with a status.
func CatalogInsert(d Dialect, schema, id, address string, appliedAt time.Time, entry, status string) Statement {
	return Statement{Role: RoleCatalog,
		SQL: fmt.Sprintf("INSERT INTO %s (id, address, applied_at, entry, status) VALUES (%s, %s, %s, %s, %s)",
			d.CatalogTable(schema), d.Placeholder(1), d.Placeholder(2), d.Placeholder(3), d.Placeholder(4), d.Placeholder(5)),
		Args: []any{id, address, appliedAt.UTC().Format(time.RFC3339Nano), entry, status}}
}

// CatalogUpdate sets a journal's entry and status.
func CatalogUpdate(d Dialect, schema, id, entry, status string) Statement {
	return Statement{Role: RoleCatalog,
		SQL:  fmt.Sprintf("UPDATE %s SET entry = %s, status = %s WHERE id = %s", d.CatalogTable(schema), d.Placeholder(1), d.Placeholder(2), d.Placeholder(3)),
		Args: []any{entry, status, id}}
}

// CatalogList reads every journal entry of the catalog: id, entry, status.
func CatalogList(d Dialect, schema string) Statement {
	return Statement{SQL: fmt.Sprintf("SELECT id, entry, status FROM %s ORDER BY applied_at", d.CatalogTable(schema))}
}

// Rollback holds the statements that restore one journal.
type Rollback struct {
	// Conflicts counts journal rows someone changed since injection.
	Conflicts Statement
	// ConflictKeys lists up to 10 keys of such rows.
	ConflictKeys Statement
	// Restore puts unchanged rows back (all rows with force).
	Restore []Statement
	// Drop removes the journal and its catalog entry.
	Drop []Statement
	// conflict is the conflict condition over the journal aliased j
	// (HeldBy, held.go).
	conflict string
}

// RenderRollback renders the restore of journal j. With force, rows changed
// since injection are overwritten with their before-image too.
func RenderRollback(d Dialect, j state.Journal, force bool) Rollback {
	jt := d.JournalTable(j.Schema, j.ID)
	t := d.Table(planner.TableName{Schema: j.TableSchema, Name: j.Table})
	on := keyJoin(d, j.Key, "t", "j")
	var r Rollback
	var conflict string
	switch j.Op {
	case string(planner.OpUpdate):
		if j.With != "" { // swapped_columns: swap.go
			conflict, r.Restore = rollbackSwap(d, j, jt, t, on, force)
			break
		}
		col := d.Quote(j.Column)
		// A row is restorable when it still holds the injected value, done
		// when it holds the before value, and a conflict otherwise.
		ok := fmt.Sprintf("(%s OR %s)", d.NotDistinct("t."+col, "j."+d.Quote(AfterCol)), d.NotDistinct("t."+col, "j."+d.Quote(BeforeCol)))
		conflict = fmt.Sprintf("NOT EXISTS (SELECT 1 FROM %s t WHERE %s AND %s)", t, on, ok)
		cond := ""
		if !force {
			cond = d.NotDistinct("t."+col, "j."+d.Quote(AfterCol))
		}
		r.Restore = []Statement{{Role: RoleRestore, SQL: d.UpdateJoin(t, jt, col, "j."+d.Quote(BeforeCol)+keep(d, j.Keep), on, cond)}}
	case string(planner.OpDelete):
		same := []string{on}
		for _, c := range j.Columns {
			same = append(same, d.NotDistinct("t."+d.Quote(c), "j."+d.Quote(c)))
		}
		identical := fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE %s)", t, strings.Join(same, " AND "))
		present := fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE %s)", t, on)
		conflict = fmt.Sprintf("%s AND NOT %s", present, identical)
		if force {
			r.Restore = append(r.Restore, Statement{Role: RoleRestore, SQL: d.DeleteJoin(t, jt, quoteAll(d, j.Key))})
		}
		cols := quoteAll(d, j.Columns)
		jcols := make([]string, len(cols))
		for i, c := range cols {
			jcols[i] = "j." + c
		}
		r.Restore = append(r.Restore, Statement{Role: RoleRestore, SQL: restoreInsert(d, t, cols, true,
			fmt.Sprintf("SELECT %s FROM %s j WHERE NOT %s", strings.Join(jcols, ", "), jt, present))})
	case string(planner.OpInsert):
		conflict, r.Restore = rollbackInsert(d, j, jt, t, on, force) // rows.go
	}
	r.conflict = conflict
	r.Conflicts = Statement{SQL: fmt.Sprintf("SELECT COUNT(*) FROM %s j WHERE %s", jt, conflict)}
	keys := make([]string, len(j.Key))
	for i, k := range j.Key {
		keys[i] = "j." + d.Quote(k)
	}
	r.ConflictKeys = Statement{SQL: fmt.Sprintf("SELECT %s FROM %s j WHERE %s ORDER BY %s", strings.Join(keys, ", "), jt, conflict, strings.Join(keys, ", "))}
	r.Drop = []Statement{
		{Role: RoleCleanup, SQL: "DROP TABLE " + jt, DDL: true},
		{Role: RoleCleanup, SQL: fmt.Sprintf("DELETE FROM %s WHERE id = %s", d.CatalogTable(j.Schema), d.Placeholder(1)), Args: []any{j.ID}},
	}
	return r
}

func names(cols []planner.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
