package sqlite

import (
	"context"
	"reflect"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestParseTrigger(t *testing.T) {
	for _, c := range []struct {
		sql    string
		timing string
		events []string
		cols   []string
	}{
		{`CREATE TRIGGER t AFTER INSERT ON orders BEGIN SELECT 1; END`, "AFTER", []string{"INSERT"}, nil},
		{`create temp trigger if not exists main.t before update of "e mail", [amount] on orders for each row begin select 1; end`, "BEFORE", []string{"UPDATE"}, []string{"e mail", "amount"}},
		{"CREATE TRIGGER \"a b\" /* c */ -- x\n DELETE ON orders BEGIN SELECT 1; END", "BEFORE", []string{"DELETE"}, nil},
		{`CREATE TRIGGER v INSTEAD OF UPDATE ON orders_view BEGIN SELECT 1; END`, "INSTEAD OF", []string{"UPDATE"}, nil},
		{`CREATE TRIGGER "before" UPDATE OF "on" ON orders BEGIN SELECT 1; END`, "BEFORE", []string{"UPDATE"}, []string{"on"}},
		{`garbage`, "BEFORE", []string{"INSERT", "UPDATE", "DELETE"}, nil},
	} {
		got := parseTrigger(c.sql)
		if got.Timing != c.timing || !reflect.DeepEqual(got.Events, c.events) || !reflect.DeepEqual(got.Columns, c.cols) {
			t.Errorf("%s: got %s %v %v, want %s %v %v", c.sql, got.Timing, got.Events, got.Columns, c.timing, c.events, c.cols)
		}
	}
}

// TestProfileGuards: the inspector finds triggers and the foreign keys of
// other tables (and of the table itself) that point at it.
func TestProfileGuards(t *testing.T) {
	s := providertest.NewSQLite(t)
	for _, q := range []string{
		`CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT UNIQUE, updated_at TEXT, boss INTEGER REFERENCES customers)`,
		`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
			customer_email TEXT, CONSTRAINT by_mail FOREIGN KEY (customer_email) REFERENCES customers (email) ON UPDATE SET NULL)`,
		`CREATE TRIGGER touch AFTER UPDATE OF email ON customers BEGIN UPDATE customers SET updated_at = 'now' WHERE id = NEW.id; END`,
	} {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	c, err := providers.Open(context.Background(), s.Settings())
	if err != nil {
		t.Fatal(err)
	}
	defer c.DB.Close()
	p, err := c.Inspector.Profile(context.Background(), "customers", "")
	if err != nil {
		t.Fatal(err)
	}
	wantT := []planner.Trigger{{Name: "touch", Table: planner.TableName{Name: "customers"}, Timing: "AFTER", Events: []string{"UPDATE"}, Columns: []string{"email"}, Row: true}}
	if !reflect.DeepEqual(p.Triggers, wantT) {
		t.Errorf("triggers %+v, want %+v", p.Triggers, wantT)
	}
	wantF := []planner.ForeignKey{
		{Table: planner.TableName{Name: "customers"}, Columns: []string{"boss"}, RefColumns: []string{"id"}, OnDelete: "NO ACTION", OnUpdate: "NO ACTION"},
		{Table: planner.TableName{Name: "orders"}, Columns: []string{"customer_email"}, RefColumns: []string{"email"}, OnDelete: "NO ACTION", OnUpdate: "SET NULL"},
		{Table: planner.TableName{Name: "orders"}, Columns: []string{"customer_id"}, RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "NO ACTION"},
	}
	if !reflect.DeepEqual(p.ReferencedBy, wantF) {
		t.Errorf("referenced by %+v, want %+v", p.ReferencedBy, wantF)
	}
	if p.Partitioned || p.TriggersUnknown != "" {
		t.Errorf("partitioned %v, unknown %q", p.Partitioned, p.TriggersUnknown)
	}
}
