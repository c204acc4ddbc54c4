package sqlite

import (
	"context"
	"database/sql"

	"github.com/anomgen/anomgen/planner"
)

// numKeys fills in the table's unique indexes and constraints (other than
// the primary key; partial indexes are left out) and its own foreign keys,
// for the key kinds (duplicate_keys, orphan_references).
func (in inspector) numKeys(ctx context.Context, p *planner.TableProfile, schema string) error {
	r, err := in.db.QueryContext(ctx, `SELECT l.name, i.name FROM pragma_index_list(?, ?) l, pragma_index_info(l.name, ?) i
		WHERE l."unique" = 1 AND l.origin <> 'pk' AND l.partial = 0 ORDER BY l.name, i.seqno`, p.Table.Name, schema, schema)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var name string
		var col sql.NullString
		if err := r.Scan(&name, &col); err != nil {
			return err
		}
		n := len(p.Unique)
		if n == 0 || p.Unique[n-1].Name != name {
			p.Unique = append(p.Unique, planner.UniqueIndex{Name: name})
			n++
		}
		if col.Valid {
			p.Unique[n-1].Columns = append(p.Unique[n-1].Columns, col.String)
		} else {
			p.Unique[n-1].Columns = append(p.Unique[n-1].Columns, "(expression)")
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	fr, err := in.db.QueryContext(ctx, `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?, ?) ORDER BY id, seq`, p.Table.Name, schema)
	if err != nil {
		return err
	}
	defer fr.Close()
	last := -1
	for fr.Next() {
		var id int
		var parent, from string
		var to sql.NullString
		if err := fr.Scan(&id, &parent, &from, &to); err != nil {
			return err
		}
		if id != last {
			p.References = append(p.References, planner.Reference{Parent: planner.TableName{Schema: p.Table.Schema, Name: parent}})
			last = id
		}
		ref := &p.References[len(p.References)-1]
		ref.Columns = append(ref.Columns, from)
		if to.Valid && to.String != "" {
			ref.ParentColumns = append(ref.ParentColumns, to.String)
		}
	}
	return fr.Err()
}
