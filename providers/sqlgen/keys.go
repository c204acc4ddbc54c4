package sqlgen

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// KeyQueries measure a target's declared key where no constraint proves it
// unique and NOT NULL (planner.KeyCheck): the profile step runs them and
// the planner judges the result.
type KeyQueries struct {
	// Nulls yields the table's row count and the rows with a NULL in any
	// key column.
	Nulls string
	// Duplicates yields the number of key values (without NULLs) that more
	// than one row holds, and the rows holding them.
	Duplicates string
	// Examples yields up to n duplicated key values, one column per key
	// column, then their row count, commonest first.
	Examples string
}

// KeyCheck renders the queries that check key (column names) of table.
func KeyCheck(d Dialect, table planner.TableName, key []string, n int) KeyQueries {
	t := d.Table(table)
	cnt := count(d)
	cols := quoteAll(d, key)
	var null, notNull []string
	for _, c := range cols {
		null = append(null, c+" IS NULL")
		notNull = append(notNull, c+" IS NOT NULL")
	}
	group := fmt.Sprintf("FROM %s WHERE %s GROUP BY %s HAVING %s(*) > 1", t, strings.Join(notNull, " AND "), strings.Join(cols, ", "), cnt)
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	return KeyQueries{
		Nulls:      fmt.Sprintf("SELECT %s(*), COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) FROM %s", cnt, strings.Join(null, " OR "), t),
		Duplicates: fmt.Sprintf("SELECT %s(*), COALESCE(SUM(n), 0) FROM (SELECT %s(*) AS n %s) d", cnt, cnt, group),
		Examples: d.Limit(fmt.Sprintf("SELECT %s, %s(*) %s ORDER BY %d DESC, %s",
			strings.Join(cols, ", "), cnt, group, len(cols)+1, strings.Join(order, ", ")), n),
	}
}
