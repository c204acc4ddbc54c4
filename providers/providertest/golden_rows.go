package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// goldenRowsScenario has the row-kind variants the catalog examples of
// Golden do not reach: a load-time column (AddSeconds), periods (several
// ranges), and copies under text and uuid keys.
const goldenRowsScenario = `source "postgres" "db" {
  database = "shop"
}
target "events" {
  source           = source.postgres.db
  table            = "shop.events"
  time_column      = "created_at"
  load_time_column = "loaded_at"
}
target "sessions" {
  source      = source.postgres.db
  table       = "shop.sessions"
  time_column = "created_at"
}
anomaly "late_arrival" "load_time" {
  target = target.events
  volume = 0.3
  delay  = "3h"
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "missing_partition" "periods" {
  target  = target.events
  periods = ["2026-11-20", "2026-11-21T03", "2026-11-23T22"]
}
anomaly "volume_spike" "text_key" {
  target    = target.events
  amplitude = 2.5
  seed      = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
anomaly "duplicate_rows" "uuid_key" {
  target = target.sessions
  volume = 0.2
  seed   = 42
  window {
    start    = "2026-11-01T00:00:00Z"
    duration = "7d"
  }
}
`

// goldenRowsProfiles are the tables of goldenRowsScenario: events keyed by
// text, with a load-time column and a generated column, and sessions keyed
// by the dialect's uuid type.
func goldenRowsProfiles(d sqlgen.Dialect) map[string]*planner.TableProfile {
	uuid := "uuid"
	if d.Name() == "sqlserver" {
		uuid = "uniqueidentifier"
	}
	tf := planner.TimeFormat{Layout: "2006-01-02 15:04:05"}
	return map[string]*planner.TableProfile{
		"events": {
			Table: planner.TableName{Schema: "shop", Name: "events"},
			Columns: []planner.Column{
				{Name: "id", Type: "varchar(64)", Class: planner.ClassText},
				{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
				{Name: "loaded_at", Type: "timestamp", Class: planner.ClassTime, Nullable: true},
				{Name: "payload", Type: "text", Class: planner.ClassText, Nullable: true},
				{Name: "size", Type: "integer", Class: planner.ClassInteger, Nullable: true, Generated: true},
			},
			PrimaryKey: []string{"id"}, Rows: 100000, TimeFormat: tf,
		},
		"sessions": {
			Table: planner.TableName{Schema: "shop", Name: "sessions"},
			Columns: []planner.Column{
				{Name: "id", Type: uuid, Class: planner.ClassOther},
				{Name: "created_at", Type: "timestamp", Class: planner.ClassTime},
				{Name: "user_id", Type: "bigint", Class: planner.ClassInteger},
			},
			PrimaryKey: []string{"id"}, Rows: 100000, TimeFormat: tf,
		},
	}
}

// GoldenRows renders the statements of goldenRowsScenario with dialect d
// and compares them with testdata/rows_<address>.golden, like Golden.
func GoldenRows(t *testing.T, d sqlgen.Dialect) {
	goldenScenario(t, d, "rows_", goldenRowsScenario, goldenRowsProfiles(d), 4)
}

// renderGolden writes a change's count, apply and rollback statements as
// Golden does.
func renderGolden(t *testing.T, d sqlgen.Dialect, ch *planner.Change) string {
	t.Helper()
	var b goldenText
	write := b.write
	write("count", sqlgen.Count(d, ch.Mutation))
	stmts, err := sqlgen.Apply(d, "anomgen", "0123456789abcdef", ch.Mutation)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if s.Role == sqlgen.RoleSchema {
			continue // the same for every change: see the catalog goldens
		}
		write("apply: "+string(s.Role), s)
	}
	j := ch.Mutation.Journal("0123456789abcdef", "anomgen")
	for _, force := range []bool{false, true} {
		r := sqlgen.RenderRollback(d, j, force)
		name := "rollback"
		if force {
			name = "rollback -force"
		}
		write(name+": conflicts", r.Conflicts)
		for _, s := range r.Restore {
			write(name+": restore", s)
		}
	}
	return b.String()
}
