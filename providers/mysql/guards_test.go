package mysql_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestProfileGuards: the inspector lists triggers, the foreign keys that
// point at the table (composite ones in order) and partitioning.
func TestProfileGuards(t *testing.T) {
	m := providertest.NewMySQL(t)
	for _, q := range []string{
		`CREATE TABLE customers (id BIGINT PRIMARY KEY, region VARCHAR(10), code INT, updated_at DATETIME, UNIQUE KEY (region, code)) ENGINE=InnoDB`,
		`CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id BIGINT, region VARCHAR(10), code INT,
			CONSTRAINT by_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE ON UPDATE RESTRICT,
			CONSTRAINT by_code FOREIGN KEY (region, code) REFERENCES customers (region, code) ON DELETE RESTRICT ON UPDATE SET NULL) ENGINE=InnoDB`,
		`CREATE TRIGGER touch BEFORE UPDATE ON customers FOR EACH ROW SET NEW.updated_at = NOW()`,
		`CREATE TRIGGER audit AFTER DELETE ON customers FOR EACH ROW SET @n = 1`,
		`CREATE TABLE events (id BIGINT NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id, created_at)) ENGINE=InnoDB
			PARTITION BY RANGE (TO_DAYS(created_at)) (PARTITION p1 VALUES LESS THAN (TO_DAYS('2026-02-01')), PARTITION p2 VALUES LESS THAN MAXVALUE)`,
	} {
		if _, err := m.DB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	c, err := providers.Open(context.Background(), providers.Settings{Type: "mysql", Name: "db", DSN: m.DSN, JournalSchema: m.Journal})
	if err != nil {
		t.Fatal(err)
	}
	defer c.DB.Close()
	p, err := c.Inspector.Profile(context.Background(), "customers", "")
	if err != nil {
		t.Fatal(err)
	}
	tab := planner.TableName{Schema: m.Name, Name: "customers"}
	wantT := []planner.Trigger{
		{Name: "audit", Table: tab, Timing: "AFTER", Events: []string{"DELETE"}, Row: true},
		{Name: "touch", Table: tab, Timing: "BEFORE", Events: []string{"UPDATE"}, Row: true},
	}
	if !reflect.DeepEqual(p.Triggers, wantT) || p.TriggersUnknown != "" {
		t.Errorf("triggers %+v (unknown %q), want %+v", p.Triggers, p.TriggersUnknown, wantT)
	}
	orders := planner.TableName{Schema: m.Name, Name: "orders"}
	wantF := []planner.ForeignKey{
		{Name: "by_code", Table: orders, Columns: []string{"region", "code"}, RefColumns: []string{"region", "code"}, OnDelete: "RESTRICT", OnUpdate: "SET NULL"},
		{Name: "by_customer", Table: orders, Columns: []string{"customer_id"}, RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "RESTRICT"},
	}
	if !reflect.DeepEqual(p.ReferencedBy, wantF) {
		t.Errorf("referenced by\n%+v, want\n%+v", p.ReferencedBy, wantF)
	}
	if p.Partitioned {
		t.Error("customers is not partitioned")
	}
	e, err := c.Inspector.Profile(context.Background(), "events", "")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Partitioned || len(e.Triggers) != 0 || len(e.ReferencedBy) != 0 {
		t.Errorf("events: partitioned %v, triggers %v, referenced by %v", e.Partitioned, e.Triggers, e.ReferencedBy)
	}
}
