package oracle

import (
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ sqlgen.HourDialect = Dialect{}
	_ sqlgen.Translator  = Dialect{}
)

func (Dialect) Hour(col string, _ planner.TimeFormat) string { return "TRUNC(" + col + ", 'HH24')" }

func (Dialect) Translate(expr, from, to string) string {
	return "TRANSLATE(" + expr + ", " + from + ", " + to + ")"
}
