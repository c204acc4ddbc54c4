package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The text data-quality kinds: empty and sentinel values, case, padding,
// truncation, format changes and invalid categories. Each changes a share
// (volume) of the column's non-NULL values in the window in SQL; their
// expressions are in ir_text.go.

func init() {
	register(&Kind{
		Name:          "empty_values",
		Category:      Quality,
		Summary:       "write empty or whitespace-only strings in place of a share of a text column's values",
		Description:   "Replaces a share (volume) of the column's non-NULL values in the window by value: the empty string by default, or whitespace such as \"   \", as a form that submits blank fields or an export that writes '' for missing values would. NULL checks do not see it. The default (20% of the rows) moves the daily share of blank values from about 0 to 20%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the distinct count of email at z = −1.3, which it does not flag; a check of the top-value share of email sees z = +1000 (and the blank share, 0 on every day before, goes to 20%). Oracle stores '' as NULL, so there value must hold at least one character.",
		Monitor:       "completeness: the share of '' / blank values in the column jumps (0% → 20%) while its null share stays flat",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns (char, varchar, text) that are not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "value", Type: "string", Default: `""`, Doc: `the blank value to write: "" or whitespace such as "   "`},
		},
		Example: `anomaly "empty_values" "blank_emails" {
  target = target.orders
  column = "email"
  volume = 0.2
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			v, diags := b.str("value", "")
			if diags.HasErrors() {
				return nil, diags
			}
			if strings.TrimSpace(v) != "" {
				return nil, b.errorAt("value", "Invalid value for value", fmt.Sprintf("value must be empty or whitespace only, not %q; use sentinel_values for placeholder values such as 'N/A'.", v))
			}
			if c := b.caps(); v == "" && c.EmptyStringIsNull {
				return nil, b.errorAt("kind", "Empty strings are NULL on "+c.Database, c.Database+` stores '' as NULL, so an empty value would be a null_rate anomaly; set value = " " (or more spaces) for blank values.`)
			}
			b.Where.SkipNull = true
			return b.set(SetValue{Value: v}), nil
		},
	})
	register(&Kind{
		Name:          "sentinel_values",
		Category:      Quality,
		Summary:       "write an implicit missing value (-1, 'N/A', 1900-01-01) into a share of a column's values",
		Description:   "Replaces a share (volume) of the column's non-NULL values in the window by a sentinel that stands for 'unknown': value, by default -1 for numbers, 'N/A' for text and 1900-01-01 for dates and timestamps, converted to the column's type by the database. The default (20% of the rows) puts 20% of the day's values on one value: the daily share of the sentinel goes from 0 to 20%, and for numbers the mean drops and the minimum becomes -1. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the mean of amount at z = −14.",
		Monitor:       "validity: one value (-1, 'N/A', 1900-01-01) takes 20% of the column; numbers: the mean drops and the minimum jumps to -1; dates: the minimum jumps to 1900",
		NeedsColumn:   true,
		Suits:         sentinelColumn,
		ColumnTypes:   "numeric, text and date/time columns that are not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "value", Type: "string", Default: "-1 (numbers), N/A (text), 1900-01-01 (dates)", Doc: "the sentinel, written as text and converted to the column's type (a number, or a date such as \"1900-01-01\" or an RFC 3339 time)"},
		},
		Example: `anomaly "sentinel_values" "unknown_amount" {
  target = target.orders
  column = "amount"
  volume = 0.2
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			c := b.Column
			def := "N/A"
			switch {
			case c.Class.Numeric():
				def = "-1"
			case c.Class == ClassTime:
				def = "1900-01-01"
			}
			v, diags := b.str("value", def)
			if diags.HasErrors() {
				return nil, diags
			}
			set := SetValue{Value: v}
			switch {
			case c.Class.Numeric():
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					return nil, b.errorAt("value", "Invalid value for value", fmt.Sprintf("column %s is numeric (%s); value must be a number such as \"-1\" or \"9999\", not %q.", c.Name, c.Type, v))
				}
				if c.Class == ClassInteger && strings.ContainsAny(v, ".eE") {
					return nil, b.errorAt("value", "Invalid value for value", fmt.Sprintf("column %s is an integer (%s); value must be a whole number, not %q.", c.Name, c.Type, v))
				}
			case c.Class == ClassTime:
				t, err := time.Parse("2006-01-02", v)
				if err != nil {
					t, err = config.ParseTime(v)
				}
				if err != nil {
					return nil, b.errorAt("value", "Invalid value for value", fmt.Sprintf("column %s holds times (%s); value must be a date such as \"1900-01-01\" or an RFC 3339 time, not %q.", c.Name, c.Type, v))
				}
				set.IsTime, set.Time = true, t.UTC()
			}
			b.Where.SkipNull = true
			return &Mutation{Op: OpUpdate, Column: c, Set: set, Where: b.Where}, nil
		},
	})
	register(&Kind{
		Name:          "string_case",
		Category:      Quality,
		Summary:       "change the letter case of a share of a text column's values (upper, lower, title)",
		Description:   "Rewrites a share (volume) of the column's non-NULL values in the window in upper case, lower case or title case, as a new client or an ETL step that normalises differently would. Title case is INITCAP on PostgreSQL and Oracle (each word capitalised); on MySQL, MariaDB, SQLite and SQL Server it is the first letter of the value in upper case and the rest in lower case. SQLite's upper and lower change ASCII letters only. Values already in that case would not change: they are left out (not counted, not journaled). The default (30%, upper) makes 30% of a lower-case column's values upper case: the daily share of values in the unexpected case goes from 0 to 30%. Measured on the demo shop with the example's column: at the defaults a daily monitor sees the share of 'paid' in status at z = −55.",
		Monitor:       "validity/consistency: distinct values multiply ('paid' and 'PAID'), category shares split, and the share of values matching the expected case pattern drops by the volume",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns that are not part of the key",
		DefaultVolume: 0.3,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "case", Type: "string", Default: "upper", Doc: `"upper", "lower" or "title"`},
		},
		Example: `anomaly "string_case" "shouting_status" {
  target = target.orders
  column = "status"
  case   = "upper"
  volume = 0.3
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			c, diags := b.str("case", "upper")
			if diags.HasErrors() {
				return nil, diags
			}
			if c != "upper" && c != "lower" && c != "title" {
				return nil, b.errorAt("case", "Invalid value for case", fmt.Sprintf(`case must be "upper", "lower" or "title", not %q.`, c))
			}
			b.Where.SkipNull = true
			return b.set(ChangeCase{Case: c}), nil
		},
	})
	register(&Kind{
		Name:          "whitespace_padding",
		Category:      Quality,
		Summary:       "add leading and/or trailing spaces or tabs to a share of a text column's values",
		Description:   "Adds pad (a space by default, or a tab) count times before and/or after a share (volume) of the column's non-NULL values in the window, as a fixed-width export or a sloppy form would. Joins and equality checks on the column then miss those rows. On MySQL, MariaDB and SQL Server comparisons with = ignore trailing spaces under PAD SPACE collations, so trailing padding shows in LENGTH/DATALENGTH, not in =. The default (20%, one space on both sides) makes 20% of the day's values differ from their trimmed form (0 before). Measured on the demo shop with the example's column (padded on both sides, the default): at the defaults a daily monitor sees the share of 'mobile' in channel at z = −10.",
		Monitor:       "validity: the share of values with value <> TRIM(value) (or LENGTH changes) jumps to the volume; joins on the column lose that share",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns that are not part of the key (char columns may drop trailing spaces)",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "side", Type: "string", Default: "both", Doc: `"both", "leading" or "trailing"`},
			{Name: "pad", Type: "string", Default: `" "`, Doc: `the padding character(s): " " or "\t"`},
			{Name: "count", Type: "number", Default: "1", Doc: "how many times pad is added on each side (1-100)"},
		},
		Example: `anomaly "whitespace_padding" "padded_channel" {
  target = target.orders
  column = "channel"
  side   = "trailing"
  volume = 0.2
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			side, diags := b.str("side", "both")
			if diags.HasErrors() {
				return nil, diags
			}
			if side != "both" && side != "leading" && side != "trailing" {
				return nil, b.errorAt("side", "Invalid value for side", fmt.Sprintf(`side must be "both", "leading" or "trailing", not %q.`, side))
			}
			pad, diags := b.str("pad", " ")
			if diags.HasErrors() {
				return nil, diags
			}
			if pad == "" || strings.TrimSpace(pad) != "" {
				return nil, b.errorAt("pad", "Invalid value for pad", fmt.Sprintf(`pad must be whitespace such as " " or "\t", not %q.`, pad))
			}
			n, diags := b.integer("count", 1, 1, 100)
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(Pad{Pad: pad, Count: int(n), Leading: side != "trailing", Trailing: side != "leading"}), nil
		},
	})
	register(&Kind{
		Name:          "truncation",
		Category:      Quality,
		Summary:       "cut a share of a text column's values to their first length characters",
		Description:   "Keeps the first length characters (not bytes: every database counts characters here) of a share (volume) of the column's non-NULL values in the window, as a too-narrow staging column or a fixed-width extract would. Values no longer than length would not change: they are left out (not counted, not journaled). The default (20%, 3 characters) cuts 20% of the day's values: the daily mean length drops and the share of values of length 3 or less goes from about 0 to 20%. Measured on the demo shop with the example's column (at the default length): at the defaults a daily monitor sees the distinct count of email at z = −1.3, which it does not flag; a check of the top-value share of email sees z = +51 (and the usual-shape share of email leaves 100%).",
		Monitor:       "validity: the column's mean and minimum length drop; values stop matching their pattern (e-mails lose their @) in the volume's share",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns that are not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "length", Type: "number", Default: "3", Unit: "characters", Doc: "how many leading characters are kept (at least 1)"},
		},
		Example: `anomaly "truncation" "cut_emails" {
  target = target.orders
  column = "email"
  length = 5
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			n, diags := b.integer("length", 3, 1, 1<<31-1)
			if diags.HasErrors() {
				return nil, diags
			}
			b.Where.SkipNull = true
			return b.set(Truncate{Length: n}), nil
		},
	})
	register(&Kind{
		Name:          "format_change",
		Category:      Quality,
		Summary:       "change the format of a share of a text column's values (prefix, suffix, separators, regex)",
		Description:   "Rewrites a share (volume) of the column's non-NULL values in the window in another format, as an upstream system that changed its formatting would: plain replacements (replace = { \"-\" = \"\" }, applied in key order), then a regular expression (regex, every match replaced by replacement, where \\1 to \\9 are the groups: \"^(\\\\d{3})-(\\\\d{3})-(\\\\d{4})$\" → \"(\\\\1) \\\\2\\\\3\" turns 555-123-4567 into (555) 1234567), then prefix and suffix. Without any of them it puts a spreadsheet's text marker ' before each value ('555-123-4567), as a CSV round trip through a spreadsheet does. Regular expressions run in the database (PostgreSQL, MySQL 8/MariaDB and Oracle REGEXP_REPLACE, SQLite a Go function), so keep to the syntax they share (MySQL 8 reads groups in replacement as $1, not \\1); SQL Server has no regular expressions before 2025, so regex is refused there (prefix, suffix and replace work). The default volume (20%) puts 20% of the day's values in the new pattern (0 before). Measured on the demo shop with the example's column (without replace: the ' marker): at the defaults a daily monitor sees the distinct count of email at z = −0.1, which it does not flag; a check of the usual-shape share of email sees z = −∞ (100% → 80%).",
		Monitor:       "validity: the share of values matching the column's usual pattern (regex or length) drops by the volume",
		NeedsColumn:   true,
		Suits:         textColumn,
		ColumnTypes:   "text columns that are not part of the key",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "prefix", Type: "string", Default: `"'" when nothing else is set`, Doc: "text put before the value"},
			{Name: "suffix", Type: "string", Doc: "text put after the value"},
			{Name: "replace", Type: "map(string)", Doc: `plain replacements, e.g. { "-" = "" } (every occurrence)`},
			{Name: "regex", Type: "string", Doc: "a regular expression; every match is replaced by replacement (not on SQL Server)"},
			{Name: "replacement", Type: "string", Default: `""`, Doc: `what regex matches become; \1..\9 are its groups`},
		},
		Example: `anomaly "format_change" "obfuscated_emails" {
  target  = target.orders
  column  = "email"
  replace = { "@" = " at ", "." = " dot " }
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			var f Reformat
			var diags hcl.Diagnostics
			for _, p := range []struct {
				name string
				dst  *string
			}{{"prefix", &f.Prefix}, {"suffix", &f.Suffix}, {"regex", &f.Regex}, {"replacement", &f.Replacement}} {
				v, d := b.str(p.name, "")
				diags = append(diags, d...)
				*p.dst = v
			}
			pairs, d := b.stringMap("replace")
			diags = append(diags, d...)
			if diags.HasErrors() {
				return nil, diags
			}
			f.Replace = pairs
			if f.Prefix == "" && f.Suffix == "" && f.Regex == "" && len(f.Replace) == 0 {
				f.Prefix = "'" // a spreadsheet's text marker, as CSV round trips leave it
			}
			if _, ok := b.Anomaly.Params["replacement"]; ok && f.Regex == "" {
				return nil, b.errorAt("replacement", "replacement without regex", "replacement is what regex matches become; add regex or remove replacement.")
			}
			if c, known := CapabilitiesOf(b.sourceType()); f.Regex != "" && known && !c.RegexReplace {
				return nil, b.errorAt("regex", "No regular expressions on "+c.Database, c.Database+" has no regular expression replace in SQL (SQL Server only from 2025), so regex cannot run there; use prefix, suffix or replace = { ... }.")
			}
			b.Where.SkipNull = true
			return b.set(f), nil
		},
	})
	register(&Kind{
		Name:          "invalid_category",
		Category:      Quality,
		Summary:       "write labels outside a category column's domain into a share of its values",
		Description:   "Replaces a share (volume) of the column's non-NULL values in the window by labels the column does not hold: values (each row takes one, chosen by the hash of the seed and its key), or by default generated unseen labels prefix followed by up to ten digits of that hash (INVALID_1234567890), as a new upstream code or a mapping bug would. The default (20%) puts 20% of the day's values outside the accepted set (0 before). Measured on the demo shop with the example's column (generated labels): at the defaults a daily monitor sees the share of 'paid' in status at z = −36, and hundreds of values it never saw.",
		Monitor:       "validity: the share of values outside the accepted set jumps to the volume; new distinct values appear",
		NeedsColumn:   true,
		Suits:         categoryText, // enums.go
		ColumnTypes:   "text columns that are not part of the key (generated labels need room for the prefix and 10 digits), and enum columns with values naming labels of the type",
		DefaultVolume: 0.2,
		DefaultWindow: 24 * time.Hour,
		UsesVolume:    true,
		Params: []Param{
			{Name: "values", Type: "list(string)", Doc: `labels to write, e.g. ["PAYED", "unknown"]; default: generated labels`},
			{Name: "prefix", Type: "string", Default: "INVALID_", Doc: "the start of generated labels"},
		},
		Example: `anomaly "invalid_category" "bad_status" {
  target = target.orders
  column = "status"
  values = ["PAYED", "unknown"]
  window {
    last = "24h"
  }
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			vals, diags := b.strings("values")
			if diags.HasErrors() {
				return nil, diags
			}
			if _, ok := b.Anomaly.Params["values"]; ok && len(vals) == 0 {
				return nil, b.errorAt("values", "Invalid value for values", "values must list at least one label.")
			}
			prefix, diags := b.str("prefix", "INVALID_")
			if diags.HasErrors() {
				return nil, diags
			}
			if d := invalidOnEnum(b, vals); d.HasErrors() { // enums.go
				return nil, d
			}
			if len(vals) > 0 {
				if _, ok := b.Anomaly.Params["prefix"]; ok {
					return nil, b.errorAt("prefix", "prefix with values", "prefix starts generated labels; with values it is not used. Remove one of them.")
				}
			}
			for _, v := range vals {
				if c := b.caps(); v == "" && c.EmptyStringIsNull {
					return nil, b.errorAt("values", "Empty strings are NULL on "+c.Database, c.Database+" stores '' as NULL; give labels of at least one character.")
				}
			}
			b.Where.SkipNull = true
			return b.set(InvalidLabel{Values: vals, Prefix: prefix, Seed: b.Where.Seed + 1}), nil
		},
	})
}

func textColumn(c Column) (bool, string) {
	if c.Class != ClassText {
		return false, fmt.Sprintf("column %s has type %s; this kind needs a text column", c.Name, c.Type)
	}
	return true, ""
}

func sentinelColumn(c Column) (bool, string) {
	if c.Class != ClassText && c.Class != ClassTime && !c.Class.Numeric() {
		return false, fmt.Sprintf("column %s has type %s; this kind needs a numeric, text or date/time column", c.Name, c.Type)
	}
	return true, ""
}

// sourceType is the type of the anomaly's source ("" when unknown).
func (b *build) sourceType() string {
	if a := b.Anomaly; a.Target != nil && a.Target.Source != nil {
		return a.Target.Source.Type
	}
	return ""
}

// integer returns the whole-number argument name within [lo, hi], or def.
func (b *build) integer(name string, def, lo, hi int64) (int64, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	v, _ := p.Value.Unmark()
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
		Detail: fmt.Sprintf("%s must be a whole number from %d to %d.", name, lo, hi), Subject: p.Range.Ptr()}}
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.Number {
		return 0, bad
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || n < lo || n > hi {
		return 0, bad
	}
	return n, nil
}

// stringMap returns the map argument name as pairs in key order (nil when
// absent).
func (b *build) stringMap(name string) ([]ReplacePair, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return nil, nil
	}
	v, _ := p.Value.Unmark()
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
		Detail: name + ` must be a map of strings, e.g. { "-" = "" }.`, Subject: p.Range.Ptr()}}
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsObjectType() || v.Type().IsMapType()) {
		return nil, bad
	}
	var out []ReplacePair
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			return nil, bad
		}
		if k.AsString() == "" {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
				Detail: name + " cannot replace the empty string.", Subject: p.Range.Ptr()}}
		}
		out = append(out, ReplacePair{From: k.AsString(), To: e.AsString()})
	}
	if len(out) == 0 {
		return nil, bad
	}
	return out, nil
}
