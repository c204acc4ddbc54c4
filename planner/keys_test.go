package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

// keyed is a scenario whose target declares key = [cols...] on
// public.orders, with a null_rate on email.
func keyed(t *testing.T, key string) *config.Config {
	t.Helper()
	body := `
source "postgres" "shop" {
  database = "shop"
}
target "k" {
  source = source.postgres.shop
  table  = "public.orders"
  key    = ` + key + `
}
anomaly "null_rate" "x" {
  target = target.k
  column = "email"
  volume = 0.3
}
`
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(body)}, config.Options{Getenv: func(string) string { return "" }})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

// TestDeclaredKey: a declared key is accepted when a constraint or the
// profile step's query shows it unique and NOT NULL, and the plan says
// which; otherwise plan refuses naming the target, table, columns, the
// duplicates and the NULL count, and the fix.
func TestDeclaredKey(t *testing.T) {
	noPK := func() *TableProfile {
		p := profile()
		p.PrimaryKey = nil
		p.Columns = append(p.Columns, Column{Name: "code", Type: "text", Class: ClassText, Nullable: true})
		return p
	}
	withUnique := noPK()
	withUnique.Unique = []UniqueIndex{{Name: "orders_status_key", Columns: []string{"status"}}, {Name: "orders_code_key", Columns: []string{"code"}}}
	clean := noPK()
	clean.KeyCheck = &KeyCheck{Columns: []string{"id"}, Rows: 12345}
	dups := noPK()
	dups.KeyCheck = &KeyCheck{Columns: []string{"id"}, Rows: 6, NullRows: 2, DuplicateKeys: 1, DuplicateRows: 2,
		Examples: []KeyCount{{Values: []string{"5"}, Rows: 2}}}
	many := noPK()
	many.KeyCheck = &KeyCheck{Columns: []string{"id", "status"}, Rows: 100, DuplicateKeys: 7, DuplicateRows: 20,
		Examples: []KeyCount{{Values: []string{"5", "paid"}, Rows: 4}, {Values: []string{"6", "paid"}, Rows: 3}}}
	failed := noPK()
	failed.KeyCheck = &KeyCheck{Columns: []string{"id"}, Error: "permission denied for table orders"}
	other := noPK()
	other.KeyCheck = &KeyCheck{Columns: []string{"status"}, Rows: 10}

	ok := []struct {
		name, key string
		prof      *TableProfile
		want      string
	}{
		{"the primary key", `["id"]`, profile(), "id (unique and NOT NULL by its primary key)"},
		{"a superset of the primary key", `["id", "status"]`, profile(), "id, status (unique and NOT NULL by its primary key)"},
		{"a unique constraint over NOT NULL columns", `["status"]`, withUnique, "status (unique and NOT NULL by its unique constraint orders_status_key)"},
		{"checked by a query", `["id"]`, clean, "id (no constraint makes it unique; a query at plan time found it unique and never NULL in all 12,345 rows"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			p, diags := Make(Input{Config: keyed(t, c.key), State: state.New(), Profiles: map[string]*TableProfile{"k": c.prof}, Now: now})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			var got string
			for _, s := range p.Changes[0].Settings {
				if s.Name == "key" {
					got = s.Value
				}
			}
			if !strings.HasPrefix(got, c.want) {
				t.Errorf("key setting %q, want it to start with %q", got, c.want)
			}
		})
	}

	refused := []struct {
		name, key string
		prof      *TableProfile
		wants     []string
	}{
		{"duplicates and NULLs", `["id"]`, dups, []string{`Key id of public.orders (target "k") is not unique and NULL in some rows`,
			`declares key = ["id"]`, "no primary key or unique constraint over NOT NULL columns", "a query over its 6 rows found 1 key value held by more than one row (2 rows in all): id = 5: 2 rows and 2 rows with a NULL in the key",
			"declare a unique key on public.orders", "pick other columns"}},
		{"many duplicates", `["id", "status"]`, many, []string{"Key id, status of public.orders", "is not unique", "7 key values held by more than one row (20 rows in all), e.g. id = 5, status = paid: 4 rows; id = 6, status = paid: 3 rows."}},
		{"a unique constraint over a nullable column", `["code"]`, withUnique, []string{"Key code of public.orders", "could not be checked", "unique constraint orders_status_key: key = [\"status\"]"}},
		{"not checked", `["id"]`, noPK(), []string{"could not be checked", "it was not checked against the table's rows"}},
		{"a check of other columns", `["id"]`, other, []string{"could not be checked"}},
		{"the check failed", `["id"]`, failed, []string{"could not be checked", "the query that checks its rows failed: permission denied for table orders"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Make(Input{Config: keyed(t, c.key), State: state.New(), Profiles: map[string]*TableProfile{"k": c.prof}, Now: now})
			if !diags.HasErrors() {
				t.Fatal("plan accepted the key")
			}
			msg := diags[0].Summary + ": " + diags[0].Detail
			for _, w := range c.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("diagnostic %q\nlacks %q", msg, w)
				}
			}
			if diags[0].Subject == nil || diags[0].Subject.Start.Line != 8 {
				t.Errorf("diagnostic points at %v, want the key attribute (line 8)", diags[0].Subject)
			}
		})
	}
}
