package executor_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/executor"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/state"

	_ "github.com/anomgen/anomgen/providers/sqlite"
)

// stale_data and late_arrival hide rows for a while: with the clock moved
// past their due time, plan shows the release as an expire change, apply
// carries it out, the table is back to its checksum, and the unchanged
// block is not applied again.
func TestDueAnomaliesExpire(t *testing.T) {
	for _, tc := range []struct{ name, block string }{
		{"stale_data", `anomaly "stale_data" "x" {
  target   = target.orders
  duration = "2h"
  window {
    last = "6h"
  }
}`},
		{"late_arrival", `anomaly "late_arrival" "x" {
  target = target.orders
  volume = 0.5
  delay  = "3h"
  window {
    last = "12h"
  }
}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := providertest.NewSQLite(t)
			now := time.Now().UTC().Truncate(time.Second)
			if _, err := db.DB.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, v TEXT)`); err != nil {
				t.Fatal(err)
			}
			tx, err := db.DB.Begin() // one commit (and fsync), not 2,000
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2000; i++ { // one row a minute over the last 2000 minutes
				at := now.Add(-time.Duration(i) * time.Minute).Format("2006-01-02 15:04:05")
				if _, err := tx.Exec(`INSERT INTO orders VALUES (?, ?, ?)`, i+1, at, fmt.Sprint("v", i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			sum := func() string { return providertest.Checksum(t, db.DB, "SELECT * FROM orders ORDER BY id") }
			before := sum()
			src := fmt.Sprintf("source \"sqlite\" \"db\" {\n  path = %q\n}\ntarget \"orders\" {\n  source = source.sqlite.db\n  table = \"orders\"\n  time_column = \"created_at\"\n}\n", db.Path)
			dir := t.TempDir()
			cfg, diags := config.LoadFiles(dir, map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(src + tc.block + "\n")}, config.Options{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			eng := executor.New(cfg)
			defer eng.Close()
			if err := eng.Open(ctx, []string{"source.sqlite.db"}); err != nil {
				t.Fatal(err)
			}
			st := state.New()
			save := func(*state.State) error { return nil }
			plan := func(at time.Time) *planner.Plan {
				t.Helper()
				profiles, diags := eng.Profiles(ctx, nil)
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				p, diags := planner.Make(planner.Input{Config: cfg, State: st, Profiles: profiles, Now: at})
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				if err := eng.Count(ctx, p); err != nil {
					t.Fatal(err)
				}
				return p
			}
			p := plan(now)
			if _, err := eng.Apply(ctx, p, st, save); err != nil {
				t.Fatal(err)
			}
			a := st.Get("anomaly." + tc.name + ".x")
			if a == nil || a.ExpiresAt == nil || a.Rows == 0 {
				t.Fatalf("applied entry without a due time or rows: %+v", a)
			}
			if sum() == before {
				t.Fatal("apply hid nothing")
			}
			// Before the due time: nothing to do.
			if p := plan(a.ExpiresAt.Add(-time.Minute)); !p.Empty() {
				t.Fatalf("a minute before due: %s", p.Changes[0].Action)
			}
			// Past it: an expire change, carried out by apply.
			p = plan(a.ExpiresAt.Add(time.Minute))
			if len(p.Changes) != 1 || p.Changes[0].Action != planner.Expire {
				t.Fatalf("past due: %+v", p.Changes)
			}
			if _, err := eng.Apply(ctx, p, st, save); err != nil {
				t.Fatal(err)
			}
			if got := sum(); got != before {
				t.Fatalf("after the release the table is %s, want %s", got, before)
			}
			if e := st.Get(a.Address); e == nil || e.Status != state.StatusExpired {
				t.Fatalf("state after expiry: %+v", e)
			}
			if p := plan(a.ExpiresAt.Add(2 * time.Hour)); !p.Empty() {
				t.Fatalf("an expired anomaly was planned again: %s", p.Changes[0].Action)
			}
		})
	}
}
