package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Options are the inputs of Load besides the files.
type Options struct {
	// Vars are -var name=value assignments, applied last.
	Vars map[string]string
	// VarFiles are -var-file paths (HCL files of name = value lines).
	VarFiles []string
	// Getenv reads the environment (ANOMGEN_VAR_* and env()); nil means os.Getenv.
	Getenv func(string) string
	// LookupEnv, when set, tells env() an empty variable from an unset one;
	// nil means os.LookupEnv when Getenv is nil too (otherwise a variable
	// is set when Getenv returns a value).
	LookupEnv func(string) (string, bool)
}

// SourceTypes are the providers a source block may name.
var SourceTypes = []string{"mysql", "oracle", "postgres", "sqlite", "sqlserver"}

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "source", LabelNames: []string{"type", "name"}},
		{Type: "target", LabelNames: []string{"name"}},
		{Type: "anomaly", LabelNames: []string{"kind", "name"}},
		{Type: "anomgen"},
	},
}

// Load reads every *.hcl file in dir (not subfolders), in name order.
func Load(dir string, opt Options) (*Config, hcl.Diagnostics) {
	names, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot list scenario files", Detail: err.Error()}}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No scenario files",
			Detail:   fmt.Sprintf("The folder %s has no *.hcl files. Run anomgen in a folder with scenario files, or point at one with -chdir DIR.", dir),
		}}
	}
	srcs := make(map[string][]byte, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read scenario file", Detail: err.Error()}}
		}
		srcs[n] = b
	}
	return LoadFiles(dir, srcs, opt)
}

// LoadFiles is Load over file contents already in memory (name → bytes).
func LoadFiles(dir string, srcs map[string][]byte, opt Options) (*Config, hcl.Diagnostics) {
	if opt.LookupEnv == nil {
		if opt.Getenv == nil {
			opt.LookupEnv = os.LookupEnv
		} else {
			getenv := opt.Getenv
			opt.LookupEnv = func(k string) (string, bool) { v := getenv(k); return v, v != "" }
		}
	}
	if opt.Getenv == nil {
		opt.Getenv = os.Getenv
	}
	p := hclparse.NewParser()
	cfg := &Config{Dir: dir, Files: map[string]*hcl.File{}, Variables: map[string]*Variable{}}
	var diags hcl.Diagnostics
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)

	var contents []*hcl.BodyContent
	for _, n := range names {
		f, d := p.ParseHCL(srcs[n], displayName(dir, n))
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		cfg.Files[displayName(dir, n)] = f
		c, d := f.Body.Content(rootSchema)
		diags = append(diags, d...)
		contents = append(contents, c)
	}
	if diags.HasErrors() {
		return cfg, diags
	}
	for k, v := range p.Files() {
		cfg.Files[k] = v
	}

	// Variables first: everything else may refer to them.
	for _, c := range contents {
		for _, b := range c.Blocks.OfType("variable") {
			diags = append(diags, cfg.decodeVariable(b)...)
		}
	}
	diags = append(diags, cfg.assignVariables(p, opt)...)
	if diags.HasErrors() {
		return cfg, diags
	}
	ctx := cfg.evalContext(opt.Getenv, opt.LookupEnv)

	var anomgenBlock *hcl.Range
	for _, c := range contents {
		for _, b := range c.Blocks.OfType("anomgen") {
			diags = append(diags, cfg.decodeAnomgen(ctx, b, anomgenBlock)...)
			if anomgenBlock == nil {
				anomgenBlock = b.DefRange.Ptr()
			}
		}
	}
	for _, c := range contents {
		for _, b := range c.Blocks.OfType("source") {
			diags = append(diags, cfg.decodeSource(ctx, b)...)
		}
	}
	for _, c := range contents {
		for _, b := range c.Blocks.OfType("target") {
			diags = append(diags, cfg.decodeTarget(ctx, b)...)
		}
	}
	for _, c := range contents {
		for _, b := range c.Blocks.OfType("anomaly") {
			diags = append(diags, cfg.decodeAnomaly(ctx, b)...)
		}
	}
	return cfg, diags
}

func displayName(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func (c *Config) decodeVariable(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	if prev, ok := c.Variables[name]; ok {
		return hcl.Diagnostics{duplicate("variable", name, b.DefRange, prev.DeclRange)}
	}
	if !hclsyntax.ValidIdentifier(name) {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid variable name", Detail: fmt.Sprintf("%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", name), Subject: b.LabelRanges[0].Ptr()}}
	}
	attrs, diags := b.Body.JustAttributes()
	v := &Variable{Name: name, DeclRange: b.DefRange, Default: cty.NilVal}
	for an, a := range attrs {
		switch an {
		case "default":
			val, d := a.Expr.Value(&hcl.EvalContext{Functions: map[string]function.Function{"secret": refusedSecretFunction("a variable's default")}})
			diags = append(diags, d...)
			v.Default = val
		case "description":
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() && val.Type() == cty.String && val.IsKnown() && !val.IsNull() {
				v.Description = val.AsString()
			}
		case "sensitive":
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			if !d.HasErrors() && val.Type() == cty.Bool && val.IsKnown() && !val.IsNull() {
				v.Sensitive = val.True()
			}
		default:
			diags = append(diags, unsupported("variable", an, a.NameRange, []string{"default", "description", "sensitive"}))
		}
	}
	c.Variables[name] = v
	return diags
}

// assignVariables applies, in increasing precedence: defaults, ANOMGEN_VAR_*
// environment variables, -var-file files, -var flags.
func (c *Config) assignVariables(p *hclparse.Parser, opt Options) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for name, v := range c.Variables {
		v.Value = v.Default
		if s := opt.Getenv("ANOMGEN_VAR_" + name); s != "" {
			v.Value = cty.StringVal(s)
		}
	}
	for _, path := range opt.VarFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file", Detail: fmt.Sprintf("-var-file %s: %v", path, err)})
			continue
		}
		f, d := p.ParseHCL(b, path)
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		attrs, d := f.Body.JustAttributes()
		diags = append(diags, d...)
		for name, a := range attrs {
			v, ok := c.Variables[name]
			if !ok {
				diags = append(diags, undeclaredVariable(name, c.variableNames(), &a.NameRange))
				continue
			}
			val, d := a.Expr.Value(nil)
			diags = append(diags, d...)
			v.Value = val
		}
	}
	names := make([]string, 0, len(opt.Vars))
	for n := range opt.Vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		v, ok := c.Variables[name]
		if !ok {
			diags = append(diags, undeclaredVariable(name, c.variableNames(), nil))
			continue
		}
		v.Value = cty.StringVal(opt.Vars[name])
	}
	for _, name := range c.variableNames() {
		v := c.Variables[name]
		if v.Value == cty.NilVal || v.Value.IsNull() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for variable " + name,
				Detail:   fmt.Sprintf("Variable %q has no default. Set it with -var %s=VALUE, in a -var-file, or in the environment as ANOMGEN_VAR_%s.", name, name, name),
				Subject:  v.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

func (c *Config) variableNames() []string {
	names := make([]string, 0, len(c.Variables))
	for n := range c.Variables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func undeclaredVariable(name string, known []string, rng *hcl.Range) *hcl.Diagnostic {
	detail := fmt.Sprintf("A value was given for variable %q, but no variable block declares it.", name)
	if s := Nearest(name, known); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += fmt.Sprintf(" Declare it with: variable %q {}", name)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Undeclared variable", Detail: detail, Subject: rng}
}

func duplicate(what, name string, rng, prev hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %q", what, name),
		Detail:   fmt.Sprintf("A %s named %q was already declared at %s. Names must be unique; rename one of them.", what, name, prev),
		Subject:  rng.Ptr(),
	}
}

func unsupported(block, attr string, rng hcl.Range, known []string) *hcl.Diagnostic {
	detail := fmt.Sprintf("A %s block has no attribute %q.", block, attr)
	if s := Nearest(attr, known); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	} else {
		detail += " Known attributes: " + strings.Join(known, ", ") + "."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: detail, Subject: rng.Ptr()}
}
