package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// guards fills in what the planner's guards need: the table's triggers,
// the foreign keys pointing at it, and whether it is partitioned.
// MySQL's information_schema.TRIGGERS shows a table's triggers only to
// users with the TRIGGER privilege on it; without it, TriggersUnknown says
// so (MariaDB shows them to every user of the table).
func (in *inspector) guards(ctx context.Context, p *planner.TableProfile) error {
	schema, table := p.Table.Schema, p.Table.Name
	r, err := in.db.QueryContext(ctx, `SELECT TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORIENTATION
		FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND EVENT_OBJECT_TABLE = ? ORDER BY TRIGGER_NAME, EVENT_MANIPULATION`, schema, table)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var name, timing, event, orientation string
		if err := r.Scan(&name, &timing, &event, &orientation); err != nil {
			return err
		}
		if n := len(p.Triggers); n > 0 && p.Triggers[n-1].Name == name {
			p.Triggers[n-1].Events = append(p.Triggers[n-1].Events, event)
			continue
		}
		p.Triggers = append(p.Triggers, planner.Trigger{Name: name, Table: p.Table, Timing: timing, Events: []string{event}, Row: orientation == "ROW"})
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	var version string
	if err := in.db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return err
	}
	// MariaDB lists the triggers of every table a user may use.
	if len(p.Triggers) == 0 && !strings.Contains(strings.ToLower(version), "mariadb") {
		g, user, err := in.grants(ctx)
		switch {
		case err != nil:
			p.TriggersUnknown = "the privileges that decide which triggers MySQL shows could not be read"
		case !g.onTable("TRIGGER", schema, table):
			p.TriggersUnknown = fmt.Sprintf("MySQL lists a table's triggers only to users with the TRIGGER privilege on it; GRANT TRIGGER ON `%s`.`%s` TO %s lets anomgen check", schema, table, account(user))
		}
	}
	fr, err := in.db.QueryContext(ctx, `SELECT k.CONSTRAINT_NAME, k.TABLE_SCHEMA, k.TABLE_NAME, rc.DELETE_RULE, rc.UPDATE_RULE, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME
		FROM information_schema.KEY_COLUMN_USAGE k
		JOIN information_schema.REFERENTIAL_CONSTRAINTS rc ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
			AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.TABLE_NAME = k.TABLE_NAME
		WHERE k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME = ?
		ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, schema, table)
	if err != nil {
		return err
	}
	defer fr.Close()
	for fr.Next() {
		var fk planner.ForeignKey
		var col, ref string
		if err := fr.Scan(&fk.Name, &fk.Table.Schema, &fk.Table.Name, &fk.OnDelete, &fk.OnUpdate, &col, &ref); err != nil {
			return err
		}
		if n := len(p.ReferencedBy); n > 0 && p.ReferencedBy[n-1].Name == fk.Name && p.ReferencedBy[n-1].Table == fk.Table {
			last := &p.ReferencedBy[n-1]
			last.Columns, last.RefColumns = append(last.Columns, col), append(last.RefColumns, ref)
			continue
		}
		fk.Columns, fk.RefColumns = []string{col}, []string{ref}
		p.ReferencedBy = append(p.ReferencedBy, fk)
	}
	if err := fr.Err(); err != nil {
		return err
	}
	var parts int
	if err := in.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PARTITIONS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL`, schema, table).Scan(&parts); err != nil {
		return err
	}
	p.Partitioned = parts > 0
	return nil
}
