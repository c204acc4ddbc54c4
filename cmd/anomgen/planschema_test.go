package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// validatePlanJSON validates a plan's JSON view against the schema that
// ships in the repository (docs/plan.schema.json).
func validatePlanJSON(t *testing.T, data []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "plan.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("docs/plan.schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatalf("docs/plan.schema.json does not compile: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("plan -json is not JSON: %v\n%s", err, data)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("plan -json does not match docs/plan.schema.json: %v\n%s", err, data)
	}
}

// TestPlanJSONSchemaLive validates real plan -json output (a create; then,
// applied, a no-op; a replace; a destroy) against the schema, on SQLite and
// PostgreSQL, and checks -detailed-exitcode and -format markdown on the way.
func TestPlanJSONSchemaLive(t *testing.T) {
	fixtures(t, func(t *testing.T, f *fixture) {
		dir := scenario(t, f, nullRate("x", "0.3")+numericShift("y"))
		plan := func(wantCode int, args ...string) result {
			t.Helper()
			r := cli(t, dir, append([]string{"plan", "-detailed-exitcode"}, args...)...)
			if r.code != wantCode {
				t.Fatalf("exit code %d, want %d:\n%s", r.code, wantCode, r)
			}
			return r
		}
		actions := func(r result) map[string]string {
			t.Helper()
			validatePlanJSON(t, []byte(r.stdout))
			var v planView
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, c := range v.Changes {
				out[c.Address] = strings.Join(c.Actions, ",")
				if c.Category == "" || c.Table == "" || c.Window == nil || c.Window.End == nil {
					t.Errorf("%s: %+v", c.Address, c)
				}
			}
			return out
		}

		r := plan(2, "-json")
		if a := actions(r); a["anomaly.null_rate.x"] != "create" || a["anomaly.numeric_shift.y"] != "create" {
			t.Fatalf("first plan: %v", a)
		}
		// The clock, and the lineage of a state not saved yet, differ.
		noNow := func(s string) string {
			return regexp.MustCompile(`(?m)^  "(now|lineage)": .*$`).ReplaceAllString(s, "")
		}
		if j := cli(t, dir, "plan", "-format", "json"); noNow(j.stdout) != noNow(r.stdout) {
			t.Errorf("-format json differs from -json:\n%s\n%s", j.stdout, r.stdout)
		}
		md := plan(2, "-format", "markdown").stdout
		if !strings.HasPrefix(md, "### anomgen plan: 2 to create, 0 to replace, 0 to destroy.") || !strings.Contains(md, "| `+` | `anomaly.null_rate.x` | create |") {
			t.Errorf("markdown:\n%s", md)
		}
		mustOK(t, cli(t, dir, "apply", "-auto-approve"))
		if a := actions(plan(0, "-json")); a["anomaly.null_rate.x"] != "no-op" {
			t.Fatalf("after apply: %v", a)
		}
		plan(0)

		writeFile(t, dir, "anomalies.hcl", nullRate("x", "0.5"))
		r = plan(2, "-json")
		if a := actions(r); a["anomaly.null_rate.x"] != "delete,create" || a["anomaly.numeric_shift.y"] != "delete" {
			t.Fatalf("replace and destroy: %v", a)
		}
		// The replace says why, from the settings the state kept.
		wantAll(t, r, norm(r.stdout), `"reasons": [ "settings changed" ]`, `{ "name": "volume", "before": "0.3", "after": "0.5" }`)
		md = plan(2, "-format", "markdown").stdout
		wantAll(t, r, md, "| volume | **0.3 → 0.5** |", "Because: settings changed.", "| `-/+` | `anomaly.null_rate.x` | replace |")
		wantAll(t, r, plan(2).stdout, "# because: settings changed", "volume    = 0.3 → 0.5 # forces replacement")
		if r := cli(t, dir, "plan", "-format", "yaml"); r.code != 1 || !strings.Contains(r.stderr, "unknown -format") {
			t.Errorf("unknown format:\n%s", r)
		}
		mustOK(t, cli(t, dir, "rollback", "-all", "-auto-approve"))
	})
}
