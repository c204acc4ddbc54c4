package providertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/providers/sqlgen"
)

// GoldenDetect pins the SQL of anomgen detect (sqlgen/detect.go) on the
// golden profile: the bucketed pass by day and by hour (where the dialect
// buckets by hour), the commonest shape, the distinct counts, the
// category shares and the rows dated in the future.
func GoldenDetect(t *testing.T, d sqlgen.Dialect) {
	p := GoldenProfile()
	before := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	args := func(a []any) string {
		if len(a) == 0 {
			return ""
		}
		return fmt.Sprintf("-- args: %v\n", a)
	}
	for _, grain := range []string{"day", "hour"} {
		s := sqlgen.DetectSpec{TimeColumn: "created_at", Grain: grain, Before: before, Shapes: map[string]string{"email": "a9@a.a", "status": "a"}}
		q, err := sqlgen.DetectMetrics(d, p, s)
		if err != nil {
			fmt.Fprintf(&b, "-- metrics per %s: %v\n\n", grain, err)
			continue
		}
		fmt.Fprintf(&b, "-- metrics per %s\n%s%s;\n\n", grain, args(q.Args), q.SQL)
		c, err := sqlgen.DetectCategories(d, p, "status", s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- category shares per %s\n%s%s;\n\n", grain, args(c.Args), c.SQL)
	}
	s := sqlgen.DetectSpec{TimeColumn: "created_at", Grain: "day", Before: before}
	q := sqlgen.DetectTopShape(d, p, "email", s)
	fmt.Fprintf(&b, "-- commonest shape\n%s%s;\n\n", args(q.Args), q.SQL)
	q = sqlgen.DetectDistinct(d, p, []string{"email", "status", "channel"}, s)
	fmt.Fprintf(&b, "-- distinct counts\n%s%s;\n\n", args(q.Args), q.SQL)
	q = sqlgen.DetectFuture(d, p, "created_at", before)
	fmt.Fprintf(&b, "-- rows dated in the future\n%s%s;\n", args(q.Args), q.SQL)
	compareGolden(t, "detect", filepath.Join("testdata", "detect.golden"), b.String())
}
