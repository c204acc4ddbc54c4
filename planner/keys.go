package planner

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// A declared key (target key = [...]) is how anomgen finds rows again to
// journal and restore them: every statement joins the table and its
// journal on it with plain equality. A key that two rows share, or that is
// NULL in a row, makes a restore write one row's before-image into another
// row, or miss the row altogether. So a declared key must be unique and NOT
// NULL: proven by a constraint the profile lists (KeyConstraint), or else
// measured by a query in the profile step (KeyCheck) whose result the plan
// shows. Anything else is refused (keyGuard).

// KeyCheck is what the profile step measured of a target's declared key
// when no constraint proves it unique and NOT NULL.
type KeyCheck struct {
	// Columns are the key's columns, as the table spells them.
	Columns []string `json:"columns"`
	// Rows is the table's row count, NullRows the rows with a NULL in any
	// key column.
	Rows     int64 `json:"rows"`
	NullRows int64 `json:"null_rows"`
	// DuplicateKeys counts the key values (without NULLs) that more than one
	// row holds, DuplicateRows the rows holding them.
	DuplicateKeys int64 `json:"duplicate_keys"`
	DuplicateRows int64 `json:"duplicate_rows"`
	// Examples are a few duplicated key values, commonest first.
	Examples []KeyCount `json:"examples,omitempty"`
	// Error, when set, is why the key could not be measured.
	Error string `json:"error,omitempty"`
}

// KeyCount is one key value (a value per key column, as text) and the
// number of rows holding it.
type KeyCount struct {
	Values []string `json:"values"`
	Rows   int64    `json:"rows"`
}

// KeyExamples is how many duplicated key values the profile step lists.
const KeyExamples = 5

// KeyConstraint names what makes key (column names as declared) unique and
// NOT NULL on p: "primary key" or "unique constraint <name>", when every key
// column exists and is NOT NULL and the primary key's or a unique
// constraint's columns are among them; "" when nothing in the profile
// proves it.
func KeyConstraint(p *TableProfile, key []string) string {
	if len(key) == 0 {
		return ""
	}
	var cols []string
	for _, n := range key {
		c := p.Column(n)
		if c == nil || c.Nullable {
			return ""
		}
		cols = append(cols, c.Name)
	}
	within := func(set []string) bool {
		if len(set) == 0 {
			return false
		}
		for _, s := range set {
			if !containsFold(cols, s) {
				return false
			}
		}
		return true
	}
	if within(p.PrimaryKey) {
		return "primary key"
	}
	for _, u := range p.Unique {
		if u.Partition == "" && within(u.Columns) {
			return "unique constraint " + u.Name
		}
	}
	return ""
}

// keyGuard checks the target's declared key (column names keyNames, as the
// table spells them). It returns a refusal, or the setting that says how
// the key is known to be unique.
func keyGuard(t *config.Target, prof *TableProfile, keyNames []string, rng *hcl.Range) (*Setting, hcl.Diagnostics) {
	cols := strings.Join(keyNames, ", ")
	if how := KeyConstraint(prof, keyNames); how != "" {
		return &Setting{"key", fmt.Sprintf("%s (unique and NOT NULL by its %s)", cols, how)}, nil
	}
	subject := fmt.Sprintf("Key %s of %s (target %q)", cols, prof.Table, t.Name)
	unproven := fmt.Sprintf("Target %q declares key = [%s] on %s, but no primary key or unique constraint over NOT NULL columns makes it unique", t.Name, quoted(keyNames), prof.Table)
	fix := fmt.Sprintf("To proceed: declare a unique key on %s (a primary key, or a unique constraint over NOT NULL columns), or pick other columns for key that are unique together and never NULL", prof.Table)
	if alt := keyCandidates(prof); alt != "" {
		fix += " (" + alt + ")"
	}
	const why = "The journal and the rollback find rows by their key, so rows sharing a key value or with a NULL in it could not be restored byte for byte"
	kc := prof.KeyCheck
	if kc == nil || !equalFold(kc.Columns, keyNames) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: subject + " could not be checked",
			Detail: fmt.Sprintf("%s, and it was not checked against the table's rows. %s. %s.", unproven, why, fix), Subject: rng}}
	}
	if kc.Error != "" {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: subject + " could not be checked",
			Detail: fmt.Sprintf("%s, and the query that checks its rows failed: %s. %s. %s.", unproven, kc.Error, why, fix), Subject: rng}}
	}
	if kc.NullRows == 0 && kc.DuplicateKeys == 0 {
		return &Setting{"key", fmt.Sprintf("%s (no constraint makes it unique; a query at plan time found it unique and never NULL in all %s rows: keep it so while anomalies are applied)", cols, Thousands(kc.Rows))}, nil
	}
	var found []string
	if kc.DuplicateKeys > 0 {
		s := fmt.Sprintf("%s %s held by more than one row (%s rows in all)", Thousands(kc.DuplicateKeys), plural(kc.DuplicateKeys, "key value", "key values"), Thousands(kc.DuplicateRows))
		var ex []string
		for _, e := range kc.Examples {
			var parts []string
			for i, v := range e.Values {
				if i < len(keyNames) {
					parts = append(parts, keyNames[i]+" = "+v)
				}
			}
			ex = append(ex, fmt.Sprintf("%s: %s rows", strings.Join(parts, ", "), Thousands(e.Rows)))
		}
		if len(ex) > 0 {
			if int64(len(ex)) < kc.DuplicateKeys {
				s += ", e.g. " + strings.Join(ex, "; ")
			} else {
				s += ": " + strings.Join(ex, "; ")
			}
		}
		found = append(found, s)
	}
	if kc.NullRows > 0 {
		found = append(found, fmt.Sprintf("%s %s with a NULL in the key", Thousands(kc.NullRows), plural(kc.NullRows, "row", "rows")))
	}
	what := "not unique"
	if kc.DuplicateKeys == 0 {
		what = "NULL in some rows"
	} else if kc.NullRows > 0 {
		what = "not unique and NULL in some rows"
	}
	return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: subject + " is " + what,
		Detail: fmt.Sprintf("%s, and a query over its %s rows found %s. %s. %s.", unproven, Thousands(kc.Rows), joinAnd(found), why, fix), Subject: rng}}
}

// keyCandidates lists the table's primary key and unique constraints as
// keys to use instead, or "".
func keyCandidates(p *TableProfile) string {
	var out []string
	if len(p.PrimaryKey) > 0 {
		out = append(out, fmt.Sprintf("its primary key: key = [%s]", quoted(p.PrimaryKey)))
	}
	for _, u := range p.Unique {
		if u.Partition != "" {
			continue
		}
		nullable := false
		for _, n := range u.Columns {
			if c := p.Column(n); c == nil || c.Nullable {
				nullable = true
			}
		}
		if !nullable {
			out = append(out, fmt.Sprintf("unique constraint %s: key = [%s]", u.Name, quoted(u.Columns)))
		}
	}
	return strings.Join(out, "; ")
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

func equalFold(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func columnNames(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}
