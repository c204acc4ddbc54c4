package sqlserver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// TypedValue casts numbers to the column's type, and times (which the
// driver sends as datetimeoffset, in UTC) to datetime2, which assigns to
// datetime, datetime2, date and datetimeoffset columns alike.
func (Dialect) TypedValue(ph string, c planner.Column) string {
	switch c.Class {
	case planner.ClassText:
		return ph
	case planner.ClassTime:
		return "CONVERT(datetime2(7), " + ph + ")"
	}
	return fmt.Sprintf("CAST(%s AS %s)", ph, c.Type)
}

// Concat is CONCAT (SQL Server 2012+), always with two or more arguments.
func (Dialect) Concat(parts ...string) string { return "CONCAT(" + strings.Join(parts, ", ") + ")" }

// Case has no INITCAP: title case is the first character in upper case
// and the rest in lower case (DATALENGTH bounds the rest in characters
// from above and, unlike LEN, counts trailing spaces).
func (Dialect) Case(col, mode string) string {
	switch mode {
	case "lower":
		return "LOWER(" + col + ")"
	case "title":
		return fmt.Sprintf("CONCAT(UPPER(LEFT(%s, 1)), LOWER(SUBSTRING(%s, 2, DATALENGTH(%s))))", col, col, col)
	}
	return "UPPER(" + col + ")"
}

// Left counts characters (for varchar under a UTF-8 collation, bytes).
func (Dialect) Left(col, n string) string { return fmt.Sprintf("LEFT(%s, %s)", col, n) }

// Replace follows the column's collation: under a case-insensitive one
// (the default) it matches from in any case.
func (Dialect) Replace(col, from, to string) string {
	return fmt.Sprintf("REPLACE(%s, %s, %s)", col, from, to)
}

// RegexpReplace is refused: REGEXP_REPLACE arrived in SQL Server 2025 only
// (the planner refuses regex on SQL Server before rendering).
func (Dialect) RegexpReplace(string, string, string) (string, error) {
	return "", errors.New("sqlserver: no regular expressions before SQL Server 2025; use prefix, suffix or replace")
}

func (Dialect) IntText(x string) string { return "CAST(" + x + " AS varchar(20))" }

func (Dialect) Mod(x string, n int) string { return fmt.Sprintf("(%s %% %d)", x, n) }
