package postgres_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestProfileGuards: the inspector lists user triggers (timing, events,
// UPDATE OF columns, level, enabled mode; never the foreign-key triggers)
// and the foreign keys pointing at the table, composite ones in order.
func TestProfileGuards(t *testing.T) {
	pg := providertest.NewPostgres(t)
	for _, q := range []string{
		`CREATE TABLE customers (id bigint PRIMARY KEY, region text, code int, email text, UNIQUE (region, code))`,
		`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers ON DELETE SET NULL,
			region text, code int, CONSTRAINT by_code FOREIGN KEY (region, code) REFERENCES customers (region, code) ON UPDATE CASCADE)`,
		`CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`,
		`CREATE TRIGGER a_mail AFTER UPDATE OF email, code ON customers FOR EACH ROW EXECUTE FUNCTION noop()`,
		`CREATE TRIGGER b_stmt BEFORE INSERT OR DELETE ON customers FOR EACH STATEMENT EXECUTE FUNCTION noop()`,
		`CREATE TRIGGER c_off BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION noop()`,
		`ALTER TABLE customers DISABLE TRIGGER c_off`,
		`CREATE TRIGGER d_always BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION noop()`,
		`ALTER TABLE customers ENABLE ALWAYS TRIGGER d_always`,
		`CREATE TRIGGER e_truncate AFTER TRUNCATE ON customers EXECUTE FUNCTION noop()`,
	} {
		if _, err := pg.DB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c, err := providers.Open(context.Background(), pg.Settings())
	if err != nil {
		t.Fatal(err)
	}
	defer c.DB.Close()
	p, err := c.Inspector.Profile(context.Background(), "customers", "")
	if err != nil {
		t.Fatal(err)
	}
	tab := planner.TableName{Schema: "public", Name: "customers"}
	wantT := []planner.Trigger{
		{Name: "a_mail", Table: tab, Timing: "AFTER", Events: []string{"UPDATE"}, Columns: []string{"code", "email"}, Row: true},
		{Name: "b_stmt", Table: tab, Timing: "BEFORE", Events: []string{"INSERT", "DELETE"}},
		{Name: "c_off", Table: tab, Timing: "BEFORE", Events: []string{"UPDATE"}, Row: true, Disabled: true},
		{Name: "d_always", Table: tab, Timing: "BEFORE", Events: []string{"UPDATE"}, Row: true, Always: true},
	}
	if !reflect.DeepEqual(p.Triggers, wantT) {
		t.Errorf("triggers\n%+v, want\n%+v", p.Triggers, wantT)
	}
	orders := planner.TableName{Schema: "public", Name: "orders"}
	wantF := []planner.ForeignKey{
		{Name: "by_code", Table: orders, Columns: []string{"region", "code"}, RefColumns: []string{"region", "code"}, OnDelete: "NO ACTION", OnUpdate: "CASCADE"},
		{Name: "orders_customer_id_fkey", Table: orders, Columns: []string{"customer_id"}, RefColumns: []string{"id"}, OnDelete: "SET NULL", OnUpdate: "NO ACTION"},
	}
	if !reflect.DeepEqual(p.ReferencedBy, wantF) {
		t.Errorf("referenced by\n%+v, want\n%+v", p.ReferencedBy, wantF)
	}
	if p.Partitioned || p.PartitionKey != nil {
		t.Errorf("partitioned %v by %v", p.Partitioned, p.PartitionKey)
	}
	if got, _ := c.Inspector.(providers.TriggerLister).Triggers(context.Background(), tab); !reflect.DeepEqual(got, wantT) {
		t.Errorf("Triggers() = %+v", got)
	}
	d := postgres.Dialect{}
	if got := d.EnableTrigger(wantT[3]); got != `ALTER TABLE ONLY "public"."customers" ENABLE ALWAYS TRIGGER "d_always"` {
		t.Errorf("EnableTrigger = %s", got)
	}
}
