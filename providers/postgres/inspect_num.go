package postgres

import (
	"context"
	"encoding/json"

	"github.com/anomgen/anomgen/planner"
)

// numKeys fills in the table's unique indexes and constraints (other than
// the primary key; partial and expression indexes are left out: they do not
// make a column unique) and its own foreign keys, for the key kinds
// (duplicate_keys, orphan_references), the foreign-key guard and the
// copies' unique guard. On a partitioned table the partitions' own indexes
// and foreign keys count too (an index or key declared on the parent is
// cloned onto each partition: the clones are left out), marked with the
// partition they are declared on.
func (in inspector) numKeys(ctx context.Context, p *planner.TableProfile, oid uint32) error {
	r, err := in.db.QueryContext(ctx, tree+`
		SELECT c.relname, CASE WHEN i.indrelid = $1 THEN '' ELSE tn.nspname || '.' || tc.relname END,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)::text
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
		WHERE i.indrelid IN (SELECT relid FROM tree) AND i.indisunique AND (NOT i.indisprimary OR i.indrelid <> $1)
			AND i.indpred IS NULL AND i.indexprs IS NULL
			AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid)
		ORDER BY i.indrelid <> $1, c.relname`, oid)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var u planner.UniqueIndex
		var cols string
		if err := r.Scan(&u.Name, &u.Partition, &cols); err != nil {
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
	fr, err := in.db.QueryContext(ctx, tree+`
		SELECT con.conname, n.nspname, c.relname,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
			(SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text,
			CASE WHEN con.conrelid = $1 THEN '' ELSE cn.nspname || '.' || cc.relname END
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_class cc ON cc.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace
		WHERE con.contype = 'f' AND con.conrelid IN (SELECT relid FROM tree) AND con.conparentid = 0
		ORDER BY con.conrelid <> $1, con.conname`, oid)
	if err != nil {
		return err
	}
	defer fr.Close()
	for fr.Next() {
		var ref planner.Reference
		var cols, refs string
		if err := fr.Scan(&ref.Name, &ref.Parent.Schema, &ref.Parent.Name, &cols, &refs, &ref.Partition); err != nil {
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
