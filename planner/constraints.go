package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Columns that hold keys: a column a foreign key of the table constrains
// (the child side), a column other tables' foreign keys point at, a column
// with a unique index or constraint, and columns that look like
// references without a constraint (id, *_id). What the database would
// refuse at apply is refused at plan (referenceGuard); what would merely
// make no sense (a numeric shift of a customer id) is not suggested by init
// and anomalies suggest (suggestedFor).

// keepsParents are the column kinds whose new value is always NULL or a
// value the column already holds in another row, so that a foreign key on
// the column still finds its parent: null_rate (NULL never breaks a
// foreign key), stuck_values and duplicate_keys (a value of the window's
// first row). A kind missing here counts as writing new values, which a
// foreign key would refuse: a new kind is refused on such columns until it
// is listed.
var keepsParents = map[string]bool{"null_rate": true, "stuck_values": true, "duplicate_keys": true}

// referenceGuard refuses a change of column values that a foreign key of
// the table (or of one of its partitions) constrains, unless the kind keeps
// every value a parent key: the database would refuse the first value
// without a parent, and the apply would fail and change nothing. It also
// refuses dropping such a column or changing its type, which would drop the
// constraint with it (or which the database refuses). cols are the columns
// the mutation writes.
func referenceGuard(a *config.Anomaly, prof *TableProfile, op Op, cols []string) hcl.Diagnostics {
	if op == OpUpdate && (keepsParents[a.Kind] || a.Kind == "orphan_references") { // orphan_references names the constraint itself
		return nil
	}
	var diags hcl.Diagnostics
	for _, col := range cols {
		for _, ref := range referencesOn(prof, col) {
			detail := referenceDetail(a, prof, col, ref)
			if op != OpUpdate {
				detail = fmt.Sprintf("Kind %s %s column %s of %s, but constraint %s (%s → %s(%s)) is declared on it: the database would drop the constraint with the column or refuse the change, and a rollback could not bring the constraint back. Choose a column no foreign key constrains, or target a copy of %s without the constraint.",
					a.Kind, map[Op]string{OpDropColumn: "drops", OpChangeType: "changes the type of"}[op], col, prof.Table, refName(ref), strings.Join(ref.Columns, ", "), ref.Parent, strings.Join(ref.ParentColumns, ", "), prof.Table)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: fmt.Sprintf("Column %s of %s has the foreign key %s", col, prof.Table, refName(ref)),
				Detail:  detail,
				Subject: a.Range("column")})
		}
	}
	return diags
}

func referenceDetail(a *config.Anomaly, prof *TableProfile, col string, ref Reference) string {
	where := ""
	if ref.Partition != "" {
		where = fmt.Sprintf(", declared on partition %s", ref.Partition)
	}
	s := fmt.Sprintf("Kind %s writes new values into %s of %s, but constraint %s (%s → %s(%s)%s) accepts only values that %s holds, so the database would refuse the first value without a parent row and the apply would fail and change nothing.",
		a.Kind, col, prof.Table, refName(ref), strings.Join(ref.Columns, ", "), ref.Parent, strings.Join(ref.ParentColumns, ", "), where, ref.Parent)
	var ok []string
	if c := prof.Column(col); c != nil && c.Nullable {
		ok = append(ok, "null_rate")
	}
	ok = append(ok, "stuck_values", "duplicate_keys")
	s += fmt.Sprintf(" Kinds that keep every value a parent key: %s.", strings.Join(ok, ", "))
	if c := prof.Column(col); c != nil {
		if fits, _ := keyLike(*c); fits {
			s += fmt.Sprintf(" For references to parents that do not exist, use orphan_references on a copy of %s without the constraint (it refuses a constrained column for the same reason).", prof.Table)
		}
	}
	return s
}

func refName(r Reference) string {
	if r.Name == "" {
		return "(unnamed)"
	}
	return r.Name
}

// referencesOn returns the foreign keys of p (and of its partitions) that
// include column name.
func referencesOn(p *TableProfile, name string) []Reference {
	var out []Reference
	for _, r := range p.References {
		if containsFold(r.Columns, name) {
			out = append(out, r)
		}
	}
	return out
}

// referencedBy reports whether a foreign key of another table (or of this
// one) points at column name of p.
func referencedBy(p *TableProfile, name string) bool {
	for _, fk := range p.ReferencedBy {
		if containsFold(fk.RefColumns, name) {
			return true
		}
	}
	return false
}

// idLike reports whether a column looks like a reference or an identifier
// without saying so in a constraint: a key-like (integer or text) column
// named id or ending in _id.
func idLike(c Column) bool {
	n := strings.ToLower(c.Name)
	key, _ := keyLike(c)
	return key && (n == "id" || strings.HasSuffix(n, "_id"))
}

// KeyRole says what makes column c of p a key column, in words ("" for an
// ordinary column): primary key, unique index, foreign key, referenced by
// a foreign key, or an id-like name.
func KeyRole(p *TableProfile, key []string, c Column) string {
	switch {
	case containsFold(key, c.Name) || containsFold(p.PrimaryKey, c.Name):
		return "key"
	case referencedBy(p, c.Name):
		return "referenced by a foreign key"
	case len(referencesOn(p, c.Name)) > 0:
		return "foreign key " + refName(referencesOn(p, c.Name)[0])
	case uniqueIndexOn(p, c.Name) != "":
		return "unique index " + uniqueIndexOn(p, c.Name)
	case idLike(c):
		return "an identifier by its name"
	}
	return ""
}

// suggestedFor reports whether init and anomalies suggest should propose
// kind k for column c of p: kinds that write new values are not proposed
// for key columns, whose values identify rows or point at them. On a
// foreign key or an id-like column only the kinds that keep values parent
// keys (and orphan_references, where no constraint forbids it) are; on a
// column with a unique index only null_rate (NULLs never collide); on a
// column other tables refer to, none (plan refuses every change of it).
func suggestedFor(k *Kind, p *TableProfile, c Column) bool {
	switch {
	case referencedBy(p, c.Name):
		return false
	case len(referencesOn(p, c.Name)) > 0:
		return keepsParents[k.Name]
	case uniqueIndexOn(p, c.Name) != "":
		return k.Name == "null_rate"
	case idLike(c):
		return keepsParents[k.Name] || k.Name == "orphan_references"
	}
	return true
}

// kindsFitting lists the column kinds that suit c and that plan would
// not refuse for its constraints, sorted, leaving out skip.
func kindsFitting(p *TableProfile, c Column, skip string) []string {
	var out []string
	for _, o := range Kinds() {
		if !o.NeedsColumn || o.Name == skip {
			continue
		}
		if good, _ := o.Suits(c); !good {
			continue
		}
		if len(referencesOn(p, c.Name)) > 0 && !keepsParents[o.Name] {
			continue
		}
		out = append(out, o.Name)
	}
	sort.Strings(out)
	return out
}
