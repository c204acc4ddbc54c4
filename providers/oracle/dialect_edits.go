package oracle

import (
	"fmt"
)

// NonASCII compares bytes with characters.
func (Dialect) NonASCII(col string) string {
	return fmt.Sprintf("LENGTHB(%s) <> LENGTH(%s)", col, col)
}

// Mojibake declares the value's bytes to be WE8MSWIN1252 and converts them
// to AL32UTF8: each UTF-8 byte becomes the Windows-1252 character it
// encodes. It is right in an AL32UTF8 database (VARCHAR2 and CLOB), where
// the result's bytes are read as the database character set.
func (Dialect) Mojibake(col string) (string, error) {
	return fmt.Sprintf("CONVERT(%s, 'AL32UTF8', 'WE8MSWIN1252')", col), nil
}

func (Dialect) CharLen(col string) string { return "LENGTH(" + col + ")" }

// Substr: SUBSTR(x, 1, 0) and a start past the end are NULL, which || reads
// as the empty string.
func (Dialect) Substr(col, from, n string) string {
	if n == "" {
		return fmt.Sprintf("SUBSTR(%s, %s)", col, from)
	}
	return fmt.Sprintf("SUBSTR(%s, %s, %s)", col, from, n)
}

// Position is INSTR, which compares exactly (binary).
func (Dialect) Position(lit, c string) string { return fmt.Sprintf("INSTR(%s, %s)", lit, c) }

func (Dialect) ModExpr(x, y string) string { return fmt.Sprintf("MOD(%s, %s)", x, y) }
