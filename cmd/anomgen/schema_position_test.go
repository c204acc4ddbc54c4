package main

import (
	"testing"
)

// A dropped column that rollback cannot put back in its place (PostgreSQL,
// SQLite: it comes back last) is said in plan, not only at rollback;
// MariaDB puts it back in place, and a column that was last comes back in
// place anywhere, so neither gets the remark.
func TestDropColumnPositionInPlan(t *testing.T) {
	allFixtures(t, func(t *testing.T, f *fixture) {
		execSQL(t, f.db, "ALTER TABLE orders ADD COLUMN extra TEXT")
		dir := scenario(t, f, `
anomaly "schema_drop_column" "no_email" {
  target = target.orders
  column = "email"
}
anomaly "schema_drop_column" "no_extra" {
  target = target.orders
  column = "extra"
}
`)
		r := mustOK(t, cli(t, dir, "plan", "-no-color"))
		remark := "rollback: column email comes back as the last column of "
		if f.name == "mysql" {
			wantNone(t, r, r.stdout, remark, "comes back as the last column")
			return
		}
		db := map[string]string{"postgres": "PostgreSQL", "sqlite": "SQLite"}[f.name]
		wantAll(t, r, r.stdout, remark, "not after id where it is now: "+db+" cannot put a column back in its place (its values, type, default and nullability come back exactly; SELECT * and positional reads see it last)")
		wantNone(t, r, r.stdout, "column extra comes back")
	})
}
