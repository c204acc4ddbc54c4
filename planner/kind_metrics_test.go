package planner

import (
	"testing"

	"github.com/anomgen/anomgen/planner/truth"
)

// TestKindMetricFamilies: every catalog kind names a metric family that the
// scorer knows, and the map names no kind the catalog lacks.
func TestKindMetricFamilies(t *testing.T) {
	for _, k := range Kinds() {
		f := k.MetricFamily()
		if f == "" {
			t.Errorf("kind %s has no metric family in kind_metrics.go (its Monitor text: %s)", k.Name, k.Monitor)
			continue
		}
		if truth.FamilyOf(f) != f {
			t.Errorf("kind %s: %q is not one of %v", k.Name, f, truth.Families)
		}
	}
	for name := range kindMetrics {
		if LookupKind(name) == nil {
			t.Errorf("kind_metrics.go names %s, which is not in the catalog", name)
		}
	}
	if got := LookupKind("sentinel_values").MetricFamilyFor(&Column{Class: ClassInteger}); got != truth.Mean {
		t.Errorf("sentinel_values on an integer column: family %q, want mean", got)
	}
}
