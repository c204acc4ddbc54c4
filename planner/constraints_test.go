package planner

import (
	"slices"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/state"
)

// rentalProfile is public.rental as the rental-shop schema has it: a
// foreign key on inventory_id (declared on the table) and on customer_id
// (declared on a partition), a unique index across three columns, and
// staff_id, an integer reference without a constraint.
func rentalProfile() *TableProfile {
	return &TableProfile{
		Table: TableName{Schema: "public", Name: "orders"},
		Columns: []Column{
			{Name: "id", Type: "integer", Class: ClassInteger},
			{Name: "created_at", Type: "timestamp", Class: ClassTime},
			{Name: "inventory_id", Type: "integer", Class: ClassInteger},
			{Name: "customer_id", Type: "integer", Class: ClassInteger, Nullable: true},
			{Name: "staff_id", Type: "integer", Class: ClassInteger},
			{Name: "code", Type: "text", Class: ClassText},
			{Name: "amount", Type: "numeric(5,2)", Class: ClassDecimal},
		},
		PrimaryKey: []string{"id"},
		Rows:       1000,
		Unique:     []UniqueIndex{{Name: "orders_code_key", Columns: []string{"code"}}, {Name: "idx_unq", Columns: []string{"created_at", "inventory_id", "customer_id"}}},
		References: []Reference{
			{Name: "rental_inventory_id_fkey", Columns: []string{"inventory_id"}, Parent: TableName{Schema: "public", Name: "inventory"}, ParentColumns: []string{"inventory_id"}},
			{Name: "rental_p1_customer_fk", Columns: []string{"customer_id"}, Parent: TableName{Schema: "public", Name: "customer"}, ParentColumns: []string{"customer_id"}, Partition: "public.rental_p1"},
		},
	}
}

// TestForeignKeyChildColumns: a kind that writes new values into a column
// a foreign key constrains is refused at plan time, naming the constraint
// (and its partition) and the kinds that keep the values parent keys;
// those kinds plan.
func TestForeignKeyChildColumns(t *testing.T) {
	for _, c := range []struct {
		block string
		err   []string
	}{
		{block: block("numeric_shift", "  column = \"inventory_id\"\n"),
			err: []string{"Column inventory_id of public.orders has the foreign key rental_inventory_id_fkey", "Kind numeric_shift writes new values into inventory_id",
				"constraint rental_inventory_id_fkey (inventory_id → public.inventory(inventory_id))", "stuck_values, duplicate_keys", "orphan_references on a copy of public.orders"}},
		{block: block("sentinel_values", "  column = \"customer_id\"\n"),
			err: []string{"rental_p1_customer_fk", "declared on partition public.rental_p1", "null_rate, stuck_values, duplicate_keys"}},
		{block: block("outliers", "  column = \"inventory_id\"\n"), err: []string{"rental_inventory_id_fkey"}},
		{block: block("swapped_columns", "  column = \"staff_id\"\n  with = \"inventory_id\"\n"), err: []string{"Column inventory_id of public.orders has the foreign key rental_inventory_id_fkey"}},
		{block: block("null_rate", "  column = \"customer_id\"\n")},
		{block: block("stuck_values", "  column = \"inventory_id\"\n")},
		{block: block("duplicate_keys", "  column = \"inventory_id\"\n")},
		{block: block("numeric_shift", "  column = \"staff_id\"\n")}, // no constraint: the database takes it
	} {
		cfg := guardConfig(t, "postgres", "", c.block)
		_, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": rentalProfile()}, Now: now})
		if c.err == nil {
			if diags.HasErrors() {
				t.Errorf("%s: refused: %s", c.block, diags.Error())
			}
			continue
		}
		if !diags.HasErrors() {
			t.Errorf("%s: planned, want a refusal naming the constraint", c.block)
			continue
		}
		text := strings.Join(strings.Fields(diags[0].Summary+" "+diags[0].Detail), " ")
		for _, w := range c.err {
			if !strings.Contains(text, w) {
				t.Errorf("%s: message lacks %q:\n%s", c.block, w, text)
			}
		}
		if diags[0].Subject == nil || *diags[0].Subject != cfg.Anomalies[0].Ranges["column"] {
			t.Errorf("%s: the diagnostic points at %v, not the column", c.block, diags[0].Subject)
		}
	}
}

// TestSuggestKeyColumns: init and anomalies suggest propose no kind that
// writes new values into a key column: on foreign key and id-like columns
// only the kinds that keep values parent keys (and orphan_references where
// no constraint forbids it), on a unique column only null_rate.
func TestSuggestKeyColumns(t *testing.T) {
	p := rentalProfile()
	p.Columns = append(p.Columns, Column{Name: "note", Type: "text", Class: ClassText, Nullable: true})
	p.ReferencedBy = []ForeignKey{{Name: "payment_rental_fk", Table: TableName{Name: "payment"}, Columns: []string{"rental_id"}, RefColumns: []string{"amount"}}}
	sugg, err := Suggest(p, "postgres", nil, true, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Suggestion{}
	for _, s := range sugg {
		got[s.Column] = s
	}
	for col, want := range map[string][]string{
		"inventory_id": {"duplicate_keys", "stuck_values"},
		"customer_id":  {"duplicate_keys", "null_rate", "stuck_values"},
		"staff_id":     {"duplicate_keys", "orphan_references", "stuck_values"},
		"code":         nil, // unique, NOT NULL
		"amount":       nil, // other tables refer to it
	} {
		kinds := slices.Clone(got[col].Kinds)
		slices.Sort(kinds)
		if !slices.Equal(kinds, want) {
			t.Errorf("%s: suggested %v, want %v", col, kinds, want)
		}
		if got[col].Role == "" {
			t.Errorf("%s: no role given", col)
		}
	}
	if n := got["note"]; !slices.Contains(n.Kinds, "string_case") || n.Role != "" {
		t.Errorf("note: %+v, want text kinds and no role", n)
	}
	if r := got["customer_id"].Role; r != "foreign key rental_p1_customer_fk" {
		t.Errorf("customer_id role %q", r)
	}
}
