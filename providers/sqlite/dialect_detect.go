package sqlite

import (
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.HourDialect = Dialect{}

// Hour reads the hour from the stored form, as Day reads the day: the
// first 13 characters of text (YYYY-MM-DD HH), or the hour of epoch
// seconds or milliseconds.
func (Dialect) Hour(col string, f planner.TimeFormat) string {
	switch {
	case f.Epoch == "s":
		return "strftime('%Y-%m-%d %H', " + col + ", 'unixepoch')"
	case f.Epoch == "ms":
		return "strftime('%Y-%m-%d %H', " + col + " / 1000, 'unixepoch')"
	case f.Layout != "":
		return "substr(" + col + ", 1, 13)"
	}
	return fmt.Sprintf("CASE WHEN typeof(%[1]s) IN ('integer', 'real') THEN strftime('%%Y-%%m-%%d %%H', %[1]s, 'unixepoch') ELSE substr(%[1]s, 1, 13) END", col)
}
