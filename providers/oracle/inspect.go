package oracle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
)

type inspector struct {
	db providers.DB
	// journalSchema names anomgen's journal tables, which Tables leaves out.
	journalSchema string
}

var (
	_ providers.Inspector = (*inspector)(nil)
	_ providers.Checker   = (*inspector)(nil)
	_ providers.Granter   = (*inspector)(nil)
)

// spellings lists the stored names a name written in a scenario may mean,
// in order of preference: as written (a quoted name), then upper-cased (an
// unquoted name, which Oracle folds to upper case).
func spellings(name string) []string {
	if up := strings.ToUpper(name); up != name {
		return []string{name, up}
	}
	return []string{name}
}

// objectName is a table as the dictionary stores it.
type objectName struct{ Owner, Name string }

// choose returns the first (owner, name) pair, owners before names in
// order of preference, that is among found.
func choose(owners, names []string, found []objectName) (objectName, bool) {
	for _, o := range owners {
		for _, n := range names {
			for _, f := range found {
				if f.Owner == o && f.Name == n {
					return f, true
				}
			}
		}
	}
	return objectName{}, false
}

// two pads a list of spellings to the two bind values of "IN (:a, :b)".
func two(s []string) (string, string) {
	if len(s) == 1 {
		return s[0], s[0]
	}
	return s[0], s[1]
}

func (in *inspector) currentSchema(ctx context.Context) (string, error) {
	var s string
	err := in.db.QueryRowContext(ctx, "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL").Scan(&s)
	return s, err
}

// table is a found table with its statistics' row count.
type table struct {
	objectName
	numRows sql.NullInt64
}

// find resolves a table as written in a scenario ("orders", "shop.orders")
// to the table as stored, trying the exact spelling before the upper-cased
// one for the owner and the name. An unqualified name is looked up in the
// current schema. A missing table is a *providers.NoTableError.
func (in *inspector) find(ctx context.Context, written string) (*table, error) {
	schema, name := providers.SplitTable(written)
	var owners []string
	if schema == "" {
		cur, err := in.currentSchema(ctx)
		if err != nil {
			return nil, err
		}
		owners = []string{cur}
	} else {
		owners = spellings(schema)
	}
	names := spellings(name)
	o1, o2 := two(owners)
	n1, n2 := two(names)
	rows, err := in.db.QueryContext(ctx, `SELECT OWNER, TABLE_NAME, NUM_ROWS FROM ALL_TABLES
		WHERE OWNER IN (:1, :2) AND TABLE_NAME IN (:3, :4) AND DROPPED = 'NO'`, o1, o2, n1, n2)
	if err != nil {
		return nil, err
	}
	var found []table
	var names2 []objectName
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.Owner, &t.Name, &t.numRows); err != nil {
			rows.Close()
			return nil, err
		}
		found = append(found, t)
		names2 = append(names2, t.objectName)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if best, ok := choose(owners, names, names2); ok {
		for i := range found {
			if found[i].objectName == best {
				return &found[i], nil
			}
		}
	}
	var all []string
	r, err := in.db.QueryContext(ctx, `SELECT TABLE_NAME FROM ALL_TABLES WHERE OWNER IN (:1, :2) AND DROPPED = 'NO'
		AND NESTED = 'NO' AND (IOT_TYPE IS NULL OR IOT_TYPE = 'IOT') AND SECONDARY = 'N'`, o1, o2)
	if err == nil {
		for r.Next() {
			var s string
			if r.Scan(&s) == nil {
				all = append(all, s)
			}
		}
		r.Close()
	}
	return nil, &providers.NoTableError{Table: owners[0] + "." + name, Similar: providers.Similar(name, all)}
}

func (in *inspector) Profile(ctx context.Context, written, timeColumn string) (*planner.TableProfile, error) {
	t, err := in.find(ctx, written)
	if err != nil {
		return nil, err
	}
	p := &planner.TableProfile{Table: planner.TableName{Schema: t.Owner, Name: t.Name}}
	if err := in.guards(ctx, p); err != nil {
		return nil, err
	}
	// ALL_TAB_COLS with USER_GENERATED = 'YES' is ALL_TAB_COLUMNS plus the
	// VIRTUAL_COLUMN flag.
	r, err := in.db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH,
			CHAR_USED, NULLABLE, VIRTUAL_COLUMN, IDENTITY_COLUMN, DATA_DEFAULT
		FROM ALL_TAB_COLS WHERE OWNER = :1 AND TABLE_NAME = :2 AND USER_GENERATED = 'YES'
		ORDER BY COLUMN_ID NULLS LAST, INTERNAL_COLUMN_ID`, t.Owner, t.Name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var ct columnType
		var nullable, virtual, identity, def sql.NullString
		var c planner.Column
		if err := r.Scan(&c.Name, &ct.DataType, &ct.Length, &ct.Precision, &ct.Scale, &ct.CharLength, &ct.CharUsed,
			&nullable, &virtual, &identity, &def); err != nil {
			return nil, err
		}
		// DATA_DEFAULT (a LONG) is the default as written, often with
		// trailing blanks; DEFAULT NULL reads as none. Virtual columns
		// keep their expression there, identity columns their sequence.
		if d := strings.TrimSpace(def.String); d != "" && !strings.EqualFold(d, "NULL") && virtual.String != "YES" && identity.String != "YES" {
			c.Default = d
		}
		c.Type, c.Class = ct.Name(), ct.Class()
		c.Nullable = nullable.String == "Y"
		c.Generated = virtual.String == "YES"
		c.Identity = identity.String == "YES"
		p.Columns = append(p.Columns, c)
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kr, err := in.db.QueryContext(ctx, `SELECT cc.COLUMN_NAME FROM ALL_CONSTRAINTS k
		JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME
		WHERE k.OWNER = :1 AND k.TABLE_NAME = :2 AND k.CONSTRAINT_TYPE = 'P' ORDER BY cc.POSITION`, t.Owner, t.Name)
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
	// NUM_ROWS is the optimizer statistics' count (an estimate that may be
	// stale); a table never analysed has none, and is counted.
	if t.numRows.Valid {
		p.Rows = t.numRows.Int64
	} else if err := in.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+Dialect{}.Table(p.Table)).Scan(&p.Rows); err != nil {
		return nil, err
	}
	return p, nil
}

// columnType is a column's type as ALL_TAB_COLS describes it.
type columnType struct {
	DataType                             string
	Length, Precision, Scale, CharLength sql.NullInt64
	CharUsed                             sql.NullString
}

// Name renders the type as it would be declared: NUMBER(10,2), NUMBER(19),
// VARCHAR2(255), VARCHAR2(100 CHAR), TIMESTAMP(6), DATE, ...
func (t columnType) Name() string {
	n := func(v sql.NullInt64) string { return strconv.FormatInt(v.Int64, 10) }
	switch t.DataType {
	case "NUMBER":
		switch {
		case !t.Precision.Valid && !t.Scale.Valid:
			return "NUMBER"
		case !t.Precision.Valid:
			return "NUMBER(*," + n(t.Scale) + ")"
		case !t.Scale.Valid || t.Scale.Int64 == 0:
			return "NUMBER(" + n(t.Precision) + ")"
		}
		return "NUMBER(" + n(t.Precision) + "," + n(t.Scale) + ")"
	case "FLOAT":
		if t.Precision.Valid {
			return "FLOAT(" + n(t.Precision) + ")"
		}
	case "VARCHAR2", "CHAR", "VARCHAR":
		if t.CharUsed.String == "C" {
			return t.DataType + "(" + n(t.CharLength) + " CHAR)"
		}
		if t.Length.Valid {
			return t.DataType + "(" + n(t.Length) + ")"
		}
	case "NVARCHAR2", "NCHAR":
		if t.CharLength.Valid {
			return t.DataType + "(" + n(t.CharLength) + ")"
		}
	case "RAW":
		if t.Length.Valid {
			return "RAW(" + n(t.Length) + ")"
		}
	}
	return t.DataType
}

// Class groups the type for the planner: NUMBER with scale 0 (or a
// negative scale) is integer, with a positive or no scale decimal;
// FLOAT, BINARY_FLOAT and BINARY_DOUBLE are float; character types and
// CLOBs are text; DATE and TIMESTAMPs are time.
func (t columnType) Class() planner.ColumnClass {
	switch t.DataType {
	case "NUMBER":
		if t.Scale.Valid && t.Scale.Int64 <= 0 {
			return planner.ClassInteger
		}
		return planner.ClassDecimal
	case "FLOAT", "BINARY_FLOAT", "BINARY_DOUBLE":
		return planner.ClassFloat
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "VARCHAR", "CLOB", "NCLOB":
		return planner.ClassText
	case "DATE":
		return planner.ClassTime
	case "BOOLEAN":
		return planner.ClassBool
	}
	if strings.HasPrefix(t.DataType, "TIMESTAMP") {
		return planner.ClassTime
	}
	return planner.ClassOther
}

// anyPrivilege is the system privilege that grants a table privilege on
// every table.
var anyPrivilege = map[string]string{
	"SELECT": "SELECT ANY TABLE", "INSERT": "INSERT ANY TABLE", "UPDATE": "UPDATE ANY TABLE",
	"DELETE": "DELETE ANY TABLE", "ALTER": "ALTER ANY TABLE",
}

// Privileges reports the table privileges apply and rollback need on each
// table, and the right to create the journal tables in the current schema
// (CREATE TABLE and a quota on the default tablespace). Table privileges
// count whether granted to the user, to PUBLIC or to an enabled role, or
// held through an ANY TABLE system privilege; the owner holds them all.
func (in *inspector) Privileges(ctx context.Context, tables []string, journalSchema string, alter bool) ([]providers.Privilege, error) {
	var user, current string
	if err := in.db.QueryRowContext(ctx, "SELECT USER, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL").Scan(&user, &current); err != nil {
		return nil, err
	}
	to := grantee(user)
	sys := map[string]bool{}
	r, err := in.db.QueryContext(ctx, "SELECT PRIVILEGE FROM SESSION_PRIVS")
	if err != nil {
		return nil, err
	}
	for r.Next() {
		var p string
		if err := r.Scan(&p); err != nil {
			r.Close()
			return nil, err
		}
		sys[p] = true
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, err
	}
	wanted := []string{"SELECT", "INSERT", "UPDATE", "DELETE"}
	if alter {
		wanted = append(wanted, "ALTER")
	}
	var out []providers.Privilege
	for _, written := range tables {
		t, err := in.find(ctx, written)
		var nt *providers.NoTableError
		if errors.As(err, &nt) {
			out = append(out, providers.Privilege{Object: nt.Table, Privilege: "SELECT",
				Detail: "the table does not exist, or the user holds no privilege on it (Oracle does not tell which)"})
			continue
		}
		if err != nil {
			return nil, err
		}
		obj := t.Owner + "." + t.Name
		if t.Owner == user {
			for _, w := range wanted {
				out = append(out, providers.Privilege{Object: obj, Privilege: w, Granted: true, Detail: "the user owns the table"})
			}
			continue
		}
		held := map[string]bool{}
		gr, err := in.db.QueryContext(ctx, `SELECT PRIVILEGE FROM ALL_TAB_PRIVS WHERE TABLE_SCHEMA = :1 AND TABLE_NAME = :2
			AND (GRANTEE = USER OR GRANTEE = 'PUBLIC' OR GRANTEE IN (SELECT ROLE FROM SESSION_ROLES))`, t.Owner, t.Name)
		if err != nil {
			return nil, err
		}
		for gr.Next() {
			var p string
			if err := gr.Scan(&p); err != nil {
				gr.Close()
				return nil, err
			}
			held[p] = true
		}
		gr.Close()
		if err := gr.Err(); err != nil {
			return nil, err
		}
		for _, w := range wanted {
			p := providers.Privilege{Object: obj, Privilege: w}
			switch {
			case held[w]:
				p.Granted = true
			case w == "SELECT" && held["READ"]:
				p.Granted, p.Detail = true, "through READ on the table"
			case sys[anyPrivilege[w]]:
				p.Granted, p.Detail = true, "through the system privilege "+anyPrivilege[w]
			default:
				p.Grant = in.Grant(w, obj, to)
			}
			out = append(out, p)
		}
	}
	out = append(out, in.createPrivilege(ctx, to, user, current, journalSchema, sys))
	return out, nil
}

// createPrivilege says whether the journal tables can be created and
// filled in the current schema.
func (in *inspector) createPrivilege(ctx context.Context, to, user, current, journalSchema string, sys map[string]bool) providers.Privilege {
	p := providers.Privilege{Privilege: "CREATE", Object: "schema " + current,
		Detail: fmt.Sprintf("for the journal tables %s_*", strings.ToUpper(journalSchema))}
	if current != user {
		p.Granted = sys["CREATE ANY TABLE"]
		p.Detail += "; the current schema is not the user's own, which needs CREATE ANY TABLE"
		if !p.Granted {
			p.Grant = in.Grant("CREATE ANY TABLE", "", to)
		}
		return p
	}
	if !sys["CREATE TABLE"] && !sys["CREATE ANY TABLE"] {
		p.Grant = in.Grant("CREATE", "", to)
		return p
	}
	if sys["UNLIMITED TABLESPACE"] {
		p.Granted = true
		return p
	}
	var ts string
	var n int
	err := in.db.QueryRowContext(ctx, `SELECT u.DEFAULT_TABLESPACE, (SELECT COUNT(*) FROM USER_TS_QUOTAS q
		WHERE q.TABLESPACE_NAME = u.DEFAULT_TABLESPACE AND (q.MAX_BYTES = -1 OR q.MAX_BYTES > q.BYTES)) FROM USER_USERS u`).Scan(&ts, &n)
	switch {
	case err != nil:
		p.Granted, p.Detail = true, p.Detail+" (the tablespace quota could not be read)"
	case n > 0:
		p.Granted = true
	default:
		p.Detail += fmt.Sprintf("; CREATE TABLE is granted, but the user has no quota left on its default tablespace %s", ts)
		p.Grant = in.Grant("QUOTA", "tablespace "+ts, to)
	}
	return p
}

// Grant writes the statement that grants privilege on object to user (as
// Conn.User writes it). object is a table, as stored (OWNER.NAME, possibly
// quoted already), or "tablespace NAME" for QUOTA; CREATE is the right to
// create tables in one's own schema; with no object, privilege is a
// system privilege.
func (in *inspector) Grant(privilege, object, user string) string {
	if user == "" {
		user = "<user>"
	}
	switch {
	case privilege == "CREATE":
		return "GRANT CREATE TABLE TO " + user + ";"
	case privilege == "QUOTA":
		return fmt.Sprintf("ALTER USER %s QUOTA UNLIMITED ON %s;", user, grantee(strings.TrimPrefix(object, "tablespace ")))
	case object == "":
		return "GRANT " + privilege + " TO " + user + ";"
	}
	on := strings.TrimPrefix(object, "table ")
	if !strings.Contains(on, `"`) {
		schema, name := providers.SplitTable(on)
		on = Dialect{}.Table(planner.TableName{Schema: schema, Name: name})
	}
	return fmt.Sprintf("GRANT %s ON %s TO %s;", privilege, on, user)
}
