package conformance

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// RentalBackend is one database for RunRentalShop.
type RentalBackend struct {
	// Name is the source type ("postgres", "mysql").
	Name string
	// New makes a fresh, empty database: the source block (labelled
	// source "<Name>" "db") and an open handle.
	New     func(t *testing.T) (src string, db *sql.DB)
	Schema  []string
	Dialect sqlgen.Dialect
	// Triggers is the triggers attribute of the targets whose last_update
	// a trigger sets, other than store ("" leaves it out). store keeps the
	// default ("refuse"), so that refusals naming a trigger are exercised.
	Triggers string
	// TextType is a text type for schema_change_type and schema_add_column.
	TextType string
	// SchemaQuery lists the rental shop's definition, one text a row:
	// columns (type, NOT NULL, default), constraints, indexes, triggers.
	// A rollback must leave it as it was (PostgreSQL lists columns without
	// their position: a dropped column comes back last there).
	SchemaQuery string
}

// RentalSchemaPostgres is the SchemaQuery of PostgreSQL.
const RentalSchemaPostgres = `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '-')
	FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL SELECT tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1`

// RentalSchemaMySQL is the SchemaQuery of MySQL and MariaDB.
const RentalSchemaMySQL = `SELECT CONCAT_WS(' ', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, '-'), EXTRA, COALESCE(GENERATION_EXPRESSION, '-'))
	FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL SELECT CONCAT_WS(' ', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL SELECT CONCAT_WS(' ', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()
UNION ALL SELECT CONCAT_WS(' ', CONSTRAINT_NAME, CHECK_CLAUSE) FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
UNION ALL SELECT CONCAT_WS(' ', EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
ORDER BY 1`

// rentalTargets are the rental shop's targets: tables with a time column
// get windows, the others change whole tables.
var rentalTargets = []struct{ table, time string }{
	{"store", ""}, {"customer", "create_date"}, {"film", ""}, {"inventory", ""}, {"rental", "rental_date"}, {"payment", "payment_date"},
}

// rentalSegments is a segment block per table, for kinds whose catalog
// example has one.
var rentalSegments = map[string]string{
	"store": `city`, "customer": `store_id`, "film": `rating`, "inventory": `store_id`, "rental": `channel`, "payment": `staff_id`,
}

var rentalSegmentValues = map[string]string{
	"store": `["Woodridge"]`, "customer": `["1"]`, "film": `["PG"]`, "inventory": `["1"]`, "rental": `["web"]`, "payment": `["1"]`,
}

// RunRentalShop enumerates every kind of the catalog (planner.Kinds) ×
// every column of each rental-shop table it suits (once per table for
// kinds without a column), on one database, one pair after the other:
//
//   - a pair that plan (with its count) accepts must apply, and roll back
//     to a table whose checksum over every table is the one before (row
//     values compared by column name: a dropped column comes back last on
//     PostgreSQL), with its journal gone;
//   - a pair that plan refuses must say why in a diagnostic that names the
//     table, the column, a constraint, an index or a trigger.
//
// Triggers: rental, customer, film and inventory set last_update from a
// trigger on every update. On PostgreSQL their targets say triggers =
// "disable" (anomgen switches the triggers off inside its transactions),
// so rollbacks are byte-identical; "ignore" would let the triggers rewrite
// last_update, which no journal restores. On MariaDB those tables use ON
// UPDATE CURRENT_TIMESTAMP instead, which anomgen keeps unchanged, and
// triggers cannot be switched off in a transaction. store keeps the
// default on both: plan refuses what would fire its trigger.
//
// Arguments come from each kind's catalog example (strength, layouts,
// factors), with those that name the demo shop's data replaced by the
// rental shop's: column, with, from/to (two values the column holds),
// new_name, new_type, name/type, and the segment.
func RunRentalShop(t *testing.T, b RentalBackend) {
	ctx := context.Background()
	src, db := b.New(t)
	for _, s := range b.Schema {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("rental shop schema: %v\n%s", err, s)
		}
	}
	var targets strings.Builder
	for _, tg := range rentalTargets {
		fmt.Fprintf(&targets, "target %q {\n  source = source.%s.db\n  table  = %q\n", tg.table, b.Name, tg.table)
		if tg.time != "" {
			fmt.Fprintf(&targets, "  time_column = %q\n", tg.time)
		}
		if b.Triggers != "" && tg.table != "store" {
			fmt.Fprintf(&targets, "  triggers = %q\n", b.Triggers)
		}
		targets.WriteString("}\n")
	}
	head := src + targets.String()
	dir := t.TempDir()
	load := func(text string) (*config.Config, hcl.Diagnostics) {
		cfg, diags := config.LoadFiles(dir, map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(text)}, config.Options{Getenv: func(string) string { return "" }})
		if diags.HasErrors() {
			return nil, diags
		}
		return cfg, append(diags, planner.Validate(cfg)...)
	}
	base, diags := load(head)
	if diags.HasErrors() {
		t.Fatalf("rental targets: %s", diags.Error())
	}
	e := executor.New(base)
	if err := e.Open(ctx, []string{base.Sources[0].Addr()}); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	profiles := map[string]*planner.TableProfile{}
	for _, tg := range base.Targets {
		p, err := e.Conn(tg.Source.Addr()).Inspector.Profile(ctx, tg.Table, tg.TimeColumn)
		if err != nil {
			t.Fatalf("profile of %s: %v", tg.Table, err)
		}
		profiles[tg.Name] = p
	}
	journal := journalSch
	if m := journalSchemaAttr.FindStringSubmatch(src); m != nil {
		journal = m[1]
	}
	before := rentalChecksums(t, db)
	schemaBefore := rentalSchema(t, db, b.SchemaQuery)
	statePath := filepath.Join(dir, "state.json")
	save := func(st *state.State) error { return state.Save(statePath, st) }

	var applied, refused, pairs int
	start := time.Now()
	for _, tg := range rentalTargets {
		prof := profiles[tg.table]
		for _, k := range planner.Kinds() {
			var cols []*planner.Column
			if k.NeedsColumn {
				for i := range prof.Columns {
					if ok, _ := k.Suits(prof.Columns[i]); ok {
						cols = append(cols, &prof.Columns[i])
					}
				}
			} else {
				cols = []*planner.Column{nil}
			}
			for _, c := range cols {
				pairs++
				name := tg.table
				if c != nil {
					name += "_" + c.Name
				}
				addr := fmt.Sprintf("anomaly.%s.%s", k.Name, name)
				block := rentalBlock(t, db, b, k, tg.table, tg.time != "", prof, c, name)
				why := func(what, msg string) {
					refused++
					t.Logf("%s refused at %s: %s", addr, what, msg)
					// The address names the table by construction: it does
					// not count.
					if !namesReason(strings.ReplaceAll(msg, addr, "ANOMALY"), prof, c) {
						t.Errorf("%s refused at %s without naming the table, column, constraint, index or trigger:\n%s\n%s", addr, what, msg, block)
					}
				}
				cfg, diags := load(head + block)
				if diags.HasErrors() {
					why("load", diagText(diags))
					continue
				}
				st := state.New()
				p, diags := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: providertest.RentalNow, Only: []string{addr}})
				if diags.HasErrors() {
					why("plan", diagText(diags))
					continue
				}
				pe := executor.New(cfg)
				if err := pe.Open(ctx, []string{cfg.Sources[0].Addr()}); err != nil {
					t.Fatal(err)
				}
				if err := pe.Count(ctx, p); err != nil {
					pe.Close()
					why("count", err.Error())
					continue
				}
				if _, err := pe.Apply(ctx, p, st, save); err != nil {
					pe.Close()
					t.Errorf("%s: plan accepted it (%s), apply failed: %v\n%s", addr, rowsOf(p), err, block)
					// Put back whatever the failure left, so that the next
					// pairs start from the same tables.
					if st.Get(addr) != nil {
						rollbackRental(ctx, t, cfg, st, save, addr)
					}
					continue
				}
				applied++
				t.Logf("%s applied (%s rows) and rolled back", addr, rowsOf(p))
				rp, diags := planner.Make(planner.Input{Config: cfg, State: st, Now: providertest.RentalNow, Only: []string{addr}, Destroy: true})
				if diags.HasErrors() {
					t.Fatalf("%s: rollback plan: %s", addr, diagText(diags))
				}
				if _, err := pe.Apply(ctx, rp, st, save); err != nil {
					t.Errorf("%s: rollback failed: %v", addr, err)
					pe.Force = true // leave the tables as they were for the next pairs
					if rp, diags = planner.Make(planner.Input{Config: cfg, State: st, Now: providertest.RentalNow, Only: []string{addr}, Destroy: true}); !diags.HasErrors() {
						_, _ = pe.Apply(ctx, rp, st, save)
					}
				}
				pe.Close()
				after := rentalChecksums(t, db)
				for _, tb := range providertest.RentalTables {
					if after[tb.Name] != before[tb.Name] {
						t.Errorf("%s: after rollback %s differs from before (%s rows changed by the apply)", addr, tb.Name, rowsOf(p))
					}
				}
				before = after // one difference is reported once
				if s := rentalSchema(t, db, b.SchemaQuery); s != schemaBefore {
					t.Errorf("%s: after rollback the schema differs from before:\n%s", addr, providertest.DiffLines(schemaBefore, s))
					schemaBefore = s
				}
				if n := countRows(t, db, b.Dialect.CatalogTable(journal)); n != 0 {
					t.Errorf("%s: %d journals left in the catalog after rollback", addr, n)
				}
			}
		}
	}
	t.Logf("rental shop on %s: %d kind × column pairs: %d applied and rolled back byte-identical, %d refused with a reason (%s)",
		b.Name, pairs, applied, refused, time.Since(start).Round(time.Millisecond))
}

func rowsOf(p *planner.Plan) string {
	var parts []string
	for _, ch := range p.Changes {
		parts = append(parts, fmt.Sprintf("%d of %d", ch.Rows, ch.WindowRows))
	}
	return strings.Join(parts, ", ")
}

func rollbackRental(ctx context.Context, t *testing.T, cfg *config.Config, st *state.State, save executor.Save, addr string) {
	e := executor.New(cfg)
	defer e.Close()
	if err := e.Open(ctx, []string{cfg.Sources[0].Addr()}); err != nil {
		t.Fatal(err)
	}
	rp, diags := planner.Make(planner.Input{Config: cfg, State: st, Now: providertest.RentalNow, Only: []string{addr}, Destroy: true})
	if diags.HasErrors() {
		t.Fatalf("%s: rollback plan: %s", addr, diagText(diags))
	}
	if _, err := e.Apply(ctx, rp, st, save); err != nil {
		t.Fatalf("%s: rollback after a failed apply: %v", addr, err)
	}
}

func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			parts = append(parts, d.Summary+": "+d.Detail)
		}
	}
	return strings.Join(parts, "; ")
}

// namesReason reports whether a refusal names what it is about: the table,
// the column, or one of the table's constraints, indexes or triggers.
func namesReason(msg string, p *planner.TableProfile, c *planner.Column) bool {
	if strings.TrimSpace(msg) == "" {
		return false
	}
	names := []string{p.Table.Name}
	if c != nil {
		names = append(names, c.Name)
	}
	for _, u := range p.Unique {
		names = append(names, u.Name)
	}
	for _, r := range p.References {
		names = append(names, r.Name)
	}
	for _, f := range p.ReferencedBy {
		names = append(names, f.Name)
	}
	for _, tr := range p.Triggers {
		names = append(names, tr.Name)
	}
	for _, n := range names {
		if n != "" && strings.Contains(msg, n) {
			return true
		}
	}
	return false
}

// rentalBlock writes the anomaly block of kind k on table (and column c):
// the catalog example's arguments, with those about the demo shop's data
// replaced.
func rentalBlock(t *testing.T, db *sql.DB, b RentalBackend, k *planner.Kind, table string, hasTime bool, p *planner.TableProfile, c *planner.Column, name string) string {
	attrs, segment := exampleArgs(t, k)
	set := func(n, v string) { attrs[n] = v }
	if c != nil {
		set("column", fmt.Sprintf("%q", c.Name))
		if _, ok := attrs["with"]; ok || k.Param("with") != nil && k.Param("with").Required {
			set("with", fmt.Sprintf("%q", swapPartner(p, c)))
		}
		if _, ok := attrs["from"]; ok {
			vals := commonValues(t, db, b.Dialect, table, c.Name, 2)
			for len(vals) < 2 {
				vals = append(vals, "none")
			}
			set("from", fmt.Sprintf("%q", vals[0]))
			set("to", fmt.Sprintf("%q", vals[1]))
		}
		if _, ok := attrs["new_name"]; ok {
			set("new_name", fmt.Sprintf("%q", c.Name+"_renamed"))
		}
		if _, ok := attrs["new_type"]; ok {
			set("new_type", fmt.Sprintf("%q", b.TextType))
		}
	}
	if _, ok := attrs["name"]; ok {
		set("name", `"coupon"`)
		set("type", fmt.Sprintf("%q", b.TextType))
	}
	delete(attrs, "target")
	var sb strings.Builder
	fmt.Fprintf(&sb, "anomaly %q %q {\n  target = target.%s\n", k.Name, name, table)
	keys := make([]string, 0, len(attrs))
	for n := range attrs {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		fmt.Fprintf(&sb, "  %s = %s\n", n, attrs[n])
	}
	if segment {
		fmt.Fprintf(&sb, "  segment {\n    column = %q\n    values = %s\n  }\n", rentalSegments[table], rentalSegmentValues[table])
	}
	if hasTime && !k.NoWindow {
		sb.WriteString("  window {\n    last = \"14d\"\n  }\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

var exampleComment = regexp.MustCompile(`(?m)\s*#.*$`)

// exampleArgs returns the attributes of k's catalog example (name → source
// text) and whether it has a segment block; window blocks are left out.
func exampleArgs(t *testing.T, k *planner.Kind) (map[string]string, bool) {
	src := []byte(k.Example)
	f, diags := hclsyntax.ParseConfig(src, k.Name+".hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("example of %s: %s", k.Name, diags.Error())
	}
	out := map[string]string{}
	segment := false
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		for n, a := range blk.Body.Attributes {
			r := a.Expr.Range()
			out[n] = exampleComment.ReplaceAllString(string(src[r.Start.Byte:r.End.Byte]), "")
		}
		for _, inner := range blk.Body.Blocks {
			segment = segment || inner.Type == "segment"
		}
	}
	return out, segment
}

// swapPartner is another column of p of c's class, outside the key and
// not generated, or c itself (plan then refuses it, naming why).
func swapPartner(p *planner.TableProfile, c *planner.Column) string {
	for _, o := range p.Columns {
		if o.Name != c.Name && o.Class == c.Class && !o.Generated && !containsName(p.PrimaryKey, o.Name) && strings.EqualFold(o.Type, c.Type) {
			return o.Name
		}
	}
	return c.Name
}

func containsName(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// commonValues returns up to n of the commonest non-NULL values of a
// column, as text.
func commonValues(t *testing.T, db *sql.DB, d sqlgen.Dialect, table, col string, n int) []string {
	q := fmt.Sprintf("SELECT %s, COUNT(*) FROM %s WHERE %s IS NOT NULL GROUP BY %s ORDER BY 2 DESC, 1", d.Quote(col), d.Quote(table), d.Quote(col), d.Quote(col))
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() && len(out) < n {
		var v sql.NullString
		var cnt int64
		if err := rows.Scan(&v, &cnt); err != nil {
			t.Fatal(err)
		}
		out = append(out, v.String)
	}
	return out
}

func countRows(t *testing.T, db *sql.DB, table string) int64 {
	var n int64
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		return 0 // no catalog yet
	}
	return n
}

var checksumReads int

// rentalSchema reads the schema description of query as one text.
func rentalSchema(t *testing.T, db *sql.DB, query string) string {
	if query == "" {
		return ""
	}
	checksumReads++
	rows, err := db.Query(fmt.Sprintf("%s /* %d */", query, checksumReads))
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s.String + "\n")
	}
	return b.String()
}

// rentalChecksums hashes every rental-shop table, row by row in key order,
// each row's values by column name (so that a column brought back at
// another position compares equal).
func rentalChecksums(t *testing.T, db *sql.DB) map[string]string {
	out := map[string]string{}
	for _, tb := range providertest.RentalTables {
		// A comment unique to each read keeps the driver from reusing a
		// statement prepared before a schema change.
		checksumReads++
		rows, err := db.Query(fmt.Sprintf("SELECT * FROM %s ORDER BY %s /* %d */", tb.Name, tb.Key, checksumReads))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		order := make([]int, len(cols))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(i, j int) bool { return strings.ToLower(cols[order[i]]) < strings.ToLower(cols[order[j]]) })
		h := sha256.New()
		vals, ptrs := providers.ScanSlots(len(cols))
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, i := range order {
				v := vals[i]
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC().Format(time.RFC3339Nano)
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%s=%v|", strings.ToLower(cols[i]), v)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		out[tb.Name] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}
