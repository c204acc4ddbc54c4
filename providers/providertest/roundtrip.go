package providertest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// PlanRoundTrip checks that a plan survives JSON (a saved plan, issue 12):
// every kind's catalog example and the golden scenarios are planned as the
// golden tests plan them, marshalled, unmarshalled and marshalled again;
// the two encodings must be equal, and dialect d must render the same
// statements (count, apply, rollback) from the decoded mutation as from the
// original one.
func PlanRoundTrip(t *testing.T, d sqlgen.Dialect) {
	golden := goldenCases(t)
	plans := map[string]*planner.Plan{
		"catalog":  golden,
		"business": planGolden(t, goldenBusinessScenario, map[string]*planner.TableProfile{"orders": GoldenProfile()}, 8),
		"copies":   planGolden(t, goldenCopiesScenario, goldenCopiesProfiles(), 2),
		"num":      planGolden(t, goldenNumScenario, map[string]*planner.TableProfile{"orders": GoldenProfile()}, 11),
		"rows":     planGolden(t, goldenRowsScenario, goldenRowsProfiles(d), 4),
		"segments": planGolden(t, goldenSegmentsScenario, goldenSegmentsProfile(), 4),
	}
	types := map[string]bool{}
	for name, p := range plans {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("%s: marshal: %v", name, err)
		}
		var back planner.Plan
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: unmarshal: %v", name, err)
		}
		b2, err := json.Marshal(&back)
		if err != nil {
			t.Fatalf("%s: marshal again: %v", name, err)
		}
		if string(b) != string(b2) {
			t.Errorf("%s: the plan changed through JSON:\n%s", name, DiffLines(string(b), string(b2)))
		}
		for i, ch := range p.Changes {
			got := back.Changes[i]
			if ch.Mutation == nil {
				continue
			}
			if ch.Mutation.Set != nil {
				types[fmt.Sprintf("%T", ch.Mutation.Set)] = true
				if fmt.Sprintf("%#v", ch.Mutation.Set) != fmt.Sprintf("%#v", got.Mutation.Set) {
					t.Errorf("%s: Set %#v came back as %#v", ch.Address, ch.Mutation.Set, got.Mutation.Set)
				}
			}
			if k := planner.LookupKind(ch.Kind); k != nil && k.UnsupportedOn(d.Name()) != "" {
				continue
			}
			if want, have := renderAll(d, ch.Mutation), renderAll(d, got.Mutation); want != have {
				t.Errorf("%s: the decoded mutation renders other SQL:\n%s", ch.Address, DiffLines(want, have))
			}
		}
	}
	// Every expression type the planner builds was seen (a new kind whose
	// expression is missing from the JSON encoding fails above).
	if len(types) < 10 {
		t.Errorf("only %d expression types seen: %v", len(types), types)
	}
}

func renderAll(d sqlgen.Dialect, m *planner.Mutation) string {
	var b strings.Builder
	write := func(s sqlgen.Statement) {
		fmt.Fprintf(&b, "%s;\n-- %s\n", s.SQL, fmtArgs(s.Args))
	}
	if m.Op.Schema() {
		return "" // compared through the JSON bytes above
	}
	write(sqlgen.Count(d, m))
	stmts, err := sqlgen.Apply(d, "anomgen", "0123456789abcdef", m)
	if err != nil {
		return "error: " + err.Error()
	}
	for _, s := range stmts {
		write(s)
	}
	j := m.Journal("0123456789abcdef", "anomgen")
	r := sqlgen.RenderRollback(d, j, false)
	for _, s := range r.Restore {
		write(s)
	}
	return b.String()
}
