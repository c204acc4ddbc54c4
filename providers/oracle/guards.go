package oracle

import (
	"context"
	"database/sql"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// guards fills in the table's DML triggers (ALL_TRIGGERS, with UPDATE OF
// columns from ALL_TRIGGER_COLS), the enabled foreign keys that point at
// it (ALL_CONSTRAINTS type R), and whether it is partitioned. Oracle has
// no ON UPDATE actions. ALL_TRIGGERS may leave out triggers on another
// user's table unless the user holds CREATE ANY TRIGGER; TriggersUnknown
// then says so when none shows.
func (in *inspector) guards(ctx context.Context, p *planner.TableProfile) error {
	owner, table := p.Table.Schema, p.Table.Name
	r, err := in.db.QueryContext(ctx, `SELECT OWNER, TRIGGER_NAME, TRIGGER_TYPE, TRIGGERING_EVENT, STATUS FROM ALL_TRIGGERS
		WHERE TABLE_OWNER = :1 AND TABLE_NAME = :2 AND BASE_OBJECT_TYPE = 'TABLE' ORDER BY TRIGGER_NAME`, owner, table)
	if err != nil {
		return err
	}
	type key struct{ owner, name string }
	var owners []string
	for r.Next() {
		var trigOwner, name, typ, event, status string
		if err := r.Scan(&trigOwner, &name, &typ, &event, &status); err != nil {
			r.Close()
			return err
		}
		t := planner.Trigger{Name: name, Table: p.Table, Disabled: status != "ENABLED"}
		// BEFORE STATEMENT, BEFORE EACH ROW, AFTER STATEMENT, AFTER EACH
		// ROW, INSTEAD OF, COMPOUND.
		typ = strings.ToUpper(strings.TrimSpace(typ))
		switch {
		case strings.HasPrefix(typ, "BEFORE"):
			t.Timing = "BEFORE"
		case strings.HasPrefix(typ, "AFTER"):
			t.Timing = "AFTER"
		case strings.HasPrefix(typ, "INSTEAD OF"):
			t.Timing, t.Row = "INSTEAD OF", true
		default:
			t.Timing, t.Row = "COMPOUND", true
		}
		if strings.Contains(typ, "EACH ROW") {
			t.Row = true
		}
		for _, e := range []string{"INSERT", "UPDATE", "DELETE"} {
			if strings.Contains(strings.ToUpper(event), e) {
				t.Events = append(t.Events, e)
			}
		}
		if len(t.Events) == 0 {
			continue
		}
		p.Triggers = append(p.Triggers, t)
		owners = append(owners, trigOwner)
	}
	r.Close()
	if err := r.Err(); err != nil {
		return err
	}
	for i := range p.Triggers {
		t := &p.Triggers[i]
		if !contains(t.Events, "UPDATE") {
			continue
		}
		cr, err := in.db.QueryContext(ctx, `SELECT COLUMN_NAME FROM ALL_TRIGGER_COLS
			WHERE TRIGGER_OWNER = :1 AND TRIGGER_NAME = :2 AND COLUMN_LIST = 'YES' ORDER BY COLUMN_NAME`, owners[i], t.Name)
		if err != nil {
			return err
		}
		for cr.Next() {
			var c string
			if err := cr.Scan(&c); err != nil {
				cr.Close()
				return err
			}
			t.Columns = append(t.Columns, c)
		}
		cr.Close()
		if err := cr.Err(); err != nil {
			return err
		}
	}
	if len(p.Triggers) == 0 {
		var user string
		var anyTrigger int
		err := in.db.QueryRowContext(ctx, `SELECT USER, (SELECT COUNT(*) FROM SESSION_PRIVS WHERE PRIVILEGE = 'CREATE ANY TRIGGER') FROM DUAL`).Scan(&user, &anyTrigger)
		if err == nil && user != owner && anyTrigger == 0 {
			p.TriggersUnknown = "ALL_TRIGGERS may not list the triggers of another user's table to a user without CREATE ANY TRIGGER"
		}
	}
	fr, err := in.db.QueryContext(ctx, `SELECT c.CONSTRAINT_NAME, c.OWNER, c.TABLE_NAME, c.DELETE_RULE, cc.COLUMN_NAME, rc.COLUMN_NAME
		FROM ALL_CONSTRAINTS c
		JOIN ALL_CONSTRAINTS r ON r.OWNER = c.R_OWNER AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME
		JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME
		JOIN ALL_CONS_COLUMNS rc ON rc.OWNER = r.OWNER AND rc.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND rc.TABLE_NAME = r.TABLE_NAME
			AND rc.POSITION = cc.POSITION
		WHERE c.CONSTRAINT_TYPE = 'R' AND c.STATUS = 'ENABLED' AND r.OWNER = :1 AND r.TABLE_NAME = :2
		ORDER BY c.OWNER, c.TABLE_NAME, c.CONSTRAINT_NAME, cc.POSITION`, owner, table)
	if err != nil {
		return err
	}
	defer fr.Close()
	seen := map[key]int{}
	for fr.Next() {
		var name, childOwner, child, rule, col, ref string
		if err := fr.Scan(&name, &childOwner, &child, &rule, &col, &ref); err != nil {
			return err
		}
		k := key{childOwner, name}
		if i, ok := seen[k]; ok {
			fk := &p.ReferencedBy[i]
			fk.Columns, fk.RefColumns = append(fk.Columns, col), append(fk.RefColumns, ref)
			continue
		}
		seen[k] = len(p.ReferencedBy)
		p.ReferencedBy = append(p.ReferencedBy, planner.ForeignKey{Name: name, Table: planner.TableName{Schema: childOwner, Name: child},
			Columns: []string{col}, RefColumns: []string{ref}, OnDelete: rule, OnUpdate: "NO ACTION"})
	}
	if err := fr.Err(); err != nil {
		return err
	}
	var partitioned sql.NullString
	if err := in.db.QueryRowContext(ctx, `SELECT PARTITIONED FROM ALL_TABLES WHERE OWNER = :1 AND TABLE_NAME = :2`, owner, table).Scan(&partitioned); err != nil {
		return err
	}
	p.Partitioned = strings.TrimSpace(partitioned.String) == "YES"
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
