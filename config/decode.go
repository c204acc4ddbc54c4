package config

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

func (c *Config) evalContext(getenv func(string) string, lookup func(string) (string, bool)) *hcl.EvalContext {
	if c.secrets == nil {
		c.secrets = newSecretTable()
	}
	vars := map[string]cty.Value{}
	for n, v := range c.Variables {
		vars[n] = c.secrets.variable(v) // sensitive ones marked
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)},
		Functions: map[string]function.Function{"env": envFunc(getenv, lookup), "secret": c.secrets.function()},
	}
}

// envFunc is env(NAME) or env(NAME, DEFAULT): the value of an environment
// variable, an error when it is unset or empty and no default is given
// (lookup tells the two apart).
func envFunc(getenv func(string) string, lookup func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Params:   []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam: &function.Parameter{Name: "default", Type: cty.String},
		Type:     function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
			return b.NotNull()
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			if len(args) > 2 {
				return cty.NilVal, fmt.Errorf("env takes a name and at most one default")
			}
			if v := getenv(name); v != "" {
				return cty.StringVal(v), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			if _, set := lookup(name); set {
				return cty.NilVal, function.NewArgErrorf(0, "environment variable %s is empty; give it a value, or give a default: env(%q, \"...\")", name, name)
			}
			return cty.NilVal, function.NewArgErrorf(0, "environment variable %s is not set; set it, or give a default: env(%q, \"...\")", name, name)
		},
	})
}

var sourceSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "host"}, {Name: "port"}, {Name: "database"}, {Name: "username"}, {Name: "password"},
	{Name: "tls"}, {Name: "dsn"}, {Name: "path"}, {Name: "allow_writes"}, {Name: "daemon"}, {Name: "journal_schema"},
	{Name: "ca_file"}, {Name: "cert_file"}, {Name: "key_file"}, {Name: "connect_timeout"}, {Name: "options"},
	{Name: "batch_rows"}, {Name: "batch_time"}, {Name: "batch_lanes"},
	{Name: "max_connections"},
}}

var defaultPorts = map[string]int{"postgres": 5432, "mysql": 3306, "sqlserver": 1433, "oracle": 1521}

func (c *Config) decodeSource(ctx *hcl.EvalContext, b *hcl.Block) hcl.Diagnostics {
	typ, name := b.Labels[0], b.Labels[1]
	known := false
	for _, t := range SourceTypes {
		known = known || t == typ
	}
	if !known {
		detail := fmt.Sprintf("anomgen has no provider %q. Known providers: %s.", typ, strings.Join(SourceTypes, ", "))
		if s := Nearest(typ, SourceTypes); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown source type", Detail: detail, Subject: b.LabelRanges[0].Ptr()}}
	}
	s := &Source{Type: typ, Name: name, DeclRange: b.DefRange, Port: defaultPorts[typ], JournalSchema: "anomgen",
		BatchRows: DefaultBatchRows, BatchTime: DefaultBatchTime, BatchLanes: DefaultBatchLanes, MaxConnections: DefaultMaxConnections}
	if prev := c.Source(s.Addr()); prev != nil {
		return hcl.Diagnostics{duplicate("source", s.Addr(), b.DefRange, prev.DeclRange)}
	}
	content, diags := b.Body.Content(sourceSchema)
	a := attrs{ctx: ctx, m: content.Attributes, secrets: c.secrets}
	a.str("host", &s.Host, &diags)
	a.int("port", &s.Port, &diags)
	a.str("database", &s.Database, &diags)
	a.strOrSecret("username", &s.Username, &s.UsernameSecret, &diags)
	a.secret("password", &s.Password, &diags)
	a.str("tls", &s.TLS, &diags)
	a.secret("dsn", &s.DSN, &diags)
	a.str("path", &s.Path, &diags)
	a.bool("allow_writes", &s.AllowWrites, &diags)
	a.bool("daemon", &s.Daemon, &diags)
	a.str("journal_schema", &s.JournalSchema, &diags)
	a.str("ca_file", &s.CAFile, &diags)
	a.str("cert_file", &s.CertFile, &diags)
	a.str("key_file", &s.KeyFile, &diags)
	a.duration("connect_timeout", &s.ConnectTimeout, &diags)
	a.options("options", &s.Options, &s.SecretOptions, &diags)
	a.int64("batch_rows", &s.BatchRows, &diags)
	a.duration("batch_time", &s.BatchTime, &diags)
	a.int("batch_lanes", &s.BatchLanes, &diags)
	a.int("max_connections", &s.MaxConnections, &diags)
	if s.MaxConnections < 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for max_connections",
			Detail:  fmt.Sprintf("max_connections = %d: use a positive number of connections (default %d); it bounds the pool and how many changes run on this source at once.", s.MaxConnections, DefaultMaxConnections),
			Subject: content.Attributes["max_connections"].Expr.Range().Ptr()})
	}
	if s.BatchRows < 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for batch_rows",
			Detail:  fmt.Sprintf("batch_rows = %d: use a positive number of rows per batch, or 0 to apply each change in one transaction.", s.BatchRows),
			Subject: content.Attributes["batch_rows"].Expr.Range().Ptr()})
	}
	if s.BatchLanes < 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for batch_lanes",
			Detail:  fmt.Sprintf("batch_lanes = %d: use a positive number of lanes (default %d), or 1 to run one batch of a change at a time.", s.BatchLanes, DefaultBatchLanes),
			Subject: content.Attributes["batch_lanes"].Expr.Range().Ptr()})
	}
	if s.BatchTime < 0 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for batch_time",
			Detail:  fmt.Sprintf("batch_time = %q: use a positive duration such as \"200ms\", or 0 for no time bound.", s.BatchTime),
			Subject: content.Attributes["batch_time"].Expr.Range().Ptr()})
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incomplete client certificate",
			Detail: "cert_file and key_file go together: give both for a client certificate, or neither.", Subject: b.DefRange.Ptr()})
	}
	switch typ {
	case "sqlite":
		if s.Path == "" {
			diags = append(diags, missing("source "+s.Addr(), "path", `path = "shop.db"`, b.Body.MissingItemRange()))
		}
	case "postgres", "mysql", "sqlserver", "oracle":
		if !s.DSN.IsSet() && s.Database == "" {
			diags = append(diags, missing("source "+s.Addr(), "database", `database = "shop"`, b.Body.MissingItemRange()))
		}
		if s.Host == "" {
			s.Host = "localhost"
		}
		switch s.TLS {
		case "", "disable", "require", "verify-ca", "verify-full":
		default:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid tls mode",
				Detail:  fmt.Sprintf("tls = %q is not a mode anomgen knows: use disable, require, verify-ca or verify-full.", s.TLS),
				Subject: content.Attributes["tls"].Expr.Range().Ptr()})
		}
	}
	if !validIdent(s.JournalSchema) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid journal schema",
			Detail:  fmt.Sprintf("journal_schema = %q: use letters, digits and underscores only.", s.JournalSchema),
			Subject: content.Attributes["journal_schema"].Expr.Range().Ptr()})
	}
	c.Sources = append(c.Sources, s)
	return diags
}

var targetSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "source", Required: true}, {Name: "table", Required: true}, {Name: "time_column"}, {Name: "key"}, {Name: "load_time_column"},
	{Name: "triggers"}, {Name: "protect"},
}}

func (c *Config) decodeTarget(ctx *hcl.EvalContext, b *hcl.Block) hcl.Diagnostics {
	t := &Target{Name: b.Labels[0], DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}}
	if prev := c.Target(t.Name); prev != nil {
		return hcl.Diagnostics{duplicate("target", t.Name, b.DefRange, prev.DeclRange)}
	}
	content, diags := b.Body.Content(targetSchema)
	for n, at := range content.Attributes {
		t.Ranges[n] = at.Expr.Range()
	}
	if at, ok := content.Attributes["source"]; ok {
		addr, d := reference(at.Expr, "source", 2)
		diags = append(diags, d...)
		if !d.HasErrors() {
			if t.Source = c.Source(addr); t.Source == nil {
				diags = append(diags, unknownRef(addr, c.sourceAddrs(), at.Expr.Range()))
			}
		}
	}
	a := attrs{ctx: ctx, m: content.Attributes}
	a.str("table", &t.Table, &diags)
	a.str("time_column", &t.TimeColumn, &diags)
	a.str("load_time_column", &t.LoadTimeColumn, &diags)
	a.bool("protect", &t.Protect, &diags)
	a.strList("key", &t.Key, &diags)
	a.str("triggers", &t.Triggers, &diags)
	if r, ok := t.Ranges["triggers"]; ok {
		switch {
		case t.Triggers != "refuse" && t.Triggers != "ignore" && t.Triggers != "disable":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid triggers mode",
				Detail:  fmt.Sprintf("triggers = %q: use \"refuse\" (the default: plan refuses anomalies that would fire the table's triggers), \"ignore\" (apply anyway; rollback may not undo what the triggers did) or \"disable\" (PostgreSQL: switch them off inside anomgen's transactions).", t.Triggers),
				Subject: r.Ptr()})
		case t.Triggers == "disable" && t.Source != nil && t.Source.Type != "postgres":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "triggers = \"disable\" works on PostgreSQL only",
				Detail:  fmt.Sprintf("Only PostgreSQL can switch a table's triggers off inside a transaction (ALTER TABLE ... DISABLE TRIGGER is transactional there); %s cannot. Use triggers = \"ignore\" on target %q, or switch the triggers off yourself while the anomaly is applied.", t.Source.Type, t.Name),
				Subject: r.Ptr()})
		}
	}
	c.Targets = append(c.Targets, t)
	return diags
}

// anomalyAttrs are the attributes every kind takes; others go to Params.
var anomalySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "target", Required: true}, {Name: "column"}, {Name: "volume"}, {Name: "amplitude"},
		{Name: "seed"}, {Name: "duration"}, {Name: "max_rows"}, {Name: "mechanism"}, {Name: "bias"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "window"}, {Type: "segment"}, {Type: "condition"}, {Type: "schedule"}},
}

var windowSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "start"}, {Name: "duration"}, {Name: "last"},
}}

func (c *Config) decodeAnomaly(ctx *hcl.EvalContext, b *hcl.Block) hcl.Diagnostics {
	an := &Anomaly{Kind: b.Labels[0], Name: b.Labels[1], DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}, Params: map[string]Param{}}
	an.Ranges["kind"] = b.LabelRanges[0]
	if prev := c.Anomaly(an.Addr()); prev != nil {
		return hcl.Diagnostics{duplicate("anomaly", an.Addr(), b.DefRange, prev.DeclRange)}
	}
	content, remain, diags := b.Body.PartialContent(anomalySchema)
	for n, at := range content.Attributes {
		an.Ranges[n] = at.Expr.Range()
	}
	if at, ok := content.Attributes["target"]; ok {
		addr, d := reference(at.Expr, "target", 1)
		diags = append(diags, d...)
		if !d.HasErrors() {
			name := strings.TrimPrefix(addr, "target.")
			if an.Target = c.Target(name); an.Target == nil {
				diags = append(diags, unknownRef(addr, c.targetAddrs(), at.Expr.Range()))
			}
		}
	}
	a := attrs{ctx: ctx, m: content.Attributes}
	a.str("column", &an.Column, &diags)
	a.optFloat("volume", &an.Volume, &diags)
	a.optFloat("amplitude", &an.Amplitude, &diags)
	if _, ok := content.Attributes["seed"]; ok {
		var s int64
		a.int64("seed", &s, &diags)
		an.Seed = &s
	}
	a.duration("duration", &an.Duration, &diags)
	if _, ok := content.Attributes["max_rows"]; ok {
		a.int64("max_rows", &an.MaxRows, &diags)
		if an.MaxRows <= 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid max_rows",
				Detail: "max_rows is the most rows this anomaly may change: a positive whole number.", Subject: an.Range("max_rows")})
		}
	}
	if an.Volume != nil && (*an.Volume <= 0 || *an.Volume > 1) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid volume",
			Detail:  fmt.Sprintf("volume is the share of rows to change, between 0 (exclusive) and 1; got %g. For 30 %% write volume = 0.3.", *an.Volume),
			Subject: an.Range("volume")})
	}
	wins := content.Blocks.OfType("window")
	if len(wins) > 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate window block",
			Detail: "An anomaly takes at most one window block.", Subject: wins[1].DefRange.Ptr()})
	}
	if len(wins) > 0 {
		w, d := decodeWindow(ctx, wins[0])
		diags = append(diags, d...)
		an.Window = w
	}
	diags = append(diags, decodeSelection(ctx, content, an)...)       // selection.go
	diags = append(diags, decodeAnomalySchedule(ctx, content, an)...) // schedule.go
	// Kind-specific attributes: whatever the common schema left. Unknown
	// blocks are errors here; unknown attributes are checked by the planner
	// against the kind's catalog entry.
	if body, ok := remain.(*hclsyntax.Body); ok {
		for _, blk := range body.Blocks {
			if blk.Type != "window" && blk.Type != "segment" && blk.Type != "condition" && blk.Type != "schedule" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unexpected %q block", blk.Type),
					Detail: "An anomaly block takes only window, segment, condition and schedule blocks.", Subject: blk.TypeRange.Ptr()})
			}
		}
		for n, at := range body.Attributes {
			if _, common := content.Attributes[n]; common {
				continue
			}
			v, d := at.Expr.Value(ctx)
			diags = append(diags, d...)
			if !d.HasErrors() && v.ContainsMarked() {
				diags = append(diags, notSecretAttribute(n, v, at.Expr.Range()))
				continue
			}
			an.Params[n] = Param{Value: v, Range: at.Expr.Range()}
			an.Ranges[n] = at.NameRange
		}
	}
	c.Anomalies = append(c.Anomalies, an)
	return diags
}

func decodeWindow(ctx *hcl.EvalContext, b *hcl.Block) (*Window, hcl.Diagnostics) {
	content, diags := b.Body.Content(windowSchema)
	w := &Window{Range: b.DefRange}
	a := attrs{ctx: ctx, m: content.Attributes}
	var start string
	a.str("start", &start, &diags)
	a.duration("duration", &w.Duration, &diags)
	a.duration("last", &w.Last, &diags)
	_, hasStart := content.Attributes["start"]
	_, hasLast := content.Attributes["last"]
	_, hasDur := content.Attributes["duration"]
	switch {
	case hasStart && hasLast:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting window settings",
			Detail:  "A window is either absolute (start and duration) or relative (last), not both. Remove start/duration or last.",
			Subject: b.DefRange.Ptr()})
	case hasStart:
		t, err := ParseTime(start)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid window start",
				Detail: err.Error(), Subject: content.Attributes["start"].Expr.Range().Ptr()})
		} else {
			w.Start = &t
		}
		if !hasDur {
			diags = append(diags, missing("window", "duration", `duration = "24h"`, b.Body.MissingItemRange()))
		}
		w.Text = fmt.Sprintf("start=%s duration=%s", start, w.Duration)
	case hasLast:
		if hasDur {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting window settings",
				Detail:  `A relative window is given by last alone ("the last 48h"); duration goes with start.`,
				Subject: content.Attributes["duration"].NameRange.Ptr()})
		}
		w.Text = fmt.Sprintf("last=%s", w.Last)
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Empty window",
			Detail:  `A window needs start and duration (e.g. start = "2026-11-20T00:00:00Z", duration = "24h") or last (e.g. last = "48h").`,
			Subject: b.DefRange.Ptr()})
	}
	if (hasDur && w.Duration <= 0) || (hasLast && w.Last <= 0) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid window length",
			Detail: "A window's duration or last must be positive.", Subject: b.DefRange.Ptr()})
	}
	return w, diags
}

// reference decodes a traversal such as source.postgres.shop (root plus n
// attribute steps) into its dotted address.
func reference(expr hcl.Expression, root string, n int) (string, hcl.Diagnostics) {
	example := map[string]string{"source": "source.postgres.shop", "target": "target.orders"}[root]
	bad := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid reference",
		Detail:  fmt.Sprintf("Expected a reference to a %s block, such as %s (without quotes).", root, example),
		Subject: expr.Range().Ptr()}}
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || tr.RootName() != root || len(tr) != n+1 {
		return "", bad
	}
	parts := []string{root}
	for _, step := range tr[1:] {
		at, ok := step.(hcl.TraverseAttr)
		if !ok {
			return "", bad
		}
		parts = append(parts, at.Name)
	}
	return strings.Join(parts, "."), nil
}

func unknownRef(addr string, known []string, rng hcl.Range) *hcl.Diagnostic {
	detail := fmt.Sprintf("There is no block %s in this folder's scenario files.", addr)
	if s := Nearest(addr, known); s != "" {
		detail += fmt.Sprintf(" Did you mean %s?", s)
	} else if len(known) > 0 {
		detail += " Declared: " + strings.Join(known, ", ") + "."
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Reference to undeclared " + strings.SplitN(addr, ".", 2)[0], Detail: detail, Subject: rng.Ptr()}
}

func missing(block, attr, example string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing required argument",
		Detail: fmt.Sprintf("The %s block needs %s, for example: %s", block, attr, example), Subject: rng.Ptr()}
}

func (c *Config) sourceAddrs() []string {
	var out []string
	for _, s := range c.Sources {
		out = append(out, s.Addr())
	}
	return out
}

func (c *Config) targetAddrs() []string {
	var out []string
	for _, t := range c.Targets {
		out = append(out, t.Addr())
	}
	return out
}

// attrs evaluates attributes into Go values, appending diagnostics.
type attrs struct {
	ctx *hcl.EvalContext
	m   hcl.Attributes
	// secrets, in source blocks, turns secret() placeholders into Secrets.
	secrets *secretTable
}

func (a attrs) value(name string, ty cty.Type, diags *hcl.Diagnostics) (cty.Value, bool) {
	at, ok := a.m[name]
	if !ok {
		return cty.NilVal, false
	}
	v, d := at.Expr.Value(a.ctx)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return cty.NilVal, false
	}
	if v.ContainsMarked() {
		*diags = append(*diags, notSecretAttribute(name, v, at.Expr.Range()))
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil || cv.IsNull() || !cv.IsKnown() {
		msg := "a value"
		if err != nil {
			msg = err.Error()
		}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: fmt.Sprintf("%s must be %s: %s.", name, ty.FriendlyName(), msg), Subject: at.Expr.Range().Ptr()})
		return cty.NilVal, false
	}
	return cv, true
}

func (a attrs) str(name string, dst *string, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.String, diags); ok {
		*dst = v.AsString()
	}
}

func (a attrs) bool(name string, dst *bool, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.Bool, diags); ok {
		*dst = v.True()
	}
}

func (a attrs) int(name string, dst *int, diags *hcl.Diagnostics) {
	i := int64(*dst)
	a.int64(name, &i, diags)
	*dst = int(i)
}

func (a attrs) int64(name string, dst *int64, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.Number, diags); ok {
		bf := v.AsBigFloat()
		if !bf.IsInt() {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
				Detail: name + " must be a whole number.", Subject: a.m[name].Expr.Range().Ptr()})
			return
		}
		*dst, _ = bf.Int64()
	}
}

func (a attrs) optFloat(name string, dst **float64, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.Number, diags); ok {
		f, _ := v.AsBigFloat().Float64()
		*dst = &f
	}
}

func (a attrs) strList(name string, dst *[]string, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.List(cty.String), diags); ok {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			*dst = append(*dst, e.AsString())
		}
	}
}

func (a attrs) strMap(name string, dst *map[string]string, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.Map(cty.String), diags); ok {
		*dst = map[string]string{}
		for k, e := range v.AsValueMap() {
			(*dst)[k] = e.AsString()
		}
	}
}

func (a attrs) duration(name string, dst *time.Duration, diags *hcl.Diagnostics) {
	if v, ok := a.value(name, cty.String, diags); ok {
		d, err := ParseDuration(v.AsString())
		if err != nil {
			*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid duration for " + name,
				Detail: err.Error(), Subject: a.m[name].Expr.Range().Ptr()})
			return
		}
		*dst = d
	}
}

// DefaultSeed derives a stable seed from an address, used when a block
// gives none.
func DefaultSeed(addr string) int64 {
	h := fnv.New64a()
	h.Write([]byte(addr))
	return int64(h.Sum64() & 0x7fffffff)
}

func validIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
