package planner

import (
	"strings"
	"testing"
)

// RankSuggestions leaves out kinds the column's data does not fit, with the
// reason, and puts the fitting ones in the order the data suggests.
func TestRankSuggestions(t *testing.T) {
	maxLen := int64(30)
	st := &TableStats{Columns: []ColumnStats{
		{Name: "email", Class: ClassText, NonNull: 20000, Distinct: 20000, MaxLength: &maxLen,
			Shapes: []ValueShare{{Value: "aaaa999@aaaaaaa.aaa"}}},
		{Name: "status", Class: ClassText, NonNull: 100, Distinct: 3, Shapes: []ValueShare{{Value: "aaaa"}}, NonASCII: 0.1},
		{Name: "day", Class: ClassText, NonNull: 100, Distinct: 400, Shapes: []ValueShare{{Value: "9999-99-99"}}},
		{Name: "gone", Class: ClassText, NonNull: 0, Distinct: 0},
	}}
	sugg := []Suggestion{
		{Kinds: []string{"volume_drop"}},
		{Column: "email", Kinds: []string{"category_mix_shift", "date_format", "encoding_corruption", "invalid_category", "null_rate", "string_case", "typos"}},
		{Column: "status", Kinds: []string{"date_format", "encoding_corruption", "null_rate", "typos", "category_mix_shift", "invalid_category"}},
		{Column: "day", Kinds: []string{"null_rate", "typos", "date_format"}},
		{Column: "gone", Kinds: []string{"typos", "null_rate"}},
	}
	RankSuggestions(sugg, st, 50)
	if got := strings.Join(sugg[1].Kinds, ","); got != "null_rate,typos,string_case" {
		t.Errorf("email kinds %s", got)
	}
	why := map[string]string{}
	for _, s := range sugg[1].Skipped {
		why[s.Kind] = s.Why
	}
	if why["category_mix_shift"] != "20,000 distinct values: not a category column (at most 50)" || !strings.HasPrefix(why["date_format"], "no value reads as a date") || why["encoding_corruption"] == "" || why["invalid_category"] == "" {
		t.Errorf("email skipped %v", sugg[1].Skipped)
	}
	if got := strings.Join(sugg[2].Kinds, ","); got != "category_mix_shift,invalid_category,null_rate,typos,encoding_corruption" {
		t.Errorf("status kinds %s (skipped %v)", got, sugg[2].Skipped)
	}
	if got := strings.Join(sugg[3].Kinds, ","); got != "date_format,null_rate,typos" {
		t.Errorf("day kinds %s", got)
	}
	if got := strings.Join(sugg[4].Kinds, ","); got != "null_rate" || len(sugg[4].Skipped) != 1 || sugg[4].Skipped[0].Why != "every value is NULL" {
		t.Errorf("gone kinds %s skipped %v", got, sugg[4].Skipped)
	}
	if len(sugg[0].Kinds) != 1 || sugg[0].Skipped != nil {
		t.Errorf("the table's kinds changed: %+v", sugg[0])
	}
}
