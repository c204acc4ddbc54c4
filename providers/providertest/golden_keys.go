package providertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// GoldenKeyCheck pins the SQL that checks a declared key no constraint
// proves unique and NOT NULL (sqlgen.KeyCheck, run by providers.CheckKey)
// for d, for a one-column and a two-column key of the golden table, in
// testdata/key_check.golden.
func GoldenKeyCheck(t *testing.T, d sqlgen.Dialect) {
	p := GoldenProfile()
	var b strings.Builder
	for _, key := range [][]string{{"email"}, {"status", "channel"}} {
		q := sqlgen.KeyCheck(d, p.Table, key, planner.KeyExamples)
		label := strings.Join(key, ", ")
		fmt.Fprintf(&b, "-- key %s: rows and rows with a NULL in the key\n%s;\n\n", label, q.Nulls)
		fmt.Fprintf(&b, "-- key %s: duplicated key values and their rows\n%s;\n\n", label, q.Duplicates)
		fmt.Fprintf(&b, "-- key %s: the commonest duplicated key values\n%s;\n\n", label, q.Examples)
	}
	compareGolden(t, "the key check", filepath.Join("testdata", "key_check.golden"), b.String())
}
