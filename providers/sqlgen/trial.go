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

// TrialNeeder is implemented by a Dialect whose count (Count) computes a
// column update's new values cast to the column's type (ChangeDialect's
// Differs) as strictly as the UPDATE's assignment would store them, for
// some types: there the count refuses what the type refuses, and the
// value trial is needed only for what it leaves out.
type TrialNeeder interface {
	// TrialNeeded returns a query yielding one boolean: false when the
	// database can refuse nothing of a new value of column c of table
	// beyond what the count's cast refuses (no CHECK constraint on the
	// table or its partitions, the column's type one whose cast is the
	// assignment's), true otherwise.
	TrialNeeded(table planner.TableName, c planner.Column) Statement
}

// TrialCheck returns the query of TrialNeeder for m, or ok false where the
// value trial must run whatever the catalog says: d has no TrialNeeder;
// m is no single-column update (a swap of two columns is not cast by the
// count); its new value is one the count does not cast (it is not
// rendered by the change filter); or it may write NULL into a NOT NULL
// column (the count computes NULL without refusing it): on a NOT NULL
// column only the new values that are NULL where the old one is (a
// multiple, a sum, a negation of it, a time moved by a constant) are let
// through.
func TrialCheck(d Dialect, m *planner.Mutation) (q Statement, ok bool) {
	tn, can := d.(TrialNeeder)
	if !can || m.Op != planner.OpUpdate || m.Column == nil || m.With != nil || m.Set == nil {
		return Statement{}, false
	}
	if !m.Column.Nullable {
		switch m.Set.(type) {
		case planner.Scale, planner.Offset, planner.Negate, planner.AddSeconds:
		default:
			return Statement{}, false
		}
	}
	if _, isNull := m.Set.(planner.SetNull); !isNull {
		// The count's change filter holds the cast new value (unchanged.go);
		// where it cannot be rendered the count is made without it.
		if f, err := changeFilter(d, m, &args{d: d}); err != nil || f == "" {
			return Statement{}, false
		}
	}
	return tn.TrialNeeded(m.Table, *m.Column), true
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
