package oracle

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// TypedValue is the bare parameter: numbers are bound as numbers and times
// as timestamps, which Oracle assigns to NUMBER, DATE and TIMESTAMP
// columns without a format. Text ” is NULL in Oracle; the planner refuses
// empty values there.
func (Dialect) TypedValue(ph string, _ planner.Column) string { return ph }

func (Dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

// Case uses INITCAP for title case: every word's first letter upper.
func (Dialect) Case(col, mode string) string {
	switch mode {
	case "lower":
		return "LOWER(" + col + ")"
	case "title":
		return "INITCAP(" + col + ")"
	}
	return "UPPER(" + col + ")"
}

// Left is SUBSTR, which counts characters whatever the column's length
// semantics (BYTE or CHAR).
func (Dialect) Left(col, n string) string { return fmt.Sprintf("SUBSTR(%s, 1, %s)", col, n) }

// Replace with an empty to (NULL in Oracle) removes from.
func (Dialect) Replace(col, from, to string) string {
	return fmt.Sprintf("REPLACE(%s, %s, %s)", col, from, to)
}

// RegexpReplace replaces every match (occurrence 0, the default); the
// replacement takes \1..\9 for groups.
func (Dialect) RegexpReplace(col, pattern, repl string) (string, error) {
	return fmt.Sprintf("REGEXP_REPLACE(%s, %s, %s)", col, pattern, repl), nil
}

func (Dialect) IntText(x string) string { return "TO_CHAR(" + x + ")" }

func (Dialect) Mod(x string, n int) string { return fmt.Sprintf("MOD(%s, %d)", x, n) }
