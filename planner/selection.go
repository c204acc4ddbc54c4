package planner

// Segments and selection mechanisms: the segment, condition, mechanism and
// bias settings of an anomaly block, checked against the table and put
// into the mutation's Selection.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Filter chooses the rows whose Column holds one of Values. Values are the
// scenario's strings; sqlgen binds them as numbers for numeric columns
// (they are checked to parse here) and as text otherwise.
type Filter struct {
	Column Column
	Values []string
}

// Mechanism says how rows are chosen among the eligible ones.
type Mechanism string

const (
	// MechanismRandom (MCAR): every eligible row is chosen with
	// probability Share, by the hash of seed and key.
	MechanismRandom Mechanism = ""
	// MechanismConditional (MAR): only rows where Condition holds are
	// eligible, each chosen with probability Share.
	MechanismConditional Mechanism = "conditional"
	// MechanismValueDependent (MNAR): a row of the window with a non-NULL
	// value of the mutation's column is chosen when its hash falls below
	// min(1, 2·Share·r) of the hash range, r being PERCENT_RANK() of its
	// value in the window (ascending; descending with BiasLow). The
	// expected share is Share for Share ≤ 0.5 (1 − 1/(4·Share) above).
	MechanismValueDependent Mechanism = "value_dependent"
)

// filterClass reports whether a column may be filtered on.
func filterClass(c Column) bool {
	return c.Class == ClassText || c.Class == ClassEnum || c.Class.Numeric()
}

func resolveFilter(prof *TableProfile, f config.Filter, what string) (Filter, hcl.Diagnostics) {
	c := prof.Column(f.Column)
	if c == nil {
		return Filter{}, hcl.Diagnostics{missingColumn(prof, f.Column, what, f.ColumnRange.Ptr())}
	}
	if !filterClass(*c) {
		return Filter{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Cannot filter on %s.%s", prof.Table, c.Name),
			Detail:  fmt.Sprintf("A %s compares the column with values given as text; column %s has type %s. Use a text or numeric column, or an enum.", what, c.Name, c.Type),
			Subject: f.ColumnRange.Ptr()}}
	}
	if c.Class == ClassEnum { // enums.go
		if bad := c.notLabels(f.Values); len(bad) > 0 {
			return Filter{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Not a label of %s", c.Type),
				Detail:  fmt.Sprintf("Column %s of %s has the enum type %s, which holds only the labels %s; the %s names %s, which no row can hold.", c.Name, prof.Table, c.Type, quoted(c.Labels), what, strings.Join(bad, ", ")),
				Subject: f.ValuesRange.Ptr()}}
		}
	}
	if c.Class.Numeric() {
		for _, v := range f.Values {
			var err error
			if c.Class == ClassInteger {
				_, err = strconv.ParseInt(v, 10, 64)
			} else {
				_, err = strconv.ParseFloat(v, 64)
			}
			if err != nil {
				return Filter{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Value is not a number",
					Detail:  fmt.Sprintf("Column %s has type %s, so the %s compares numbers; %q is not one.", c.Name, c.Type, what, v),
					Subject: f.ValuesRange.Ptr()}}
			}
		}
	}
	return Filter{Column: *c, Values: f.Values}, nil
}

// applySelection puts a's segments and mechanism into m's selection and
// returns the settings to show and hash (nil when all are defaults, so
// that the params hash of existing anomalies stays the same).
func applySelection(a *config.Anomaly, k *Kind, prof *TableProfile, m *Mutation) ([]Setting, map[string]any, hcl.Diagnostics) {
	if len(a.Segments) == 0 && a.Mechanism == "" {
		return nil, nil, nil
	}
	if m.Op.Schema() {
		rng := a.Range("mechanism")
		if len(a.Segments) > 0 {
			rng = a.Segments[0].Range.Ptr()
		}
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Kind " + k.Name + " changes the whole table",
			Detail:  fmt.Sprintf("Kind %s changes the table's definition, not rows, so segment blocks and mechanism do not apply to it.", k.Name),
			Subject: rng}}
	}
	var settings []Setting
	hash := map[string]any{}
	var diags hcl.Diagnostics
	var segs []string
	for _, sf := range a.Segments {
		f, d := resolveFilter(prof, sf, "segment")
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		m.Where.Segments = append(m.Where.Segments, f)
		text := f.Column.Name + " in [" + strings.Join(f.Values, ", ") + "]"
		segs = append(segs, text)
		settings = append(settings, Setting{"segment", text})
	}
	if len(segs) > 0 {
		hash["segments"] = segs
	}
	switch a.Mechanism {
	case config.MechanismConditional:
		f, d := resolveFilter(prof, *a.Condition, "condition")
		diags = append(diags, d...)
		if d.HasErrors() {
			break
		}
		m.Where.Mechanism, m.Where.Condition = MechanismConditional, &f
		text := f.Column.Name + " in [" + strings.Join(f.Values, ", ") + "]"
		settings = append(settings, Setting{"mechanism", "conditional"}, Setting{"condition", text})
		hash["mechanism"], hash["condition"] = "conditional", text
	case config.MechanismValueDependent:
		if !k.NeedsColumn || !k.UsesVolume || m.Op != OpUpdate || m.Column == nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "value_dependent needs a column kind",
				Detail:  fmt.Sprintf("mechanism = \"value_dependent\" ranks rows by the value of the column the kind changes, and chooses a share of them; kind %s changes whole rows or every row of its window. Use it with a kind such as null_rate or numeric_shift, or use mechanism = \"conditional\".", k.Name),
				Subject: a.Range("mechanism")})
			break
		}
		m.Where.Mechanism, m.Where.BiasLow = MechanismValueDependent, a.Bias == "low"
		settings = append(settings, Setting{"mechanism", "value_dependent"}, Setting{"bias", a.Bias})
		hash["mechanism"], hash["bias"] = "value_dependent", a.Bias
	}
	return settings, hash, diags
}
