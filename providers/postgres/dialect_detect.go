package postgres

import (
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.HourDialect = Dialect{}
	_ sqlgen.Translator  = Dialect{}
)

// Hour truncates to the hour (the session time zone is UTC).
func (Dialect) Hour(col string, _ planner.TimeFormat) string {
	return "date_trunc('hour', " + col + ")"
}

func (Dialect) Translate(expr, from, to string) string {
	return "translate(" + expr + ", " + from + ", " + to + ")"
}
