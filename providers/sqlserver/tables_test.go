package sqlserver_test

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestTablesSQL checks the table listing of anomgen inspect and init: the
// catalog views it reads and its single schema parameter.
func TestTablesSQL(t *testing.T) {
	q := sqlserver.TablesSQL
	for _, want := range []string{"FROM sys.tables t JOIN sys.schemas s", "t.is_ms_shipped = 0", "(@p1 = N'' OR s.name = @p1)",
		"p.index_id IN (0, 1)", "sys.allocation_units", "CAST(a.total_pages AS bigint)) * 8192", "ORDER BY 1, 2"} {
		if !strings.Contains(q, want) {
			t.Errorf("TablesSQL lacks %q:\n%s", want, q)
		}
	}
	if strings.Contains(q, "@p2") || strings.Contains(q, "dm_db_") {
		t.Errorf("TablesSQL takes one parameter and needs no VIEW DATABASE STATE:\n%s", q)
	}
}
