package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
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
// Everything `anomgen anomalies` shows comes from here.
type Kind struct {
	Name     string
	Category Category
	// Summary is one line for listings.
	Summary string
	// Description says what the kind does, in a few sentences.
	Description string
	// Monitor says what a monitor should see when the anomaly is applied.
	Monitor string
	// NeedsColumn is true when the block must name a column.
	NeedsColumn bool
	// Suits reports whether the kind can change column c; nil when the kind
	// takes no column. The string explains a refusal.
	Suits func(c Column) (bool, string)
	// ColumnTypes describes the columns Suits accepts, for describe.
	ColumnTypes string
	// Defaults used when the block leaves a setting out.
	DefaultVolume    float64
	DefaultAmplitude float64
	DefaultWindow    time.Duration
	// DefaultDuration, when set, is how long the anomaly stays before plan
	// proposes to expire (revert) it, unless the block sets duration.
	DefaultDuration time.Duration
	// DefaultEvery, when set, is how often a `schedule {}` block that sets
	// neither every nor cron fires; zero takes the family's default
	// (ScheduleDefaults, schedule_defaults.go).
	DefaultEvery time.Duration
	// UsesVolume and UsesAmplitude tell whether the settings mean anything
	// to the kind.
	UsesVolume    bool
	UsesAmplitude bool
	// NoWindow is true for kinds that change the whole table (schema).
	NoWindow bool
	// NeedsTime is true for kinds that only make sense on a target with a
	// time_column.
	NeedsTime bool
	// Params are the kind's own arguments, beyond the common ones.
	Params []Param
	// Example is a block that validates as is against the demo shop.
	Example string
	// Requires lists the capabilities the kind needs (capabilities.go); a
	// database whose provider declares it lacks one is refused with the
	// reason.
	Requires []Requirement
	// Build returns the mutation; the selection and key are already set.
	// Diagnostics point at the offending argument.
	Build func(b *build) (*Mutation, hcl.Diagnostics)
}

// Param is a kind-specific argument.
type Param struct {
	Name string
	// Type is string, number, duration, list(string) or bool.
	Type     string
	Default  string
	Unit     string
	Required bool
	Doc      string
}

// Param returns the kind's parameter spec, or nil.
func (k *Kind) Param(name string) *Param {
	for i := range k.Params {
		if k.Params[i].Name == name {
			return &k.Params[i]
		}
	}
	return nil
}

// Databases lists the source types the kind runs on.
func (k *Kind) Databases() []string {
	var out []string
	for _, t := range config.SourceTypes {
		if k.UnsupportedOn(t) == "" {
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
	Now       time.Time
	// Duration is the block's duration or the kind's default (0: none);
	// Build may set it (late_arrival's delay).
	Duration time.Duration
}

// str returns the string argument name, or def when absent.
func (b *build) str(name, def string) (string, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: name + " must be a string.", Subject: p.Range.Ptr()}}
	}
	return v.AsString(), nil
}

// duration returns the duration argument name, or def when absent.
func (b *build) duration(name string, def time.Duration) (time.Duration, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return def, nil
	}
	s, diags := b.str(name, "")
	if diags.HasErrors() {
		return 0, diags
	}
	d, err := config.ParseDuration(s)
	if err != nil || d <= 0 {
		msg := "must be positive"
		if err != nil {
			msg = err.Error()
		}
		return 0, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid duration for " + name, Detail: msg, Subject: p.Range.Ptr()}}
	}
	return d, nil
}

// strings returns the list argument name (nil when absent).
func (b *build) strings(name string) ([]string, hcl.Diagnostics) {
	p, ok := b.Anomaly.Params[name]
	if !ok {
		return nil, nil
	}
	v, _ := p.Value.Unmark()
	if v.IsNull() || !v.IsKnown() || !(v.Type().IsListType() || v.Type().IsTupleType()) {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: name + ` must be a list of strings, e.g. ["2026-11-20", "2026-11-21T03"].`, Subject: p.Range.Ptr()}}
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.Type() != cty.String || e.IsNull() {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
				Detail: name + " must be a list of strings.", Subject: p.Range.Ptr()}}
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

// set is the usual column mutation: the block's column set to e in the
// chosen rows.
func (b *build) set(e Expr) *Mutation {
	return &Mutation{Op: OpUpdate, Column: b.Column, Set: e, Where: b.Where}
}

// errorAt is a diagnostic on argument name of the block.
func (b *build) errorAt(name, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: b.Anomaly.Range(name)}}
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
		if why := k.UnsupportedOn(a.Target.Source.Type); why != "" {
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
	for _, kp := range k.Params {
		if _, ok := a.Params[kp.Name]; kp.Required && !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing argument " + kp.Name,
				Detail:  fmt.Sprintf("Kind %s needs %s (%s): %s", k.Name, kp.Name, kp.Type, kp.Doc),
				Subject: a.DeclRange.Ptr()})
		}
	}
	if a.Volume != nil && !k.UsesVolume {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected volume",
			Detail:  fmt.Sprintf("Kind %s has no volume: it changes every row in scope.", k.Name),
			Subject: a.Range("volume")})
	}
	if a.Window != nil && k.NoWindow {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected window",
			Detail:  fmt.Sprintf("Kind %s changes the table's definition, which has no time window; remove the window block.", k.Name),
			Subject: a.Window.Range.Ptr()})
	}
	if a.Amplitude != nil && !k.UsesAmplitude {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected amplitude",
			Detail:  fmt.Sprintf("Kind %s has no amplitude; its strength is set by volume.", k.Name),
			Subject: a.Range("amplitude")})
	}
	for name, p := range a.Params {
		if k.Param(name) != nil {
			continue
		}
		known := []string{"target", "column", "volume", "amplitude", "seed", "duration", "window"}
		for _, kp := range k.Params {
			known = append(known, kp.Name)
		}
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
	diags = append(diags, checkArgs(a, k)...)       // validate.go: what needs no table
	diags = append(diags, ResolveSchedule(a, k)...) // schedule_defaults.go
	return k, diags
}
