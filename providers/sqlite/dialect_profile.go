package sqlite

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

// Day reads the date from the stored form: epoch seconds or milliseconds,
// or text starting with YYYY-MM-DD; in an unknown format, by each value's
// type.
func (Dialect) Day(col string, f planner.TimeFormat) string {
	switch {
	case f.Epoch == "s":
		return "date(" + col + ", 'unixepoch')"
	case f.Epoch == "ms":
		return "date(" + col + " / 1000, 'unixepoch')"
	case f.Layout != "":
		return "substr(" + col + ", 1, 10)"
	}
	return fmt.Sprintf("CASE WHEN typeof(%[1]s) IN ('integer', 'real') THEN date(%[1]s, 'unixepoch') ELSE substr(%[1]s, 1, 10) END", col)
}

// TableSample is empty: SQLite has no TABLESAMPLE, so a hash of the key
// picks the sample.
func (Dialect) TableSample(float64) string { return "" }

func (Dialect) Length(expr string) string { return "length(" + expr + ")" }

func (Dialect) Float(expr string) string { return "CAST(" + expr + " AS REAL)" }

// Stddev is empty: SQLite has no standard deviation aggregate.
func (Dialect) Stddev(string) string { return "" }

func (Dialect) Limit(query string, n int) string { return fmt.Sprintf("%s LIMIT %d", query, n) }

// Stats measures a table for anomgen profile.
func (in inspector) Stats(ctx context.Context, table, timeColumn string, o planner.StatsOptions) (*planner.TableStats, error) {
	return providers.CollectStats(ctx, in.db, Dialect{}, in, table, timeColumn, o)
}

// Tables lists the tables of the main database (or schema), without
// SQLite's own and anomgen's journals; SQLite keeps no row estimate or
// size per table.
func (in inspector) Tables(ctx context.Context, schema string) ([]planner.TableInfo, error) {
	if schema == "" {
		schema = "main"
	}
	list, err := providers.ScanTables(in.db.QueryContext(ctx, `SELECT '', name, NULL, NULL FROM pragma_table_list
WHERE schema = ? AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE 'anomgen\_%' ESCAPE '\'
ORDER BY name`, schema))
	if err != nil {
		return nil, err
	}
	if schema != "main" {
		for i := range list {
			list[i].Table.Schema = schema
		}
	}
	return list, nil
}
