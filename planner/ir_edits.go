package planner

// Expressions of encoding_corruption and typos (kinds_quality_edits.go),
// rendered by sqlgen through its EditDialect hook (providers/sqlgen/edits.go).

// Mojibake rewrites the text as its UTF-8 bytes read as Latin-1 /
// Windows-1252 ("café" → "cafÃ©"). Only values holding non-ASCII
// characters are eligible (ASCII reads the same in both).
type Mojibake struct{}

// Typo makes one keyboard edit in the text: a substitution by the QWERTY
// neighbour, a deletion, a duplication or a transposition, its type and
// position derived from the hash of Seed and the key. Only non-empty
// values are eligible.
type Typo struct{ Seed int64 }

func (Mojibake) isExpr() {}
func (Typo) isExpr()     {}

// TypoNeighbours maps each character of TypoKeys to the character at the
// same index: its right-hand neighbour on a QWERTY keyboard (the left-hand
// one for the last key of a row), in both cases, and digits likewise.
const (
	TypoKeys       = "qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDFGHJKLZXCVBNM1234567890"
	TypoNeighbours = "wertyuioposdfghjklkxcvbnmnWERTYUIOPOSDFGHJKLKXCVBNMN2345678909"
)
