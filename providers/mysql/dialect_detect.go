package mysql

import (
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var _ sqlgen.HourDialect = Dialect{}

// Hour formats the hour as text, YYYY-MM-DD HH.
func (Dialect) Hour(col string, _ planner.TimeFormat) string {
	return "DATE_FORMAT(" + col + ", '%Y-%m-%d %H')"
}
