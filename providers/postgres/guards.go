package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

var (
	_ providers.TriggerLister = inspector{}
	_ sqlgen.TriggerSwitcher  = Dialect{}
)

// tree is the table and every table below it (partitions, and children of
// legacy inheritance, which statements on the parent reach too), with
// their depth: $1 is the table's oid.
const tree = `WITH RECURSIVE tree(relid, lvl) AS (
	SELECT $1::oid, 0
	UNION ALL
	SELECT i.inhrelid, t.lvl + 1 FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid)`

// guards fills in what the planner's guards need: user triggers, foreign
// keys pointing at the table, partitioning; for a partitioned table the
// row estimate is its partitions' (its own is -1).
func (in inspector) guards(ctx context.Context, p *planner.TableProfile, oid uint32) error {
	var relkind string
	var leafRows float64
	var unanalyzed, children bool
	err := in.db.QueryRowContext(ctx, tree+`
		SELECT c.relkind::text, COALESCE((SELECT SUM(GREATEST(l.reltuples, 0)) FROM tree t JOIN pg_class l ON l.oid = t.relid WHERE l.relkind = 'r'), 0),
			EXISTS (SELECT 1 FROM tree t JOIN pg_class l ON l.oid = t.relid WHERE l.relkind = 'r' AND l.reltuples < 0),
			EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = $1)
		FROM pg_class c WHERE c.oid = $1`, oid).Scan(&relkind, &leafRows, &unanalyzed, &children)
	if err != nil {
		return err
	}
	p.Inherited = children && relkind != "p"
	if relkind == "p" {
		p.Partitioned = true
		p.Rows = int64(leafRows)
		if unanalyzed {
			p.Rows = -1 // counted exactly below
		}
		var keys sql.NullString
		if err := in.db.QueryRowContext(ctx, tree+`
			SELECT json_agg(DISTINCT a.attname)::text FROM pg_partitioned_table pt
			CROSS JOIN LATERAL unnest(pt.partattrs::int2[]) k(attnum)
			JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.attnum
			WHERE pt.partrelid IN (SELECT relid FROM tree)`, oid).Scan(&keys); err != nil {
			return err
		}
		if keys.Valid {
			if err := json.Unmarshal([]byte(keys.String), &p.PartitionKey); err != nil {
				return err
			}
		}
	}
	if p.Triggers, err = in.triggers(ctx, oid); err != nil {
		return err
	}
	r, err := in.db.QueryContext(ctx, tree+`
		SELECT con.conname, n.nspname, c.relname, con.confdeltype::text, con.confupdtype::text,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE con.contype = 'f' AND con.confrelid IN (SELECT relid FROM tree) AND con.conparentid = 0
		ORDER BY n.nspname, c.relname, con.conname`, oid)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var fk planner.ForeignKey
		var del, upd, cols, refs string
		if err := r.Scan(&fk.Name, &fk.Table.Schema, &fk.Table.Name, &del, &upd, &cols, &refs); err != nil {
			return err
		}
		fk.OnDelete, fk.OnUpdate = fkAction[del], fkAction[upd]
		if err := json.Unmarshal([]byte(cols), &fk.Columns); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(refs), &fk.RefColumns); err != nil {
			return err
		}
		p.ReferencedBy = append(p.ReferencedBy, fk)
	}
	return r.Err()
}

var fkAction = map[string]string{"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}

// triggers lists the user triggers that statements on the table fire: its
// own, and the row-level ones of the tables below it (statement-level
// triggers fire only on the table a statement names). A trigger of a
// partitioned table is cloned onto every partition under its name; each
// clone is listed, so that it can be switched off on its own.
func (in inspector) triggers(ctx context.Context, oid uint32) ([]planner.Trigger, error) {
	r, err := in.db.QueryContext(ctx, tree+`
		SELECT n.nspname, c.relname, t.tgname, t.tgtype::int, t.tgenabled::text,
			COALESCE((SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
				WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr::int2[]))::text, '[]')
		FROM tree JOIN pg_trigger t ON t.tgrelid = tree.relid
		JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE NOT t.tgisinternal AND (tree.lvl = 0 OR t.tgtype::int & 1 = 1)
		ORDER BY tree.lvl, n.nspname, c.relname, t.tgname`, oid)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []planner.Trigger
	for r.Next() {
		var t planner.Trigger
		var typ int
		var enabled, cols string
		if err := r.Scan(&t.Table.Schema, &t.Table.Name, &t.Name, &typ, &enabled, &cols); err != nil {
			return nil, err
		}
		// tgtype bits (catalog/pg_trigger.h): row 1, before 2, insert 4,
		// delete 8, update 16, truncate 32, instead 64.
		t.Row = typ&1 != 0
		switch {
		case typ&2 != 0:
			t.Timing = "BEFORE"
		case typ&64 != 0:
			t.Timing = "INSTEAD OF"
		default:
			t.Timing = "AFTER"
		}
		for _, e := range []struct {
			bit  int
			name string
		}{{4, "INSERT"}, {16, "UPDATE"}, {8, "DELETE"}} {
			if typ&e.bit != 0 {
				t.Events = append(t.Events, e.name)
			}
		}
		if len(t.Events) == 0 { // TRUNCATE only: anomgen never truncates
			continue
		}
		if err := json.Unmarshal([]byte(cols), &t.Columns); err != nil {
			return nil, err
		}
		if len(t.Columns) == 0 {
			t.Columns = nil
		}
		// O fires in ordinary sessions, A in every session; R only in
		// replica sessions and D never.
		t.Disabled = enabled != "O" && enabled != "A"
		t.Always = enabled == "A"
		out = append(out, t)
	}
	return out, r.Err()
}

// Triggers lists the table's user triggers as Profile does.
func (in inspector) Triggers(ctx context.Context, table planner.TableName) ([]planner.Trigger, error) {
	var oid uint32
	err := in.db.QueryRowContext(ctx, `SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, table.Schema, table.Name).Scan(&oid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &providers.NoTableError{Table: table.String()}
	}
	if err != nil {
		return nil, err
	}
	return in.triggers(ctx, oid)
}

// DisableTrigger switches t off on its own table only (ONLY: a partitioned
// table's clones are listed, and switched, one by one).
func (d Dialect) DisableTrigger(t planner.Trigger) string {
	return fmt.Sprintf("ALTER TABLE ONLY %s DISABLE TRIGGER %s", d.Table(t.Table), d.Quote(t.Name))
}

// EnableTrigger switches t back on as it was: ENABLE, or ENABLE ALWAYS.
func (d Dialect) EnableTrigger(t planner.Trigger) string {
	mode := ""
	if t.Always {
		mode = "ALWAYS "
	}
	return fmt.Sprintf("ALTER TABLE ONLY %s ENABLE %sTRIGGER %s", d.Table(t.Table), mode, d.Quote(t.Name))
}
