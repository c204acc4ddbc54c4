package sqlite

import (
	"crypto/md5"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/planner"
	sqlite "modernc.org/sqlite"
)

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_add_seconds", 3, addSecondsFunc)
	sqlite.MustRegisterDeterministicScalarFunction("anomgen_uuid", 2, uuidFunc)
}

// AddSeconds depends on how the column stores times. Epoch numbers get
// plain arithmetic; text goes through anomgen_add_seconds, a Go function
// that parses each value with the layout, adds the seconds and formats it
// back with the same layout. Where the format is not known (a column other
// than the target's time column, whose format the inspector reads),
// anomgen_add_seconds recognises it from each value: numbers as epoch
// seconds, or milliseconds beyond ±1e11 (as the inspector guesses), text
// by the layouts the inspector knows.
func (Dialect) AddSeconds(col string, _ planner.Column, f planner.TimeFormat, secs string) string {
	switch {
	case f.Epoch == "s":
		return fmt.Sprintf("%s + %s", col, secs)
	case f.Epoch == "ms":
		return fmt.Sprintf("%s + %s * 1000", col, secs)
	}
	return fmt.Sprintf("anomgen_add_seconds(%s, %s, '%s')", col, secs, strings.ReplaceAll(f.Layout, "'", "''"))
}

func (Dialect) FirstRow(cols, from, where, order string) string {
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT 1", cols, from, where, order)
}

func (Dialect) TextSuffix(key, suffix string) string { return key + " || " + suffix }

// DerivedUUID calls anomgen_uuid, which formats MD5(seed ':' key) as a
// lower-case 8-4-4-4-12 text with the version and variant digits set, as
// the other dialects do (SQLite has no uuid type; a column declared UUID
// holds text).
func (Dialect) DerivedUUID(seed, key string, _ planner.Column) string {
	return fmt.Sprintf("anomgen_uuid(%s, %s)", seed, key)
}

// DeleteMatching deletes by key from an uncorrelated join of journal and
// table: SQLite runs it once, finding each journal row in the table by its
// primary key. (DELETE ... WHERE EXISTS over the journal, which has no
// index, would scan the journal once per row of the table.)
func (Dialect) DeleteMatching(table, journal string, keys []string, on, cond string) string {
	k := strings.Join(keys, ", ")
	tk := make([]string, len(keys))
	for i, c := range keys {
		tk[i] = "t." + c
	}
	return fmt.Sprintf("DELETE FROM %s WHERE (%s) IN (SELECT %s FROM %s AS j JOIN %s AS t ON %s WHERE %s)", table, k, strings.Join(tk, ", "), journal, table, on, cond)
}

// SyncKey is empty: the next rowid is one past the largest, and an
// AUTOINCREMENT table's sqlite_sequence follows explicit larger rowids.
func (Dialect) SyncKey(string, planner.TableName, planner.Column) string { return "" }

// textLayouts are the text time layouts anomgen recognises, as in
// timeFormat.
var textLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05.000", "2006-01-02T15:04:05.000Z07:00", "2006-01-02"}

// addSecondsFunc is anomgen_add_seconds(value, seconds, layout): value
// moved by seconds, in its own storage format. With layout "" the format
// is recognised from the value. A text value that does not parse is an
// error (the apply fails and changes nothing) rather than left as it is,
// which would change fewer rows than the plan counted.
func addSecondsFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	secs, ok := args[1].(int64)
	if !ok {
		return nil, fmt.Errorf("anomgen_add_seconds: seconds must be an integer, got %T", args[1])
	}
	layout, _ := args[2].(string)
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case int64:
		if layout != "" {
			return nil, fmt.Errorf("anomgen_add_seconds: %d is a number, not a time in layout %q", v, layout)
		}
		if v > 1e11 || v < -1e11 {
			return v + secs*1000, nil
		}
		return v + secs, nil
	case float64:
		if layout != "" {
			return nil, fmt.Errorf("anomgen_add_seconds: %v is a number, not a time in layout %q", v, layout)
		}
		if math.Abs(v) > 1e11 {
			return v + float64(secs)*1000, nil
		}
		return v + float64(secs), nil
	case string:
		return addText(v, secs, layout)
	case []byte:
		return addText(string(v), secs, layout)
	}
	return nil, fmt.Errorf("anomgen_add_seconds: cannot move a %T", args[0])
}

// addText moves a text time. A layout is used only when formatting the
// parsed time with it gives the text back (time.Parse would also accept
// fractional seconds or a +00:00 the layout would not write), so a value
// keeps its exact form; the layout given is tried first, then the others
// anomgen knows (also with numeric offsets, for +00:00).
func addText(s string, secs int64, layout string) (driver.Value, error) {
	layouts := append([]string{layout}, textLayouts...)
	layouts = append(layouts, "2006-01-02T15:04:05-07:00", "2006-01-02T15:04:05.000-07:00", "2006-01-02 15:04:05.000000")
	for _, l := range layouts {
		if l == "" {
			continue
		}
		if t, err := time.Parse(l, s); err == nil && t.Format(l) == s {
			return t.Add(time.Duration(secs) * time.Second).Format(l), nil
		}
	}
	return nil, fmt.Errorf("anomgen_add_seconds: %q is not a time anomgen can move (e.g. 2006-01-02 15:04:05)", s)
}

// uuidFunc is anomgen_uuid(seed, key): MD5(seed ":" key) as a uuid text.
func uuidFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var parts [2]string
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			return nil, nil
		case int64:
			parts[i] = strconv.FormatInt(v, 10)
		case float64:
			parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
		case string:
			parts[i] = v
		case []byte:
			parts[i] = string(v)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	sum := md5.Sum([]byte(parts[0] + ":" + parts[1]))
	h := []byte(hex.EncodeToString(sum[:]))
	h[12], h[16] = '4', '8'
	return string(h[:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:]), nil
}
