package postgres

import (
	"context"
	"encoding/json"

	"github.com/anomgen/anomgen/planner"
)

// numKeys fills in the table's unique indexes and constraints (other than
// the primary key; partial and expression indexes are left out: they do not
// make a column unique) and its own foreign keys, for the key kinds
// (duplicate_keys, orphan_references).
func (in inspector) numKeys(ctx context.Context, p *planner.TableProfile, oid uint32) error {
	r, err := in.db.QueryContext(ctx, `SELECT c.relname,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = $1 AND i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL
		ORDER BY c.relname`, oid)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var u planner.UniqueIndex
		var cols string
		if err := r.Scan(&u.Name, &cols); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(cols), &u.Columns); err != nil {
			return err
		}
		p.Unique = append(p.Unique, u)
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	fr, err := in.db.QueryContext(ctx, `SELECT con.conname, n.nspname, c.relname,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE con.contype = 'f' AND con.conrelid = $1 ORDER BY con.conname`, oid)
	if err != nil {
		return err
	}
	defer fr.Close()
	for fr.Next() {
		var ref planner.Reference
		var cols, refs string
		if err := fr.Scan(&ref.Name, &ref.Parent.Schema, &ref.Parent.Name, &cols, &refs); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(cols), &ref.Columns); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(refs), &ref.ParentColumns); err != nil {
			return err
		}
		p.References = append(p.References, ref)
	}
	return fr.Err()
}
