package providertest

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// ExampleDefaults is a kind's catalog example (planner.Kind.Example)
// reduced to what running the kind at its defaults needs: the attributes
// target, column, with and the kind's required arguments, and the
// example's segment blocks. Every other setting (volume, amplitude,
// window, ...) is left out, so that its default applies.
type ExampleDefaults struct {
	// Attrs is the source text of each kept attribute, by name.
	Attrs map[string]string
	// Strings is the value of each kept attribute whose value is a string.
	Strings map[string]string
	// Segments are the example's segment blocks, in order.
	Segments []ExampleSegment
}

// ExampleSegment is a segment block of a catalog example.
type ExampleSegment struct {
	// Text is the block's source text; Column the value of its column
	// attribute ("" without one).
	Text, Column string
}

// KindExampleDefaults parses k's catalog example, which must be one
// anomaly block, and reduces it to its defaults (ExampleDefaults).
func KindExampleDefaults(t testing.TB, k *planner.Kind) ExampleDefaults {
	t.Helper()
	src := []byte(k.Example)
	f, diags := hclsyntax.ParseConfig(src, "example.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: example: %s", k.Name, diags.Error())
	}
	blocks := f.Body.(*hclsyntax.Body).Blocks
	if len(blocks) != 1 || blocks[0].Type != "anomaly" {
		t.Fatalf("%s: the example is not one anomaly block", k.Name)
	}
	body := blocks[0].Body
	keep := map[string]bool{"target": true, "column": true, "with": true}
	for _, p := range k.Params {
		if p.Required {
			keep[p.Name] = true
		}
	}
	ex := ExampleDefaults{Attrs: map[string]string{}, Strings: map[string]string{}}
	for name, a := range body.Attributes {
		if !keep[name] {
			continue
		}
		ex.Attrs[name] = string(a.SrcRange.SliceBytes(src))
		if s, ok := stringValue(a); ok {
			ex.Strings[name] = s
		}
	}
	for _, b := range body.Blocks {
		if b.Type != "segment" {
			continue
		}
		seg := ExampleSegment{Text: string(b.Range().SliceBytes(src))}
		if a := b.Body.Attributes["column"]; a != nil {
			seg.Column, _ = stringValue(a)
		}
		ex.Segments = append(ex.Segments, seg)
	}
	return ex
}

// stringValue is a's value when it is a known string that needs no
// variables (a literal).
func stringValue(a *hclsyntax.Attribute) (string, bool) {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}
