package oracle

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestTablesSQL checks the table listing of anomgen inspect and init: one
// bind value per placeholder, the dictionary views it reads, and the
// binds for a schema and the journal tables.
func TestTablesSQL(t *testing.T) {
	var binds []string
	for _, m := range regexp.MustCompile(`:(\d+)`).FindAllStringSubmatch(TablesSQL, -1) {
		if !slices.Contains(binds, m[1]) {
			binds = append(binds, m[1])
		}
	}
	if got := tablesArgs("", ""); len(got) != len(binds) {
		t.Fatalf("%d bind values for placeholders %v", len(got), binds)
	}
	for _, want := range []string{"FROM ALL_TABLES t", "ORACLE_MAINTAINED = 'N'", "t.DROPPED = 'NO'", "t.TEMPORARY = 'N'",
		"ALL_MVIEWS", "USER_TABLESPACES", "ESCAPE '\\'", "ORDER BY 1, 2"} {
		if !strings.Contains(TablesSQL, want) {
			t.Errorf("TablesSQL lacks %q:\n%s", want, TablesSQL)
		}
	}
	for _, c := range []struct {
		schema, journal string
		want            []any
	}{
		{"", "", []any{"", "", "", "ANOMGEN_JOURNALS", `ANOMGEN\_J\_%`}},
		{"shop", "anomgen", []any{"shop", "shop", "SHOP", "ANOMGEN_JOURNALS", `ANOMGEN\_J\_%`}},
		{"SHOP", "audit_x", []any{"SHOP", "SHOP", "SHOP", "AUDIT_X_JOURNALS", `AUDIT\_X\_J\_%`}},
	} {
		if got := tablesArgs(c.schema, c.journal); !slices.Equal(got, c.want) {
			t.Errorf("tablesArgs(%q, %q) = %q, want %q", c.schema, c.journal, got, c.want)
		}
	}
}
