package sqlgen

// Batches: a row-level change (an UPDATE of one column or a DELETE) runs as
// a series of transactions, each over a range of the table's key, so that
// no transaction holds the locks of the whole window and an application's
// write to a row of the window waits for one batch at most. Each batch
// appends its before-images to the same journal table and records its
// progress in the journal's catalog entry, in its own transaction, so a
// run that stops between batches leaves whole batches only, and the next
// apply carries on after the last one.
//
// Batches follow the key: keyset pagination over the rows of the window,
// (lo, hi] where hi is the n-th key of the window after lo (BatchBound),
// or on PostgreSQL the next n rows of the selection after lo, whose last
// key the batch's own statement returns (ApplyBatchNext). The selection
// of a row depends on its key and the seed only (the kinds that read other
// rows of the table to choose or to compute a value are not batched:
// Batchable), so the rows a batched change touches are the rows the plan
// counted.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/state"
)

// StatusPartial is the catalog status of a batched change some of whose
// batches have committed: its journal holds the before-images of those
// batches, apply finishes it and rollback undoes it.
const StatusPartial = "partial"

// KeyRange is a range (Lo, Hi] of key values, in key order; a nil Lo has
// no lower bound, a nil Hi no upper bound.
type KeyRange struct {
	Lo, Hi []any
}

// Batchable reports whether m can run in key-range batches: an UPDATE of
// one column or a DELETE whose selection and new values read nothing but
// the row itself (no ranking over the window, no statistics of the table,
// no first row of the window), without triggers switched off. Other kinds
// (inserts of copies, schema changes, swaps) run in one transaction.
func Batchable(d Dialect, m *planner.Mutation) bool {
	if m == nil || len(m.Key) == 0 || len(m.DisableTriggers) > 0 {
		return false
	}
	switch {
	case m.Op == planner.OpUpdate && m.Column != nil && m.With == nil:
	case m.Op == planner.OpDelete:
	default:
		return false
	}
	if m.Where.Mechanism == planner.MechanismValueDependent || m.Where.Flatten != nil {
		return false
	}
	t := d.Table(m.Table)
	a := &args{d: d}
	if m.Op == planner.OpUpdate {
		set, err := updateSet(d, m, a)
		if err != nil || strings.Contains(set, t) {
			return false
		}
	}
	conds, err := selectConds(d, m, a, true, true)
	if err != nil {
		return false
	}
	for _, c := range conds {
		if strings.Contains(c, t) {
			return false
		}
	}
	return true
}

// updateSet renders the new value of m's column over alias t.
func updateSet(d Dialect, m *planner.Mutation, a *args) (string, error) {
	col := "t." + d.Quote(m.Column.Name)
	switch e := m.Set.(type) {
	case planner.SetNull:
		return "NULL", nil
	case planner.Scale:
		return d.Scale(col, *m.Column, a.add(e.Factor)), nil
	}
	return rowSet(d, m, a) // rows.go
}

// rowValues renders the key columns of alias and the bound values vals as
// a comparison op (">" or "<=") in key order: a row-value comparison
// where the database has one, the expanded OR form otherwise.
func rowValues(d Dialect, alias string, keys []string, vals []any, op string, a *args) string {
	if len(keys) == 1 {
		return fmt.Sprintf("%s.%s %s %s", alias, d.Quote(keys[0]), op, a.add(vals[0]))
	}
	switch d.Name() {
	case "postgres", "mysql", "sqlite":
		cols := make([]string, len(keys))
		ph := make([]string, len(keys))
		for i, k := range keys {
			cols[i] = alias + "." + d.Quote(k)
			ph[i] = a.add(vals[i])
		}
		return fmt.Sprintf("(%s) %s (%s)", strings.Join(cols, ", "), op, strings.Join(ph, ", "))
	}
	strict := op[:1] // ">" or "<"
	var ors []string
	for i := range keys {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, fmt.Sprintf("%s.%s = %s", alias, d.Quote(keys[j]), a.add(vals[j])))
		}
		o := strict
		if i == len(keys)-1 {
			o = op
		}
		ands = append(ands, fmt.Sprintf("%s.%s %s %s", alias, d.Quote(keys[i]), o, a.add(vals[i])))
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// rangeCond renders r over the key columns of alias; "" when r is unbounded.
func rangeCond(d Dialect, alias string, keys []string, r KeyRange, a *args) string {
	var conds []string
	if r.Lo != nil {
		conds = append(conds, rowValues(d, alias, keys, r.Lo, ">", a))
	}
	if r.Hi != nil {
		conds = append(conds, rowValues(d, alias, keys, r.Hi, "<=", a))
	}
	return strings.Join(conds, " AND ")
}

// firstRow renders "ORDER BY order" followed by the clause that skips
// offset rows and returns one.
func firstRow(d Dialect, order string, offset int64) string {
	switch d.Name() {
	case "sqlserver", "oracle":
		return fmt.Sprintf("ORDER BY %s OFFSET %d ROWS FETCH NEXT 1 ROWS ONLY", order, offset)
	}
	return fmt.Sprintf("ORDER BY %s LIMIT 1 OFFSET %d", order, offset)
}

// BatchBound returns the query for the upper bound of the batch after lo
// (nil: the first): the key of the n-th row of m's window after lo, in key
// order. No row means the batch runs to the end of the table.
func BatchBound(d Dialect, m *planner.Mutation, lo []any, n int64) Statement {
	a := &args{d: d}
	keys := names(m.Key)
	var conds []string
	if w := window(d, m.Where, "t", a); w != "" {
		conds = append(conds, w)
	}
	if lo != nil {
		conds = append(conds, rangeCond(d, "t", keys, KeyRange{Lo: lo}, a))
	}
	sql := fmt.Sprintf("SELECT %s FROM %s t", strings.Join(qualify(d, "t", m.Key), ", "), d.Table(m.Table))
	if len(conds) > 0 {
		sql += " WHERE " + strings.Join(conds, " AND ")
	}
	return Statement{SQL: sql + " " + firstRow(d, strings.Join(qualify(d, "t", m.Key), ", "), n-1), Args: a.vals, Role: RoleJournal}
}

// JournalBound returns the query for the upper bound of a rollback batch
// after lo: the key of the n-th journal row after lo, in key order.
func JournalBound(d Dialect, j state.Journal, lo []any, n int64) Statement {
	a := &args{d: d}
	keys := make([]string, len(j.Key))
	for i, k := range j.Key {
		keys[i] = "j." + d.Quote(k)
	}
	sql := fmt.Sprintf("SELECT %s FROM %s j", strings.Join(keys, ", "), d.JournalTable(j.Schema, j.ID))
	if lo != nil {
		sql += " WHERE " + rangeCond(d, "j", j.Key, KeyRange{Lo: lo}, a)
	}
	return Statement{SQL: sql + " " + firstRow(d, strings.Join(keys, ", "), n-1), Args: a.vals}
}

// JournalLast returns the query for the greatest key in journal j: where
// a stopped batched change carries on (every row up to it was handled by
// a committed batch). No row means no batch changed a row yet.
func JournalLast(d Dialect, j state.Journal) Statement {
	keys := make([]string, len(j.Key))
	desc := make([]string, len(j.Key))
	for i, k := range j.Key {
		keys[i] = "j." + d.Quote(k)
		desc[i] = keys[i] + " DESC"
	}
	return Statement{SQL: fmt.Sprintf("SELECT %s FROM %s j %s", strings.Join(keys, ", "), d.JournalTable(j.Schema, j.ID), firstRow(d, strings.Join(desc, ", "), 0))}
}

// JournalLastIn is JournalLast within one lane of a batched change (one
// key column): the greatest journaled key after lo (nil: none) up to upto
// (nil: no end), where that lane carries on.
func JournalLastIn(d Dialect, j state.Journal, lo, upto any) Statement {
	k := "j." + d.Quote(j.Key[0])
	a := &args{d: d}
	var conds []string
	if lo != nil {
		conds = append(conds, k+" > "+a.add(lo))
	}
	if upto != nil {
		conds = append(conds, k+" <= "+a.add(upto))
	}
	return Statement{SQL: fmt.Sprintf("SELECT %s FROM %s j%s %s", k, d.JournalTable(j.Schema, j.ID), whereOf(strings.Join(conds, " AND ")), firstRow(d, k+" DESC", 0)), Args: a.vals}
}

// journalIndex names the index on a batched journal's key columns
// (unqualified, as CREATE INDEX wants it).
func journalIndex(d Dialect, schema, id string) string {
	idx := d.JournalTable(schema, id+"_k")
	if i := strings.LastIndex(idx, "."); i >= 0 {
		idx = idx[i+1:]
	}
	return idx
}

// JournalIndex returns the statement that indexes journal j on its key
// columns, which the batches' joins and bounds look rows up by.
func JournalIndex(d Dialect, j state.Journal) Statement {
	return Statement{Role: RoleJournal, DDL: true, SQL: fmt.Sprintf("CREATE INDEX %s ON %s (%s)",
		journalIndex(d, j.Schema, j.ID), d.JournalTable(j.Schema, j.ID), strings.Join(quoteAll(d, j.Key), ", "))}
}

// ApplySetup returns the statements that prepare a batched change: the
// journal schema and catalog, the empty journal table and, where the
// batches join it (every database but PostgreSQL), its key index. They
// are DDL; where DDL is transactional they run in the first batch's
// transaction.
func ApplySetup(d Dialect, schema, id string, m *planner.Mutation) ([]Statement, error) {
	all, err := Apply(d, schema, id, m)
	if err != nil {
		return nil, err
	}
	var out []Statement
	for _, s := range all {
		if s.DDL {
			out = append(out, s)
		}
	}
	if !BoundInBatch(d) {
		out = append(out, JournalIndex(d, m.Journal(id, schema)))
	}
	return out, nil
}

// ApplyBatch returns the statements that journal and change the rows of
// m's selection whose key is in r, in order, inside the batch's
// transaction; the mutation's affected-row count is the batch's rows.
// Dialects whose batches find their own end (BoundInBatch) use
// ApplyBatchNext instead.
func ApplyBatch(d Dialect, schema, id string, m *planner.Mutation, r KeyRange) ([]Statement, error) {
	if BoundInBatch(d) {
		return nil, fmt.Errorf("sqlgen: %s batches find their own end (ApplyBatchNext)", d.Name())
	}
	j := d.JournalTable(schema, id)
	t := d.Table(m.Table)
	keyNames := names(m.Key)
	on := keyJoin(d, keyNames, "t", "j")
	a := &args{d: d}
	sel, head, err := batchRead(d, j, m, a)
	if err != nil {
		return nil, err
	}
	w := where(d, m, a)
	if rc := rangeCond(d, "t", keyNames, r, a); rc != "" {
		w += " AND " + rc
	}
	var out []Statement
	from, suffix, _ := d.LockedRead(t, w)
	pa := &args{d: d}
	pw := where(d, m, pa)
	if rc := rangeCond(d, "t", keyNames, r, pa); rc != "" {
		pw += " AND " + rc
	}
	if _, _, pre := d.LockedRead(t, pw); pre != "" {
		out = append(out, Statement{Role: RoleJournal, SQL: pre, Args: pa.vals})
	}
	out = append(out, Statement{Role: RoleJournal, SQL: fmt.Sprintf("%s SELECT %s FROM %s WHERE %s%s", head, sel, from, w, suffix), Args: a.vals})
	ja := &args{d: d}
	jr := rangeCond(d, "j", keyNames, r, ja)
	switch m.Op {
	case planner.OpUpdate:
		cond := jr
		if jr != "" { // both sides: each key index reads the batch's range only
			cond += " AND " + rangeCond(d, "t", keyNames, r, ja)
		}
		out = append(out, Statement{Role: RoleMutation, Args: ja.vals, SQL: d.UpdateJoin(t, j, d.Quote(m.Column.Name), "j."+d.Quote(AfterCol)+keep(d, m.Kept()), on, cond)})
	case planner.OpDelete:
		src := j
		if jr != "" {
			src = fmt.Sprintf("(SELECT * FROM %s j WHERE %s)", j, jr)
		}
		out = append(out, Statement{Role: RoleMutation, Args: ja.vals, SQL: d.DeleteJoin(t, src, quoteAll(d, keyNames))})
	}
	return out, nil
}

// batchRead renders what a batch reads of each row of m's selection (the
// key, the old and the new value of an update; the whole row of a
// delete) and the head of the journal insert that takes it.
func batchRead(d Dialect, j string, m *planner.Mutation, a *args) (sel, head string, err error) {
	switch m.Op {
	case planner.OpUpdate:
		set, err := updateSet(d, m, a)
		if err != nil {
			return "", "", err
		}
		if BoundInBatch(d) && !strings.Contains(set, "t.") && m.Column.Type != "" {
			// A NULL or a literal is of unknown type, which a CTE's
			// output makes text: the journal insert and the UPDATE would
			// refuse it for a column of another type (integer, enum).
			set = fmt.Sprintf("CAST(%s AS %s)", set, m.Column.Type)
		}
		return fmt.Sprintf("%s, t.%s AS %s, %s AS %s", strings.Join(qualify(d, "t", m.Key), ", "), d.Quote(m.Column.Name), d.Quote(BeforeCol), set, d.Quote(AfterCol)),
			journalHead(d, j, m), nil
	case planner.OpDelete:
		return "t.*", journalHead(d, j, m), nil
	}
	return "", "", fmt.Errorf("sqlgen: %s changes do not run in batches", m.Op)
}

// BoundInBatch reports whether the dialect's batches are one statement
// each that journals, changes and finds its own end (ApplyBatchNext)
// instead of asking BatchBound first: PostgreSQL, whose data-modifying
// CTEs read the batch's rows in key order with a LIMIT and return the
// last key changed.
func BoundInBatch(d Dialect) bool { return d.Name() == "postgres" }

// NextRange is where a batch of ApplyBatchNext reads: after Lo, the last
// key of the batch before (nil for the first batch), or, for a first
// batch, from From on (key >= From, one key column; nil: from the first
// key); and up to Upto (key <= Upto, one key column) where it is set, the
// end of a lane (a part of the key range that batches of its own work on
// beside the others).
type NextRange struct {
	Lo   []any
	From any
	Upto any
}

// ApplyBatchNext returns the one statement of a batch on a dialect whose
// batches find their own end (BoundInBatch): it journals and changes the
// first n rows of m's selection in range r, in key order, and returns one
// row: the rows changed, the rows read, and the key columns of the last
// row read (NULLs when it read none). A batch that read fewer than n rows
// was the last of its range; otherwise the next starts after the returned
// key. Unlike BatchBound's window-row batches, a batch here counts the
// rows it changes, so a window of which the selection takes few rows
// needs few batches, and the key index is walked once.
//
// The rows are read without a lock and changed by their address, each
// only where it is still the version read (a row another transaction
// changed in between is left alone, and counts as read, not changed);
// the journal takes the UPDATE's (DELETE's) RETURNING. Each row is thus
// locked and written once, by the UPDATE itself, and found again by its
// address instead of through the key index (a partitioned table's rows
// through each partition's key index over the batch's key range, then by
// address): TestBatchLeavesRowChangedMeanwhile and
// TestBatchPartitionedRowAddresses (providers/postgres) hold it to that.
//
// r.From is the window's smallest key where the stale check read it,
// which spares the first batch the walk over the keys before the window.
func ApplyBatchNext(d Dialect, schema, id string, m *planner.Mutation, r NextRange, n int64) (Statement, error) {
	s, _, err := ApplyBatchNextDelta(d, schema, id, m, r, n, "")
	return s, err
}

// ApplyBatchNextDelta is ApplyBatchNext whose row also carries, after the
// last key, the move of label metric family over the rows the batch
// changes (LabelDelta over the rows it journals): cols figures, which
// added up over every batch of a change and to the figures before it give
// the figures after it, without reading the journal again. cols is 0
// where family is "" or LabelDelta has no query for it.
func ApplyBatchNextDelta(d Dialect, schema, id string, m *planner.Mutation, r NextRange, n int64, family string) (s Statement, cols int, err error) {
	if !BoundInBatch(d) {
		return Statement{}, 0, fmt.Errorf("sqlgen: %s batches ask for their bound first (BatchBound)", d.Name())
	}
	j := d.JournalTable(schema, id)
	keyNames := names(m.Key)
	qkeys := qualify(d, "t", m.Key)
	keys := strings.Join(qkeys, ", ")
	jkeys := make([]string, len(keyNames))
	desc := make([]string, len(keyNames))
	for i, k := range keyNames {
		jkeys[i] = "j." + d.Quote(k)
		desc[i] = jkeys[i] + " DESC"
	}
	a := &args{d: d}
	head := journalHead(d, j, m)
	w := where(d, m, a)
	start := func() string { // the batch's lower bound, "" for none
		switch {
		case r.Lo != nil:
			return rangeCond(d, "t", keyNames, KeyRange{Lo: r.Lo}, a)
		case r.From != nil && len(keyNames) == 1:
			return rowValues(d, "t", keyNames, []any{r.From}, ">=", a)
		}
		return ""
	}
	if s := start(); s != "" {
		w += " AND " + s
	}
	if r.Upto != nil && len(keyNames) == 1 {
		w += " AND " + rowValues(d, "t", keyNames, []any{r.Upto}, "<=", a)
	}
	// A partitioned table's rows are found by address through its
	// partitions' key indexes over the batch's key range (after lo, up to
	// the last key read: an InitPlan the indexes take as their bound),
	// where PostgreSQL would otherwise scan every partition whole to join
	// them by address.
	var bound string
	if m.Partitioned {
		last := fmt.Sprintf("(SELECT %s FROM j ORDER BY %s LIMIT 1)", strings.Join(jkeys, ", "), strings.Join(desc, ", "))
		bound = fmt.Sprintf("%s <= %s", qkeys[0], last)
		if len(qkeys) > 1 {
			bound = fmt.Sprintf("(%s) <= %s", keys, last)
		}
		if s := start(); s != "" {
			bound = s + " AND " + bound
		}
	}
	ctes, err := byAddress(d, m, w, n, bound, a)
	if err != nil {
		return Statement{}, 0, err
	}
	// The label metric's move over the batch's changed rows: one row of
	// figures, after the last key.
	out, moved := "l.*", ""
	if family != "" {
		if q, n, unchanged, ok := labelDelta(d, m, family, "u", a); ok && !unchanged {
			out, moved, cols = "l.*, moved.*", " CROSS JOIN ("+q+") AS moved", n
		}
	}
	return Statement{Role: RoleMutation, Args: a.vals, SQL: fmt.Sprintf(
		"WITH %s, ins AS (%s SELECT * FROM u) SELECT (SELECT COUNT(*) FROM u), (SELECT COUNT(*) FROM j), %s FROM (SELECT 1) AS one LEFT JOIN (SELECT %s FROM j ORDER BY %s LIMIT 1) AS l ON true%s",
		ctes, head, out, strings.Join(jkeys, ", "), strings.Join(desc, ", "), moved)}, cols, nil
}

// The columns of a batch's read (ApplyBatchNext) that hold a row's
// address on PostgreSQL.
const (
	relCol = "anomgen_rel"
	tidCol = "anomgen_tid"
)

// byAddress renders the CTEs of a statement that journals and changes
// rows by their address (ApplyBatchNext, applyByAddress): j, the rows of
// m's table that w selects (the first n in key order where n > 0), read
// once without a lock, with their address and their key; u, what the
// change of those rows returns for the journal (key, old value, value
// stored; a deleted row whole).
//
// The change takes a row only where it still is the version read: under
// READ COMMITTED a row that another transaction changed after the read
// is re-checked in its new version, whose address differs, so it is left
// as it is and out of the journal, instead of getting a value computed
// from, and a before-image of, the version it replaced. Its own row lock
// is the only one taken, and the journal takes what the statement
// returns: the old value read, and the value stored (after any BEFORE
// trigger).
//
// A table whose rows all live in it (not m.Partitioned) is read and
// changed ONLY in itself, its rows found by one TID scan over the array
// of their addresses (ctid), the new value computed over the row itself
// (Batchable's kinds read nothing else), and the journal's rows paired by
// key: a TID scan per row joined to the read costs about 70 % more. The
// rows of a partitioned table or of a parent of legacy inheritance are
// spread over several relations, where a ctid is unique within one only:
// they are joined to the read by relation and ctid, bound (the batch's
// key range, "" for none) narrowing the table's side.
func byAddress(d Dialect, m *planner.Mutation, w string, n int64, bound string, a *args) (string, error) {
	t := d.Table(m.Table)
	qkeys := qualify(d, "t", m.Key)
	keys := strings.Join(qkeys, ", ")
	order := ""
	if n > 0 {
		order = fmt.Sprintf(" ORDER BY %s LIMIT %d", keys, n)
	}
	tid := d.Quote(tidCol)
	if !m.Partitioned {
		read := keys
		if m.Op == planner.OpUpdate {
			read += fmt.Sprintf(", t.%s AS %s", d.Quote(m.Column.Name), d.Quote(BeforeCol))
		}
		j := fmt.Sprintf("j AS (SELECT t.ctid AS %s, %s FROM ONLY %s t WHERE %s%s)", tid, read, t, w, order)
		found := fmt.Sprintf("t.ctid = ANY (ARRAY(SELECT j.%s FROM j))", tid)
		if m.Op != planner.OpUpdate {
			return fmt.Sprintf("%s, u AS (DELETE FROM ONLY %s AS t WHERE %s RETURNING t.*)", j, t, found), nil
		}
		set, err := updateSet(d, m, a)
		if err != nil {
			return "", err
		}
		col := d.Quote(m.Column.Name)
		jk := make([]string, len(m.Key))
		on := make([]string, len(m.Key))
		for i, k := range m.Key {
			q := d.Quote(k.Name)
			jk[i] = "j." + q
			on[i] = fmt.Sprintf("c.%s = j.%s", q, q)
		}
		return fmt.Sprintf("%s, c AS (UPDATE ONLY %s AS t SET %s = %s%s WHERE %s RETURNING %s, t.%s AS %s), u AS (SELECT %s, j.%s, c.%s FROM c JOIN j ON %s)",
			j, t, col, set, keep(d, m.Kept()), found, keys, col, d.Quote(AfterCol),
			strings.Join(jk, ", "), d.Quote(BeforeCol), d.Quote(AfterCol), strings.Join(on, " AND ")), nil
	}
	sel, _, err := batchRead(d, "", m, a)
	if err != nil {
		return "", err
	}
	if m.Op != planner.OpUpdate {
		sel = keys
	}
	j := fmt.Sprintf("j AS (SELECT t.tableoid AS %s, t.ctid AS %s, %s FROM %s t WHERE %s%s)", d.Quote(relCol), tid, sel, t, w, order)
	same := fmt.Sprintf("t.tableoid = j.%s AND t.ctid = j.%s", d.Quote(relCol), tid)
	if bound != "" {
		same += " AND " + bound
	}
	if m.Op != planner.OpUpdate {
		return fmt.Sprintf("%s, u AS (DELETE FROM %s AS t USING j AS j WHERE %s RETURNING t.*)", j, t, same), nil
	}
	jkeys := make([]string, len(m.Key))
	for i, k := range m.Key {
		jkeys[i] = "j." + d.Quote(k.Name)
	}
	col := d.Quote(m.Column.Name)
	return fmt.Sprintf("%s, u AS (%s RETURNING %s, j.%s, t.%s AS %s)", j,
		d.UpdateJoin(t, "j", col, "j."+d.Quote(AfterCol)+keep(d, m.Kept()), same, ""),
		strings.Join(jkeys, ", "), d.Quote(BeforeCol), col, d.Quote(AfterCol)), nil
}

// journalHead is the head of the insert of a change's journal rows into
// journal table j: "INSERT INTO j (key..., before, after)" for an update,
// "INSERT INTO j" (whole rows) for a delete.
func journalHead(d Dialect, j string, m *planner.Mutation) string {
	if m.Op != planner.OpUpdate {
		return "INSERT INTO " + j
	}
	cols := append(quoteAll(d, names(m.Key)), d.Quote(BeforeCol), d.Quote(AfterCol))
	return fmt.Sprintf("INSERT INTO %s (%s)", j, strings.Join(cols, ", "))
}

// ByAddress reports whether a one-transaction change of m can journal and
// change its rows in one statement by their address (ApplyWindow): on
// PostgreSQL, for the changes that can run in batches, of a table whose
// rows all live in it (a partitioned table's rows would be found by
// address only by scanning every partition).
func ByAddress(d Dialect, m *planner.Mutation) bool {
	return BoundInBatch(d) && !m.Partitioned && Batchable(d, m)
}

// ByAddressRows is the largest window a one-transaction change journals
// and changes in one statement by address (ApplyWindow), the size of a
// default batch: larger windows (batch_rows = 0) keep the locking read
// and the join to the journal, which an earlier one-statement form (a CTE
// joined by key) did not beat over 300,000 rows; this one was not
// measured at that size.
const ByAddressRows = 10000

// ApplyWindow is Apply for a change whose window holds windowRows rows
// (-1: not counted): a change ByAddress takes, whose window holds at most
// ByAddressRows rows, is journaled and changed in one statement by
// address (applyByAddress) after Apply's DDL; any other gets Apply's
// statements.
func ApplyWindow(d Dialect, schema, id string, m *planner.Mutation, windowRows int64) ([]Statement, error) {
	stmts, err := Apply(d, schema, id, m)
	if err != nil || !ByAddress(d, m) || windowRows < 0 || windowRows > ByAddressRows {
		return stmts, err
	}
	var out []Statement
	for _, s := range stmts {
		if s.DDL {
			out = append(out, s)
		}
	}
	s, err := applyByAddress(d, d.JournalTable(schema, id), m)
	return append(out, s), err
}

// applyByAddress renders the one statement of a one-transaction change
// that ApplyWindow takes by address: it reads the selection's rows unlocked with their
// address, changes each where it is still the version read, and inserts
// what the change returns into the journal j, as a batch does
// (ApplyBatchNext) but over the whole window. Its affected-row count, the
// journal rows inserted, is the rows changed. Against a locking read
// followed by an UPDATE joined to the journal by key, each row is locked
// and written once, and found again by its address instead of by a join.
func applyByAddress(d Dialect, j string, m *planner.Mutation) (Statement, error) {
	a := &args{d: d}
	ctes, err := byAddress(d, m, where(d, m, a), 0, "", a)
	if err != nil {
		return Statement{}, err
	}
	return Statement{Role: RoleMutation, Args: a.vals, SQL: fmt.Sprintf("WITH %s %s SELECT * FROM u", ctes, journalHead(d, j, m))}, nil
}

// RollbackBatch returns the restore of the journal rows of j whose key is
// in r: the rows that still hold the injected value (deleted rows that
// are still absent) get their before-image back. It is Rollback.Restore
// without force, narrowed to r; the conflict count runs once after the
// last batch.
func RollbackBatch(d Dialect, j state.Journal, r KeyRange) []Statement {
	jt := d.JournalTable(j.Schema, j.ID)
	t := d.Table(planner.TableName{Schema: j.TableSchema, Name: j.Table})
	on := keyJoin(d, j.Key, "t", "j")
	a := &args{d: d}
	switch j.Op {
	case string(planner.OpUpdate):
		col := d.Quote(j.Column)
		cond := d.NotDistinct("t."+col, "j."+d.Quote(AfterCol))
		if rc := rangeCond(d, "j", j.Key, r, a); rc != "" {
			cond += " AND " + rc + " AND " + rangeCond(d, "t", j.Key, r, a) // both sides: each key index reads the range only
		}
		return []Statement{{Role: RoleRestore, Args: a.vals, SQL: d.UpdateJoin(t, jt, col, "j."+d.Quote(BeforeCol)+keep(d, j.Keep), on, cond)}}
	case string(planner.OpDelete):
		present := fmt.Sprintf("EXISTS (SELECT 1 FROM %s t WHERE %s)", t, on)
		cols := quoteAll(d, j.Columns)
		jcols := make([]string, len(cols))
		for i, c := range cols {
			jcols[i] = "j." + c
		}
		w := "NOT " + present
		if rc := rangeCond(d, "j", j.Key, r, a); rc != "" {
			w = rc + " AND " + w
		}
		return []Statement{{Role: RoleRestore, Args: a.vals, SQL: restoreInsert(d, t, cols, true,
			fmt.Sprintf("SELECT %s FROM %s j WHERE %s", strings.Join(jcols, ", "), jt, w))}}
	}
	return nil
}

// BatchRollbackable reports whether journal j is restored in batches: an
// update of one column or a delete, written by a batched change (its
// journal has the key index the batches look rows up by).
func BatchRollbackable(j state.Journal) bool {
	return (j.Op == string(planner.OpUpdate) && j.With == "" && j.Column != "") || j.Op == string(planner.OpDelete)
}
