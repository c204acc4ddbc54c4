package mysql

import (
	"context"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.StatsDialect = Dialect{}
	_ providers.Profiler  = &inspector{}
	_ providers.Lister    = &inspector{}
)

func (Dialect) Day(col string, _ planner.TimeFormat) string { return "DATE(" + col + ")" }

// TableSample is empty: MySQL and MariaDB have no TABLESAMPLE, so a hash
// of the key picks the sample.
func (Dialect) TableSample(float64) string { return "" }

func (Dialect) Length(expr string) string { return "CHAR_LENGTH(" + expr + ")" }

func (Dialect) Float(expr string) string { return "CAST(" + expr + " AS DOUBLE)" }

func (Dialect) Stddev(expr string) string { return "STDDEV_SAMP(" + expr + ")" }

func (Dialect) Limit(query string, n int) string { return fmt.Sprintf("%s LIMIT %d", query, n) }

// Stats measures a table for anomgen profile.
func (in *inspector) Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	return providers.CollectStats(ctx, in.db, Dialect{}, in, table, timeColumn, o)
}

// Tables lists base tables with information_schema's row estimate and
// data plus index size.
func (in *inspector) Tables(ctx context.Context, schema string) ([]planner.TableInfo, error) {
	return providers.ScanTables(in.db.QueryContext(ctx, `SELECT table_schema, table_name, table_rows, data_length + index_length
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema = COALESCE(NULLIF(?, ''), DATABASE())
ORDER BY 1, 2`, schema))
}
