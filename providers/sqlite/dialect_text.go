package sqlite

import (
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/anomgen/anomgen/planner"
	sqlite "modernc.org/sqlite"
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_regexp_replace", 3, regexpReplaceFunc)
}

// TypedValue is the bare parameter: numbers are bound as numbers, times in
// the column's text layout (TimeArg), text as text.
func (Dialect) TypedValue(ph string, _ planner.Column) string { return ph }

func (Dialect) Concat(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }

// Case: SQLite's upper and lower change ASCII letters only, and it has no
// INITCAP: title case is the first character upper, the rest lower.
func (Dialect) Case(col, mode string) string {
	switch mode {
	case "lower":
		return "lower(" + col + ")"
	case "title":
		return fmt.Sprintf("(upper(substr(%s, 1, 1)) || lower(substr(%s, 2)))", col, col)
	}
	return "upper(" + col + ")"
}

// Left is substr, which counts characters of text values.
func (Dialect) Left(col, n string) string { return fmt.Sprintf("substr(%s, 1, %s)", col, n) }

func (Dialect) Replace(col, from, to string) string {
	return fmt.Sprintf("replace(%s, %s, %s)", col, from, to)
}

// RegexpReplace calls anomgen_regexp_replace, a Go function (RE2 syntax)
// that replaces every match, reading \1..\9 in the replacement as groups.
func (Dialect) RegexpReplace(col, pattern, repl string) (string, error) {
	return fmt.Sprintf("anomgen_regexp_replace(%s, %s, %s)", col, pattern, repl), nil
}

func (Dialect) IntText(x string) string { return "CAST(" + x + " AS TEXT)" }

func (Dialect) Mod(x string, n int) string { return fmt.Sprintf("(%s %% %d)", x, n) }

var (
	regexpCache sync.Map // pattern → *regexp.Regexp
	groupRef    = regexp.MustCompile(`\\(\d)`)
)

// regexpReplaceFunc is anomgen_regexp_replace(value, pattern,
// replacement): every match of pattern in value replaced, \1..\9 in
// replacement standing for groups (and $ taken literally). A bad pattern
// is an error, so the apply fails and changes nothing.
func regexpReplaceFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	text := func(v driver.Value) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case []byte:
			return string(x), true
		case nil:
			return "", false
		}
		return fmt.Sprint(v), true
	}
	s, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	pat, _ := text(args[1])
	repl, _ := text(args[2])
	re, err := compiled(pat)
	if err != nil {
		return nil, fmt.Errorf("anomgen_regexp_replace: %v", err)
	}
	repl = strings.ReplaceAll(repl, "$", "$$")
	repl = groupRef.ReplaceAllString(repl, "$${$1}")
	return re.ReplaceAllString(s, repl), nil
}

func compiled(pat string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(pat); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	regexpCache.Store(pat, re)
	return re, nil
}
