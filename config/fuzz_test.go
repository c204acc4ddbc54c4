package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
)

// FuzzLoad feeds arbitrary scenario text to the loader and the catalog
// check: they must return diagnostics, never panic. `./test.sh` runs it
// for a bounded time; plain `go test` runs the seeds.
//
// testdata/fuzz/FuzzLoad holds the inputs a 4-minute run found to widen
// coverage, already minimised. Without them, a fresh 20-second run spent
// most of its budget minimising the first few inputs it found (mutations
// of the multi-kilobyte example files) at 0 execs/s; with them it fuzzes
// at about 20,000 execs/s on 2 cores from the first second. To refresh
// them: go test -c -fuzz FuzzLoad -o /tmp/f.test ./config && (cd config &&
// /tmp/f.test -test.run '^$' -test.fuzz FuzzLoad -test.fuzztime 4m
// -test.fuzzcachedir /tmp/fc) and copy /tmp/fc/FuzzLoad/* here.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"../examples/quickstart", "../examples/postgres", "../examples/pipeline"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Add(`variable "v" { default = 1 }
source "sqlite" "s" { path = var.v }
target "t" { source = source.sqlite.s, table = "x" }
anomaly "null_rate" "n" { target = target.t column = env("X", "c") window { last = "1d2h" } }`)
	f.Add(`anomaly "x" "y" { target = target.nope window { start = "2026-13-45" duration = "-1h" } }`)
	f.Add("source \"postgres\" \"p\" {\n  options = { a = \"b\" }\n  port = \"x\"\n}\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, diags := config.LoadFiles("/f", map[string][]byte{"/f/main.hcl": []byte(src)}, config.Options{Getenv: func(string) string { return "" }})
		if cfg != nil && !diags.HasErrors() {
			_ = planner.Validate(cfg)
		}
	})
}
