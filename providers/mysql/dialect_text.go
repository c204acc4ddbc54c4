package mysql

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// TypedValue is the bare parameter: MySQL converts it to the journal
// column's type (the column's own) on INSERT, and refuses in strict mode
// what does not convert.
func (Dialect) TypedValue(ph string, _ planner.Column) string { return ph }

func (Dialect) Concat(parts ...string) string { return "CONCAT(" + strings.Join(parts, ", ") + ")" }

// Case has no INITCAP: title case is the first character in upper case
// and the rest of the value in lower case.
func (Dialect) Case(col, mode string) string {
	switch mode {
	case "lower":
		return "LOWER(" + col + ")"
	case "title":
		return fmt.Sprintf("CONCAT(UPPER(LEFT(%s, 1)), LOWER(SUBSTRING(%s, 2)))", col, col)
	}
	return "UPPER(" + col + ")"
}

// Left counts characters of the column's character set, not bytes.
func (Dialect) Left(col, n string) string { return fmt.Sprintf("LEFT(%s, %s)", col, n) }

func (Dialect) Replace(col, from, to string) string {
	return fmt.Sprintf("REPLACE(%s, %s, %s)", col, from, to)
}

// RegexpReplace is REGEXP_REPLACE (MySQL 8, MariaDB 10.0.5+), which
// replaces every match. MariaDB (PCRE) reads \1..\9 in the replacement;
// MySQL 8 (ICU) reads $1..$9 instead, so write groups that way there.
func (Dialect) RegexpReplace(col, pattern, repl string) (string, error) {
	return fmt.Sprintf("REGEXP_REPLACE(%s, %s, %s)", col, pattern, repl), nil
}

func (Dialect) IntText(x string) string { return "CAST(" + x + " AS CHAR)" }

func (Dialect) Mod(x string, n int) string { return fmt.Sprintf("MOD(%s, %d)", x, n) }
