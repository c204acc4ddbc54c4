package main

import (
	"strings"
	"testing"
)

// Two anomalies of this workspace on the same rows: rolling back the
// earlier one alone leaves the rows the later one holds, names the later
// one and the order that restores both, and does not call them changed by
// someone else or suggest -force. The order it gives restores every byte.
func TestRollbackNamesLaterAnomaly(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		before := f.checksum(t)
		dir := scenario(t, f, `
anomaly "numeric_shift" "first" {
  target    = target.orders
  column    = "amount"
  amplitude = 0.5
  volume    = 1
`+window10h+`}

anomaly "numeric_shift" "second" {
  target    = target.orders
  column    = "amount"
  amplitude = 1
  volume    = 0.3
`+window10h+`}
`)
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		r := cli(t, dir, "rollback", "anomaly.numeric_shift.first", "-auto-approve", "-no-color")
		if r.code != 2 {
			t.Fatalf("want exit code 2 (rolled back in part):\n%s", r)
		}
		wantAll(t, r, r.stderr,
			"were changed again after it by anomaly.numeric_shift.second (",
			"a later anomaly of this workspace holds them; they were left alone and their before-images stay in journal",
			"Roll back in the order that restores both, the later first: `anomgen rollback anomaly.numeric_shift.second anomaly.numeric_shift.first`")
		wantNone(t, r, r.stderr, "someone else", "-force")
		mustOK(t, cli(t, dir, "rollback", "anomaly.numeric_shift.second", "anomaly.numeric_shift.first", "-auto-approve"))
		if got := f.checksum(t); got != before {
			t.Errorf("the order given did not restore the table")
		}
		if got := strings.TrimSpace(stateList(t, dir)); got != "" {
			t.Errorf("the state still lists %q", got)
		}
	})
}
