package planner

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Enum columns (ClassEnum: PostgreSQL enum types and domains over them,
// MySQL and MariaDB ENUM) are category columns: category_mix_shift,
// invalid_category, stuck_values, null_rate and segments work on them, the
// text kinds do not (a changed text would not be a label). Every value a
// scenario names for an enum column must be one of its labels, which plan
// checks, since the database refuses any other.

// categoryText accepts text and enum columns (invalid_category).
func categoryText(c Column) (bool, string) {
	if c.Class != ClassText && c.Class != ClassEnum {
		return false, fmt.Sprintf("column %s has type %s; this kind needs a text or enum column holding categories", c.Name, c.Type)
	}
	return true, ""
}

// HasLabel reports whether enum column c accepts label v.
func (c Column) HasLabel(v string) bool {
	for _, l := range c.Labels {
		if l == v {
			return true
		}
	}
	return false
}

// notLabels lists, quoted, the values enum column c does not accept.
func (c Column) notLabels(values []string) []string {
	var bad []string
	for _, v := range values {
		if !c.HasLabel(v) {
			bad = append(bad, fmt.Sprintf("%q", v))
		}
	}
	return bad
}

// labelRefusal refuses values of enum column c that are not among its
// labels, pointing at argument attr of the anomaly; nil for other columns.
func labelRefusal(b *build, c *Column, attr string, values []string) hcl.Diagnostics {
	if c.Class != ClassEnum {
		return nil
	}
	bad := c.notLabels(values)
	if len(bad) == 0 {
		return nil
	}
	return b.errorAt(attr, fmt.Sprintf("Not a label of %s", c.Type),
		fmt.Sprintf("Column %s of %s has the enum type %s, which accepts only the labels %s; %s %s not among them, and the database would refuse %s.",
			c.Name, b.Profile.Table, c.Type, quoted(c.Labels), strings.Join(bad, ", "), isAre(len(bad)), itThem(len(bad))))
}

// invalidOnEnum is invalid_category's check of an enum column: it cannot
// hold a label outside its type, so values must name labels of the type
// (one the data does not normally hold stands for the unexpected
// category); generated labels are refused.
func invalidOnEnum(b *build, values []string) hcl.Diagnostics {
	c := b.Column
	if c.Class != ClassEnum {
		return nil
	}
	if len(values) == 0 {
		return b.errorAt("kind", "An enum cannot hold an invalid label",
			fmt.Sprintf("Column %s of %s has the enum type %s, which accepts only the labels %s: the database refuses any other value, so invalid_category cannot write generated labels into it. "+
				"Set values = [...] to labels of the type that the data does not normally hold (they stand for an unexpected category), or target a text column.",
				c.Name, b.Profile.Table, c.Type, quoted(c.Labels)))
	}
	return labelRefusal(b, c, "values", values)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func itThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
