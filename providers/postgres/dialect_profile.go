package postgres

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.StatsDialect = Dialect{}
	_ providers.Profiler  = inspector{}
	_ providers.Lister    = inspector{}
)

func (Dialect) Day(col string, _ planner.TimeFormat) string { return "CAST(" + col + " AS date)" }

func (Dialect) TableSample(pct float64) string {
	return "TABLESAMPLE SYSTEM (" + sqlgen.Percent(pct) + ")"
}

func (Dialect) Length(expr string) string { return "char_length(" + expr + ")" }

func (Dialect) Float(expr string) string { return "CAST(" + expr + " AS double precision)" }

func (Dialect) Stddev(expr string) string { return "stddev_samp(" + expr + ")" }

func (Dialect) Limit(query string, n int) string { return fmt.Sprintf("%s LIMIT %d", query, n) }

// Stats measures a table for anomgen profile.
func (in inspector) Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	return providers.CollectStats(ctx, in.db, Dialect{}, in, table, timeColumn, o)
}

// Tables lists ordinary and partitioned tables (not partitions) with the
// planner's row estimate (-1 before the first ANALYZE) and total size.
func (in inspector) Tables(ctx context.Context, schema string) ([]planner.TableInfo, error) {
	return providers.ScanTables(in.db.QueryContext(ctx, `SELECT n.nspname, c.relname, CAST(c.reltuples AS bigint), pg_total_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND ($1 = '' OR n.nspname = $1)
ORDER BY 1, 2`, schema))
}
