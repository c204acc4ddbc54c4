package config

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/anomgen/anomgen/providers/secrets"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// Secrets in scenario files.
//
// secret(PROVIDER, NAME[, KEY]) does not read anything at load time: it
// yields a placeholder string marked sensitive (a cty mark), and the
// placeholder stands for a secrets.Ref. A sensitive variable's string value
// is replaced by such a placeholder too (standing for its literal value),
// and every other sensitive value is marked. Marks survive interpolation and
// every operator, so a source's password, dsn, username and options values
// may hold them (the placeholders are turned into the parts of a Secret),
// and any other attribute that receives one is an error. The executor
// resolves the references when it opens a connection (Source.ResolveSecrets).

// SecretAttributes are the only places secret() and sensitive variables may
// be used.
const SecretAttributes = "a source's password, dsn, username and options values"

// sensitiveMark marks values from secret() and sensitive variables; the
// value says which, for messages.
type sensitiveMark string

const (
	markSecretFunc   sensitiveMark = "secret()"
	markSensitiveVar sensitiveMark = "a sensitive variable"
)

// Secret is a string that must never be shown. Every way of formatting it
// prints a placeholder. It is made of parts: literal text, and references
// to secret() values that ResolveSecrets reads when a connection opens.
// Copies share their resolved values.
type Secret struct{ p *secretParts }

type secretParts struct {
	parts []secretPart

	mu sync.Mutex
	// resolved holds the value of each reference part, in order, once
	// Resolve has read them.
	resolved []string
}

type secretPart struct {
	text string
	ref  *secrets.Ref
	// sensitive: text is a secret by itself (a sensitive variable's value,
	// or a whole literal password); plain text around a reference in an
	// interpolated dsn is not.
	sensitive bool
}

// NewSecret wraps a literal value.
func NewSecret(s string) Secret {
	return Secret{p: &secretParts{parts: []secretPart{{text: s, sensitive: true}}}}
}

// IsSet reports whether the secret holds a non-empty value or a reference.
func (s Secret) IsSet() bool {
	if s.p == nil {
		return false
	}
	for _, part := range s.p.parts {
		if part.ref != nil || part.text != "" {
			return true
		}
	}
	return false
}

// Refs lists the secret() references of s (they hold no value).
func (s Secret) Refs() []secrets.Ref {
	if s.p == nil {
		return nil
	}
	var out []secrets.Ref
	for _, part := range s.p.parts {
		if part.ref != nil {
			out = append(out, *part.ref)
		}
	}
	return out
}

// Resolve reads every reference of s through r, afresh (a rotated secret
// is picked up by the next run), and keeps the values in memory for
// Reveal. A secret without references needs no resolving.
func (s Secret) Resolve(ctx context.Context, r secrets.Resolver) error {
	refs := s.Refs()
	if len(refs) == 0 {
		return nil
	}
	vals := make([]string, len(refs))
	for i, ref := range refs {
		v, err := r.Resolve(ctx, ref)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	s.p.mu.Lock()
	s.p.resolved = vals
	s.p.mu.Unlock()
	return nil
}

// Resolved reports whether every reference of s has been resolved.
func (s Secret) Resolved() bool {
	if s.p == nil {
		return true
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.resolved != nil || len(s.Refs()) == 0
}

// Reveal returns the secret value. Call it only where the value is handed to
// a driver (executor.Settings). References not yet resolved reveal as "".
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	var b strings.Builder
	i := 0
	for _, part := range s.p.parts {
		if part.ref == nil {
			b.WriteString(part.text)
			continue
		}
		if i < len(s.p.resolved) {
			b.WriteString(s.p.resolved[i])
		}
		i++
	}
	return b.String()
}

// Sensitive returns the parts of s that are secrets by themselves: the
// resolved values of its references and the values of sensitive variables
// in it. The whole value is a secret too; these are the pieces an error
// might quote alone (e.g. the password inside a dsn).
func (s Secret) Sensitive() []string {
	if s.p == nil {
		return nil
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	var out []string
	i := 0
	for _, part := range s.p.parts {
		switch {
		case part.ref != nil:
			if i < len(s.p.resolved) {
				out = append(out, s.p.resolved[i])
			}
			i++
		case part.sensitive && part.text != "":
			out = append(out, part.text)
		}
	}
	return out
}

func (s Secret) String() string   { return "(sensitive)" }
func (s Secret) GoString() string { return "(sensitive)" }

// Format makes every fmt verb print the placeholder.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("(sensitive)")) }

// MarshalText keeps secrets out of JSON and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte("(sensitive)"), nil }

// ResolveSecrets resolves every secret() reference of the source's
// password, dsn, username and options through r. Errors name the attribute
// and the reference, never a value.
func (src *Source) ResolveSecrets(ctx context.Context, r secrets.Resolver) error {
	type named struct {
		attr string
		s    Secret
	}
	list := []named{{"password", src.Password}, {"dsn", src.DSN}, {"username", src.UsernameSecret}}
	for _, k := range sortedKeys(src.SecretOptions) {
		list = append(list, named{"options." + k, src.SecretOptions[k]})
	}
	for _, n := range list {
		if err := n.s.Resolve(ctx, r); err != nil {
			return fmt.Errorf("%s: %s: %w", src.Addr(), n.attr, err)
		}
	}
	return nil
}

func sortedKeys(m map[string]Secret) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// secretTable records what the placeholders of one load stand for. The
// nonce keeps a string written in a scenario from posing as a placeholder.
type secretTable struct {
	nonce   string
	entries []secretPart
	re      *regexp.Regexp
}

func newSecretTable() *secretTable {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	return &secretTable{nonce: nonce, re: regexp.MustCompile("\x00anomgen-secret-" + nonce + "-([0-9]+)\x00")}
}

func (t *secretTable) placeholder(p secretPart) string {
	t.entries = append(t.entries, p)
	return fmt.Sprintf("\x00anomgen-secret-%s-%d\x00", t.nonce, len(t.entries)-1)
}

// parts splits a marked string into literal text and the parts its
// placeholders stand for. A marked string without placeholders (a
// sensitive number, say) is one sensitive literal.
func (t *secretTable) parts(s string) []secretPart {
	locs := t.re.FindAllStringSubmatchIndex(s, -1)
	if len(locs) == 0 {
		return []secretPart{{text: s, sensitive: true}}
	}
	var out []secretPart
	last := 0
	for _, loc := range locs {
		if loc[0] > last {
			out = append(out, secretPart{text: s[last:loc[0]]})
		}
		i, _ := strconv.Atoi(s[loc[2]:loc[3]])
		out = append(out, t.entries[i])
		last = loc[1]
	}
	if last < len(s) {
		out = append(out, secretPart{text: s[last:]})
	}
	return out
}

// variable returns the value a variable has in expressions: sensitive
// strings become placeholders (so that their text stays known as secret
// inside an interpolated dsn), and every sensitive value is marked.
func (t *secretTable) variable(v *Variable) cty.Value {
	val := v.Value
	if !v.Sensitive || val == cty.NilVal {
		return val
	}
	if val.Type() == cty.String && val.IsKnown() && !val.IsNull() {
		val = cty.StringVal(t.placeholder(secretPart{text: val.AsString(), sensitive: true}))
	}
	return val.Mark(markSensitiveVar)
}

// function is secret(PROVIDER, NAME[, KEY]).
func (t *secretTable) function() function.Function {
	return function.New(&function.Spec{
		Description: "A reference to a secret, read only when a connection opens.",
		// Marked arguments reach Impl, so that a sensitive value is refused
		// before a message could quote it.
		Params: []function.Parameter{
			{Name: "provider", Type: cty.String, AllowMarked: true},
			{Name: "name", Type: cty.String, AllowMarked: true},
		},
		VarParam: &function.Parameter{Name: "key", Type: cty.String, AllowMarked: true},
		Type:     function.StaticReturnType(cty.String),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
			return b.NotNull()
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 3 {
				return cty.NilVal, fmt.Errorf("secret takes a provider, a name and at most one key, e.g. secret(\"aws_secretsmanager\", \"staging/shop\", \"password\")")
			}
			for i, a := range args {
				if a.ContainsMarked() {
					return cty.NilVal, function.NewArgErrorf(i, "secret()'s arguments name a secret and appear in messages, so they cannot come from a sensitive variable or secret(); write them out")
				}
			}
			ref := secrets.Ref{Provider: args[0].AsString(), Name: args[1].AsString()}
			known := false
			for _, p := range secrets.Providers {
				known = known || p == ref.Provider
			}
			if !known {
				msg := fmt.Sprintf("there is no secret provider %q", ref.Provider)
				if s := Nearest(ref.Provider, secrets.Providers); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				msg += "; use \"env\" (an environment variable), \"file\" (a file only its owner may read) or \"aws_secretsmanager\""
				return cty.NilVal, function.NewArgErrorf(0, "%s", msg)
			}
			if strings.TrimSpace(ref.Name) == "" {
				return cty.NilVal, function.NewArgErrorf(1, "the secret's name is empty")
			}
			if len(args) == 3 {
				ref.Key = args[2].AsString()
				if ref.Key == "" {
					return cty.NilVal, function.NewArgErrorf(2, "the key is empty: leave it out to use the whole secret")
				}
			}
			return cty.StringVal(t.placeholder(secretPart{ref: &ref})).Mark(markSecretFunc), nil
		},
	})
}

// refusedFunction stands for secret() where no function may be called
// (variable defaults), to say why.
func refusedSecretFunction(where string) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType},
		Type:     function.StaticReturnType(cty.String),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.NilVal, fmt.Errorf("secret() cannot be used in %s. Secrets may only go in %s; use secret() there directly", where, SecretAttributes)
		},
	})
}

// sensitiveOrigin names where a marked value came from.
func sensitiveOrigin(v cty.Value) string {
	_, marks := v.UnmarkDeep()
	if _, ok := marks[markSecretFunc]; ok {
		return "secret()"
	}
	return "a sensitive variable"
}

// notSecretAttribute is the diagnostic for a sensitive value where secrets
// may not go.
func notSecretAttribute(name string, v cty.Value, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Secret not allowed here",
		Detail: fmt.Sprintf("%s gets a value from %s. Secrets may only go in %s, where anomgen hands them to the database driver and nowhere else; %s would show in plans, logs or the state.",
			name, sensitiveOrigin(v), SecretAttributes, name),
		Subject: rng.Ptr()}
}

// toSecret turns an attribute value into a Secret: placeholders become
// references and sensitive parts.
func (a attrs) toSecret(name string, v cty.Value, rng hcl.Range, diags *hcl.Diagnostics) (Secret, bool) {
	marked := v.ContainsMarked()
	uv, _ := v.UnmarkDeep()
	cv, err := convert.Convert(uv, cty.String)
	if err != nil || cv.IsNull() || !cv.IsKnown() {
		msg := "a value"
		if err != nil {
			msg = err.Error()
		}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: fmt.Sprintf("%s must be a string: %s.", name, msg), Subject: rng.Ptr()})
		return Secret{}, false
	}
	if !marked || a.secrets == nil {
		return NewSecret(cv.AsString()), true
	}
	return Secret{p: &secretParts{parts: a.secrets.parts(cv.AsString())}}, true
}

// secret decodes password or dsn: a literal, env(), secret() or a
// sensitive variable, or a string interpolating them.
func (a attrs) secret(name string, dst *Secret, diags *hcl.Diagnostics) {
	at, ok := a.m[name]
	if !ok {
		return
	}
	v, d := at.Expr.Value(a.ctx)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return
	}
	if s, ok := a.toSecret(name, v, at.Expr.Range(), diags); ok {
		*dst = s
	}
}

// strOrSecret decodes username: plain text into dst, a value from secret()
// or a sensitive variable into sec.
func (a attrs) strOrSecret(name string, dst *string, sec *Secret, diags *hcl.Diagnostics) {
	at, ok := a.m[name]
	if !ok {
		return
	}
	v, d := at.Expr.Value(a.ctx)
	if !d.HasErrors() && v.ContainsMarked() {
		*diags = append(*diags, d...)
		if s, ok := a.toSecret(name, v, at.Expr.Range(), diags); ok {
			*sec = s
		}
		return
	}
	a.str(name, dst, diags)
}

// options decodes the options map: plain values into dst, values from
// secret() or a sensitive variable into sec.
func (a attrs) options(name string, dst *map[string]string, sec *map[string]Secret, diags *hcl.Diagnostics) {
	at, ok := a.m[name]
	if !ok {
		return
	}
	v, d := at.Expr.Value(a.ctx)
	*diags = append(*diags, d...)
	if d.HasErrors() {
		return
	}
	all := v.IsMarked()
	uv, pvm := v.UnmarkDeepWithPaths()
	secretKeys := map[string]bool{}
	for _, pm := range pvm {
		if len(pm.Path) == 0 {
			all = true
			continue
		}
		switch step := pm.Path[0].(type) {
		case cty.GetAttrStep:
			secretKeys[step.Name] = true
		case cty.IndexStep:
			if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
				secretKeys[step.Key.AsString()] = true
			}
		}
	}
	cv, err := convert.Convert(uv, cty.Map(cty.String))
	if err != nil || cv.IsNull() || !cv.IsWhollyKnown() {
		msg := "a value"
		if err != nil {
			msg = err.Error()
		}
		*diags = append(*diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid value for " + name,
			Detail: fmt.Sprintf("%s must be a map of strings: %s.", name, msg), Subject: at.Expr.Range().Ptr()})
		return
	}
	*dst = map[string]string{}
	for k, e := range cv.AsValueMap() {
		if !all && !secretKeys[k] {
			(*dst)[k] = e.AsString()
			continue
		}
		if *sec == nil {
			*sec = map[string]Secret{}
		}
		if s, ok := a.toSecret(name+"."+k, e.Mark(markSecretFunc), at.Expr.Range(), diags); ok {
			(*sec)[k] = s
		}
	}
}

// AWSSecrets is the anomgen { secrets "aws" { ... } } block: how the
// aws_secretsmanager provider reaches AWS. Every field is optional.
type AWSSecrets struct {
	Region, Profile, RoleARN, Endpoint string
	DeclRange                          hcl.Range
}

var anomgenSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "workspace"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "secrets", LabelNames: []string{"provider"}}, {Type: "backend", LabelNames: []string{"type"}}},
}

// workspaceName is what a workspace name may hold: it is recorded in the
// journal catalogs and shown in plans.
var workspaceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$`)

var awsSecretsSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "region"}, {Name: "profile"}, {Name: "role_arn"}, {Name: "endpoint"},
}}

// decodeAnomgen decodes the anomgen block: settings of anomgen itself.
func (c *Config) decodeAnomgen(ctx *hcl.EvalContext, b *hcl.Block, prev *hcl.Range) hcl.Diagnostics {
	if prev != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate anomgen block",
			Detail:  fmt.Sprintf("The scenario files may hold one anomgen block; another is at %s. Merge them.", prev),
			Subject: b.DefRange.Ptr()}}
	}
	content, diags := b.Body.Content(anomgenSchema)
	if at, ok := content.Attributes["workspace"]; ok {
		a := attrs{ctx: ctx, m: content.Attributes}
		a.str("workspace", &c.Workspace, &diags)
		if !diags.HasErrors() && !workspaceName.MatchString(c.Workspace) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid workspace name",
				Detail:  fmt.Sprintf("workspace = %q: use 1 to 100 letters, digits, '.', '_', '/' or '-', starting with a letter or digit (e.g. \"acme-staging\").", c.Workspace),
				Subject: at.Expr.Range().Ptr()})
		}
	}
	for _, sb := range content.Blocks.OfType("secrets") {
		label := sb.Labels[0]
		if label != "aws" {
			detail := fmt.Sprintf("Only the aws provider takes settings: secrets \"aws\" { region = ..., profile = ..., role_arn = ..., endpoint = ... }. The env and file providers need none.")
			if label == secrets.AWSSecretsManager {
				detail = `Write secrets "aws" { ... }: the block configures the aws_secretsmanager provider.`
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown secrets provider %q", label),
				Detail: detail, Subject: sb.LabelRanges[0].Ptr()})
			continue
		}
		if c.AWSSecrets != nil {
			diags = append(diags, duplicate("secrets block", "aws", sb.DefRange, c.AWSSecrets.DeclRange))
			continue
		}
		aw := &AWSSecrets{DeclRange: sb.DefRange}
		ac, d := sb.Body.Content(awsSecretsSchema)
		diags = append(diags, d...)
		a := attrs{ctx: ctx, m: ac.Attributes}
		a.str("region", &aw.Region, &diags)
		a.str("profile", &aw.Profile, &diags)
		a.str("role_arn", &aw.RoleARN, &diags)
		a.str("endpoint", &aw.Endpoint, &diags)
		if at, ok := ac.Attributes["role_arn"]; ok && aw.RoleARN != "" && !strings.HasPrefix(aw.RoleARN, "arn:") {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid role_arn",
				Detail:  fmt.Sprintf("role_arn = %q is not an ARN: write arn:aws:iam::ACCOUNT:role/NAME.", aw.RoleARN),
				Subject: at.Expr.Range().Ptr()})
		}
		if at, ok := ac.Attributes["endpoint"]; ok && aw.Endpoint != "" {
			if u, err := url.Parse(aw.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid endpoint",
					Detail:  fmt.Sprintf("endpoint = %q is not a URL: write e.g. \"https://secretsmanager.eu-west-1.amazonaws.com\" or \"http://127.0.0.1:4566\".", aw.Endpoint),
					Subject: at.Expr.Range().Ptr()})
			}
		}
		c.AWSSecrets = aw
	}
	for _, bb := range content.Blocks.OfType("backend") {
		diags = append(diags, c.decodeBackend(ctx, bb)...)
	}
	if c.Backend != nil && c.Workspace == "" && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Backend without a workspace name",
			Detail:  `A backend keeps the state of many folders in one database, keyed by the workspace name: add workspace = "..." (e.g. "acme-staging") to this anomgen block.`,
			Subject: c.Backend.DeclRange.Ptr()})
	}
	return diags
}
