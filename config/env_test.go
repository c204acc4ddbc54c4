package config

import (
	"strings"
	"testing"
)

// env("X") without a default tells a variable set to the empty string
// from one that is not set at all, and says which.
func TestEnvEmptyIsNotUnset(t *testing.T) {
	src := strings.Replace(base, `env("SHOP_PASSWORD", "fallback")`, `env("SHOP_PASSWORD")`, 1)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"empty", map[string]string{"SHOP_PASSWORD": ""}, "environment variable SHOP_PASSWORD is empty"},
		{"unset", map[string]string{}, "environment variable SHOP_PASSWORD is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			getenv := func(k string) string { return tc.env[k] }
			_, diags := load(t, src, Options{Getenv: getenv, LookupEnv: lookup})
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tc.want) {
				t.Fatalf("want %q, got %v", tc.want, diags)
			}
			if tc.name == "empty" && strings.Contains(diags.Error(), "not set") {
				t.Errorf("an empty variable is reported as not set: %v", diags)
			}
		})
	}
	// The process environment is read with os.LookupEnv when no function
	// is given.
	t.Setenv("ANOMGEN_TEST_EMPTY_PASSWORD", "")
	src = strings.Replace(base, `env("SHOP_PASSWORD", "fallback")`, `env("ANOMGEN_TEST_EMPTY_PASSWORD")`, 1)
	_, diags := LoadFiles("/s", map[string][]byte{"/s/main.hcl": []byte(src)}, Options{})
	if !strings.Contains(diags.Error(), "ANOMGEN_TEST_EMPTY_PASSWORD is empty") {
		t.Errorf("the process environment: %v", diags)
	}
}
