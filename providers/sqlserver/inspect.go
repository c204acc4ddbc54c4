package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
)

type inspector struct {
	db providers.DB
	// journalSchema's tables are left out of similar-name suggestions.
	journalSchema string
}

// SplitName splits a table name as a user writes it, schema.table or
// table, where either part may be bracketed ([my.schema].[orders]) or
// double-quoted. A three-part name (database.schema.table) is refused:
// anomgen works in the database it connects to.
func SplitName(name string) (schema, table string, err error) {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '[' && cur.Len() == 0 && !quoted:
			j := i + 1
			var b strings.Builder
			for ; j < len(name); j++ {
				if name[j] == ']' {
					if j+1 < len(name) && name[j+1] == ']' {
						b.WriteByte(']')
						j++
						continue
					}
					break
				}
				b.WriteByte(name[j])
			}
			if j >= len(name) {
				return "", "", fmt.Errorf("table %q has an unclosed [", name)
			}
			cur.WriteString(b.String())
			quoted = true
			i = j
		case c == '"' && cur.Len() == 0 && !quoted:
			j := strings.IndexByte(name[i+1:], '"')
			if j < 0 {
				return "", "", fmt.Errorf("table %q has an unclosed \"", name)
			}
			cur.WriteString(name[i+1 : i+1+j])
			quoted = true
			i += j + 1
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
			quoted = false
		default:
			if quoted {
				return "", "", fmt.Errorf("table %q: unexpected %q after a quoted name", name, c)
			}
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if p == "" {
			return "", "", fmt.Errorf("table %q has an empty name part", name)
		}
	}
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		return parts[0], parts[1], nil
	}
	return "", "", fmt.Errorf("table %q: write schema.table (anomgen works in the database the source connects to; three-part names are not supported)", name)
}

// find resolves a table the way SQL Server resolves a name in a
// statement: in the given schema, or without one in the user's default
// schema, then in dbo. It returns the object id and the names as stored
// (the database's collation may match them case-insensitively); id is 0
// when there is no such table.
func (in *inspector) find(ctx context.Context, schema, name string) (id int64, realSchema, realName string, err error) {
	err = in.db.QueryRowContext(ctx, `SELECT TOP (1) t.object_id, s.name, t.name FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
		WHERE t.name = @p2 AND (s.name = @p1 OR (@p1 = N'' AND s.name IN (SCHEMA_NAME(), N'dbo')))
		ORDER BY CASE WHEN s.name = SCHEMA_NAME() THEN 0 ELSE 1 END`, schema, name).Scan(&id, &realSchema, &realName)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", "", nil
	}
	return id, realSchema, realName, err
}

func (in *inspector) Profile(ctx context.Context, table, timeColumn string) (*planner.TableProfile, error) {
	schema, name, err := SplitName(table)
	if err != nil {
		return nil, err
	}
	id, realSchema, realName, err := in.find(ctx, schema, name)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, in.noTable(ctx, schema, name)
	}
	p := &planner.TableProfile{Table: planner.TableName{Schema: realSchema, Name: realName}}
	if err := in.guards(ctx, p, id); err != nil {
		return nil, err
	}
	// The base type of an alias type is the system type with its
	// system_type_id; CLR types (geography, hierarchyid) have none.
	r, err := in.db.QueryContext(ctx, `SELECT c.name, COALESCE(TYPE_NAME(c.system_type_id), ty.name), c.max_length, c.precision, c.scale,
			c.is_nullable, c.is_computed, c.is_identity, c.generated_always_type, COALESCE(dc.definition, N'')
		FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.user_type_id
			LEFT JOIN sys.default_constraints dc ON dc.object_id = c.default_object_id
		WHERE c.object_id = @p1 ORDER BY c.column_id`, id)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var c planner.Column
		var typ string
		var maxLen int16
		var prec, scale, generatedAlways uint8
		var computed bool
		if err := r.Scan(&c.Name, &typ, &maxLen, &prec, &scale, &c.Nullable, &computed, &c.Identity, &generatedAlways, &c.Default); err != nil {
			return nil, err
		}
		typ = strings.ToLower(typ)
		c.Type = typeName(typ, maxLen, prec, scale)
		c.Class = classOf(typ)
		// Computed columns, rowversion and the period columns of temporal
		// tables are written by the database only.
		c.Generated = computed || typ == "timestamp" || generatedAlways != 0
		c.OnUpdate = rewritten(typ, generatedAlways)
		p.Columns = append(p.Columns, c)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kr, err := in.db.QueryContext(ctx, `SELECT c.name FROM sys.indexes i
		JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
		JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
		WHERE i.object_id = @p1 AND i.is_primary_key = 1 AND ic.key_ordinal > 0 ORDER BY ic.key_ordinal`, id)
	if err != nil {
		return nil, err
	}
	defer kr.Close()
	for kr.Next() {
		var k string
		if err := kr.Scan(&k); err != nil {
			return nil, err
		}
		p.PrimaryKey = append(p.PrimaryKey, k)
	}
	if err := kr.Err(); err != nil {
		return nil, err
	}
	// The heap or clustered index holds every row once.
	err = in.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(p.rows), 0) FROM sys.partitions p WHERE p.object_id = @p1 AND p.index_id IN (0, 1)`, id).Scan(&p.Rows)
	return p, err
}

// rewritten says what a column is when the database gives it a new value
// in every row a statement writes, which no statement can set (so
// rollback cannot restore it): rowversion (the type timestamp), and the
// start columns of a system-versioned temporal table's period
// (sys.columns.generated_always_type 1, 7, 9); "" for other columns.
func rewritten(typ string, generatedAlways uint8) string {
	switch {
	case typ == "timestamp":
		return "rowversion"
	case generatedAlways == 1:
		return "GENERATED ALWAYS AS ROW START"
	case generatedAlways == 7:
		return "GENERATED ALWAYS AS TRANSACTION_ID START"
	case generatedAlways == 9:
		return "GENERATED ALWAYS AS SEQUENCE_NUMBER START"
	}
	return ""
}

// noTable is the error for a missing table, with similar names: bare in the
// schema looked in, schema-qualified elsewhere.
func (in *inspector) noTable(ctx context.Context, schema, name string) error {
	if schema == "" {
		if err := in.db.QueryRowContext(ctx, "SELECT SCHEMA_NAME()").Scan(&schema); err != nil || schema == "" {
			schema = "dbo"
		}
	}
	var all []string
	r, err := in.db.QueryContext(ctx, `SELECT s.name, t.name FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id
		WHERE t.is_ms_shipped = 0 AND s.name <> @p1`, in.journalSchema)
	if err == nil {
		for r.Next() {
			var s, t string
			if r.Scan(&s, &t) == nil {
				if strings.EqualFold(s, schema) {
					all = append(all, t)
				} else {
					all = append(all, s+"."+t)
				}
			}
		}
		r.Close()
	}
	return &providers.NoTableError{Table: schema + "." + name, Similar: providers.Similar(name, all)}
}

// typeName spells a column type as it would be declared, e.g.
// decimal(10,2), nvarchar(255), varchar(max), datetime2(3).
func typeName(typ string, maxLen int16, prec, scale uint8) string {
	switch typ {
	case "decimal", "numeric":
		return fmt.Sprintf("%s(%d,%d)", typ, prec, scale)
	case "varchar", "char", "varbinary", "binary":
		if maxLen == -1 {
			return typ + "(max)"
		}
		return fmt.Sprintf("%s(%d)", typ, maxLen)
	case "nvarchar", "nchar":
		if maxLen == -1 {
			return typ + "(max)"
		}
		return fmt.Sprintf("%s(%d)", typ, maxLen/2)
	case "datetime2", "datetimeoffset", "time":
		return fmt.Sprintf("%s(%d)", typ, scale)
	case "timestamp":
		return "rowversion"
	}
	return typ
}

func classOf(typ string) planner.ColumnClass {
	switch typ {
	case "tinyint", "smallint", "int", "bigint":
		return planner.ClassInteger
	case "decimal", "numeric", "money", "smallmoney":
		return planner.ClassDecimal
	case "float", "real":
		return planner.ClassFloat
	case "char", "varchar", "nchar", "nvarchar", "text", "ntext", "sysname":
		return planner.ClassText
	case "date", "datetime", "datetime2", "smalldatetime", "datetimeoffset":
		return planner.ClassTime
	case "bit":
		return planner.ClassBool
	}
	return planner.ClassOther
}
