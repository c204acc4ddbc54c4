package sqlgen

// Rendering of encoding_corruption (planner.Mojibake) and typos
// (planner.Typo), set-based in SQL. The typo's seeds and keyboard map are
// constants the planner makes, so they are rendered as literals and add no
// placeholder.

import (
	"fmt"
	"strconv"

	"github.com/anomgen/anomgen/planner"
)

// EditDialect is what encoding_corruption and typos need beyond
// TextDialect; sqlgen finds it by type assertion.
type EditDialect interface {
	// NonASCII is a condition true when text expression col holds a
	// character outside ASCII.
	NonASCII(col string) string
	// Mojibake is col's UTF-8 bytes read as Latin-1 / Windows-1252, as
	// text of the column's kind; an error where the database cannot.
	Mojibake(col string) (string, error)
	// CharLen is the length of col in characters (trailing spaces count).
	CharLen(col string) string
	// Substr is n characters of col from position from (1-based); n ""
	// means to the end. from may be past the end (the empty string).
	Substr(col, from, n string) string
	// Position is the 1-based position of the single character c in the
	// ASCII literal lit, compared case- and accent-sensitively, 0 when
	// absent.
	Position(lit, c string) string
	// ModExpr is integer expression x modulo integer expression y (y > 0),
	// as an integer usable as a substring position.
	ModExpr(x, y string) string
}

// editFilter is the extra eligibility condition of Mojibake (non-ASCII
// values) and Typo (non-empty values) over alias t, "" for other
// expressions.
func editFilter(d Dialect, m *planner.Mutation) string {
	if m.Column == nil {
		return ""
	}
	ed := d
	col := "t." + d.Quote(m.Column.Name)
	switch m.Set.(type) {
	case planner.Mojibake:
		return ed.NonASCII(col)
	case planner.Typo:
		return ed.CharLen(col) + " > 0"
	}
	return ""
}

// editSet renders the new value of Mojibake and Typo; ok is false for
// other expressions.
func editSet(d Dialect, m *planner.Mutation) (set string, ok bool, err error) {
	col := "t." + d.Quote(m.Column.Name)
	switch e := m.Set.(type) {
	case planner.Mojibake:
		ed, _ := d, d
		s, err := ed.Mojibake(col)
		return s, true, err
	case planner.Typo:
		ed, td := d, d
		return typoExpr(d, ed, td, m, col, e.Seed), true, nil
	}
	return "", false, nil
}

// typoExpr: the edit's type is hash(seed) mod 4 (0 neighbour, 1 deletion,
// 2 duplication, 3 transposition), its position p = hash(seed+1) mod L + 1
// (L the length); a swap exchanges characters q = hash(seed+1) mod (L-1) + 1
// and q+1. Values of one character are doubled instead of deleted or
// swapped; characters without a neighbour are doubled.
func typoExpr(d Dialect, ed EditDialect, td TextDialect, m *planner.Mutation, col string, seed int64) string {
	lit := func(s string) string { return "'" + s + "'" }
	keys := qualify(d, "t", m.Key)
	kind := td.Mod(d.Hash(lit(strconv.FormatInt(seed, 10)), keys), 4)
	h2 := d.Hash(lit(strconv.FormatInt(seed+1, 10)), keys)
	L := ed.CharLen(col)
	p := "(" + ed.ModExpr(h2, L) + " + 1)"
	q := "(" + ed.ModExpr(h2, "("+L+" - 1)") + " + 1)"
	before := func(x string) string { return ed.Substr(col, "1", x+" - 1") }
	c := ed.Substr(col, p, "1")
	pos := ed.Position(lit(planner.TypoKeys), c)
	dup := td.Concat(ed.Substr(col, "1", p), ed.Substr(col, p, ""))
	neighbour := td.Concat(before(p), ed.Substr(lit(planner.TypoNeighbours), pos, "1"), ed.Substr(col, p+" + 1", ""))
	del := td.Concat(before(p), ed.Substr(col, p+" + 1", ""))
	swap := td.Concat(before(q), ed.Substr(col, q+" + 1", "1"), ed.Substr(col, q, "1"), ed.Substr(col, q+" + 2", ""))
	return fmt.Sprintf("CASE WHEN %s = 0 AND %s > 0 THEN %s WHEN %s = 1 AND %s > 1 THEN %s WHEN %s = 3 AND %s > 1 THEN %s ELSE %s END",
		kind, pos, neighbour, kind, L, del, kind, L, swap, dup)
}
