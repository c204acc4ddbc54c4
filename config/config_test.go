package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

func load(t *testing.T, src string, opt Options) (*Config, hcl.Diagnostics) {
	t.Helper()
	if opt.Getenv == nil {
		opt.Getenv = func(string) string { return "" }
	}
	return LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(src)}, opt)
}

const base = `
variable "share" {
  default = 0.2
}
source "postgres" "shop" {
  host         = "db.internal"
  database     = "shop"
  username     = "anomgen"
  password     = env("SHOP_PASSWORD", "fallback")
  allow_writes = true
}
target "orders" {
  source      = source.postgres.shop
  table       = "public.orders"
  time_column = "created_at"
  key         = ["id"]
}
anomaly "null_rate" "email_nulls" {
  target = target.orders
  column = "email"
  volume = var.share
  seed   = 7
  window {
    start    = "2026-11-20T00:00:00Z"
    duration = "24h"
  }
}
anomaly "volume_drop" "outage" {
  target = target.orders
  window {
    last = "2d"
  }
}
`

func TestLoadDecodesEveryBlock(t *testing.T) {
	cfg, diags := load(t, base, Options{Getenv: func(k string) string {
		if k == "SHOP_PASSWORD" {
			return "hunter2"
		}
		return ""
	}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	src := cfg.Source("source.postgres.shop")
	if src == nil || src.Host != "db.internal" || src.Port != 5432 || src.Password.Reveal() != "hunter2" || !src.AllowWrites {
		t.Fatalf("source decoded wrong: %+v", src)
	}
	tg := cfg.Target("orders")
	if tg.Source != src || tg.Table != "public.orders" || tg.TimeColumn != "created_at" || strings.Join(tg.Key, ",") != "id" {
		t.Fatalf("target decoded wrong: %+v", tg)
	}
	a := cfg.Anomaly("anomaly.null_rate.email_nulls")
	if a.Target != tg || a.Column != "email" || *a.Volume != 0.2 || *a.Seed != 7 {
		t.Fatalf("anomaly decoded wrong: %+v", a)
	}
	from, to := a.Window.Resolve(time.Now())
	if !from.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || to.Sub(from) != 24*time.Hour {
		t.Fatalf("window = %v → %v", from, to)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	from, to = cfg.Anomaly("anomaly.volume_drop.outage").Window.Resolve(now)
	if !to.Equal(now) || now.Sub(from) != 48*time.Hour {
		t.Fatalf("relative window = %v → %v", from, to)
	}
}

func TestSecretsNeverFormat(t *testing.T) {
	s := NewSecret("hunter2")
	for _, got := range []string{s.String(), fmtAll(s)} {
		if strings.Contains(got, "hunter2") {
			t.Fatalf("secret leaked: %q", got)
		}
	}
}

func fmtAll(s Secret) string {
	b, _ := s.MarshalText()
	return strings.Join([]string{string(b), s.GoString(), sprint("%v %s %q %+v %#v", s, s, s, s, s)}, " ")
}

func TestVariablePrecedence(t *testing.T) {
	env := func(k string) string {
		if k == "ANOMGEN_VAR_share" {
			return "0.4"
		}
		return ""
	}
	cfg, diags := load(t, base, Options{Getenv: env})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := *cfg.Anomaly("anomaly.null_rate.email_nulls").Volume; got != 0.4 {
		t.Fatalf("ANOMGEN_VAR_share: volume = %v, want 0.4", got)
	}
	cfg, diags = load(t, base, Options{Getenv: env, Vars: map[string]string{"share": "0.6"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got := *cfg.Anomaly("anomaly.null_rate.email_nulls").Volume; got != 0.6 {
		t.Fatalf("-var beats the environment: volume = %v, want 0.6", got)
	}
}

func TestDiagnosticsPointAtTheMistake(t *testing.T) {
	cases := []struct {
		name, src, want string
		line            int
		opt             Options
	}{
		{"syntax", "source \"sqlite\" \"x\" {\n  path = \n}\n", "Invalid expression", 2, Options{}},
		{"unknown source reference", strings.Replace(base, "source.postgres.shop\n", "source.postgres.shops\n", 1), "Did you mean source.postgres.shop?", 13, Options{}},
		{"unknown target reference", strings.Replace(base, "target = target.orders\n  column", "target = target.order\n  column", 1), "Did you mean target.orders?", 19, Options{}},
		{"string instead of reference", strings.Replace(base, "source      = source.postgres.shop", `source      = "source.postgres.shop"`, 1), "without quotes", 13, Options{}},
		{"unknown source type", strings.Replace(base, `source "postgres" "shop"`, `source "postgress" "shop"`, 1), `Did you mean "postgres"?`, 5, Options{}},
		{"bad duration", strings.Replace(base, `duration = "24h"`, `duration = "1 day"`, 1), "invalid duration", 25, Options{}},
		{"window both ways", strings.Replace(base, `duration = "24h"`, "duration = \"24h\"\n    last = \"2d\"", 1), "either absolute", 23, Options{}},
		{"volume out of range", strings.Replace(base, "volume = var.share", "volume = 30", 1), "For 30 % write volume = 0.3", 21, Options{}},
		{"undeclared -var", base, `Did you mean "share"?`, 0, Options{Vars: map[string]string{"shar": "1"}}},
		{"env unset", strings.Replace(base, `env("SHOP_PASSWORD", "fallback")`, `env("SHOP_PASSWORD")`, 1), "SHOP_PASSWORD is not set", 9, Options{}},
		{"duplicate", base + "target \"orders\" {\n  source = source.postgres.shop\n  table = \"x\"\n}\n", "already declared", 34, Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := load(t, c.src, c.opt)
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			var found *hcl.Diagnostic
			for _, d := range diags {
				if strings.Contains(d.Summary+" "+d.Detail, c.want) {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no diagnostic mentions %q; got: %s", c.want, diags.Error())
			}
			if c.line > 0 {
				if found.Subject == nil || found.Subject.Start.Line != c.line || found.Subject.Filename != "main.hcl" {
					t.Fatalf("diagnostic at %v, want main.hcl line %d", found.Subject, c.line)
				}
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "2w": 14 * 24 * time.Hour} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1 day", "d", "5x"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestNearest(t *testing.T) {
	kinds := []string{"null_rate", "numeric_shift", "volume_drop"}
	if got := Nearest("null_rat", kinds); got != "null_rate" {
		t.Errorf("Nearest(null_rat) = %q", got)
	}
	if got := Nearest("completely_else", kinds); got != "" {
		t.Errorf("Nearest(completely_else) = %q, want none", got)
	}
}
