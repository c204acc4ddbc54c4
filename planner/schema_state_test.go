package planner

import (
	"reflect"
	"slices"
	"testing"

	"github.com/anomgen/anomgen/state"
)

// Moving a profile across a schema change and back gives the profile
// again: that is what makes an applied schema anomaly plan as a no-op.
func TestSchemaStateRoundTrip(t *testing.T) {
	prof := &TableProfile{Table: TableName{Schema: "shop", Name: "orders"}, Columns: []Column{
		{Name: "id", Type: "bigint", Class: ClassInteger},
		{Name: "amount", Type: "numeric(10,2)", Class: ClassDecimal},
		{Name: "channel", Type: "text", Class: ClassText, Nullable: true, Default: "'web'::text"},
		{Name: "status", Type: "text", Class: ClassText},
	}}
	str := func(s string) *string { return &s }
	cases := []*Mutation{
		{Op: OpAddColumn, Def: &ColumnDef{Name: "coupon", Type: "varchar(40)", Nullable: true, DefaultValue: str("x")}},
		{Op: OpDropColumn, Column: &prof.Columns[2]},
		{Op: OpDropColumn, Column: &prof.Columns[1]},
		{Op: OpRenameColumn, Column: &prof.Columns[3], NewName: "order_status"},
		{Op: OpChangeType, Column: &prof.Columns[1], Def: &ColumnDef{Name: "amount", Type: "text"}},
	}
	for _, m := range cases {
		m.Table, m.Key, m.Columns = prof.Table, prof.Columns[:1], prof.Columns
		after := prof.AfterSchemaChange(m)
		if slices.EqualFunc(after.Columns, prof.Columns, func(a, b Column) bool { return reflect.DeepEqual(a, b) }) {
			t.Errorf("%s: the profile after the change is the profile before", m.Op)
		}
		back := after.BeforeSchemaChange(m.Journal("j", "anomgen"))
		for i := range back.Columns {
			back.Columns[i].Class = prof.Columns[min(i, len(prof.Columns)-1)].Class // classes are not journaled
		}
		if !slices.Equal(back.ColumnNames(), prof.ColumnNames()) {
			t.Errorf("%s: columns %v after and back, want %v", m.Op, back.ColumnNames(), prof.ColumnNames())
			continue
		}
		for i, c := range back.Columns {
			w := prof.Columns[i]
			if c.Type != w.Type || c.Nullable != w.Nullable || c.Default != w.Default {
				t.Errorf("%s: column %s is %+v after and back, want %+v", m.Op, c.Name, c, w)
			}
		}
	}
	// A journal of another kind leaves the profile alone.
	if got := prof.BeforeSchemaChange(state.Journal{Op: "update", Column: "amount"}); !slices.Equal(got.ColumnNames(), prof.ColumnNames()) {
		t.Errorf("an update journal changed the profile: %v", got.ColumnNames())
	}
}
