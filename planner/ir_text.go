package planner

// Expressions of the text data-quality kinds (kinds_quality_text.go). They
// are rendered by sqlgen through its TextDialect hook (providers/sqlgen/text.go).

import "time"

// SetValue writes Value into the column, converted to the column's type by
// the database (a sentinel -1, 'N/A', '1900-01-01', or an empty string).
// For a time column Time holds the parsed value, bound as a time.
type SetValue struct {
	Value string
	// IsTime is set for time columns: the value is bound as Time.
	IsTime bool
	Time   time.Time
}

// ChangeCase rewrites the text in Case: "upper", "lower" or "title" (first
// letter of each word upper where the database has INITCAP, else the first
// letter of the value upper and the rest lower).
type ChangeCase struct{ Case string }

// Pad adds Pad Count times before (Leading) and/or after (Trailing) the text.
type Pad struct {
	Pad               string
	Count             int
	Leading, Trailing bool
}

// Truncate keeps the first Length characters of the text.
type Truncate struct{ Length int64 }

// Reformat changes the text's pattern: each Replace pair (From → To, plain
// text, applied in order), then Regex → Replacement (all matches; \1..\9
// name groups), then Prefix and Suffix around it.
type Reformat struct {
	Replace     []ReplacePair
	Regex       string
	Replacement string
	Prefix      string
	Suffix      string
}

// ReplacePair is one plain-text replacement.
type ReplacePair struct{ From, To string }

// InvalidLabel writes a value outside the column's domain: one of Values,
// chosen by the hash of Seed and the key, or, without Values, Prefix
// followed by that hash as decimal digits (an unseen label).
type InvalidLabel struct {
	Values []string
	Prefix string
	Seed   int64
}

func (SetValue) isExpr()     {}
func (ChangeCase) isExpr()   {}
func (Pad) isExpr()          {}
func (Truncate) isExpr()     {}
func (Reformat) isExpr()     {}
func (InvalidLabel) isExpr() {}
