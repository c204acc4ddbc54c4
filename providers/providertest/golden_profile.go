package providertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// GoldenStats pins the SQL of anomgen profile (sqlgen.ProfileStats and
// friends) for d on the golden profile, read whole and sampled, in
// testdata/profile_stats.golden.
func GoldenStats(t *testing.T, d sqlgen.Dialect) {
	p := GoldenProfile()
	var b strings.Builder
	for _, o := range []planner.StatsOptions{{}, {SamplePercent: 2.5}} {
		label := "whole table"
		if o.Sampled() {
			label = "2.5% sample"
		}
		fmt.Fprintf(&b, "-- stats (%s)\n%s;\n\n", label, sqlgen.ProfileStats(d, p, "created_at", o).SQL)
		fmt.Fprintf(&b, "-- daily (%s)\n%s;\n\n", label, sqlgen.ProfileDaily(d, p, "created_at", o))
		fmt.Fprintf(&b, "-- top values (%s)\n%s;\n\n", label, sqlgen.ProfileTop(d, p, "status", 5, o))
		fmt.Fprintf(&b, "-- shape sample (%s)\n%s;\n\n", label, sqlgen.ProfileValues(d, p, "email", 1000, o))
	}
	path := filepath.Join("testdata", "profile_stats.golden")
	got := b.String()
	compareGolden(t, "profile statistics", path, got)
}
