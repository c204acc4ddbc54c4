package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
	"github.com/hashicorp/hcl/v2"
)

// guardConfig is a scenario on a source of type db whose target says
// triggers = mode ("" leaves it out), with one anomaly block.
func guardConfig(t *testing.T, db, mode, block string) *config.Config {
	t.Helper()
	src := fmt.Sprintf("source %q \"shop\" {\n  database = \"shop\"\n}\n", db)
	if db == "sqlite" {
		src = "source \"sqlite\" \"shop\" {\n  path = \"shop.db\"\n}\n"
	}
	trig := ""
	if mode != "" {
		trig = fmt.Sprintf("  triggers    = %q\n", mode)
	}
	text := src + fmt.Sprintf("target \"orders\" {\n  source      = source.%s.shop\n  table       = \"public.orders\"\n  time_column = \"created_at\"\n%s}\n", db, trig) + block
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(text)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

var (
	touch      = Trigger{Name: "set_updated_at", Table: TableName{Schema: "public", Name: "orders"}, Timing: "BEFORE", Events: []string{"UPDATE"}, Row: true}
	touchEmail = Trigger{Name: "email_changed", Table: TableName{Schema: "public", Name: "orders"}, Timing: "AFTER", Events: []string{"UPDATE"}, Columns: []string{"email"}, Row: true}
	audit      = Trigger{Name: "audit_rows", Table: TableName{Schema: "public", Name: "orders"}, Timing: "AFTER", Events: []string{"INSERT", "DELETE"}}
	off        = Trigger{Name: "switched_off", Table: TableName{Schema: "public", Name: "orders"}, Timing: "BEFORE", Events: []string{"INSERT", "UPDATE", "DELETE"}, Row: true, Disabled: true}
	partTrig   = Trigger{Name: "part_only", Table: TableName{Schema: "public", Name: "orders_2026_01"}, Timing: "BEFORE", Events: []string{"DELETE"}, Row: true}
	cascade    = ForeignKey{Name: "items_order_fk", Table: TableName{Schema: "public", Name: "items"}, Columns: []string{"order_id"}, RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"}
	restrict   = ForeignKey{Name: "refunds_order_fk", Table: TableName{Schema: "public", Name: "refunds"}, Columns: []string{"order_email"}, RefColumns: []string{"email"}, OnDelete: "RESTRICT", OnUpdate: "CASCADE"}
	setNull    = ForeignKey{Table: TableName{Name: "notes"}, Columns: []string{"order_id"}, RefColumns: []string{"id"}, OnDelete: "SET NULL"}
)

func block(kind, attrs string) string {
	return fmt.Sprintf("anomaly %q \"a\" {\n  target = target.orders\n%s}\n", kind, attrs)
}

var (
	nullEmail   = block("null_rate", "  column = \"email\"\n")
	nullStatus  = block("null_rate", "  column = \"amount\"\n")
	dropRows    = block("volume_drop", "")
	dupRows     = block("duplicate_rows", "")
	shiftAmount = block("numeric_shift", "  column = \"amount\"\n")
	dropEmail   = block("schema_drop_column", "  column = \"email\"\n")
	renameEmail = block("schema_rename_column", "  column = \"email\"\n  new_name = \"mail\"\n")
	addCol      = block("schema_add_column", "  name = \"coupon\"\n  type = \"text\"\n")
)

// TestGuards: what each mutation refuses or lets through, per table
// feature and trigger mode. Refusals name the table, the object and the
// fix, and point at the anomaly's kind.
func TestGuards(t *testing.T) {
	nullable := func(p *TableProfile) { p.Column("amount").Nullable = true }
	cases := []struct {
		name  string
		db    string
		mode  string
		block string
		prof  func(p *TableProfile)
		// err lists what the one error's summary and detail must hold;
		// nil means no error.
		err []string
		// not lists what the error must not say.
		not []string
		// caution, when set, must be among the change's warnings.
		caution string
		// disable lists the triggers the mutation switches off.
		disable []string
	}{
		{name: "update fires BEFORE UPDATE", block: nullEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch} },
			err: []string{"anomaly.null_rate.a of public.orders would fire trigger set_updated_at", "trigger set_updated_at (BEFORE UPDATE, for each row)",
				"updates email of public.orders, and its rollback updates it back", `triggers = "ignore" on target "orders"`, `triggers = "disable"`, "target a copy of the table", "ACCESS EXCLUSIVE"}},
		{name: "update of another column than UPDATE OF", block: nullStatus, prof: func(p *TableProfile) { nullable(p); p.Triggers = []Trigger{touchEmail} }},
		{name: "update of the UPDATE OF column", block: nullEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touchEmail} },
			err: []string{"trigger email_changed (AFTER UPDATE OF email, for each row)"}},
		{name: "insert and delete triggers leave updates alone", block: shiftAmount, prof: func(p *TableProfile) { p.Triggers = []Trigger{audit} }},
		{name: "disabled triggers do not fire", block: dropRows, prof: func(p *TableProfile) { p.Triggers = []Trigger{off} }},
		{name: "delete fires a statement-level DELETE trigger", block: dropRows, prof: func(p *TableProfile) { p.Triggers = []Trigger{audit, touch} },
			err: []string{"would fire trigger audit_rows", "trigger audit_rows (AFTER INSERT OR DELETE, for each statement)", "deletes rows of public.orders, and its rollback inserts them back"}},
		{name: "insert fires INSERT and its rollback DELETE", block: dupRows, prof: func(p *TableProfile) { p.Triggers = []Trigger{audit} },
			err: []string{"inserts rows into public.orders, and its rollback deletes them"}},
		{name: "a partition's own trigger", block: dropRows, prof: func(p *TableProfile) { p.Partitioned = true; p.Triggers = []Trigger{partTrig} },
			err: []string{"trigger part_only (BEFORE DELETE, for each row, on partition public.orders_2026_01)"}},
		{name: "drop column's rollback refills with UPDATE", block: dropEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch} },
			err: []string{"its rollback adds it back and refills it with an UPDATE", "set_updated_at"}},
		{name: "rename and add fire nothing", block: renameEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch, audit} }},
		{name: "add column fires nothing", block: addCol, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch, audit} }},
		{name: "mysql names no disable", db: "mysql", block: nullEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch} },
			err: []string{`triggers = "ignore"`}, not: []string{`"disable"`, "ACCESS EXCLUSIVE"}},
		{name: "ignore lets it through with a caution", mode: "ignore", block: nullEmail, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch} },
			caution: `triggers = "ignore": this updates email of public.orders, and its rollback updates it back, which fires trigger set_updated_at (BEFORE UPDATE, for each row); rollback restores what anomgen journaled, but not what the triggers changed`},
		{name: "disable switches the firing ones off", mode: "disable", block: dropRows, prof: func(p *TableProfile) { p.Triggers = []Trigger{touch, audit, partTrig, off} },
			disable: []string{"audit_rows", "part_only"}},
		{name: "unseen triggers are a caution", db: "mysql", block: nullEmail, prof: func(p *TableProfile) { p.TriggersUnknown = "no TRIGGER privilege" },
			caution: "anomgen cannot see the triggers of public.orders (no TRIGGER privilege); if it has any on UPDATE, rollback may not undo what they change"},
		{name: "partition key update also deletes and inserts", block: nullStatus, prof: func(p *TableProfile) {
			nullable(p)
			p.Partitioned, p.PartitionKey, p.Triggers = true, []string{"amount"}, []Trigger{audit}
		}, err: []string{"amount chooses the partition, so changed rows move between partitions"}},
		{name: "partitioned table: nothing refused", block: dropRows, prof: func(p *TableProfile) { p.Partitioned, p.PartitionKey = true, []string{"created_at"} }},
		{name: "partitioned table: update", block: nullEmail, prof: func(p *TableProfile) { p.Partitioned, p.PartitionKey = true, []string{"created_at"} }},

		{name: "delete with ON DELETE CASCADE", block: dropRows, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{cascade} },
			err: []string{"anomaly.volume_drop.a deletes rows of public.orders, which public.items refer to",
				"constraint items_order_fk of public.items (order_id → id, ON DELETE CASCADE) would delete the referring rows of public.items too",
				"target a copy of public.orders that no foreign key points at"}},
		{name: "delete with RESTRICT and SET NULL", block: block("stale_data", ""), prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{restrict, setNull} },
			err: []string{"which public.refunds and notes refer to", "makes the delete fail as soon as a deleted row has referring rows in public.refunds",
				"the foreign key of notes (order_id → id, ON DELETE SET NULL) would set order_id to NULL in the referring rows of notes"}},
		{name: "sqlite delete", db: "sqlite", block: dropRows, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{setNull} },
			err: []string{"would leave rows of notes pointing at deleted rows", "does not turn foreign keys on"}},
		{name: "update of a referenced column", block: nullEmail, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{cascade, restrict} },
			err: []string{"Column email of public.orders is referenced by a foreign key of public.refunds", "constraint refunds_order_fk of public.refunds", "ON UPDATE CASCADE would rewrite the referring rows of public.refunds", "choose a column no foreign key refers to"}},
		{name: "update of an unreferenced column", block: shiftAmount, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{cascade, restrict} }},
		{name: "copies leave referenced rows alone", block: dupRows, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{cascade} }},
		{name: "drop a referenced column", block: dropEmail, prof: func(p *TableProfile) { p.ReferencedBy = []ForeignKey{restrict} },
			err: []string{"refuses to drop it or change its type"}},
		{name: "generated columns: nothing refused", block: dropRows},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := c.db
			if db == "" {
				db = "postgres"
			}
			cfg := guardConfig(t, db, c.mode, c.block)
			prof := profile()
			if c.prof != nil {
				c.prof(prof)
			}
			p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
			if c.err == nil {
				if diags.HasErrors() {
					t.Fatalf("refused: %s", diags.Error())
				}
				ch := p.Changes[0]
				if c.caution != "" && !strings.Contains(strings.Join(ch.Cautions, "\n"), c.caution) {
					t.Errorf("cautions %q lack %q", ch.Cautions, c.caution)
				}
				if c.caution == "" && len(ch.Cautions) > 0 {
					t.Errorf("unexpected cautions %q", ch.Cautions)
				}
				var got []string
				for _, tr := range ch.Mutation.DisableTriggers {
					got = append(got, tr.Name)
				}
				if strings.Join(got, ",") != strings.Join(c.disable, ",") {
					t.Errorf("disable %v, want %v", got, c.disable)
				}
				if len(c.disable) > 0 {
					if j := ch.Mutation.Journal("x", "anomgen"); j.Triggers != state.TriggersDisable {
						t.Errorf("journal triggers = %q", j.Triggers)
					}
					if !strings.Contains(fmt.Sprint(ch.Settings), "ACCESS EXCLUSIVE lock on public.orders") {
						t.Errorf("settings %v do not tell about the lock", ch.Settings)
					}
				}
				return
			}
			if len(diags) != 1 || !diags.HasErrors() {
				t.Fatalf("want one error, got %d: %s", len(diags), diags.Error())
			}
			d := diags[0]
			text := d.Summary + "\n" + d.Detail
			for _, w := range c.err {
				if !strings.Contains(text, w) {
					t.Errorf("message lacks %q:\n%s", w, text)
				}
			}
			for _, w := range c.not {
				if strings.Contains(text, w) {
					t.Errorf("message must not say %q:\n%s", w, text)
				}
			}
			if d.Subject == nil || *d.Subject != cfg.Anomalies[0].Ranges["kind"] {
				t.Errorf("the diagnostic points at %v, not the kind", d.Subject)
			}
		})
	}
}

// TestGuardsSkipNoOps: an applied anomaly whose table got a trigger since
// stays a no-op; a changed one (replace) is checked.
func TestGuardsSkipNoOps(t *testing.T) {
	cfg := guardConfig(t, "postgres", "", nullEmail)
	ch := mustPlan(t, cfg, state.New()).Changes[0]
	st := state.New()
	st.Put(&state.Anomaly{Address: ch.Address, Kind: ch.Kind, ParamsHash: ch.ParamsHash, Source: ch.Source, Target: ch.Target, Rows: 3, AppliedAt: now})
	prof := profile()
	prof.Triggers = []Trigger{touch}
	p, diags := Make(Input{Config: cfg, State: st, Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
	if diags.HasErrors() || !p.Empty() {
		t.Fatalf("an applied anomaly should stay a no-op: %s", diags.Error())
	}
	st.Anomalies[0].ParamsHash = "changed"
	if _, diags := Make(Input{Config: cfg, State: st, Profiles: map[string]*TableProfile{"orders": prof}, Now: now}); !diags.HasErrors() {
		t.Fatal("a replace must be checked")
	}
}

// TestTriggersAttribute: the target's triggers attribute takes refuse,
// ignore and disable, and disable only on PostgreSQL.
func TestTriggersAttribute(t *testing.T) {
	for _, c := range []struct{ db, mode, err string }{
		{"postgres", "refuse", ""}, {"postgres", "ignore", ""}, {"postgres", "disable", ""},
		{"mysql", "ignore", ""}, {"sqlite", "ignore", ""},
		{"postgres", "off", `triggers = "off": use "refuse"`},
		{"mysql", "disable", `works on PostgreSQL only`},
		{"sqlite", "disable", `sqlite cannot. Use triggers = "ignore" on target "orders"`},
	} {
		src := fmt.Sprintf("source %q \"shop\" {\n  database = \"shop\"\n  path = \"x.db\"\n}\n", c.db)
		text := src + fmt.Sprintf("target \"orders\" {\n  source   = source.%s.shop\n  table    = \"orders\"\n  triggers = %q\n}\n", c.db, c.mode)
		_, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(text)}, config.Options{Getenv: func(string) string { return "" }})
		var errs hcl.Diagnostics
		for _, d := range diags {
			if d.Severity == hcl.DiagError && strings.Contains(d.Summary, "riggers") {
				errs = append(errs, d)
			}
		}
		switch {
		case c.err == "" && len(errs) > 0:
			t.Errorf("%s %s: %s", c.db, c.mode, errs.Error())
		case c.err != "" && (len(errs) != 1 || !strings.Contains(errs[0].Summary+" "+errs[0].Detail, c.err)):
			t.Errorf("%s %s: want %q, got %s", c.db, c.mode, c.err, errs.Error())
		case c.err != "" && errs[0].Subject.Start.Line != 8:
			t.Errorf("%s %s: points at line %d, not the triggers attribute", c.db, c.mode, errs[0].Subject.Start.Line)
		}
	}
}
