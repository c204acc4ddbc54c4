package sqlserver

import (
	"context"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
)

var _ providers.Lister = &inspector{}

// TablesSQL lists the user tables of schema @p1 (every schema when it is
// empty): schema, name, the rows of the heap or clustered index (all
// partitions; sys.partitions keeps it current without statistics) and the
// bytes of every allocation unit of the table and its indexes (in-row and
// row-overflow units belong to a partition's hobt, LOB units to the
// partition). sys.* needs only metadata visibility, where
// sys.dm_db_partition_stats would need VIEW DATABASE STATE. The journal
// schema's tables are left out by the caller.
const TablesSQL = `SELECT s.name, t.name,
  (SELECT SUM(p.rows) FROM sys.partitions p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)),
  (SELECT SUM(CAST(a.total_pages AS bigint)) * 8192 FROM sys.partitions p
     JOIN sys.allocation_units a ON a.container_id = CASE WHEN a.type IN (1, 3) THEN p.hobt_id ELSE p.partition_id END
   WHERE p.object_id = t.object_id)
FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
WHERE t.is_ms_shipped = 0 AND (@p1 = N'' OR s.name = @p1)
ORDER BY 1, 2`

// Tables lists the user tables with their row count and reserved size.
func (in *inspector) Tables(ctx context.Context, schema string) ([]planner.TableInfo, error) {
	return providers.ScanTables(in.db.QueryContext(ctx, TablesSQL, schema))
}
