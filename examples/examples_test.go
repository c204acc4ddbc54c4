// Package examples holds runnable scenario folders; this test keeps every
// one of them valid.
package examples

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
)

func TestEveryExampleValidates(t *testing.T) {
	dirs, err := filepath.Glob("*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if hcl, _ := filepath.Glob(filepath.Join(dir, "*.hcl")); len(hcl) == 0 {
			continue
		}
		n++
		t.Run(dir, func(t *testing.T) {
			cfg, diags := config.Load(dir, config.Options{Getenv: os.Getenv})
			if !diags.HasErrors() {
				diags = append(diags, planner.Validate(cfg)...)
			}
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if len(cfg.Anomalies) == 0 {
				t.Fatal("an example without anomalies")
			}
		})
	}
	if n < 2 {
		t.Fatalf("found %d example folders, want at least quickstart and postgres", n)
	}
}

func TestPipelineExampleUsesEveryPipelineKind(t *testing.T) {
	cfg, diags := config.Load("pipeline", config.Options{Getenv: os.Getenv})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	used := map[string]bool{}
	for _, a := range cfg.Anomalies {
		used[a.Kind] = true
	}
	for _, k := range planner.Kinds() {
		if k.Category == planner.Pipeline && !used[k.Name] {
			t.Errorf("examples/pipeline does not use %s", k.Name)
		}
	}
}
