package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Filter is a segment or condition block: rows whose Column holds one of
// Values.
type Filter struct {
	Column string
	Values []string
	// Range is the block's header; ColumnRange and ValuesRange its
	// attributes' (the header where an attribute is missing).
	Range, ColumnRange, ValuesRange hcl.Range
}

// Selection mechanisms (Anomaly.Mechanism); "" means random.
const (
	MechanismRandom         = "random"
	MechanismConditional    = "conditional"
	MechanismValueDependent = "value_dependent"
)

var filterSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "column", Required: true}, {Name: "values", Required: true},
}}

func decodeFilter(ctx *hcl.EvalContext, b *hcl.Block) (Filter, hcl.Diagnostics) {
	f := Filter{Range: b.DefRange, ColumnRange: b.DefRange, ValuesRange: b.DefRange}
	content, diags := b.Body.Content(filterSchema)
	a := attrs{ctx: ctx, m: content.Attributes}
	a.str("column", &f.Column, &diags)
	a.strList("values", &f.Values, &diags)
	if at, ok := content.Attributes["column"]; ok {
		f.ColumnRange = at.Expr.Range()
	}
	if at, ok := content.Attributes["values"]; ok {
		f.ValuesRange = at.Expr.Range()
		if !diags.HasErrors() && len(f.Values) == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty values",
				Detail:  fmt.Sprintf("A %s block needs at least one value, e.g. values = [\"EU\"].", b.Type),
				Subject: f.ValuesRange.Ptr()})
		}
	}
	return f, diags
}

// decodeSelection reads the segment and condition blocks and the mechanism
// and bias attributes of an anomaly block.
func decodeSelection(ctx *hcl.EvalContext, content *hcl.BodyContent, an *Anomaly) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, blk := range content.Blocks.OfType("segment") {
		f, d := decodeFilter(ctx, blk)
		diags = append(diags, d...)
		an.Segments = append(an.Segments, f)
	}
	conds := content.Blocks.OfType("condition")
	if len(conds) > 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate condition block",
			Detail: "An anomaly takes at most one condition block (use values = [...] for several values).", Subject: conds[1].DefRange.Ptr()})
	}
	if len(conds) > 0 {
		f, d := decodeFilter(ctx, conds[0])
		diags = append(diags, d...)
		an.Condition = &f
	}
	a := attrs{ctx: ctx, m: content.Attributes}
	a.str("mechanism", &an.Mechanism, &diags)
	a.str("bias", &an.Bias, &diags)
	if _, ok := content.Attributes["mechanism"]; ok {
		switch an.Mechanism {
		case MechanismRandom, MechanismConditional, MechanismValueDependent:
		default:
			detail := fmt.Sprintf("mechanism = %q: use \"random\" (the default: every row equally likely, MCAR), \"conditional\" (only rows matching a condition block, MAR) or \"value_dependent\" (the chance grows with the column's value, MNAR).", an.Mechanism)
			if s := Nearest(an.Mechanism, []string{MechanismRandom, MechanismConditional, MechanismValueDependent}); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid mechanism", Detail: detail, Subject: an.Range("mechanism")})
		}
	}
	if an.Mechanism == MechanismRandom {
		an.Mechanism = "" // the default, spelled out
	}
	switch {
	case an.Mechanism == MechanismConditional && an.Condition == nil:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Mechanism conditional without a condition",
			Detail:  "mechanism = \"conditional\" chooses rows only where a condition holds: add condition { column = \"channel\" values = [\"mobile\"] } to " + an.Addr() + ".",
			Subject: an.Range("mechanism")})
	case an.Condition != nil && an.Mechanism != MechanismConditional:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition without mechanism = \"conditional\"",
			Detail:  "A condition block goes with mechanism = \"conditional\". Add it, or use a segment block to narrow the anomaly to a slice of the table.",
			Subject: an.Condition.Range.Ptr()})
	}
	if _, ok := content.Attributes["bias"]; ok {
		switch {
		case an.Bias != "high" && an.Bias != "low":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid bias",
				Detail: fmt.Sprintf("bias = %q: use \"high\" (large values are more likely to be chosen) or \"low\" (small values are).", an.Bias), Subject: an.Range("bias")})
		case an.Mechanism != MechanismValueDependent:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "bias without mechanism = \"value_dependent\"",
				Detail: "bias says which values a value_dependent mechanism favours; add mechanism = \"value_dependent\" or remove bias.", Subject: an.Range("bias")})
		}
	}
	if an.Mechanism == MechanismValueDependent && an.Bias == "" {
		an.Bias = "high"
	}
	return diags
}
