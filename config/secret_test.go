package config

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers/secrets"
	"github.com/hashicorp/hcl/v2"
)

// fakeResolver answers every reference with "<provider>:<name>:<key>!" and
// counts calls.
type fakeResolver struct{ calls []secrets.Ref }

func (f *fakeResolver) Resolve(_ context.Context, ref secrets.Ref) (string, error) {
	f.calls = append(f.calls, ref)
	if ref.Name == "missing" {
		return "", &secrets.Error{Ref: ref, Reason: "not found"}
	}
	return fmt.Sprintf("%s:%s:%s!", ref.Provider, ref.Name, ref.Key), nil
}

const secretSources = `
variable "db_password" {
  sensitive = true
}
variable "port" {
  default   = 5432
  sensitive = true
}
source "postgres" "shop" {
  host     = "db.internal"
  database = "shop"
  username = secret("env", "SHOP_USER")
  password = secret("aws_secretsmanager", "staging/shop", "password")
  options  = {
    search_path = "shop"
    sslpassword = secret("file", "key.pass")
  }
}
source "postgres" "dsn" {
  dsn = "postgres://app:${secret("env", "PGPASS")}@db.internal:${var.port}/shop?sslmode=disable"
}
source "postgres" "var" {
  database = "shop"
  username = "plain"
  password = var.db_password
}
source "postgres" "mixed" {
  database = "shop"
  password = "pre-${var.db_password}-${secret("env", "X")}"
}
`

func TestSecretReferences(t *testing.T) {
	cfg, diags := load(t, secretSources, Options{Vars: map[string]string{"db_password": "var-canary"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	shop := cfg.Source("source.postgres.shop")
	if got := shop.Password.Refs(); len(got) != 1 || got[0] != (secrets.Ref{Provider: "aws_secretsmanager", Name: "staging/shop", Key: "password"}) {
		t.Errorf("password refs %v", got)
	}
	if shop.Username != "" || !shop.UsernameSecret.IsSet() || shop.Options["search_path"] != "shop" || len(shop.SecretOptions) != 1 {
		t.Errorf("username %q/%v, options %v, secret options %v", shop.Username, shop.UsernameSecret.IsSet(), shop.Options, shop.SecretOptions)
	}
	if _, plain := shop.Options["sslpassword"]; plain {
		t.Error("a secret option is among the plain options")
	}
	// Nothing is read at load time, and nothing is revealed before.
	if !shop.Password.IsSet() || shop.Password.Reveal() != "" || shop.Password.Resolved() {
		t.Errorf("unresolved password: set %v, resolved %v", shop.Password.IsSet(), shop.Password.Resolved())
	}
	r := &fakeResolver{}
	for _, src := range cfg.Sources {
		if err := src.ResolveSecrets(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if got := shop.Password.Reveal(); got != "aws_secretsmanager:staging/shop:password!" {
		t.Errorf("password %q", got)
	}
	if got := shop.UsernameSecret.Reveal(); got != "env:SHOP_USER:!" {
		t.Errorf("username %q", got)
	}
	if got := shop.SecretOptions["sslpassword"].Reveal(); got != "file:key.pass:!" {
		t.Errorf("sslpassword %q", got)
	}
	dsn := cfg.Source("source.postgres.dsn").DSN
	if got := dsn.Reveal(); got != "postgres://app:env:PGPASS:!@db.internal:5432/shop?sslmode=disable" {
		t.Errorf("dsn %q", got)
	}
	// The secret's value is a part of its own; a sensitive number is
	// interpolated as text (the whole dsn is secret anyway).
	if got := dsn.Sensitive(); len(got) != 1 || got[0] != "env:PGPASS:!" {
		t.Errorf("dsn's secret parts %q", got)
	}
	v := cfg.Source("source.postgres.var")
	if v.Password.Reveal() != "var-canary" || len(v.Password.Refs()) != 0 || v.Username != "plain" {
		t.Errorf("sensitive variable as password: %v", v.Password.Refs())
	}
	mixed := cfg.Source("source.postgres.mixed").Password
	if got := mixed.Reveal(); got != "pre-var-canary-env:X:!" {
		t.Errorf("mixed %q", got)
	}
	if got := strings.Join(mixed.Sensitive(), "|"); got != "var-canary|env:X:!" {
		t.Errorf("mixed parts %q", got)
	}

	// Every format of the config hides the values and the placeholders.
	text := fmt.Sprintf("%v %+v %#v %v", *shop, *cfg.Source("source.postgres.dsn"), *v, mixed)
	b, _ := json.Marshal(cfg.Sources)
	for _, leak := range []string{"var-canary", "PGPASS:!", "staging/shop:password!", "\x00", "anomgen-secret"} {
		if strings.Contains(text, leak) || strings.Contains(string(b), leak) {
			t.Errorf("%q shows in %s\n%s", leak, text, b)
		}
	}
}

func TestSecretResolveError(t *testing.T) {
	cfg, diags := load(t, `source "postgres" "shop" {
  database = "shop"
  password = secret("env", "missing")
}`, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	err := cfg.Sources[0].ResolveSecrets(context.Background(), &fakeResolver{})
	if err == nil || err.Error() != `source.postgres.shop: password: secret("env", "missing"): not found` {
		t.Errorf("error %v", err)
	}
}

func wantDiag(t *testing.T, diags hcl.Diagnostics, summary string, details ...string) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == hcl.DiagError && strings.Contains(d.Summary, summary) {
			for _, want := range details {
				if !strings.Contains(d.Detail, want) {
					t.Errorf("%q: detail %q lacks %q", summary, d.Detail, want)
				}
			}
			if d.Subject == nil {
				t.Errorf("%q has no range", summary)
			}
			return
		}
	}
	t.Errorf("no error %q in:\n%s", summary, diags.Error())
}

// TestSecretsOnlyWhereAllowed: secret() and sensitive variables anywhere
// but password, dsn, username and options values are errors that say where
// secrets may go.
func TestSecretsOnlyWhereAllowed(t *testing.T) {
	head := `
variable "hidden" {
  default   = "orders"
  sensitive = true
}
source "postgres" "shop" {
  database = "shop"
}
`
	target := func(table string) string {
		return "target \"orders\" {\n  source = source.postgres.shop\n  table  = " + table + "\n}\n"
	}
	cases := []struct{ name, src, origin string }{
		{"table from secret()", target(`secret("env", "T")`), "secret()"},
		{"table from a sensitive variable", target(`var.hidden`), "a sensitive variable"},
		{"table interpolating one", target(`"public.${var.hidden}"`), "a sensitive variable"},
		{"host", `source "postgres" "h" {
  host     = secret("env", "HOST")
  database = "x"
}`, "secret()"},
		{"anomaly parameter", target(`"orders"`) + `anomaly "schema_add_column" "c" {
  target = target.orders
  name   = var.hidden
  type   = "text"
}`, "a sensitive variable"},
		{"window start", target(`"orders"`) + `anomaly "volume_drop" "w" {
  target = target.orders
  window {
    start    = secret("env", "START")
    duration = "1h"
  }
}`, "secret()"},
		{"anomgen block", `anomgen {
  secrets "aws" {
    region = secret("env", "REGION")
  }
}`, "secret()"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := load(t, head+c.src, Options{})
			wantDiag(t, diags, "Secret not allowed here", "from "+c.origin, "password, dsn, username and options values")
			if strings.Contains(diags.Error(), "orders\"") && strings.Contains(c.name, "sensitive") {
				t.Errorf("the message shows the value: %s", diags.Error())
			}
		})
	}
	_, diags := load(t, `variable "x" {
  default = secret("env", "X")
}`, Options{})
	if !strings.Contains(diags.Error(), "secret() cannot be used in a variable's default") || !strings.Contains(diags.Error(), "password, dsn, username and options values") {
		t.Errorf("secret() in a default: %s", diags.Error())
	}
}

func TestSecretFunctionArguments(t *testing.T) {
	src := func(call string) string {
		return "source \"postgres\" \"shop\" {\n  database = \"shop\"\n  password = " + call + "\n}\n"
	}
	for call, want := range map[string]string{
		`secret("aws_secretmanager", "x")`:   `there is no secret provider "aws_secretmanager"`,
		`secret("vault", "x")`:               `use "env"`,
		`secret("env", "")`:                  "the secret's name is empty",
		`secret("env", "X", "")`:             "the key is empty",
		`secret("env", "X", "k", "extra")`:   "at most one key",
		`secret("env")`:                      "Not enough function arguments",
		`secret("file", "pw", ["a", "b"])`:   "string required",
		`secret("aws_secretsmanager", null)`: "null",
	} {
		_, diags := load(t, src(call), Options{})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
			t.Errorf("%s: want an error containing %q, got: %s", call, want, diags.Error())
		}
	}
	_, diags := load(t, "variable \"n\" {\n  default   = \"hidden-name\"\n  sensitive = true\n}\n"+src(`secret("env", var.n)`), Options{})
	if !strings.Contains(diags.Error(), "cannot come from a sensitive variable") || strings.Contains(diags.Error(), "hidden-name") {
		t.Errorf("a sensitive name: %s", diags.Error())
	}
	_, diags = load(t, src(`secret("aws_secretmanager", "x")`), Options{})
	if !strings.Contains(diags.Error(), `(did you mean "aws_secretsmanager"?)`) {
		t.Errorf("no suggestion: %s", diags.Error())
	}
}

func TestAnomgenBlock(t *testing.T) {
	cfg, diags := load(t, `
variable "region" {
  default = "eu-west-1"
}
anomgen {
  secrets "aws" {
    region   = var.region
    profile  = "staging"
    role_arn = "arn:aws:iam::123456789012:role/anomgen-reader"
    endpoint = "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com"
  }
}
`, Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := AWSSecrets{Region: "eu-west-1", Profile: "staging", RoleARN: "arn:aws:iam::123456789012:role/anomgen-reader", Endpoint: "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com"}
	if a := cfg.AWSSecrets; a == nil || a.Region != want.Region || a.Profile != want.Profile || a.RoleARN != want.RoleARN || a.Endpoint != want.Endpoint {
		t.Errorf("AWSSecrets = %+v", cfg.AWSSecrets)
	}
	if cfg, _ := load(t, `source "sqlite" "x" { path = "x.db" }`, Options{}); cfg.AWSSecrets != nil {
		t.Error("AWSSecrets set without a block")
	}

	for src, want := range map[string]string{
		"anomgen {\n  secrets \"vault\" {}\n}\n":                                      `Unknown secrets provider "vault"`,
		"anomgen {\n  secrets \"aws_secretsmanager\" {}\n}\n":                         `Write secrets "aws"`,
		"anomgen {\n  secrets \"aws\" {\n    regoin = \"x\"\n  }\n}\n":                `Unsupported argument`,
		"anomgen {\n  secrets \"aws\" {\n    role_arn = \"reader\"\n  }\n}\n":         "is not an ARN",
		"anomgen {\n  secrets \"aws\" {\n    endpoint = \"localhost:4566\"\n  }\n}\n": "is not a URL",
		"anomgen {\n  secrets \"aws\" {}\n  secrets \"aws\" {}\n}\n":                  `Duplicate secrets block "aws"`,
		"anomgen {\n  secrets \"aws\" {}\n}\nanomgen {}\n":                            "Duplicate anomgen block",
		"anomgen {\n  region = \"x\"\n}\n":                                            "Unsupported argument",
	} {
		_, diags := load(t, src, Options{})
		if !diags.HasErrors() || !strings.Contains(diags.Error(), want) {
			t.Errorf("%s: want %q, got: %s", src, want, diags.Error())
		}
	}
}
