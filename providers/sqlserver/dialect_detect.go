package sqlserver

import (
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.HourDialect = Dialect{}
	_ sqlgen.Translator  = Dialect{}
)

// Hour truncates to the hour: whole hours since day 0 added back to it.
func (Dialect) Hour(col string, _ planner.TimeFormat) string {
	return "DATEADD(hour, DATEDIFF(hour, 0, " + col + "), 0)"
}

// Translate is TRANSLATE (SQL Server 2017 and later).
func (Dialect) Translate(expr, from, to string) string {
	return "TRANSLATE(" + expr + ", " + from + ", " + to + ")"
}
