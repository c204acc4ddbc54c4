package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

func (a *app) fmtCmd() *cobra.Command {
	var check, diff, recursive bool
	cmd := &cobra.Command{
		Use:   "fmt [FILE|DIR...]",
		Short: "Rewrite the scenario files in the canonical format",
		Long: `fmt rewrites the scenario files (*.hcl of the working folder, or the named
files and folders) in the canonical HCL format and lists each file it changed.

  -check      change nothing; list the files that are not formatted and exit 1
              when there is one
  -diff       print a unified diff of each change
  -recursive  also format the *.hcl files of subfolders

A file with a syntax error is reported with its file:line:col and left alone
(exit code 1).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := a.fmtFiles(args, recursive)
			if err != nil {
				return err
			}
			failed, changed := false, false
			for _, f := range files {
				c, err := a.fmtFile(f, check, diff)
				if err != nil {
					failed = true
					if !errorShown(err) {
						fmt.Fprintf(a.err, "%s %s\n", a.paint(red, "Error:"), err)
					}
					continue
				}
				changed = changed || c
			}
			if failed || (check && changed) {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "change nothing: list the files that are not formatted, exit 1 when any is")
	cmd.Flags().BoolVar(&diff, "diff", false, "print a unified diff of each change")
	cmd.Flags().BoolVar(&recursive, "recursive", false, "also format the *.hcl files in subfolders")
	return cmd
}

// errorShown reports whether err is an exitError (its diagnostics printed).
func errorShown(err error) bool {
	_, ok := err.(exitError)
	return ok
}

// fmtFile is a file fmt works on: its path on disk and its name as shown.
type fmtFile struct{ path, name string }

// fmtFiles lists the files to format: the *.hcl files of the working
// folder, or the named files and folders (relative to it); folders are
// walked into with recursive. Hidden folders (.anomgen, .git) are skipped.
func (a *app) fmtFiles(args []string, recursive bool) ([]fmtFile, error) {
	if len(args) == 0 {
		args = []string{"."}
	}
	var out []fmtFile
	seen := map[string]bool{}
	add := func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		name, err := filepath.Rel(a.dir, path)
		if err != nil || strings.HasPrefix(name, "..") {
			name = path
		}
		out = append(out, fmtFile{path: path, name: name})
	}
	for _, arg := range args {
		path := arg
		if !filepath.IsAbs(path) {
			path = filepath.Join(a.dir, path)
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("fmt %s: no such file or folder", arg)
		}
		if !st.IsDir() {
			add(path)
			continue
		}
		var names []string
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p == path {
					return nil
				}
				if !recursive || strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".hcl") && d.Type().IsRegular() {
				names = append(names, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fmt %s: %w", arg, err)
		}
		sort.Strings(names)
		for _, n := range names {
			add(n)
		}
	}
	return out, nil
}

// fmtFile formats one file. It reports whether the file was (or, with
// check, would be) changed; a syntax error is printed as diagnostics and
// returned as an exitError, and the file is left alone.
func (a *app) fmtFile(f fmtFile, check, diff bool) (bool, error) {
	src, err := os.ReadFile(f.path)
	if err != nil {
		return false, fmt.Errorf("fmt %s: %w", f.name, err)
	}
	out, diags := formatHCL(src, f.name)
	if diags.HasErrors() {
		file, _ := hclsyntax.ParseConfig(src, f.name, hcl.Pos{Line: 1, Column: 1})
		files := map[string]*hcl.File{}
		if file != nil {
			files[f.name] = file
		}
		for _, d := range diags {
			writeDiagnostic(a.err, files, d, 100, a.paint)
		}
		return false, exitError{1}
	}
	if bytes.Equal(src, out) {
		return false, nil
	}
	fmt.Fprintln(a.out, f.name)
	if diff {
		writeUnifiedDiff(a.out, f.name, string(src), string(out))
	}
	if check {
		return true, nil
	}
	if err := writeFileAtomic(f.path, out); err != nil {
		return true, fmt.Errorf("fmt %s: %w", f.name, err)
	}
	return true, nil
}

// formatHCL returns src in the canonical format, or the syntax errors
// that keep it from being formatted.
func formatHCL(src []byte, name string) ([]byte, hcl.Diagnostics) {
	// hclsyntax reports every syntax error with its range; hclwrite would
	// format around some of them.
	if _, diags := hclsyntax.ParseConfig(src, name, hcl.Pos{Line: 1, Column: 1}); diags.HasErrors() {
		return nil, diags
	}
	f, diags := hclwrite.ParseConfig(src, name, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(f.Bytes()), nil
}

// writeFileAtomic replaces path with data through a temporary file in the
// same folder, renamed over it, keeping path's mode.
func writeFileAtomic(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(name, st.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(name, path)
}

// writeUnifiedDiff writes the unified diff (3 lines of context) of a and b.
func writeUnifiedDiff(w io.Writer, name, a, b string) {
	x, y := splitLines(a), splitLines(b)
	ops := diffLines(x, y)
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	const ctx = 3
	// Group the edits into hunks with up to ctx lines of context around.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-ctx)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// A run of equal lines: does another edit follow within 2*ctx?
			j := end
			for j < len(ops) && ops[j].kind == ' ' {
				j++
			}
			if j == len(ops) || j-end > 2*ctx {
				end = min(len(ops), end+ctx)
				break
			}
			end = j
		}
		var ax, bx, an, bn int
		ax, bx = ops[start].ax, ops[start].bx
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				an++
			}
			if op.kind != '-' {
				bn++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(ax, an), hunkRange(bx, bn))
		for _, op := range ops[start:end] {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.line)
		}
		i = end
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffOp is one line of a diff: ' ' kept, '-' removed, '+' added, with
// the line's index (0-based) in each side at that point.
type diffOp struct {
	kind   byte
	line   string
	ax, bx int
}

// diffLines is a longest-common-subsequence line diff (scenario files
// are small).
func diffLines(x, y []string) []diffOp {
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, diffOp{' ', x[i], i, j})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, diffOp{'+', y[j], i, j})
			j++
		default:
			ops = append(ops, diffOp{'-', x[i], i, j})
			i++
		}
	}
	return ops
}
