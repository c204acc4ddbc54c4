package mysql

import (
	"fmt"
)

// NonASCII compares the value's utf8mb4 bytes with its characters, so it
// holds whatever the column's character set.
func (Dialect) NonASCII(col string) string {
	return fmt.Sprintf("LENGTH(CONVERT(%s USING utf8mb4)) <> CHAR_LENGTH(%s)", col, col)
}

// Mojibake reads the value's utf8mb4 bytes as latin1 (MySQL's latin1 is
// Windows-1252, with 0x81, 0x8D, 0x8F, 0x90 and 0x9D as C1 controls) and
// converts the result back to utf8mb4; storing it converts it to the
// column's character set.
func (Dialect) Mojibake(col string) (string, error) {
	return fmt.Sprintf("CONVERT(CONVERT(CAST(CONVERT(%s USING utf8mb4) AS BINARY) USING latin1) USING utf8mb4)", col), nil
}

func (Dialect) CharLen(col string) string { return "CHAR_LENGTH(" + col + ")" }

func (Dialect) Substr(col, from, n string) string {
	if n == "" {
		return fmt.Sprintf("SUBSTRING(%s, %s)", col, from)
	}
	return fmt.Sprintf("SUBSTRING(%s, %s, %s)", col, from, n)
}

// Position compares bytes: LOCATE follows the collation otherwise, which
// ignores case. The literal is ASCII, so byte and character positions
// agree, and a non-ASCII character is not found.
func (Dialect) Position(lit, c string) string {
	return fmt.Sprintf("LOCATE(CAST(%s AS BINARY), %s)", c, lit)
}

func (Dialect) ModExpr(x, y string) string { return fmt.Sprintf("MOD(%s, %s)", x, y) }
