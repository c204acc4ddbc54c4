package sqlite

import (
	"database/sql/driver"
	"fmt"
	"strings"

	sqlite "modernc.org/sqlite"
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_mojibake", 1, mojibakeFunc)
}

// NonASCII compares characters with bytes (a text value's blob is its
// UTF-8).
func (Dialect) NonASCII(col string) string {
	return fmt.Sprintf("length(%s) <> length(CAST(%s AS BLOB))", col, col)
}

// Mojibake calls anomgen_mojibake, a Go function (Mojibake below) reading
// the UTF-8 bytes as MySQL's latin1 does.
func (Dialect) Mojibake(col string) (string, error) { return "anomgen_mojibake(" + col + ")", nil }

func (Dialect) CharLen(col string) string { return "length(" + col + ")" }

func (Dialect) Substr(col, from, n string) string {
	if n == "" {
		return fmt.Sprintf("substr(%s, %s)", col, from)
	}
	return fmt.Sprintf("substr(%s, %s, %s)", col, from, n)
}

// Position is instr, which compares exactly.
func (Dialect) Position(lit, c string) string { return fmt.Sprintf("instr(%s, %s)", lit, c) }

func (Dialect) ModExpr(x, y string) string { return fmt.Sprintf("(%s %% %s)", x, y) }

// cp1252High is Windows-1252 from 0x80 to 0x9F, with the five bytes it
// leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) as the C1 controls of
// the same value, as MySQL's latin1 has them.
var cp1252High = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

// Mojibake is s's UTF-8 bytes read as Windows-1252 (MySQL's latin1).
func Mojibake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80 && c < 0xA0:
			b.WriteRune(cp1252High[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// mojibakeFunc is anomgen_mojibake(value); NULL stays NULL.
func mojibakeFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch x := args[0].(type) {
	case string:
		return Mojibake(x), nil
	case []byte:
		return Mojibake(string(x)), nil
	case nil:
		return nil, nil
	default:
		return x, nil
	}
}
