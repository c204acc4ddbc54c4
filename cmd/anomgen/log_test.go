package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every statement a command runs is logged at debug level: the catalog
// read, the inspection, the count, the journal, the mutation, the restore.
func TestDebugLogShowsEveryStatement(t *testing.T) {
	f := sqliteFixture(t)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", f.source+f.target()+`
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = 0.5
  window {
    start    = "2026-01-01T00:00:00Z"
    duration = "10h"
  }
}
`)
	log := filepath.Join(t.TempDir(), "debug.log")
	mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "apply", "-auto-approve"))
	mustOK(t, cli(t, dir, "-log-level", "debug", "-log-file", log, "rollback", "-all", "-auto-approve"))
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{
		"SELECT sqlite_version()",          // connect
		`FROM \"anomgen_journals\"`,        // refresh
		"pragma_table_xinfo",               // inspect
		"SELECT COUNT(*), COALESCE(SUM",    // count
		`CREATE TABLE \"anomgen_j_`,        // journal
		`UPDATE \"orders\" AS t SET`,       // mutation and restore
		`INSERT INTO \"anomgen_journals\"`, // catalog
		`DROP TABLE \"anomgen_j_`,          // rollback cleanup
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the debug log has no statement containing %s", want)
		}
	}
	if n := strings.Count(text, "msg=statement"); n < 15 {
		t.Errorf("only %d statements logged", n)
	}
}
