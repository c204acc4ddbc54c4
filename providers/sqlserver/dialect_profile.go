package sqlserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.StatsDialect    = Dialect{}
	_ sqlgen.StatsComparer   = Dialect{}
	_ sqlgen.StatsBigCounter = Dialect{}
	_ providers.Profiler     = &inspector{}
)

func (Dialect) Day(col string, _ planner.TimeFormat) string { return "CAST(" + col + " AS date)" }

func (Dialect) TableSample(pct float64) string {
	return "TABLESAMPLE SYSTEM (" + sqlgen.Percent(pct) + " PERCENT)"
}

// Length is LEN, which does not count trailing spaces.
func (Dialect) Length(expr string) string { return "LEN(" + expr + ")" }

func (Dialect) Float(expr string) string { return "CAST(" + expr + " AS float)" }

func (Dialect) Stddev(expr string) string { return "STDEV(" + expr + ")" }

// Limit puts TOP (n) after the query's first SELECT.
func (Dialect) Limit(query string, n int) string {
	return strings.Replace(query, "SELECT ", fmt.Sprintf("SELECT TOP (%d) ", n), 1)
}

// Comparable is false for the legacy LOB types, which neither DISTINCT nor
// GROUP BY accept.
func (Dialect) Comparable(c planner.Column) bool {
	switch strings.ToLower(c.Type) {
	case "text", "ntext", "image", "xml":
		return false
	}
	return true
}

// BigCount: COUNT returns int, which overflows past 2,147,483,647 rows.
func (Dialect) BigCount() string { return "COUNT_BIG" }

// Stats measures a table for anomgen profile.
func (in *inspector) Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	return providers.CollectStats(ctx, in.db, Dialect{}, in, table, timeColumn, o)
}
