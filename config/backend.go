package config

import (
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Backend is the anomgen { backend "postgres" { ... } } block: where the
// workspace's state (and the daemon's work queue) lives instead of
// .anomgen/state.json.
type Backend struct {
	// Type is the backend type; only "postgres" exists.
	Type string
	// DSN connects to the backend database (env(), secret() or a sensitive
	// variable welcome); never printed.
	DSN Secret
	// Schema holds the backend's tables and River's (default
	// anomgen_backend).
	Schema string
	// JobTimeout bounds one daemon job (one occurrence's apply or revert);
	// RescueAfter is how long a job may run before River hands it to
	// another replica (its replica is presumed dead). RescueAfter must be
	// longer than JobTimeout.
	JobTimeout, RescueAfter time.Duration
	// LockTimeout is how long the daemon's jobs wait for the state lock.
	LockTimeout time.Duration
	DeclRange   hcl.Range
	Ranges      map[string]hcl.Range
}

// Range is the range of attribute n, or the block's.
func (b *Backend) Range(n string) *hcl.Range {
	if r, ok := b.Ranges[n]; ok {
		return &r
	}
	r := b.DeclRange
	return &r
}

// DefaultBackendSchema is the schema of a postgres backend without one.
const DefaultBackendSchema = "anomgen_backend"

// Backend defaults.
const (
	DefaultJobTimeout  = 10 * time.Minute
	DefaultLockTimeout = 2 * time.Minute
)

var backendSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "dsn", Required: true}, {Name: "schema"}, {Name: "job_timeout"}, {Name: "rescue_after"}, {Name: "lock_timeout"},
}}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// decodeBackend decodes a backend block of the anomgen block.
func (c *Config) decodeBackend(ctx *hcl.EvalContext, b *hcl.Block) hcl.Diagnostics {
	typ := b.Labels[0]
	if typ != "postgres" {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown backend %q", typ),
			Detail:  `The only state backend is "postgres": backend "postgres" { dsn = env("ANOMGEN_BACKEND_DSN") }. Without a backend block the state is .anomgen/state.json.`,
			Subject: b.LabelRanges[0].Ptr()}}
	}
	if c.Backend != nil {
		return hcl.Diagnostics{duplicate("backend block", typ, b.DefRange, c.Backend.DeclRange)}
	}
	content, diags := b.Body.Content(backendSchema)
	bk := &Backend{Type: typ, Schema: DefaultBackendSchema, DeclRange: b.DefRange, Ranges: map[string]hcl.Range{},
		JobTimeout: DefaultJobTimeout, LockTimeout: DefaultLockTimeout}
	for n, at := range content.Attributes {
		bk.Ranges[n] = at.Expr.Range()
	}
	a := attrs{ctx: ctx, m: content.Attributes, secrets: c.secrets}
	a.secret("dsn", &bk.DSN, &diags)
	a.str("schema", &bk.Schema, &diags)
	a.duration("job_timeout", &bk.JobTimeout, &diags)
	a.duration("rescue_after", &bk.RescueAfter, &diags)
	a.duration("lock_timeout", &bk.LockTimeout, &diags)
	bad := func(n, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: bk.Range(n)})
	}
	if _, ok := content.Attributes["dsn"]; ok && !diags.HasErrors() && !bk.DSN.IsSet() {
		bad("dsn", "Empty backend dsn", `dsn connects to the PostgreSQL database that holds the state, e.g. dsn = env("ANOMGEN_BACKEND_DSN") or secret("env", "ANOMGEN_BACKEND_DSN").`)
	}
	if !identifier.MatchString(bk.Schema) {
		bad("schema", "Invalid backend schema", fmt.Sprintf("schema = %q: use a lower-case PostgreSQL identifier (letters, digits, underscores; default %q).", bk.Schema, DefaultBackendSchema))
	}
	if bk.JobTimeout <= 0 {
		bad("job_timeout", "Invalid job_timeout", "job_timeout bounds one occurrence's apply or revert: a positive duration such as \"10m\".")
	}
	if bk.RescueAfter == 0 {
		bk.RescueAfter = bk.JobTimeout + time.Minute
	}
	if bk.RescueAfter <= bk.JobTimeout {
		bad("rescue_after", "rescue_after too short",
			fmt.Sprintf("rescue_after = %q must be longer than job_timeout (%s): a job still running would be handed to another replica.", FormatDuration(bk.RescueAfter), FormatDuration(bk.JobTimeout)))
	}
	if bk.LockTimeout <= 0 {
		bad("lock_timeout", "Invalid lock_timeout", "lock_timeout is how long the daemon waits for the state lock: a positive duration such as \"2m\".")
	}
	c.Backend = bk
	return diags
}
