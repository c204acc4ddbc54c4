package secrets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// canary is a value that must never show in an error.
const canary = "Cn4ry+/=:@ value-7f3a"

func resolve(t *testing.T, r *Registry, ref Ref) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := r.Resolve(ctx, ref)
	if err != nil {
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("the error shows the value: %v", err)
		}
		if !strings.Contains(err.Error(), ref.String()) {
			t.Errorf("the error does not name the secret %s: %v", ref, err)
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("error of type %T, want *Error", err)
		}
	}
	return v, err
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	t.Log(err)
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

func TestEnv(t *testing.T) {
	env := map[string]string{"PW": canary, "JSON": `{"password":"hunter2","port":5432,"tls":true}`}
	r := New(Options{Getenv: func(k string) string { return env[k] }})
	if v, err := resolve(t, r, Ref{Provider: Env, Name: "PW"}); err != nil || v != canary {
		t.Errorf("env PW: %q, %v", v, err)
	}
	if v, err := resolve(t, r, Ref{Provider: Env, Name: "JSON", Key: "password"}); err != nil || v != "hunter2" {
		t.Errorf("env JSON password: %q, %v", v, err)
	}
	if v, err := resolve(t, r, Ref{Provider: Env, Name: "JSON", Key: "port"}); err != nil || v != "5432" {
		t.Errorf("env JSON port: %q, %v", v, err)
	}
	if v, err := resolve(t, r, Ref{Provider: Env, Name: "JSON", Key: "tls"}); err != nil || v != "true" {
		t.Errorf("env JSON tls: %q, %v", v, err)
	}
	// Without a key, env and file give the raw value, JSON or not.
	if v, err := resolve(t, r, Ref{Provider: Env, Name: "JSON"}); err != nil || v != env["JSON"] {
		t.Errorf("env JSON: %q, %v", v, err)
	}
	_, err := resolve(t, r, Ref{Provider: Env, Name: "MISSING"})
	wantErr(t, err, "MISSING is not set")
	_, err = resolve(t, r, Ref{Provider: Env, Name: "PW", Key: "password"})
	wantErr(t, err, "plain string", "leave out the key")
	_, err = resolve(t, r, Ref{Provider: Env, Name: "JSON", Key: "passwd"})
	wantErr(t, err, `no field "passwd"`, `"password", "port", "tls"`)
	_, err = resolve(t, r, Ref{Provider: "vault", Name: "x"})
	wantErr(t, err, `no secret provider "vault"`)
	_, err = resolve(t, r, Ref{Provider: AWSSecretsManager, Name: "x"})
	wantErr(t, err, "not set up")
	// Other providers come as Fetchers; the registry applies the key.
	r = New(Options{Fetchers: map[string]Fetcher{AWSSecretsManager: fetcherFunc(func(context.Context, Ref) (string, error) {
		return `{"password":"hunter2"}`, nil
	})}})
	if v, err := resolve(t, r, Ref{Provider: AWSSecretsManager, Name: "x", Key: "password"}); err != nil || v != "hunter2" {
		t.Errorf("fetcher: %q, %v", v, err)
	}
	_, err = resolve(t, r, Ref{Provider: AWSSecretsManager, Name: "x"})
	wantErr(t, err, `JSON object with the fields "password"`)
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("pw.txt", canary+"\n", 0o600)
	write("crlf.txt", canary+"\r\n", 0o400)
	write("db.json", `{"password":"`+canary+`"}`, 0o600)
	open := write("open.txt", canary, 0o644)
	write("group.txt", canary, 0o620)
	write("empty.txt", "\n", 0o600)
	r := New(Options{Dir: dir})
	for _, name := range []string{"pw.txt", "crlf.txt", filepath.Join(dir, "pw.txt")} {
		if v, err := resolve(t, r, Ref{Provider: File, Name: name}); err != nil || v != canary {
			t.Errorf("file %s: %v (value right: %v)", name, err, v == canary)
		}
	}
	if v, err := resolve(t, r, Ref{Provider: File, Name: "db.json", Key: "password"}); err != nil || v != canary {
		t.Errorf("file db.json password: %v (value right: %v)", err, v == canary)
	}
	_, err := resolve(t, r, Ref{Provider: File, Name: "open.txt"})
	wantErr(t, err, open, "group or others", "mode 0644", "chmod 600 "+open)
	_, err = resolve(t, r, Ref{Provider: File, Name: "group.txt"})
	wantErr(t, err, "mode 0620", "chmod 600")
	_, err = resolve(t, r, Ref{Provider: File, Name: "missing.txt"})
	wantErr(t, err, "there is no file "+filepath.Join(dir, "missing.txt"))
	_, err = resolve(t, r, Ref{Provider: File, Name: "empty.txt"})
	wantErr(t, err, "is empty")
	_, err = resolve(t, r, Ref{Provider: File, Name: "."})
	wantErr(t, err, "not a regular file")
}

// TestRegistryFetchesOnce: a raw secret is read once per registry, however
// many keys are taken from it; a new registry reads it again (rotation).
func TestRegistryFetchesOnce(t *testing.T) {
	calls := 0
	getenv := func(string) string { calls++; return `{"a":"1","b":"2"}` }
	r := New(Options{Getenv: getenv})
	for _, k := range []string{"a", "b", "a"} {
		if _, err := resolve(t, r, Ref{Provider: Env, Name: "X", Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("%d reads, want 1", calls)
	}
	if _, err := resolve(t, New(Options{Getenv: getenv}), Ref{Provider: Env, Name: "X", Key: "a"}); err != nil || calls != 2 {
		t.Errorf("a new registry: %v, %d reads", err, calls)
	}
}

type fetcherFunc func(context.Context, Ref) (string, error)

func (f fetcherFunc) Fetch(ctx context.Context, ref Ref) (string, error) { return f(ctx, ref) }
