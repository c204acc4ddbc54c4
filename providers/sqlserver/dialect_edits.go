package sqlserver

import (
	"errors"
	"fmt"
)

// NonASCII looks for a character outside 0x01-0x7F, compared by code
// point (a binary collation) so that accented letters do not match their
// base letters.
func (Dialect) NonASCII(col string) string {
	return fmt.Sprintf("PATINDEX(N'%%[^' + NCHAR(1) + N'-' + NCHAR(127) + N']%%', CAST(%s AS nvarchar(max)) COLLATE Latin1_General_100_BIN2) > 0", col)
}

// Mojibake is refused: the catalog marks encoding_corruption unsupported
// on SQL Server.
func (Dialect) Mojibake(string) (string, error) {
	return "", errors.New("sqlserver: encoding_corruption is not supported: reading bytes in another code page goes through collations whose result depends on the database's default collation")
}

// CharLen counts trailing spaces, which LEN drops.
func (Dialect) CharLen(col string) string { return "(LEN(CONCAT(" + col + ", '.')) - 1)" }

// Substr to the end takes DATALENGTH, an upper bound of the length in
// characters.
func (Dialect) Substr(col, from, n string) string {
	if n == "" {
		n = "DATALENGTH(" + col + ")"
	}
	return fmt.Sprintf("SUBSTRING(%s, %s, %s)", col, from, n)
}

// Position compares by code point: the default collations ignore case.
func (Dialect) Position(lit, c string) string {
	return fmt.Sprintf("CHARINDEX(%s COLLATE Latin1_General_100_BIN2, %s)", c, lit)
}

func (Dialect) ModExpr(x, y string) string { return fmt.Sprintf("(%s %% %s)", x, y) }
