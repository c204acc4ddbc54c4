package sqlgen

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// DateTextDialect is what date_format (planner.DateRelayout) needs from a
// database beyond Dialect: the fields of a text date are moved by
// position, so only substrings, concatenation, a length and, for "epoch",
// one date conversion are database-specific. Implementations return SQL
// text only.
type DateTextDialect interface {
	// DateSubstr is n characters of text expression x from 1-based
	// position pos.
	DateSubstr(x string, pos, n int) string
	// DateLength is the number of characters of x.
	DateLength(x string) string
	// DateConcat concatenates text expressions (never NULL here).
	DateConcat(parts []string) string
	// DateEpoch is the seconds since 1970-01-01 00:00:00 UTC, as text, of
	// iso, a text expression "YYYY-MM-DD HH:MM:SS" holding a UTC time.
	DateEpoch(iso string) string
}

// relayout renders DateRelayout over alias t: CASE WHEN the length is the
// source layout's THEN the fields in the new order ELSE the value END.
func relayout(d Dialect, m *planner.Mutation, e planner.DateRelayout) (string, error) {
	dd := d
	col := "t." + d.Quote(m.Column.Name)
	from, ok := planner.NumDateFields(e.From)
	if !ok {
		return "", fmt.Errorf("sqlgen: invalid date layout %q", e.From)
	}
	pos := map[string]int{}
	for _, f := range from {
		if f.Name != "" {
			pos[f.Name] = f.Pos
		}
	}
	field := func(name string) string {
		p, ok := pos[name]
		if !ok {
			return "'00'" // a time field the source lacks
		}
		return dd.DateSubstr(col, p+1, len(name))
	}
	var parts []string
	if e.To == "epoch" {
		iso := []string{field("2006"), "'-'", field("01"), "'-'", field("02"), "' '", field("15"), "':'", field("04"), "':'", field("05")}
		parts = []string{dd.DateEpoch(dd.DateConcat(iso))}
	} else {
		to, ok := planner.NumDateFields(e.To)
		if !ok {
			return "", fmt.Errorf("sqlgen: invalid date layout %q", e.To)
		}
		lit := ""
		for _, f := range to {
			if f.Name == "" {
				lit += f.Literal
				continue
			}
			if lit != "" {
				parts = append(parts, "'"+strings.ReplaceAll(lit, "'", "''")+"'")
				lit = ""
			}
			parts = append(parts, field(f.Name))
		}
		if lit != "" {
			parts = append(parts, "'"+lit+"'")
		}
	}
	value := parts[0]
	if len(parts) > 1 {
		value = dd.DateConcat(parts)
	}
	return fmt.Sprintf("CASE WHEN %s = %d THEN %s ELSE %s END", dd.DateLength(col), len(e.From), value, col), nil
}
