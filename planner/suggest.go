package planner

// Ranking suggestions by the column's data. Suggest knows the columns'
// types; a column's profile (TableStats: distinct values, shapes, lengths,
// the share of non-ASCII text) says more: e-mails hold no dates to
// reformat, a column of 20,000 distinct values is no category, ASCII text
// has nothing to turn into mojibake. RankSuggestions leaves such kinds out
// with the reason and orders the rest by how well they fit the data.

import (
	"fmt"
	"sort"
	"strings"
)

// Skipped is a kind that suits a column's type but not its data.
type Skipped struct {
	Kind string `json:"kind"`
	Why  string `json:"why"`
}

// RankSuggestions ranks and filters sugg (from Suggest) by the column
// statistics st (nil leaves sugg as it is). lowCardinality is the most
// distinct values a category column has (StatsOptions.LowCardinality).
func RankSuggestions(sugg []Suggestion, st *TableStats, lowCardinality int64) {
	if st == nil {
		return
	}
	if lowCardinality <= 0 {
		lowCardinality = StatsOptions{}.WithDefaults().LowCardinality
	}
	for i := range sugg {
		s := &sugg[i]
		cs := st.Column(s.Column)
		if s.Column == "" || cs == nil || len(s.Kinds) == 0 {
			continue
		}
		var kept []string
		for _, k := range s.Kinds {
			if why := unfit(k, cs, lowCardinality); why != "" {
				s.Skipped = append(s.Skipped, Skipped{Kind: k, Why: why})
				continue
			}
			kept = append(kept, k)
		}
		pref := preference(cs, lowCardinality)
		rank := func(k string) int {
			for i, p := range pref {
				if p == k {
					return i
				}
			}
			return len(pref)
		}
		sort.SliceStable(kept, func(a, b int) bool { return rank(kept[a]) < rank(kept[b]) })
		s.Kinds = kept
	}
}

// unfit says why kind k does not fit the data of column cs, or "".
func unfit(k string, cs *ColumnStats, low int64) string {
	if cs.NonNull == 0 {
		if k == "null_rate" || strings.HasPrefix(k, "schema_") {
			return ""
		}
		return "every value is NULL"
	}
	category := cs.Distinct >= 0 && cs.Distinct <= low
	switch k {
	case "category_mix_shift", "invalid_category":
		if !category && cs.Distinct > 0 {
			return fmt.Sprintf("%s distinct values: not a category column (at most %d)", Thousands(cs.Distinct), low)
		}
		if k == "category_mix_shift" && cs.Distinct == 1 {
			return "one value only: no mix to shift"
		}
	case "date_format":
		if cs.Class == ClassText && len(cs.Shapes) > 0 && !anyShape(cs.Shapes, dateShape) {
			return "no value reads as a date (its commonest shapes: " + shapeList(cs.Shapes) + ")"
		}
	case "encoding_corruption":
		if cs.Class == ClassText && len(cs.Shapes) > 0 && cs.NonASCII == 0 {
			return "no value read holds a character outside ASCII, which reads the same in Latin-1"
		}
	case "string_case":
		if cs.Class == ClassText && len(cs.Shapes) > 0 && !anyShape(cs.Shapes, func(s string) bool { return strings.ContainsAny(s, "aA") }) {
			return "its values hold no letters (shapes: " + shapeList(cs.Shapes) + ")"
		}
	case "truncation":
		if cs.MaxLength != nil && *cs.MaxLength <= 3 {
			return fmt.Sprintf("no value is longer than %d characters", *cs.MaxLength)
		}
	case "stuck_values":
		if cs.Distinct == 1 {
			return "it holds one value already"
		}
	case "outliers", "variance_change":
		if cs.Distinct == 1 {
			return "it holds one value: no spread to change"
		}
	}
	return ""
}

// preference orders the kinds that fit a column by what its data is: a
// category, free text (e-mails, names), numbers, or times.
func preference(cs *ColumnStats, low int64) []string {
	switch {
	case cs.Class == ClassText && cs.Distinct >= 0 && cs.Distinct <= low:
		return []string{"category_mix_shift", "invalid_category", "null_rate", "typos", "string_case", "stuck_values", "empty_values", "whitespace_padding"}
	case cs.Class == ClassText && len(cs.Shapes) > 0 && anyShape(cs.Shapes, dateShape):
		return []string{"date_format", "null_rate", "format_change", "sentinel_values", "truncation"}
	case cs.Class == ClassText:
		return []string{"null_rate", "typos", "format_change", "truncation", "whitespace_padding", "string_case", "empty_values", "encoding_corruption", "duplicate_keys"}
	case cs.Class.Numeric():
		return []string{"numeric_shift", "outliers", "null_rate", "variance_change", "unit_change", "negative_values", "precision_loss", "sentinel_values"}
	case cs.Class == ClassTime:
		return []string{"timestamp_shift", "future_dates", "null_rate", "sentinel_values"}
	}
	return []string{"null_rate"}
}

// dateShape reports whether a shape (Shape) is a date or a time written in
// digits and separators, such as 9999-99-99 or 99/99/9999 99:99.
func dateShape(s string) bool {
	if len(s) < 8 {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r == '9':
			digits++
		case strings.ContainsRune("-/.: T", r):
		default:
			return false
		}
	}
	return digits >= 6
}

func anyShape(shapes []ValueShare, f func(string) bool) bool {
	for _, s := range shapes {
		if f(s.Value) {
			return true
		}
	}
	return false
}

func shapeList(shapes []ValueShare) string {
	var out []string
	for _, s := range shapes {
		out = append(out, s.Value)
	}
	return strings.Join(out, ", ")
}
