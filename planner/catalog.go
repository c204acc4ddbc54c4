package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Category groups kinds by what they test.
type Category string

const (
	Pipeline Category = "pipeline"
	Quality  Category = "quality"
	Business Category = "business"
)

// Kind is one entry of the anomaly catalog: what it does, its defaults, the
// columns it suits, and how it turns a scenario block into a Mutation.
type Kind struct {
	Name     string
	Category Category
	// Summary is one line for listings.
	Summary string
	// Monitor says what a monitor should see when the anomaly is applied.
	Monitor string
	// NeedsColumn is true when the block must name a column.
	NeedsColumn bool
	// Suits reports whether the kind can change column c; nil when the kind
	// takes no column. The string explains a refusal.
	Suits func(c Column) (bool, string)
	// Defaults used when the block leaves a setting out.
	DefaultVolume    float64
	DefaultAmplitude float64
	DefaultWindow    time.Duration
	// UsesAmplitude tells whether amplitude means anything to the kind.
	UsesAmplitude bool
	// Unsupported names the databases (source types) the kind cannot run
	// on, each with the reason; every other database is supported.
	Unsupported map[string]string
	// Build returns the mutation; the selection and key are already set.
	Build func(b *build) *Mutation
}

// Databases lists the source types the kind runs on.
func (k *Kind) Databases() []string {
	var out []string
	for _, t := range config.SourceTypes {
		if _, no := k.Unsupported[t]; !no {
			out = append(out, t)
		}
	}
	return out
}

// build carries what a Kind's Build needs.
type build struct {
	Anomaly   *config.Anomaly
	Profile   *TableProfile
	Column    *Column
	Key       []Column
	Where     Selection
	Volume    float64
	Amplitude float64
}

var catalog = map[string]*Kind{}

func register(k *Kind) {
	if _, dup := catalog[k.Name]; dup {
		panic("planner: kind registered twice: " + k.Name)
	}
	catalog[k.Name] = k
}

// Kinds returns the catalog sorted by category, then name.
func Kinds() []*Kind {
	out := make([]*Kind, 0, len(catalog))
	for _, k := range catalog {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// LookupKind returns the kind named name, or nil.
func LookupKind(name string) *Kind { return catalog[name] }

func kindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	sort.Strings(names)
	return names
}

// Validate checks what can be checked without a database: kinds, required
// columns, parameters. It does not need profiles.
func Validate(cfg *config.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, a := range cfg.Anomalies {
		_, d := kindOf(a)
		diags = append(diags, d...)
	}
	return diags
}

func kindOf(a *config.Anomaly) (*Kind, hcl.Diagnostics) {
	k := LookupKind(a.Kind)
	if k == nil {
		detail := fmt.Sprintf("anomgen has no anomaly kind %q.", a.Kind)
		if s := config.Nearest(a.Kind, kindNames()); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		detail += " Known kinds: " + strings.Join(kindNames(), ", ") + "."
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown anomaly kind", Detail: detail, Subject: a.Range("kind")}}
	}
	var diags hcl.Diagnostics
	if a.Target != nil && a.Target.Source != nil {
		if why, no := k.Unsupported[a.Target.Source.Type]; no {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Kind %s does not run on %s", k.Name, a.Target.Source.Type),
				Detail:  fmt.Sprintf("%s. Kind %s runs on: %s.", why, k.Name, strings.Join(k.Databases(), ", ")),
				Subject: a.Range("kind")})
		}
	}
	if k.NeedsColumn && a.Column == "" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing column",
			Detail:  fmt.Sprintf("Kind %s changes a column: add column = \"...\" to %s.", k.Name, a.Addr()),
			Subject: a.DeclRange.Ptr()})
	}
	if !k.NeedsColumn && a.Column != "" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected column",
			Detail:  fmt.Sprintf("Kind %s changes whole rows and takes no column; remove column from %s.", k.Name, a.Addr()),
			Subject: a.Range("column")})
	}
	if a.Amplitude != nil && !k.UsesAmplitude {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected amplitude",
			Detail:  fmt.Sprintf("Kind %s has no amplitude; its strength is set by volume.", k.Name),
			Subject: a.Range("amplitude")})
	}
	for name, p := range a.Params {
		known := []string{"target", "column", "volume", "amplitude", "seed", "duration", "window"}
		detail := fmt.Sprintf("Kind %s takes no argument %q.", k.Name, name)
		if s := config.Nearest(name, known); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else {
			detail += " It takes: " + strings.Join(known, ", ") + "."
		}
		r := p.Range
		if nr, ok := a.Ranges[name]; ok {
			r = nr
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: detail, Subject: r.Ptr()})
	}
	return k, diags
}
