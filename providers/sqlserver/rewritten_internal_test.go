package sqlserver

import "testing"

// TestRewritten: rowversion and the start columns of a temporal table's
// period are the columns the database rewrites in every written row.
func TestRewritten(t *testing.T) {
	for _, c := range []struct {
		typ  string
		gen  uint8
		want string
	}{
		{"timestamp", 0, "rowversion"},
		{"datetime2", 1, "GENERATED ALWAYS AS ROW START"},
		{"datetime2", 2, ""}, // ROW END: the current row's stays at the maximum
		{"bigint", 7, "GENERATED ALWAYS AS TRANSACTION_ID START"},
		{"bigint", 9, "GENERATED ALWAYS AS SEQUENCE_NUMBER START"},
		{"datetime2", 0, ""},
		{"binary", 0, ""},
	} {
		if got := rewritten(c.typ, c.gen); got != c.want {
			t.Errorf("rewritten(%q, %d) = %q, want %q", c.typ, c.gen, got, c.want)
		}
	}
}
