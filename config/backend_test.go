package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBackendBlock(t *testing.T) {
	const canary = "s3cret-canary"
	env := func(n string) string {
		if n == "BACKEND_DSN" {
			return "postgres://anomgen:" + canary + "@db.internal/state"
		}
		return ""
	}
	cfg, diags := load(t, `anomgen {
  workspace = "acme"
  backend "postgres" {
    dsn          = env("BACKEND_DSN")
    job_timeout  = "30s"
    lock_timeout = "5s"
  }
}
`, Options{Getenv: env})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	b := cfg.Backend
	if b == nil || b.Type != "postgres" || b.Schema != DefaultBackendSchema || b.JobTimeout != 30*time.Second || b.RescueAfter != 90*time.Second || b.LockTimeout != 5*time.Second {
		t.Fatalf("backend: %+v", b)
	}
	if b.DSN.Reveal() != env("BACKEND_DSN") {
		t.Errorf("dsn does not reveal its value")
	}
	if s := fmt.Sprintf("%v %+v %#v %s", b.DSN, b, b.DSN, b.DSN); strings.Contains(s, canary) {
		t.Errorf("formatting the backend shows the dsn: %s", s)
	}

	for _, tc := range []struct{ src, want, at string }{
		{`anomgen {
  backend "postgres" {
    dsn = "postgres://x"
  }
}`, "Backend without a workspace name", "main.hcl:2"},
		{`anomgen {
  workspace = "w"
  backend "consul" {
    dsn = "x"
  }
}`, `Unknown backend "consul"`, "main.hcl:3"},
		{`anomgen {
  workspace = "w"
  backend "postgres" {
    schema = "s"
  }
}`, `"dsn" is required`, "main.hcl:3"},
		{`anomgen {
  workspace = "w"
  backend "postgres" {
    dsn          = "postgres://x"
    job_timeout  = "1m"
    rescue_after = "30s"
  }
}`, "rescue_after too short", "main.hcl:6"},
		{`anomgen {
  workspace = "w"
  backend "postgres" {
    dsn    = "postgres://x"
    schema = "Bad-Name"
  }
}`, "Invalid backend schema", "main.hcl:5"},
	} {
		_, diags := load(t, tc.src, Options{})
		if !diags.HasErrors() {
			t.Errorf("no error for\n%s", tc.src)
			continue
		}
		msg := diags.Error()
		var at string
		for _, d := range diags {
			if d.Subject != nil {
				at = fmt.Sprintf("%s:%d", d.Subject.Filename[strings.LastIndex(d.Subject.Filename, "/")+1:], d.Subject.Start.Line)
			}
		}
		if !strings.Contains(msg, tc.want) || at != tc.at {
			t.Errorf("got %q at %s; want %q at %s", msg, at, tc.want, tc.at)
		}
	}
}
