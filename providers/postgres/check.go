package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/anomgen/anomgen/providers"
)

var _ providers.Checker = inspector{}

// Privileges reports what the connected user may do, from the catalog's
// own answers (has_table_privilege, has_schema_privilege,
// has_database_privilege): USAGE on each table's schema; SELECT, INSERT,
// UPDATE and DELETE on each table (ALTER, which needs ownership, when
// alter); USAGE and CREATE on the journal schema when it exists, CREATE on
// the database when it does not; and SELECT, INSERT, UPDATE and DELETE on
// the journal catalog when someone else created it.
func (in inspector) Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]providers.Privilege, error) {
	var user, database, current string
	if err := in.db.QueryRowContext(ctx, "SELECT current_user, current_database(), current_schema()").Scan(&user, &database, &current); err != nil {
		return nil, err
	}
	var out []providers.Privilege
	add := func(object, priv string, ok bool, detail string) {
		p := providers.Privilege{Object: object, Privilege: priv, Granted: ok, Detail: detail}
		if !ok {
			p.Grant = grant(priv, object, user)
		}
		out = append(out, p)
	}
	schemas := map[string]bool{}
	for _, t := range tables {
		schema, name := providers.SplitTable(t)
		if schema == "" {
			schema = current
		}
		if !schemas[schema] {
			schemas[schema] = true
			var usage sql.NullBool
			if err := in.db.QueryRowContext(ctx, `SELECT has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&usage); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			if usage.Valid {
				add("schema "+schema, "USAGE", usage.Bool, "")
			}
		}
		object := schema + "." + name
		var sel, ins, upd, del, own bool
		var owner string
		err := in.db.QueryRowContext(ctx, `SELECT has_table_privilege(c.oid, 'SELECT'), has_table_privilege(c.oid, 'INSERT'),
				has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'), pg_has_role(c.relowner, 'USAGE'), pg_get_userbyid(c.relowner)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, schema, name).Scan(&sel, &ins, &upd, &del, &own, &owner)
		if errors.Is(err, sql.ErrNoRows) {
			out = append(out, providers.Privilege{Object: object, Privilege: "SELECT", Detail: "the table does not exist"})
			continue
		}
		if err != nil {
			return nil, err
		}
		add(object, "SELECT", sel, "")
		add(object, "UPDATE", upd, "")
		add(object, "DELETE", del, "")
		add(object, "INSERT", ins, "")
		if alter {
			p := providers.Privilege{Object: object, Privilege: "ALTER", Granted: own, Detail: "ALTER TABLE needs ownership of the table"}
			if !own {
				p.Grant = fmt.Sprintf("GRANT %s TO %s;", Dialect{}.Quote(owner), Dialect{}.Quote(user))
				p.Detail += fmt.Sprintf(" (owner: %s); make the user a member of the owning role", owner)
			}
			out = append(out, p)
		}
	}
	var usage, create sql.NullBool
	err := in.db.QueryRowContext(ctx, `SELECT has_schema_privilege(oid, 'USAGE'), has_schema_privilege(oid, 'CREATE') FROM pg_namespace WHERE nspname = $1`, journalSchema).Scan(&usage, &create)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var ok bool
		if err := in.db.QueryRowContext(ctx, `SELECT has_database_privilege(current_database(), 'CREATE')`).Scan(&ok); err != nil {
			return nil, err
		}
		add("database "+database, "CREATE", ok, fmt.Sprintf("journal schema %s does not exist yet; apply creates it", journalSchema))
		return out, nil
	case err != nil:
		return nil, err
	}
	add("schema "+journalSchema, "USAGE", usage.Bool, fmt.Sprintf("journal schema %s exists", journalSchema))
	add("schema "+journalSchema, "CREATE", create.Bool, "for journal tables")
	var catalog sql.NullString
	if err := in.db.QueryRowContext(ctx, `SELECT to_regclass($1)::text`, Dialect{}.CatalogTable(journalSchema)).Scan(&catalog); err != nil {
		return nil, err
	}
	if catalog.Valid && usage.Bool {
		object := journalSchema + ".journals"
		var sel, ins, upd, del bool
		if err := in.db.QueryRowContext(ctx, `SELECT has_table_privilege($1::regclass, 'SELECT'), has_table_privilege($1::regclass, 'INSERT'),
			has_table_privilege($1::regclass, 'UPDATE'), has_table_privilege($1::regclass, 'DELETE')`, Dialect{}.CatalogTable(journalSchema)).Scan(&sel, &ins, &upd, &del); err != nil {
			return nil, err
		}
		for _, p := range []struct {
			priv string
			ok   bool
		}{{"SELECT", sel}, {"INSERT", ins}, {"UPDATE", upd}, {"DELETE", del}} {
			add(object, p.priv, p.ok, "the journal catalog")
		}
	}
	return out, nil
}
