package planner

import (
	"fmt"
	"strings"
)

// Columns the database rewrites by itself whenever a statement changes
// their row (Column.OnUpdate):
//
//   - MySQL's and MariaDB's ON UPDATE CURRENT_TIMESTAMP (TIMESTAMP and
//     DATETIME): such a column keeps its value when an UPDATE assigns it
//     explicitly, so every UPDATE anomgen runs on the target's rows (the
//     change, and the restore of its rollback) assigns it its own value
//     (t.updated_at = t.updated_at; Mutation.Kept, state.Journal.Keep).
//     Deleted rows come back with their journaled values, which an INSERT
//     keeps.
//   - SQL Server's rowversion and a temporal table's ROW START column: no
//     statement can write them (they are Generated), so rows the change or
//     its rollback updates, or inserts back, get new values that cannot be
//     restored. Plan warns.

// Kept lists the columns of m's table that the database would rewrite when
// m's statements or its rollback's UPDATE a row, and that anomgen keeps by
// assigning them their own value: columns with an OnUpdate expression that
// are written by statements (not Generated) and not changed by m. It is
// empty for ops that update no rows.
func (m *Mutation) Kept() []string {
	var out []string
	for _, c := range m.onUpdate(false) {
		out = append(out, c.Name)
	}
	return out
}

// onUpdate returns the columns with an OnUpdate that m's statements or its
// rollback's touch: the kept ones (generated false; UPDATEs only), or the
// generated ones, which also change in rows inserted back.
func (m *Mutation) onUpdate(generated bool) []Column {
	switch m.Op {
	case OpUpdate, OpDropColumn, OpChangeType:
	case OpDelete:
		if !generated {
			return nil // an INSERT with the journaled value keeps it
		}
	default:
		return nil
	}
	var out []Column
	for _, c := range m.Columns {
		if c.OnUpdate == "" || c.Generated != generated {
			continue
		}
		if (m.Column != nil && c.Name == m.Column.Name) || (m.With != nil && c.Name == m.With.Name) {
			continue // assigned explicitly by the change itself
		}
		out = append(out, c)
	}
	return out
}

// onUpdateGuard says in the plan what happens to the columns the database
// rewrites on UPDATE: kept ones in a setting, the ones no statement can
// restore in a caution.
func onUpdateGuard(ch *Change) {
	m := ch.Mutation
	if kept := m.onUpdate(false); len(kept) > 0 {
		var parts []string
		for _, c := range kept {
			parts = append(parts, fmt.Sprintf("%s (ON UPDATE %s)", c.Name, strings.ToUpper(c.OnUpdate)))
		}
		pron := "it its"
		if len(kept) > 1 {
			pron = "them their"
		}
		ch.Settings = append(ch.Settings, Setting{"on update", fmt.Sprintf("%s %s kept unchanged: every UPDATE of the change and of its rollback assigns %s own value",
			joinAnd(parts), isAre(len(kept)), pron)})
	}
	lost := m.onUpdate(true)
	if len(lost) == 0 {
		return
	}
	var parts []string
	for _, c := range lost {
		parts = append(parts, fmt.Sprintf("%s (%s)", c.Name, c.OnUpdate))
	}
	rows := "the rows this change and its rollback update"
	if m.Op == OpDelete {
		rows = "the rows its rollback inserts back"
	}
	ch.Cautions = append(ch.Cautions, fmt.Sprintf("%s %s written by the database in every row a statement writes, and no statement can set them back: %s get new values there, so rollback restores every other column but not these",
		joinAnd(parts), isAre(len(lost)), rows))
}
