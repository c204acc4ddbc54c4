package postgres

import (
	"fmt"
)

// NonASCII compares bytes with characters (a UTF8 database).
func (Dialect) NonASCII(col string) string {
	return fmt.Sprintf("octet_length(%s) <> char_length(%s)", col, col)
}

// Mojibake reads the value's UTF-8 bytes as LATIN1 (ISO-8859-1, every
// byte a character: 0x80-0x9F become C1 controls). PostgreSQL's WIN1252
// refuses the five bytes it leaves undefined, which UTF-8 uses.
func (Dialect) Mojibake(col string) (string, error) {
	return fmt.Sprintf("convert_from(convert_to(%s, 'UTF8'), 'LATIN1')", col), nil
}

func (Dialect) CharLen(col string) string { return "char_length(" + col + ")" }

func (Dialect) Substr(col, from, n string) string {
	if n == "" {
		return fmt.Sprintf("substr(%s, %s)", col, from)
	}
	return fmt.Sprintf("substr(%s, %s, %s)", col, from, n)
}

// Position is strpos, which compares exactly.
func (Dialect) Position(lit, c string) string { return fmt.Sprintf("strpos(%s, %s)", lit, c) }

// ModExpr casts to integer: the hash is bigint, and substr takes integers.
func (Dialect) ModExpr(x, y string) string { return fmt.Sprintf("CAST(%s %% %s AS integer)", x, y) }
