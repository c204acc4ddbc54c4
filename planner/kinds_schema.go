package planner

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// sqlType accepts type names such as text, double precision, varchar(20),
// numeric(10,2), timestamp with time zone: words, an optional size or
// precision and scale. Types are DDL, which takes no bind parameters, so
// nothing else gets through.
var sqlType = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*){0,3}( ?\(\s*\d+\s*(,\s*\d+\s*)?\))?( [A-Za-z][A-Za-z0-9_]*){0,3}$`)

// identifier accepts new column names: letters, digits and underscores.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

func init() {
	register(&Kind{
		Name:        "schema_add_column",
		Category:    Pipeline,
		Summary:     "a new column appears (typed, optional default)",
		Description: "Adds a nullable column of the given type, optionally with a default, as an upstream schema change would. Rollback drops it.",
		Monitor:     "schema: a column-added event; downstream SELECT * sees an extra column",
		NoWindow:    true,
		Params: []Param{
			{Name: "name", Type: "string", Required: true, Doc: "the new column's name (letters, digits, underscores)"},
			{Name: "type", Type: "string", Required: true, Doc: `the database type, e.g. "text", "integer", "varchar(40)"`},
			{Name: "default", Type: "string", Doc: "a default value, written into every row (a quoted literal, never SQL)"},
		},
		Example: `anomaly "schema_add_column" "new_field" {
  target = target.orders
  name   = "coupon_code"
  type   = "varchar(40)"
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			name, diags := b.str("name", "")
			if diags.HasErrors() {
				return nil, diags
			}
			if !identifier.MatchString(name) {
				return nil, b.errorAt("name", "Invalid column name", fmt.Sprintf("%q: use letters, digits and underscores, starting with a letter.", name))
			}
			if b.Profile.Column(name) != nil {
				return nil, b.errorAt("name", "Column exists", fmt.Sprintf("%s already has a column %s; choose a new name.", b.Profile.Table, name))
			}
			typ, d := b.str("type", "")
			if d.HasErrors() {
				return nil, d
			}
			if !sqlType.MatchString(typ) {
				return nil, b.errorAt("type", "Invalid type", fmt.Sprintf("%q is not a type name anomgen accepts: write a type such as \"text\", \"integer\", \"varchar(40)\" or \"numeric(10,2)\".", typ))
			}
			def := &ColumnDef{Name: name, Type: typ, Nullable: true}
			if _, ok := b.Anomaly.Params["default"]; ok {
				v, d := b.str("default", "")
				if d.HasErrors() {
					return nil, d
				}
				def.DefaultValue = &v
			}
			return &Mutation{Op: OpAddColumn, Def: def}, nil
		},
	})
	register(&Kind{
		Name:        "schema_drop_column",
		Category:    Pipeline,
		Summary:     "a column disappears (data and definition journaled, restored on rollback)",
		Description: "Drops the column, as an upstream schema change would. Its values are journaled by key with its type, default and nullability; rollback adds it back (in its old position where the database can: MySQL; elsewhere at the end) and refills it exactly.",
		Monitor:     "schema: a column-removed event; queries naming the column fail",
		NeedsColumn: true,
		Suits:       anyColumn,
		ColumnTypes: "any column that is not part of the key and not generated",
		NoWindow:    true,
		Example: `anomaly "schema_drop_column" "lost_field" {
  target = target.orders
  column = "channel"
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			return &Mutation{Op: OpDropColumn, Column: b.Column}, nil
		},
	})
	register(&Kind{
		Name:        "schema_rename_column",
		Category:    Pipeline,
		Summary:     "a column is renamed",
		Description: "Renames the column, as an upstream refactoring would. Rollback renames it back.",
		Monitor:     "schema: a column removed and another added; queries naming the old column fail",
		NeedsColumn: true,
		Suits:       anyColumn,
		ColumnTypes: "any column that is not part of the key",
		NoWindow:    true,
		Params: []Param{
			{Name: "new_name", Type: "string", Required: true, Doc: "the column's new name"},
		},
		Example: `anomaly "schema_rename_column" "renamed_field" {
  target   = target.orders
  column   = "status"
  new_name = "order_status"
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			name, diags := b.str("new_name", "")
			if diags.HasErrors() {
				return nil, diags
			}
			if !identifier.MatchString(name) {
				return nil, b.errorAt("new_name", "Invalid column name", fmt.Sprintf("%q: use letters, digits and underscores, starting with a letter.", name))
			}
			if b.Profile.Column(name) != nil {
				return nil, b.errorAt("new_name", "Column exists", fmt.Sprintf("%s already has a column %s; choose a new name.", b.Profile.Table, name))
			}
			return &Mutation{Op: OpRenameColumn, Column: b.Column, NewName: name}, nil
		},
	})
	register(&Kind{
		Name:        "schema_change_type",
		Category:    Pipeline,
		Summary:     "a column's type changes, values converted (and journaled)",
		Description: "Changes the column's type (e.g. numeric to text, timestamp to text), converting every value, as an upstream type change would. The values are journaled by key; rollback changes the type back and restores them exactly. A conversion the database refuses fails the apply cleanly.",
		Monitor:     "schema: a type-change event; numeric checks on the column break",
		NeedsColumn: true,
		Suits:       anyColumn,
		ColumnTypes: "any column that is not part of the key and not generated",
		NoWindow:    true,
		Params: []Param{
			{Name: "new_type", Type: "string", Required: true, Doc: `the database type to change to, e.g. "text", "varchar(20)"`},
		},
		Requires: []Requirement{{
			Has: func(c Capabilities) bool { return c.AlterColumnType },
			Why: func(c Capabilities) string {
				return c.Database + " cannot change a column's type in place: it would have to rebuild the table"
			},
		}},
		Example: `anomaly "schema_change_type" "amount_as_text" {
  target   = target.orders
  column   = "amount"
  new_type = "varchar(32)"
}`,
		Build: func(b *build) (*Mutation, hcl.Diagnostics) {
			typ, diags := b.str("new_type", "")
			if diags.HasErrors() {
				return nil, diags
			}
			if !sqlType.MatchString(typ) {
				return nil, b.errorAt("new_type", "Invalid type", fmt.Sprintf("%q is not a type name anomgen accepts: write a type such as \"text\", \"varchar(40)\" or \"numeric(10,2)\".", typ))
			}
			def := &ColumnDef{Name: b.Column.Name, Type: typ, Nullable: b.Column.Nullable}
			return &Mutation{Op: OpChangeType, Column: b.Column, Def: def}, nil
		},
	})
}
