package mysql

import (
	"context"
	"strings"

	"github.com/anomgen/anomgen/planner"
)

// numKeys fills in the table's unique indexes (other than the primary key)
// and its own foreign keys, for the key kinds (duplicate_keys,
// orphan_references).
func (in *inspector) numKeys(ctx context.Context, p *planner.TableProfile) error {
	r, err := in.db.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' AND COLUMN_NAME IS NOT NULL
		ORDER BY INDEX_NAME, SEQ_IN_INDEX`, p.Table.Schema, p.Table.Name)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var name, col string
		if err := r.Scan(&name, &col); err != nil {
			return err
		}
		if n := len(p.Unique); n > 0 && p.Unique[n-1].Name == name {
			p.Unique[n-1].Columns = append(p.Unique[n-1].Columns, col)
			continue
		}
		p.Unique = append(p.Unique, planner.UniqueIndex{Name: name, Columns: []string{col}})
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	fr, err := in.db.QueryContext(ctx, `SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
		FROM information_schema.KEY_COLUMN_USAGE
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL
		ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION`, p.Table.Schema, p.Table.Name)
	if err != nil {
		return err
	}
	defer fr.Close()
	for fr.Next() {
		var name, col, ps, pt, pc string
		if err := fr.Scan(&name, &col, &ps, &pt, &pc); err != nil {
			return err
		}
		if n := len(p.References); n > 0 && p.References[n-1].Name == name {
			p.References[n-1].Columns = append(p.References[n-1].Columns, col)
			p.References[n-1].ParentColumns = append(p.References[n-1].ParentColumns, pc)
			continue
		}
		p.References = append(p.References, planner.Reference{Name: name, Columns: []string{col},
			Parent: planner.TableName{Schema: ps, Name: pt}, ParentColumns: []string{pc}})
	}
	return fr.Err()
}

// onUpdate returns the expression of a column's ON UPDATE clause from
// information_schema.COLUMNS.EXTRA ("on update CURRENT_TIMESTAMP", MySQL
// 8 "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)", MariaDB "on
// update current_timestamp(6)"), upper-cased and without an empty
// argument list, or "" without one.
func onUpdate(extra string) string {
	up := strings.ToUpper(extra)
	i := strings.Index(up, "ON UPDATE ")
	if i < 0 {
		return ""
	}
	expr := strings.TrimSpace(up[i+len("ON UPDATE "):])
	if j := strings.IndexByte(expr, ' '); j >= 0 {
		expr = expr[:j]
	}
	return strings.TrimSuffix(expr, "()") // MariaDB's current_timestamp() is CURRENT_TIMESTAMP
}

// enumLabels reads the labels of an ENUM column from its COLUMN_TYPE, e.g.
// enum('G','PG','it”s'): quoted with ', a quote inside doubled.
func enumLabels(columnType string) []string {
	open := strings.IndexByte(columnType, '(')
	if open < 0 || !strings.HasSuffix(columnType, ")") {
		return nil
	}
	body := columnType[open+1 : len(columnType)-1]
	var out []string
	for i := 0; i < len(body); i++ {
		if body[i] != '\'' {
			continue
		}
		var b strings.Builder
		for i++; i < len(body); i++ {
			if body[i] == '\'' {
				if i+1 < len(body) && body[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				break
			}
			b.WriteByte(body[i])
		}
		out = append(out, b.String())
	}
	return out
}
