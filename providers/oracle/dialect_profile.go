package oracle

import (
	"context"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.StatsDialect  = Dialect{}
	_ sqlgen.StatsComparer = Dialect{}
	_ providers.Profiler   = &inspector{}
)

// Day truncates to midnight; the driver returns a DATE.
func (Dialect) Day(col string, _ planner.TimeFormat) string { return "TRUNC(" + col + ")" }

// TableSample is Oracle's row sample clause.
func (Dialect) TableSample(pct float64) string { return "SAMPLE (" + sqlgen.Percent(pct) + ")" }

func (Dialect) Length(expr string) string { return "LENGTH(" + expr + ")" }

func (Dialect) Float(expr string) string { return "CAST(" + expr + " AS BINARY_DOUBLE)" }

func (Dialect) Stddev(expr string) string { return "STDDEV_SAMP(" + expr + ")" }

func (Dialect) Limit(query string, n int) string {
	return fmt.Sprintf("%s FETCH FIRST %d ROWS ONLY", query, n)
}

// Comparable is false for LOBs, which neither DISTINCT nor GROUP BY accept.
func (Dialect) Comparable(c planner.Column) bool {
	t := strings.ToUpper(c.Type)
	return !strings.Contains(t, "LOB") && t != "LONG" && t != "XMLTYPE"
}

// Stats measures a table for anomgen profile.
func (in *inspector) Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	return providers.CollectStats(ctx, in.db, Dialect{}, in, table, timeColumn, o)
}
