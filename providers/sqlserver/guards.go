package sqlserver

import (
	"context"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// guards fills in the table's DML triggers (statement-level: SQL Server
// fires a trigger once per statement), the enabled foreign keys that
// point at it, and whether it is partitioned (its heap or clustered index
// is on a partition scheme).
func (in *inspector) guards(ctx context.Context, p *planner.TableProfile, id int64) error {
	r, err := in.db.QueryContext(ctx, `SELECT tr.name, tr.is_instead_of_trigger, tr.is_disabled, te.type_desc
		FROM sys.triggers tr JOIN sys.trigger_events te ON te.object_id = tr.object_id
		WHERE tr.parent_id = @p1 AND tr.is_ms_shipped = 0 AND te.type_desc IN (N'INSERT', N'UPDATE', N'DELETE')
		ORDER BY tr.name, te.type_desc`, id)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var name, event string
		var instead, disabled bool
		if err := r.Scan(&name, &instead, &disabled, &event); err != nil {
			return err
		}
		if n := len(p.Triggers); n > 0 && p.Triggers[n-1].Name == name {
			p.Triggers[n-1].Events = append(p.Triggers[n-1].Events, event)
			continue
		}
		t := planner.Trigger{Name: name, Table: p.Table, Timing: "AFTER", Events: []string{event}, Disabled: disabled}
		if instead {
			t.Timing = "INSTEAD OF"
		}
		p.Triggers = append(p.Triggers, t)
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	fr, err := in.db.QueryContext(ctx, `SELECT fk.name, SCHEMA_NAME(ch.schema_id), ch.name,
			fk.delete_referential_action_desc, fk.update_referential_action_desc, pc.name, rc.name
		FROM sys.foreign_keys fk
		JOIN sys.tables ch ON ch.object_id = fk.parent_object_id
		JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id
		JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
		JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
		WHERE fk.referenced_object_id = @p1 AND fk.is_disabled = 0
		ORDER BY SCHEMA_NAME(ch.schema_id), ch.name, fk.name, fkc.constraint_column_id`, id)
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
		// NO_ACTION, CASCADE, SET_NULL, SET_DEFAULT
		fk.OnDelete, fk.OnUpdate = strings.ReplaceAll(fk.OnDelete, "_", " "), strings.ReplaceAll(fk.OnUpdate, "_", " ")
		fk.Columns, fk.RefColumns = []string{col}, []string{ref}
		p.ReferencedBy = append(p.ReferencedBy, fk)
	}
	if err := fr.Err(); err != nil {
		return err
	}
	var parts int
	if err := in.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sys.indexes i
		JOIN sys.partition_schemes ps ON ps.data_space_id = i.data_space_id
		WHERE i.object_id = @p1 AND i.index_id IN (0, 1)`, id).Scan(&parts); err != nil {
		return err
	}
	p.Partitioned = parts > 0
	return nil
}
