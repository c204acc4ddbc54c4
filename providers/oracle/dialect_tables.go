package oracle

import (
	"context"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
)

var _ providers.Lister = &inspector{}

// TablesSQL lists the tables of owner :1 (an empty string is NULL in
// Oracle, and then every schema not maintained by Oracle is listed; :2 and
// :3 are its spellings, as written and upper-cased): owner, name, NUM_ROWS from the optimizer statistics
// (NULL before the first gathering) and BLOCKS times the tablespace's block
// size (NULL without statistics, or for a partitioned table, which has no
// tablespace of its own). Left out: the recycle bin, nested tables, IOT
// overflow and mapping tables, secondary (domain index) tables, temporary
// tables, materialized views' container tables, and anomgen's own journal
// tables, which live in the current schema as PREFIX_JOURNALS and
// PREFIX_J_* (:4 and :5, the prefix being the journal schema in upper
// case). USER_TABLESPACES lists every tablespace to every user.
const TablesSQL = `SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS, t.BLOCKS * ts.BLOCK_SIZE
FROM ALL_TABLES t LEFT JOIN USER_TABLESPACES ts ON ts.TABLESPACE_NAME = t.TABLESPACE_NAME
WHERE (:1 IS NULL AND t.OWNER IN (SELECT USERNAME FROM ALL_USERS WHERE ORACLE_MAINTAINED = 'N') OR t.OWNER IN (:2, :3))
  AND t.DROPPED = 'NO' AND t.NESTED = 'NO' AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT') AND t.SECONDARY = 'N' AND t.TEMPORARY = 'N'
  AND NOT EXISTS (SELECT 1 FROM ALL_MVIEWS m WHERE m.OWNER = t.OWNER AND m.CONTAINER_NAME = t.TABLE_NAME)
  AND t.TABLE_NAME <> :4 AND t.TABLE_NAME NOT LIKE :5 ESCAPE '\'
ORDER BY 1, 2`

// tablesArgs are TablesSQL's bind values: a schema written in lower case
// finds the owner stored so (quoted) or in upper case (unquoted), as a
// scenario's table does.
func tablesArgs(schema, journalSchema string) []any {
	o1, o2 := two(spellings(schema))
	if journalSchema == "" {
		journalSchema = "anomgen"
	}
	prefix := strings.ToUpper(journalSchema)
	like := strings.NewReplacer(`\`, `\\`, `_`, `\_`, `%`, `\%`).Replace(prefix + "_J_")
	return []any{schema, o1, o2, prefix + "_JOURNALS", like + "%"}
}

// Tables lists the tables of schema (every user schema when empty).
func (in *inspector) Tables(ctx context.Context, schema string) ([]planner.TableInfo, error) {
	return providers.ScanTables(in.db.QueryContext(ctx, TablesSQL, tablesArgs(schema, in.journalSchema)...))
}
