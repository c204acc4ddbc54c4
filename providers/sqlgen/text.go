package sqlgen

// Rendering of the text data-quality expressions (planner/ir_text.go):
// SetValue, ChangeCase, Pad, Truncate, Reformat and InvalidLabel. Every
// new value is computed in SQL, set-based; every value from a scenario is
// a bind parameter.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// TextDialect is what the text kinds need from a database beyond Dialect.
// All five dialects implement it; sqlgen finds it by type assertion. Each
// method returns SQL text whose placeholders appear in the order of its
// arguments (MySQL and Oracle bind by position).
type TextDialect interface {
	// TypedValue converts placeholder ph, bound to a Go string (text), an
	// int64 or float64 (numbers) or the dialect's TimeArg (times), to the
	// type of column c where the database would not do so by itself.
	TypedValue(ph string, c planner.Column) string
	// Concat joins text expressions (two or more).
	Concat(parts ...string) string
	// Case rewrites text expression col in mode "upper", "lower" or
	// "title".
	Case(col, mode string) string
	// Left keeps the first n characters of col (n: an integer placeholder).
	Left(col, n string) string
	// Replace replaces every occurrence of from by to in col (plain text).
	Replace(col, from, to string) string
	// RegexpReplace replaces every match of pattern in col by repl, where
	// \1..\9 stand for groups; an error where the database has none.
	RegexpReplace(col, pattern, repl string) (string, error)
	// IntText renders integer expression x as decimal text.
	IntText(x string) string
	// Mod is integer expression x modulo n.
	Mod(x string, n int) string
}

// textSet renders the new value of a text-kind expression over alias t,
// adding its arguments to a in text order; ok is false for expressions
// that are not the text kinds'.
func textSet(d Dialect, m *planner.Mutation, a *args) (set string, ok bool, err error) {
	col := "t." + d.Quote(m.Column.Name)
	switch e := m.Set.(type) {
	case planner.SetValue:
		td := d
		var v any = e.Value
		switch {
		case e.IsTime:
			var f planner.TimeFormat
			if tc := m.Where.TimeColumn; tc != nil && tc.Name == m.Column.Name {
				f = m.Where.TimeFormat
			}
			v = d.TimeArg(e.Time, f)
		case m.Column.Class.Numeric():
			if n, err := strconv.ParseInt(e.Value, 10, 64); err == nil {
				v = n
			} else if f, err := strconv.ParseFloat(e.Value, 64); err == nil {
				v = f
			} else {
				return "", true, fmt.Errorf("sqlgen: %q is not a number for column %s", e.Value, m.Column.Name)
			}
		}
		return td.TypedValue(a.add(v), *m.Column), true, nil
	case planner.ChangeCase:
		td := d
		return td.Case(col, e.Case), true, nil
	case planner.Pad:
		td := d
		pad := strings.Repeat(e.Pad, max(e.Count, 1))
		var parts []string
		if e.Leading {
			parts = append(parts, a.add(pad))
		}
		parts = append(parts, col)
		if e.Trailing {
			parts = append(parts, a.add(pad))
		}
		return td.Concat(parts...), true, nil
	case planner.Truncate:
		td := d
		return td.Left(col, a.add(e.Length)), true, nil
	case planner.Reformat:
		td := d
		// Placeholders are added in text order: the prefix comes first,
		// then the innermost replacement outwards, then the suffix.
		var parts []string
		if e.Prefix != "" {
			parts = append(parts, a.add(e.Prefix))
		}
		x := col
		for _, r := range e.Replace {
			x = td.Replace(x, a.add(r.From), a.add(r.To))
		}
		if e.Regex != "" {
			if x, err = td.RegexpReplace(x, a.add(e.Regex), a.add(e.Replacement)); err != nil {
				return "", true, err
			}
		}
		parts = append(parts, x)
		if e.Suffix != "" {
			parts = append(parts, a.add(e.Suffix))
		}
		if len(parts) == 1 {
			return x, true, nil
		}
		return td.Concat(parts...), true, nil
	case planner.InvalidLabel:
		td := d
		hash := func() string { return d.Hash(a.add(fmt.Sprint(e.Seed)), qualify(d, "t", m.Key)) }
		if len(e.Values) == 0 {
			if e.Prefix == "" {
				return td.IntText(hash()), true, nil
			}
			p := a.add(e.Prefix)
			return td.Concat(p, td.IntText(hash())), true, nil
		}
		// Labels of an enum take its type (PostgreSQL); text stays text.
		if len(e.Values) == 1 {
			return td.TypedValue(a.add(e.Values[0]), *m.Column), true, nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "CASE %s", td.Mod(hash(), len(e.Values)))
		for i, v := range e.Values {
			fmt.Fprintf(&b, " WHEN %d THEN %s", i, td.TypedValue(a.add(v), *m.Column))
		}
		b.WriteString(" END")
		return b.String(), true, nil
	}
	return "", false, nil
}
