package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fmtUgly = `source "sqlite" "shop" {
path="shop.db"
    allow_writes=true
}

target "orders" {
  source = source.sqlite.shop
  table = "orders"
  time_column  =  "created_at"
}
`

const fmtPretty = `source "sqlite" "shop" {
  path         = "shop.db"
  allow_writes = true
}

target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
`

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFmtRewrites: fmt aligns and indents, lists the file it changed,
// keeps the file's mode, and a second run changes nothing.
func TestFmtRewrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(path, []byte(fmtUgly), 0o640); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "other.hcl", fmtPretty)
	r := mustOK(t, cli(t, dir, "fmt"))
	if r.stdout != "main.hcl\n" {
		t.Errorf("fmt lists %q, want main.hcl only\n%s", r.stdout, r)
	}
	if got := readString(t, path); got != fmtPretty {
		t.Errorf("formatted:\n%s\nwant:\n%s", got, fmtPretty)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// Idempotent.
	r = mustOK(t, cli(t, dir, "fmt"))
	if r.stdout != "" {
		t.Errorf("a second fmt changed %q", r.stdout)
	}
	if got := readString(t, path); got != fmtPretty {
		t.Errorf("second fmt changed the file:\n%s", got)
	}
	mustOK(t, cli(t, dir, "fmt", "-check"))
}

// TestFmtCheck: -check lists the unformatted files, exits 1 and writes
// nothing; on formatted files it exits 0 silently.
func TestFmtCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.hcl", fmtPretty)
	r := mustOK(t, cli(t, dir, "fmt", "-check"))
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("-check on formatted files printed something\n%s", r)
	}
	writeFile(t, dir, "b.hcl", fmtUgly)
	r = cli(t, dir, "fmt", "-check")
	if r.code != 1 {
		t.Fatalf("-check on an unformatted file: exit %d, want 1\n%s", r.code, r)
	}
	if r.stdout != "b.hcl\n" {
		t.Errorf("-check lists %q, want b.hcl\n%s", r.stdout, r)
	}
	if got := readString(t, filepath.Join(dir, "b.hcl")); got != fmtUgly {
		t.Errorf("-check rewrote b.hcl:\n%s", got)
	}
	// Named files: only those.
	mustOK(t, cli(t, dir, "fmt", "-check", "a.hcl"))
	if r := cli(t, dir, "fmt", "-check", "b.hcl"); r.code != 1 {
		t.Errorf("-check b.hcl: exit %d, want 1\n%s", r.code, r)
	}
	// -recursive reaches subfolders, and only with it.
	sub := filepath.Join(t.TempDir(), "top")
	if err := os.MkdirAll(filepath.Join(sub, "nested"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, sub, "a.hcl", fmtPretty)
	writeFile(t, filepath.Join(sub, "nested"), "c.hcl", fmtUgly)
	mustOK(t, cli(t, sub, "fmt", "-check"))
	r = cli(t, sub, "fmt", "-check", "-recursive")
	if r.code != 1 || r.stdout != filepath.Join("nested", "c.hcl")+"\n" {
		t.Errorf("-check -recursive: want exit 1 listing nested/c.hcl\n%s", r)
	}
}

// TestFmtDiff: -diff prints a unified diff of the change.
func TestFmtDiff(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", fmtUgly)
	r := cli(t, dir, "fmt", "-check", "-diff")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r)
	}
	want := `main.hcl
--- old/main.hcl
+++ new/main.hcl
@@ -1,10 +1,10 @@
 source "sqlite" "shop" {
-path="shop.db"
-    allow_writes=true
+  path         = "shop.db"
+  allow_writes = true
 }
 
 target "orders" {
-  source = source.sqlite.shop
-  table = "orders"
-  time_column  =  "created_at"
+  source      = source.sqlite.shop
+  table       = "orders"
+  time_column = "created_at"
 }
`
	if r.stdout != want {
		t.Errorf("diff:\n%s\nwant:\n%s", r.stdout, want)
	}
	// Hunks: far-apart changes make two, with three lines of context.
	var b strings.Builder
	lines := []string{"a=1"}
	for i := 0; i < 10; i++ {
		lines = append(lines, "# comment")
	}
	lines = append(lines, "b=2")
	before := strings.Join(lines, "\n") + "\n"
	writeUnifiedDiff(&b, "x.hcl", before, strings.Replace(strings.Replace(before, "a=1", "a = 1", 1), "b=2", "b = 2", 1))
	wantHunks := `--- old/x.hcl
+++ new/x.hcl
@@ -1,4 +1,4 @@
-a=1
+a = 1
 # comment
 # comment
 # comment
@@ -9,4 +9,4 @@
 # comment
 # comment
 # comment
-b=2
+b = 2
`
	if b.String() != wantHunks {
		t.Errorf("hunks:\n%s\nwant:\n%s", b.String(), wantHunks)
	}
}

// TestFmtSyntaxError: a file that does not parse gets a diagnostic with
// its file:line:col, exit 1, and is not rewritten; the other files are
// formatted.
func TestFmtSyntaxError(t *testing.T) {
	dir := t.TempDir()
	bad := "target \"orders\" {\n  table = \n  key=[\"id\"]\n}\n"
	writeFile(t, dir, "bad.hcl", bad)
	writeFile(t, dir, "main.hcl", fmtUgly)
	r := cli(t, dir, "fmt")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r)
	}
	wantAll(t, r, r.stderr, "Error:", "on bad.hcl line 2, column")
	if got := readString(t, filepath.Join(dir, "bad.hcl")); got != bad {
		t.Errorf("bad.hcl was rewritten:\n%s", got)
	}
	if got := readString(t, filepath.Join(dir, "main.hcl")); got != fmtPretty {
		t.Errorf("main.hcl was not formatted:\n%s", got)
	}
	if r := cli(t, dir, "fmt", "-check"); r.code != 1 {
		t.Errorf("-check with a syntax error: exit %d, want 1\n%s", r.code, r)
	}
	if r := cli(t, dir, "fmt", "missing.hcl"); r.code != 1 || !strings.Contains(r.stderr, "missing.hcl") {
		t.Errorf("fmt of a missing file: want exit 1 naming it\n%s", r)
	}
}

// TestExamplesFormatted: every scenario file under examples/ is in the
// canonical format.
func TestExamplesFormatted(t *testing.T) {
	r := cli(t, filepath.Join("..", "..", "examples"), "fmt", "-check", "-recursive", "-diff")
	if r.code != 0 {
		t.Fatalf("examples/ is not formatted (run anomgen -chdir examples fmt -recursive):\n%s", r)
	}
}
