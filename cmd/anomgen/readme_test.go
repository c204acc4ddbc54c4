package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
)

// liveHere are the databases whose conformance suite runs in this
// repository's tests (./test.sh starts them); the others run it only
// where a DSN is given, and are pinned by golden SQL here.
var liveHere = map[string]bool{"postgres": true, "mysql": true, "sqlite": true}

// databaseTable renders the README's table of where each kind runs, from
// the catalog and the capabilities each provider declares.
func databaseTable() string {
	dbs := []struct{ typ, title string }{{"postgres", "PostgreSQL"}, {"mysql", "MySQL/MariaDB"}, {"sqlite", "SQLite"}, {"sqlserver", "SQL Server"}, {"oracle", "Oracle"}}
	var b strings.Builder
	b.WriteString("| kind |")
	for _, d := range dbs {
		b.WriteString(" " + d.title + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(dbs)) + "\n")
	for _, k := range planner.Kinds() {
		fmt.Fprintf(&b, "| `%s` |", k.Name)
		for _, d := range dbs {
			cell := "golden"
			switch {
			case k.UnsupportedOn(d.typ) != "":
				cell = "no"
			case liveHere[d.typ]:
				cell = "live"
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestReadmeDatabaseTable: the README says, per kind and database, whether
// the kind runs there live in this repository's tests (the conformance
// suite fails unless it applies and rolls back every kind the database
// supports), is only rendered against golden SQL, or is refused.
func TestReadmeDatabaseTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- kinds-by-database: begin -->\n", "<!-- kinds-by-database: end -->"
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q … %q section", strings.TrimSpace(begin), end)
	}
	if got, want := s[i+len(begin):j], databaseTable(); got != want {
		t.Errorf("README.md's table of kinds by database is out of date; it should read:\n%s", want)
	}
}
