package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
	"github.com/mitchellh/go-wordwrap"
)

// writeDiagnostic prints one diagnostic: severity and summary, the place as
// file, line and column, the source line with the range underlined, and
// the detail wrapped to width.
func writeDiagnostic(w io.Writer, files map[string]*hcl.File, d *hcl.Diagnostic, width int, paint func(code, s string) string) {
	label, color := "Error:", red
	if d.Severity == hcl.DiagWarning {
		label, color = "Warning:", yellow
	}
	fmt.Fprintf(w, "%s %s\n\n", paint(bold+color, label), paint(bold, d.Summary))
	if r := d.Subject; r != nil {
		ctx := ""
		if f := files[r.Filename]; f != nil {
			if b := hcled.ContextString(f, r.Start.Byte); b != "" {
				ctx = ", in " + b
			}
		}
		fmt.Fprintf(w, "  on %s line %d, column %d%s:\n", r.Filename, r.Start.Line, r.Start.Column, ctx)
		if f := files[r.Filename]; f != nil {
			if line, ok := sourceLine(f.Bytes, r.Start.Line); ok {
				prefix := fmt.Sprintf("%5d: ", r.Start.Line)
				fmt.Fprintf(w, "%s%s\n", prefix, line)
				end := r.End.Column
				if r.End.Line != r.Start.Line || end <= r.Start.Column {
					end = len([]rune(line)) + 1
				}
				fmt.Fprintf(w, "%s%s\n", strings.Repeat(" ", len(prefix)+r.Start.Column-1), paint(color, strings.Repeat("^", max(1, end-r.Start.Column))))
			}
		}
		fmt.Fprintln(w)
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "%s\n", wordwrap.WrapString(d.Detail, uint(width)))
	}
	fmt.Fprintln(w)
}

func sourceLine(src []byte, n int) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return strings.ReplaceAll(sc.Text(), "\t", " "), true
		}
	}
	return "", false
}
