package postgres

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// Differs casts the new value to the column's own type, as the assignment
// will (a numeric rounded to its scale, a character(n) padded), and
// compares the two null-safely, as NotDistinct does. Integers and numerics
// of a declared scale compare as numbers: two values of one such type are
// equal exactly when their text forms are, and comparing costs far less
// than printing both. Every other type compares its text forms: each has
// an exact one, some (json, point) have no equality, and equal values of
// others can differ in their bytes (a float's −0 and 0, a numeric of no
// declared scale's 1.5 and 1.50).
func (Dialect) Differs(after, before string, c planner.Column) string {
	if c.Type != "text" {
		after = fmt.Sprintf("CAST(%s AS %s)", after, c.Type)
	}
	if exactEquality(c.Type) {
		return fmt.Sprintf("%s IS DISTINCT FROM %s", after, before)
	}
	return fmt.Sprintf("CAST(%s AS text) IS DISTINCT FROM CAST(%s AS text)", after, before)
}

// scaledNumeric matches a numeric type of a declared precision and scale.
var scaledNumeric = regexp.MustCompile(`^(numeric|decimal)\s*\(\s*\d+\s*,\s*\d+\s*\)$`)

// exactEquality tells the types whose equal values print the same.
func exactEquality(typ string) bool {
	t := strings.ToLower(strings.TrimSpace(typ))
	switch t {
	case "smallint", "integer", "bigint", "int2", "int4", "int8":
		return true
	}
	return scaledNumeric.MatchString(t)
}

// NonFinite: double precision and real hold NaN and ±Infinity, numeric
// holds NaN (and ±Infinity from PostgreSQL 14). A value minus itself is
// 0 exactly when it is finite, and NaN otherwise (NaN − NaN and ∞ − ∞),
// and PostgreSQL's NaN differs from 0, on every version and without
// printing the value. Other types compare their text forms with the names.
func (Dialect) NonFinite(col string, c planner.Column) string {
	t := strings.ToLower(strings.TrimSpace(c.Type))
	if t == "double precision" || t == "real" || t == "float4" || t == "float8" || t == "numeric" || t == "decimal" || strings.HasPrefix(t, "numeric(") || strings.HasPrefix(t, "decimal(") {
		return fmt.Sprintf("(%s IS NOT NULL AND %s - %s <> 0)", col, col, col)
	}
	return fmt.Sprintf("(%s IS NOT NULL AND CAST(%s AS text) IN ('NaN', 'Infinity', '-Infinity'))", col, col)
}
