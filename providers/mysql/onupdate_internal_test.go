package mysql

import "testing"

// TestOnUpdate reads the ON UPDATE clause out of
// information_schema.COLUMNS.EXTRA as MySQL and MariaDB spell it.
func TestOnUpdate(t *testing.T) {
	for extra, want := range map[string]string{
		"":                               "",
		"auto_increment":                 "",
		"DEFAULT_GENERATED":              "",
		"on update CURRENT_TIMESTAMP":    "CURRENT_TIMESTAMP",
		"on update current_timestamp()":  "CURRENT_TIMESTAMP",
		"on update current_timestamp(6)": "CURRENT_TIMESTAMP(6)",
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)":        "CURRENT_TIMESTAMP(3)",
		"DEFAULT_GENERATED on update CURRENT_TIMESTAMP INVISIBLE": "CURRENT_TIMESTAMP",
	} {
		if got := onUpdate(extra); got != want {
			t.Errorf("onUpdate(%q) = %q, want %q", extra, got, want)
		}
	}
}
