package sqlgen

// The value trial: at plan time, the new values of an update are written
// into an empty scratch copy of the table (its column types, NOT NULL and
// CHECK constraints, domains), so that a value the database would refuse
// (out of the type's range, a date before TIMESTAMP's, a CHECK or a domain
// it breaks) refuses the plan, naming the column and the constraint,
// instead of failing the apply.

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// ScratchTabler is implemented by a Dialect that can make the scratch
// table of the value trial inside a transaction, without committing it.
type ScratchTabler interface {
	// ScratchTable returns the statement that creates scratch, an empty
	// temporary table with table's columns, their types, NOT NULL and
	// CHECK constraints (not its foreign keys, triggers or partitions); a
	// fallback to run where that fails without ending the transaction
	// (types only, or ""); and the statements that drop it after the
	// transaction is rolled back (none where the rollback drops it).
	ScratchTable(table, scratch string) (create, fallback string, drop []string)
}

// ValueTrial returns the statements of m's value trial: create the scratch
// table, then insert into it every chosen row with its new values (the
// insert's error is the refusal), and drop it after the rollback; ok is
// false where m writes no column values or d has no ScratchTabler.
func ValueTrial(d Dialect, m *planner.Mutation, scratch string) (create, fallback string, insert Statement, drop []string, ok bool, err error) {
	st, can := d.(ScratchTabler)
	if !can || m.Op != planner.OpUpdate || m.Column == nil {
		return "", "", Statement{}, nil, false, nil
	}
	a := &args{d: d}
	sets := map[string]string{}
	if m.With != nil { // swapped_columns: each column takes the other's value
		sets[m.Column.Name] = "t." + d.Quote(m.With.Name)
		sets[m.With.Name] = "t." + d.Quote(m.Column.Name)
	} else {
		col := "t." + d.Quote(m.Column.Name)
		switch e := m.Set.(type) {
		case planner.SetNull:
			sets[m.Column.Name] = "NULL"
		case planner.Scale:
			sets[m.Column.Name] = d.Scale(col, *m.Column, a.add(e.Factor))
		default:
			v, err := rowSet(d, m, a)
			if err != nil {
				return "", "", Statement{}, nil, false, err
			}
			sets[m.Column.Name] = v
		}
	}
	var names, sel []string
	for _, c := range m.Columns {
		if c.Generated {
			continue
		}
		names = append(names, d.Quote(c.Name))
		if v, ok := sets[c.Name]; ok {
			sel = append(sel, v)
		} else {
			sel = append(sel, "t."+d.Quote(c.Name))
		}
	}
	w := where(d, m, a)
	create, fallback, drop = st.ScratchTable(d.Table(m.Table), scratch)
	insert = Statement{SQL: fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s t WHERE %s", scratch, strings.Join(names, ", "), strings.Join(sel, ", "), d.Table(m.Table), w), Args: a.vals}
	return create, fallback, insert, drop, true, nil
}
