package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/anomgen/anomgen/providers"
)

var _ providers.Checker = (*inspector)(nil)

// grants are the privileges of the connected account and its enabled
// roles, from information_schema (which shows an account its own grants).
type grants struct {
	global map[string]bool
	// schema holds database-level grants: the database pattern as
	// written in the GRANT (it may hold _ and % wildcards) → privileges.
	schema map[string]map[string]bool
	// table holds table-level grants: database.table → privileges.
	table map[string]map[string]bool
	fold  bool // lower_case_table_names: names compare without case
}

func (in *inspector) grants(ctx context.Context) (*grants, string, error) {
	var user string
	var role sql.NullString
	var lower int
	if err := in.db.QueryRowContext(ctx, "SELECT CURRENT_USER(), CURRENT_ROLE(), @@lower_case_table_names").Scan(&user, &role, &lower); err != nil {
		return nil, "", err
	}
	grantees := []string{account(user)}
	if role.Valid && role.String != "" && !strings.EqualFold(role.String, "NONE") {
		for _, r := range strings.Split(role.String, ",") {
			r = strings.TrimSpace(r)
			if strings.Contains(r, "@") { // MySQL 8: `r`@`%`
				grantees = append(grantees, account(strings.ReplaceAll(r, "`", "")))
			} else { // MariaDB: r, listed as 'r'@''
				grantees = append(grantees, "'"+strings.ReplaceAll(r, "'", "''")+"'@''")
			}
		}
	}
	g := &grants{global: map[string]bool{}, schema: map[string]map[string]bool{}, table: map[string]map[string]bool{}, fold: lower != 0}
	in2 := strings.TrimSuffix(strings.Repeat("?, ", len(grantees)), ", ")
	args := make([]any, len(grantees))
	for i, gr := range grantees {
		args[i] = gr
	}
	read := func(q string, n int, put func(cols []string)) error {
		rows, err := in.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			cols := make([]string, n)
			ptrs := make([]any, n)
			for i := range cols {
				ptrs[i] = &cols[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			put(cols)
		}
		return rows.Err()
	}
	if err := read("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE IN ("+in2+")", 1, func(c []string) {
		g.global[c[0]] = true
	}); err != nil {
		return nil, "", err
	}
	if err := read("SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE IN ("+in2+")", 2, func(c []string) {
		if g.schema[c[0]] == nil {
			g.schema[c[0]] = map[string]bool{}
		}
		g.schema[c[0]][c[1]] = true
	}); err != nil {
		return nil, "", err
	}
	if err := read("SELECT TABLE_SCHEMA, TABLE_NAME, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE IN ("+in2+")", 3, func(c []string) {
		k := g.key(c[0] + "." + c[1])
		if g.table[k] == nil {
			g.table[k] = map[string]bool{}
		}
		g.table[k][c[2]] = true
	}); err != nil {
		return nil, "", err
	}
	return g, user, nil
}

func (g *grants) key(s string) string {
	if g.fold {
		return strings.ToLower(s)
	}
	return s
}

// onDatabase reports whether priv is granted globally or on database db
// (a database-level grant's name may hold LIKE wildcards).
func (g *grants) onDatabase(priv, db string) bool {
	if g.global[priv] {
		return true
	}
	for pattern, privs := range g.schema {
		if privs[priv] && likeMatch(pattern, db, g.fold) {
			return true
		}
	}
	return false
}

func (g *grants) onTable(priv, db, table string) bool {
	return g.onDatabase(priv, db) || g.table[g.key(db+"."+table)][priv]
}

// likeMatch matches name against a GRANT's database pattern: _ and % are
// wildcards unless escaped with a backslash.
func likeMatch(pattern, name string, fold bool) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			b.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '_':
			b.WriteString(".")
		case c == '%':
			b.WriteString(".*")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	expr := b.String()
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	return err == nil && re.MatchString(name)
}

// Privileges reports what the connected account may do, from the grants
// information_schema shows it (its own and its enabled roles'): SELECT,
// UPDATE, DELETE and INSERT on each table (ALTER when alter), and on the
// journal database CREATE (to create it, or tables in it) plus the DROP,
// SELECT, INSERT, UPDATE and DELETE that journals need.
func (in *inspector) Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]providers.Privilege, error) {
	g, user, err := in.grants(ctx)
	if err != nil {
		return nil, err
	}
	var current sql.NullString
	if err := in.db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&current); err != nil {
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
	privs := []string{"SELECT", "UPDATE", "DELETE", "INSERT"}
	if alter {
		privs = append(privs, "ALTER")
	}
	for _, t := range tables {
		db, name := providers.SplitTable(t)
		if db == "" {
			db = current.String
		}
		var n int
		if err := in.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", db, name).Scan(&n); err != nil {
			return nil, err
		}
		detail := ""
		if n == 0 {
			detail = "the table does not exist, or the user may not see it"
		}
		for _, p := range privs {
			add(db+"."+name, p, g.onTable(p, db, name), detail)
		}
	}
	var exists int
	if err := in.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", journalSchema).Scan(&exists); err != nil {
		return nil, err
	}
	object := "database " + journalSchema
	create := fmt.Sprintf("journal database %s does not exist yet; apply creates it", journalSchema)
	if exists > 0 {
		create = fmt.Sprintf("journal database %s exists; for journal tables", journalSchema)
	}
	add(object, "CREATE", g.onDatabase("CREATE", journalSchema), create)
	for _, p := range []string{"DROP", "SELECT", "INSERT", "UPDATE", "DELETE"} {
		add(object, p, g.onDatabase(p, journalSchema), "for journal tables")
	}
	return out, nil
}
