package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/providers"
)

var (
	_ providers.Checker = (*inspector)(nil)
	_ providers.Granter = (*inspector)(nil)
)

// Privileges reports what the connected user may do, as the server itself
// answers it (HAS_PERMS_BY_NAME, which counts role memberships, schema and
// database grants and ownership): SELECT, UPDATE, DELETE and INSERT on each
// table, and ALTER when alter is true or when the table has an identity
// column (restoring deleted rows uses SET IDENTITY_INSERT, which needs
// ALTER). For the journal: CREATE TABLE in the database, and CREATE SCHEMA
// when the journal schema does not exist yet; when it does, ALTER on it
// (to create and drop journal tables) and SELECT, INSERT, UPDATE and
// DELETE in it.
func (in *inspector) Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]providers.Privilege, error) {
	var user, database string
	if err := in.db.QueryRowContext(ctx, "SELECT USER_NAME(), DB_NAME()").Scan(&user, &database); err != nil {
		return nil, err
	}
	var out []providers.Privilege
	add := func(object, priv string, ok bool, detail, grant string) {
		p := providers.Privilege{Object: object, Privilege: priv, Granted: ok, Detail: detail}
		if !ok {
			p.Grant = grant
		}
		out = append(out, p)
	}
	d := Dialect{}
	for _, t := range tables {
		schema, name, err := SplitName(t)
		if err != nil {
			return nil, err
		}
		id, realSchema, realName, err := in.find(ctx, schema, name)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			object := name
			if schema != "" {
				object = schema + "." + name
			}
			out = append(out, providers.Privilege{Object: object, Privilege: "SELECT", Detail: "the table does not exist, or the user may not see it"})
			continue
		}
		object := realSchema + "." + realName
		quoted := d.Quote(realSchema) + "." + d.Quote(realName)
		var sel, ins, upd, del, alt sql.NullInt64
		var identity bool
		if err := in.db.QueryRowContext(ctx, `SELECT HAS_PERMS_BY_NAME(@p1, N'OBJECT', N'SELECT'), HAS_PERMS_BY_NAME(@p1, N'OBJECT', N'INSERT'),
				HAS_PERMS_BY_NAME(@p1, N'OBJECT', N'UPDATE'), HAS_PERMS_BY_NAME(@p1, N'OBJECT', N'DELETE'), HAS_PERMS_BY_NAME(@p1, N'OBJECT', N'ALTER'),
				CONVERT(bit, COALESCE(OBJECTPROPERTY(@p2, N'TableHasIdentity'), 0))`, quoted, id).Scan(&sel, &ins, &upd, &del, &alt, &identity); err != nil {
			return nil, err
		}
		for _, p := range []struct {
			priv string
			v    sql.NullInt64
		}{{"SELECT", sel}, {"UPDATE", upd}, {"DELETE", del}, {"INSERT", ins}} {
			add(object, p.priv, p.v.Int64 == 1, "", grant(p.priv, object, user))
		}
		switch {
		case alter:
			add(object, "ALTER", alt.Int64 == 1, "", grant("ALTER", object, user))
		case identity:
			add(object, "ALTER", alt.Int64 == 1, "the table has an identity column: rolling back deleted rows uses SET IDENTITY_INSERT, which needs ALTER", grant("ALTER", object, user))
		}
	}
	var exists bool
	var createSchema, createTable, schAlter, schSel, schIns, schUpd, schDel sql.NullInt64
	if err := in.db.QueryRowContext(ctx, `SELECT CONVERT(bit, CASE WHEN SCHEMA_ID(@p1) IS NULL THEN 0 ELSE 1 END),
			HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'CREATE SCHEMA'), HAS_PERMS_BY_NAME(DB_NAME(), N'DATABASE', N'CREATE TABLE'),
			HAS_PERMS_BY_NAME(@p1, N'SCHEMA', N'ALTER'), HAS_PERMS_BY_NAME(@p1, N'SCHEMA', N'SELECT'), HAS_PERMS_BY_NAME(@p1, N'SCHEMA', N'INSERT'),
			HAS_PERMS_BY_NAME(@p1, N'SCHEMA', N'UPDATE'), HAS_PERMS_BY_NAME(@p1, N'SCHEMA', N'DELETE')`, journalSchema).
		Scan(&exists, &createSchema, &createTable, &schAlter, &schSel, &schIns, &schUpd, &schDel); err != nil {
		return nil, err
	}
	db := "database " + database
	if !exists {
		add(db, "CREATE", createSchema.Int64 == 1, fmt.Sprintf("CREATE SCHEMA: journal schema %s does not exist yet; apply creates it", journalSchema), grant("CREATE SCHEMA", db, user))
		add(db, "CREATE", createTable.Int64 == 1, "CREATE TABLE: for the journal tables", grant("CREATE TABLE", db, user))
		return out, nil
	}
	add(db, "CREATE", createTable.Int64 == 1, "CREATE TABLE: for the journal tables", grant("CREATE TABLE", db, user))
	sch := "schema " + journalSchema
	add(sch, "ALTER", schAlter.Int64 == 1, fmt.Sprintf("journal schema %s exists; ALTER on it creates and drops journal tables", journalSchema), grant("ALTER", sch, user))
	for _, p := range []struct {
		priv string
		v    sql.NullInt64
	}{{"SELECT", schSel}, {"INSERT", schIns}, {"UPDATE", schUpd}, {"DELETE", schDel}} {
		add(sch, p.priv, p.v.Int64 == 1, "on the journal tables and the catalog", grant(p.priv, sch, user))
	}
	return out, nil
}

// Grant returns the statement that grants privilege on object to user:
// object is schema.table, "schema NAME" or "database NAME" (database
// permissions such as CREATE TABLE are granted without ON; a bare CREATE
// on the database stands for CREATE SCHEMA and CREATE TABLE).
func (*inspector) Grant(privilege, object, user string) string { return grant(privilege, object, user) }

func grant(privilege, object, user string) string {
	d := Dialect{}
	to := d.Quote(user)
	if user == "" {
		to = "<user>"
	}
	privilege = strings.ToUpper(strings.TrimSpace(privilege))
	switch {
	case strings.HasPrefix(object, "database "):
		if privilege == "CREATE" {
			privilege = "CREATE SCHEMA, CREATE TABLE"
		}
		return fmt.Sprintf("GRANT %s TO %s;", privilege, to)
	case strings.HasPrefix(object, "schema "):
		return fmt.Sprintf("GRANT %s ON SCHEMA::%s TO %s;", privilege, d.Quote(strings.TrimPrefix(object, "schema ")), to)
	}
	name := strings.TrimPrefix(object, "table ")
	on := ""
	if schema, table, err := SplitName(name); err == nil {
		on = d.Quote(table)
		if schema != "" {
			on = d.Quote(schema) + "." + on
		}
	} else {
		on = d.Quote(name)
	}
	return fmt.Sprintf("GRANT %s ON %s TO %s;", privilege, on, to)
}
