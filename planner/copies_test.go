package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/state"
)

// TestCopiesKeepUniqueIndexes: copies keep a unique index that holds the
// time column by moving the copies' time (plan says how), and are refused,
// naming the index, for one that does not hold it or the fresh key.
func TestCopiesKeepUniqueIndexes(t *testing.T) {
	spike := block("volume_spike", "  amplitude = 2\n")
	for _, c := range []struct {
		name    string
		unique  []UniqueIndex
		timeTyp string
		setting string
		err     []string
	}{
		{name: "no other index"},
		{name: "an index holding the key", unique: []UniqueIndex{{Name: "by_id_email", Columns: []string{"email", "id"}}}},
		{name: "an index holding the time column", unique: []UniqueIndex{{Name: "idx_unq", Columns: []string{"created_at", "email"}}},
			timeTyp: "timestamp without time zone",
			setting: "idx_unq (created_at, email) kept: each copy's created_at is "},
		{name: "seconds", unique: []UniqueIndex{{Name: "idx_unq", Columns: []string{"created_at", "email"}}}, timeTyp: "datetime", setting: "in steps of 1s (the smallest of datetime)"},
		{name: "an index the copies would repeat", unique: []UniqueIndex{{Name: "orders_email_key", Columns: []string{"email"}}},
			err: []string{"Copies would break unique index orders_email_key of public.orders", "unique index orders_email_key (email) does not include id"}},
		{name: "a partition's index", unique: []UniqueIndex{{Name: "p1_status", Columns: []string{"status"}, Partition: "public.orders_p1"}},
			err: []string{"unique index p1_status (of partition public.orders_p1)"}},
		{name: "a date has no finer step", unique: []UniqueIndex{{Name: "per_day", Columns: []string{"created_at", "email"}}}, timeTyp: "date",
			err: []string{"per_day", "its type date has no finer step than a day"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			prof := profile()
			prof.Unique = c.unique
			if c.timeTyp != "" {
				prof.Column("created_at").Type = c.timeTyp
			}
			cfg := guardConfig(t, "postgres", "", spike)
			p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
			if c.err != nil {
				if !diags.HasErrors() {
					t.Fatal("planned, want a refusal naming the index")
				}
				for _, w := range c.err {
					if !strings.Contains(diags[0].Summary+" "+diags[0].Detail, w) {
						t.Errorf("message lacks %q: %s", w, diags.Error())
					}
				}
				return
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			m := p.Changes[0].Mutation
			var unique string
			for _, s := range p.Changes[0].Settings {
				if s.Name == "unique" {
					unique = s.Value
				}
			}
			if c.setting == "" {
				if m.Nudge != nil || unique != "" {
					t.Errorf("nudge %+v, setting %q: want none", m.Nudge, unique)
				}
				return
			}
			if m.Nudge == nil || m.Nudge.Column.Name != "created_at" || !strings.Contains(unique, c.setting) {
				t.Errorf("nudge %+v, setting %q: want created_at moved, %q", m.Nudge, unique, c.setting)
			}
		})
	}
}

// TestNudgesOfOnePlanDiffer: two copy anomalies of one plan on the same
// table never move copies to the same offset.
func TestNudgesOfOnePlanDiffer(t *testing.T) {
	prof := profile()
	prof.Unique = []UniqueIndex{{Name: "idx_unq", Columns: []string{"created_at", "email"}}}
	prof.Column("created_at").Type = "timestamp with time zone"
	text := strings.Replace(block("volume_spike", "  amplitude = 2\n  seed = 5\n"), `"a"`, `"one"`, 1) +
		strings.Replace(block("duplicate_rows", "  seed = 5\n"), `"a"`, `"two"`, 1)
	cfg := guardConfig(t, "postgres", "", text)
	p, diags := Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": prof}, Now: now})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	seen := map[int64]string{}
	for _, ch := range p.Changes {
		for k := 1; k <= len(ch.Mutation.Rounds); k++ {
			s := ch.Mutation.Nudge.Shift(k)
			if other, dup := seen[s]; dup {
				t.Errorf("%s and %s both move copies by %dµs", other, ch.Address, s)
			}
			seen[s] = ch.Address
		}
	}
}

func TestTimeStep(t *testing.T) {
	for typ, want := range map[string]int64{
		"timestamp without time zone": 1, "timestamp(3) with time zone": 1000, "timestamptz": 1, "datetime": 1_000_000,
		"datetime(6)": 1, "datetime2": 1, "datetime2(3)": 1000, "TIMESTAMP(6)": 1, "smalldatetime": 60_000_000, "timestamp": 1_000_000, "date": 0,
	} {
		got, ok := TimeStep(Column{Name: "t", Type: typ, Class: ClassTime}, TimeFormat{})
		if got != want || ok != (want > 0) {
			t.Errorf("%s: step %d (%v), want %d", typ, got, ok, want)
		}
	}
	if got, ok := TimeStep(Column{Type: "TEXT", Class: ClassText}, TimeFormat{Layout: "2006-01-02 15:04:05.000"}); !ok || got != 1_000_000 {
		t.Errorf("text time: %d %v", got, ok)
	}
}
