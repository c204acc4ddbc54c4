package postgres

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// TypedValue casts numbers and times to the column's own type: a
// parameter in a SELECT list has no type to infer, and would be text.
func (Dialect) TypedValue(ph string, c planner.Column) string {
	if c.Class == planner.ClassText {
		return ph
	}
	return fmt.Sprintf("CAST(%s AS %s)", ph, c.Type)
}

func (Dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

// Case uses initcap for title case: every word's first letter upper, the
// rest lower.
func (Dialect) Case(col, mode string) string {
	switch mode {
	case "lower":
		return "lower(" + col + ")"
	case "title":
		return "initcap(" + col + ")"
	}
	return "upper(" + col + ")"
}

// Left counts characters, not bytes.
func (Dialect) Left(col, n string) string { return fmt.Sprintf("left(%s, %s)", col, n) }

func (Dialect) Replace(col, from, to string) string {
	return fmt.Sprintf("replace(%s, %s, %s)", col, from, to)
}

// RegexpReplace replaces every match (flag g); PostgreSQL's replacement
// text takes \1..\9 for groups.
func (Dialect) RegexpReplace(col, pattern, repl string) (string, error) {
	return fmt.Sprintf("regexp_replace(%s, %s, %s, 'g')", col, pattern, repl), nil
}

func (Dialect) IntText(x string) string { return "CAST(" + x + " AS text)" }

func (Dialect) Mod(x string, n int) string { return fmt.Sprintf("(%s %% %d)", x, n) }
