package providers

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// CheckKey measures a target's declared key (column names as declared) on
// the profiled table p when no constraint in p proves it unique and NOT NULL
// (planner.KeyConstraint): the rows with a NULL in it and the key values
// more than one row holds, with a few examples. The result, or why the
// queries failed, goes into p.KeyCheck for the planner to judge and show.
// A key naming a column p lacks is left to the planner to report.
func CheckKey(ctx context.Context, c *Conn, p *planner.TableProfile, key []string) {
	p.KeyCheck = nil
	if len(key) == 0 || planner.KeyConstraint(p, key) != "" {
		return
	}
	kc := &planner.KeyCheck{}
	var cols []*planner.Column
	for _, n := range key {
		col := p.Column(n)
		if col == nil {
			return
		}
		cols = append(cols, col)
		kc.Columns = append(kc.Columns, col.Name)
	}
	p.KeyCheck = kc
	q := sqlgen.KeyCheck(c.Dialect, p.Table, kc.Columns, planner.KeyExamples)
	var rows, nulls, dupKeys, dupRows any
	if err := c.DB.QueryRowContext(ctx, q.Nulls).Scan(&rows, &nulls); err != nil {
		kc.Error = err.Error()
		return
	}
	kc.Rows, kc.NullRows = toInt(rows), toInt(nulls)
	if err := c.DB.QueryRowContext(ctx, q.Duplicates).Scan(&dupKeys, &dupRows); err != nil {
		kc.Error = err.Error()
		return
	}
	kc.DuplicateKeys, kc.DuplicateRows = toInt(dupKeys), toInt(dupRows)
	if kc.DuplicateKeys == 0 {
		return
	}
	r, err := c.DB.QueryContext(ctx, q.Examples)
	if err != nil {
		kc.Error = err.Error()
		return
	}
	defer r.Close()
	for r.Next() {
		vals, ptrs := ScanSlots(len(cols) + 1)
		if err := r.Scan(ptrs...); err != nil {
			kc.Error = err.Error()
			return
		}
		e := planner.KeyCount{Rows: toInt(vals[len(cols)])}
		for i, col := range cols {
			e.Values = append(e.Values, keyText(vals[i], col, p.TimeFormat))
		}
		kc.Examples = append(kc.Examples, e)
	}
	if err := r.Err(); err != nil {
		kc.Error = err.Error()
	}
}

// keyText renders a key value for a diagnostic: text quoted as an SQL
// literal, bytes that are not UTF-8 in hex, numbers and times as text.
func keyText(v any, c *planner.Column, f planner.TimeFormat) string {
	if b, ok := v.([]byte); ok && !utf8.Valid(b) {
		return fmt.Sprintf("0x%x", b)
	}
	s := toText(v, c, f, false)
	if c.Class == planner.ClassText {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}
