package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/providers"
)

// recorder is a driver that records the settings it is given and fails
// with an error quoting them, as a careless driver might.
type recorder struct {
	mu   sync.Mutex
	seen []providers.Settings
}

func (r *recorder) Open(_ context.Context, s providers.Settings) (*providers.Conn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, s)
	return nil, fmt.Errorf("driver: cannot log in as %s with %s (sslpassword=%s) via %s", s.Username, s.Password, s.Options["sslpassword"], s.DSN)
}

// TestOpenResolvesSecrets: Open resolves secret() references (file and
// env providers here) just before connecting, hands the values to the
// driver, reports them to Revealed, and scrubs them from the driver's error.
func TestOpenResolvesSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw.txt"), []byte("file-canary\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANOMGEN_TEST_USER", "user-canary")
	t.Setenv("ANOMGEN_TEST_OPT", `{"sslpassword":"opt-canary"}`)
	providers.Register("recorder", &recorder{})
	files := map[string][]byte{filepath.Join(dir, "main.hcl"): []byte(`
source "recorder" "db" {
  database = "shop"
  username = secret("env", "ANOMGEN_TEST_USER")
  password = secret("file", "pw.txt")
  options  = { sslpassword = secret("env", "ANOMGEN_TEST_OPT", "sslpassword"), search_path = "shop" }
}
`)}
	saved := config.SourceTypes
	config.SourceTypes = append([]string{"recorder"}, saved...)
	defer func() { config.SourceTypes = saved }()
	cfg, diags := config.LoadFiles(dir, files, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	// Before Open nothing is revealed.
	if s := Settings(cfg.Sources[0], dir); s.Password != "" || s.Username != "" || s.Options["sslpassword"] != "" {
		t.Errorf("revealed before resolving: %v", s)
	}
	e := New(cfg)
	e.Retry = Retry{Attempts: 1}
	var revealed []string
	e.Revealed = func(v []string) { revealed = append(revealed, v...) }
	err := e.Open(context.Background(), []string{"source.recorder.db"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, c := range []string{"file-canary", "user-canary", "opt-canary"} {
		if strings.Contains(err.Error(), c) {
			t.Errorf("%s in the error: %v", c, err)
		}
		if !contains(revealed, c) {
			t.Errorf("%s not revealed to the caller: %q", c, revealed)
		}
	}
	if strings.Contains(err.Error(), "search_path") || !strings.Contains(err.Error(), "(sensitive)") {
		t.Errorf("error %v", err)
	}
	s := Settings(cfg.Sources[0], dir)
	if s.Password != "file-canary" || s.Username != "user-canary" || s.Options["sslpassword"] != "opt-canary" || s.Options["search_path"] != "shop" {
		t.Errorf("settings after resolving: password %v, user %v, options %d", s.Password == "file-canary", s.Username == "user-canary", len(s.Options))
	}
	if cfg.Sources[0].Options["sslpassword"] != "" {
		t.Error("Settings wrote a secret into the config's plain options")
	}
	if got := e.Scrub(errors.New("x user-canary y")).Error(); got != "x (sensitive) y" {
		t.Errorf("Engine.Scrub: %q", got)
	}
}

// TestOpenSecretError: a secret that cannot be resolved stops Open before
// any connection attempt, with a message naming source, attribute and
// reference.
func TestOpenSecretError(t *testing.T) {
	t.Setenv("ANOMGEN_TEST_UNSET", "")
	rec := &recorder{}
	providers.Register("recorder2", rec)
	saved := config.SourceTypes
	config.SourceTypes = append([]string{"recorder2"}, saved...)
	defer func() { config.SourceTypes = saved }()
	cfg, diags := config.LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(`
source "recorder2" "db" {
  database = "shop"
  password = secret("env", "ANOMGEN_TEST_UNSET")
}
`)}, config.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	e := New(cfg)
	err := e.Open(context.Background(), []string{"source.recorder2.db"})
	var se *SecretError
	if !errors.As(err, &se) || err.Error() != `source.recorder2.db: password: secret("env", "ANOMGEN_TEST_UNSET"): the environment variable ANOMGEN_TEST_UNSET is empty where anomgen runs` {
		t.Errorf("error %T %v", err, err)
	}
	if len(rec.seen) != 0 {
		t.Errorf("the driver was called %d times", len(rec.seen))
	}
	sc := e.Check(context.Background(), "source.recorder2.db")
	if sc.Problems() != 1 || !strings.Contains(sc.Items[0].Text, "secrets: source.recorder2.db: password: secret(") {
		t.Errorf("check: %+v", sc)
	}
}
