package planner

import (
	"strings"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/state"
)

func selBlock(kind, column, extra string) string {
	col := ""
	if column != "" {
		col = "  column = \"" + column + "\"\n"
	}
	return "\nanomaly \"" + kind + "\" \"x\" {\n  target = target.orders\n" + col + "  volume = 0.2\n  seed   = 5\n" + extra + "  window {\n    last = \"2d\"\n  }\n}\n"
}

func TestSelectionDecoding(t *testing.T) {
	cases := []struct {
		name, body string
		check      func(t *testing.T, s Selection)
		settings   string
	}{
		{"segments", selBlock("null_rate", "email", "  segment {\n    column = \"status\"\n    values = [\"paid\", \"shipped\"]\n  }\n  segment {\n    column = \"amount\"\n    values = [\"12.50\"]\n  }\n"),
			func(t *testing.T, s Selection) {
				if len(s.Segments) != 2 || s.Segments[0].Column.Name != "status" || strings.Join(s.Segments[0].Values, ",") != "paid,shipped" ||
					s.Segments[1].Column.Class != ClassDecimal || s.Segments[1].Values[0] != "12.50" || s.Mechanism != MechanismRandom {
					t.Errorf("selection %+v", s)
				}
			}, "segment=status in [paid, shipped] segment=amount in [12.50]"},
		{"random spelled out", selBlock("null_rate", "email", "  mechanism = \"random\"\n"),
			func(t *testing.T, s Selection) {
				if s.Mechanism != MechanismRandom || s.Condition != nil {
					t.Errorf("selection %+v", s)
				}
			}, ""},
		{"conditional", selBlock("null_rate", "email", "  mechanism = \"conditional\"\n  condition {\n    column = \"status\"\n    values = [\"refunded\"]\n  }\n"),
			func(t *testing.T, s Selection) {
				if s.Mechanism != MechanismConditional || s.Condition == nil || s.Condition.Column.Name != "status" || s.Condition.Values[0] != "refunded" {
					t.Errorf("selection %+v", s)
				}
			}, "mechanism=conditional condition=status in [refunded]"},
		{"conditional on a row kind", selBlock("volume_drop", "", "  mechanism = \"conditional\"\n  condition {\n    column = \"status\"\n    values = [\"paid\"]\n  }\n"),
			func(t *testing.T, s Selection) {
				if s.Mechanism != MechanismConditional {
					t.Errorf("selection %+v", s)
				}
			}, "mechanism=conditional condition=status in [paid]"},
		{"value_dependent default high", selBlock("numeric_shift", "amount", "  mechanism = \"value_dependent\"\n"),
			func(t *testing.T, s Selection) {
				if s.Mechanism != MechanismValueDependent || s.BiasLow {
					t.Errorf("selection %+v", s)
				}
			}, "mechanism=value_dependent bias=high"},
		{"value_dependent low", selBlock("null_rate", "email", "  mechanism = \"value_dependent\"\n  bias = \"low\"\n"),
			func(t *testing.T, s Selection) {
				if s.Mechanism != MechanismValueDependent || !s.BiasLow {
					t.Errorf("selection %+v", s)
				}
			}, "mechanism=value_dependent bias=low"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if LookupKind(strings.Fields(c.body)[1][1:len(strings.Fields(c.body)[1])-1]) == nil {
				t.Skip("kind not in the catalog")
			}
			ch := mustPlan(t, mustLoad(t, c.body), state.New()).Changes[0]
			c.check(t, ch.Mutation.Where)
			var got []string
			for _, s := range ch.Settings {
				switch s.Name {
				case "segment", "mechanism", "condition", "bias":
					got = append(got, s.Name+"="+s.Value)
				}
			}
			if strings.Join(got, " ") != c.settings {
				t.Errorf("settings %q, want %q", strings.Join(got, " "), c.settings)
			}
		})
	}
}

// TestSelectionParamsHash: segments and mechanisms are part of the params
// hash, and a block without them keeps the hash it had before they existed.
func TestSelectionParamsHash(t *testing.T) {
	hash := func(extra string) string {
		return mustPlan(t, mustLoad(t, selBlock("null_rate", "email", extra)), state.New()).Changes[0].ParamsHash
	}
	plain := hash("")
	seen := map[string]string{"plain": plain}
	for name, extra := range map[string]string{
		"segment":  "  segment {\n    column = \"status\"\n    values = [\"paid\"]\n  }\n",
		"segment2": "  segment {\n    column = \"status\"\n    values = [\"shipped\"]\n  }\n",
		"cond":     "  mechanism = \"conditional\"\n  condition {\n    column = \"status\"\n    values = [\"paid\"]\n  }\n",
		"high":     "  mechanism = \"value_dependent\"\n",
		"low":      "  mechanism = \"value_dependent\"\n  bias = \"low\"\n",
	} {
		h := hash(extra)
		for other, oh := range seen {
			if oh == h {
				t.Errorf("%s and %s have the same params hash %s", name, other, h)
			}
		}
		seen[name] = h
	}
	if hash("  mechanism = \"random\"\n") != plain {
		t.Error("mechanism = \"random\" changed the params hash of a plain block")
	}
}

func TestSelectionErrors(t *testing.T) {
	cases := []struct {
		name, body, summary, detail, at string
	}{
		{"unknown segment column", selBlock("null_rate", "email", "  segment {\n    column = \"stauts\"\n    values = [\"paid\"]\n  }\n"),
			`No column "stauts"`, `Did you mean "status"?`, `column = "stauts"`},
		{"not a number", selBlock("null_rate", "email", "  segment {\n    column = \"amount\"\n    values = [\"ten\"]\n  }\n"),
			"Value is not a number", `"ten" is not one`, `values = ["ten"]`},
		{"filter on a time column", selBlock("null_rate", "email", "  segment {\n    column = \"created_at\"\n    values = [\"x\"]\n  }\n"),
			"Cannot filter on", "text or numeric", `column = "created_at"`},
		{"empty values", selBlock("null_rate", "email", "  segment {\n    column = \"status\"\n    values = []\n  }\n"),
			"Empty values", "at least one value", `values = []`},
		{"mechanism without condition", selBlock("null_rate", "email", "  mechanism = \"conditional\"\n"),
			"Mechanism conditional without a condition", "add condition {", `mechanism = "conditional"`},
		{"condition without mechanism", selBlock("null_rate", "email", "  condition {\n    column = \"status\"\n    values = [\"paid\"]\n  }\n"),
			"Condition without", "segment block", `condition {`},
		{"unknown condition column", selBlock("null_rate", "email", "  mechanism = \"conditional\"\n  condition {\n    column = \"chanel\"\n    values = [\"web\"]\n  }\n"),
			`No column "chanel"`, "Its columns:", `column = "chanel"`},
		{"unknown mechanism", selBlock("null_rate", "email", "  mechanism = \"conditionl\"\n"),
			"Invalid mechanism", `Did you mean "conditional"?`, `mechanism = "conditionl"`},
		{"bias without value_dependent", selBlock("null_rate", "email", "  bias = \"high\"\n"),
			"bias without", "value_dependent", `bias = "high"`},
		{"invalid bias", selBlock("null_rate", "email", "  mechanism = \"value_dependent\"\n  bias = \"up\"\n"),
			"Invalid bias", `"high"`, `bias = "up"`},
		{"bias on a row kind", selBlock("volume_drop", "", "  mechanism = \"value_dependent\"\n  bias = \"low\"\n"),
			"value_dependent needs a column kind", "kind volume_drop changes whole rows", `mechanism = "value_dependent"`},
		{"value_dependent on a kind without volume", "\nanomaly \"stuck_values\" \"x\" {\n  target = target.orders\n  column = \"status\"\n  mechanism = \"value_dependent\"\n}\n",
			"value_dependent needs a column kind", "stuck_values", `mechanism = "value_dependent"`},
		{"duplicate condition", selBlock("null_rate", "email", "  mechanism = \"conditional\"\n  condition {\n    column = \"status\"\n    values = [\"a\"]\n  }\n  condition {\n    column = \"status\"\n    values = [\"b\"]\n  }\n"),
			"Duplicate condition block", "at most one", "  condition {\n    column = \"status\"\n    values = [\"b\"]"},
		{"segment on a schema kind", "\nanomaly \"schema_drop_column\" \"x\" {\n  target = target.orders\n  column = \"email\"\n  segment {\n    column = \"status\"\n    values = [\"paid\"]\n  }\n}\n",
			"changes the whole table", "segment blocks and mechanism do not apply", "segment {"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := head + c.body
			cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(text)}, config.Options{Getenv: func(string) string { return "" }})
			if !diags.HasErrors() {
				if LookupKind(cfg.Anomalies[0].Kind) == nil {
					t.Skip("kind not in the catalog")
				}
				diags = Validate(cfg)
			}
			if !diags.HasErrors() {
				_, diags = Make(Input{Config: cfg, State: state.New(), Profiles: map[string]*TableProfile{"orders": profile()}, Now: now})
			}
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			d := diags[0]
			if !strings.Contains(d.Summary, c.summary) || !strings.Contains(d.Detail, c.detail) {
				t.Errorf("got %q: %q; want %q: %q", d.Summary, d.Detail, c.summary, c.detail)
			}
			// The diagnostic points at the line of at (its first line).
			idx := strings.LastIndex(text, c.at)
			if idx < 0 {
				t.Fatalf("test case: %q not in the text", c.at)
			}
			if strings.HasPrefix(c.at, "  ") {
				idx += 2
			}
			wantLine := strings.Count(text[:idx], "\n") + 1
			if d.Subject == nil || d.Subject.Start.Line != wantLine {
				t.Errorf("points at %v, want line %d (%q)", d.Subject, wantLine, c.at)
			}
		})
	}
}
