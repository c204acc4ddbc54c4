package sqlserver

import (
	"net/url"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers"
)

// TestConfigOptionValuesIntact: an option value with spaces, +, quotes,
// braces and separators reaches the driver as written, from the settings
// and over each dsn form. Options are driver parameters only: SQL Server
// never receives them as SQL text.
func TestConfigOptionValuesIntact(t *testing.T) {
	const v = ` my app+1, it's "x" {y}; z=w & q% `
	for _, dsn := range []string{
		"",
		(&url.URL{Scheme: "sqlserver", User: url.UserPassword("anomgen", secret), Host: "db.example.com:1433", RawQuery: "database=shop&app+name=old"}).String(),
		"server=db.example.com;user id=anomgen;password=secret;database=shop;app name=old",
		"odbc:server=db.example.com;user id=anomgen;password={secret};database=shop;app name=old",
	} {
		s := base()
		if dsn != "" {
			s = providers.Settings{Type: "sqlserver", Name: "shop", DSN: dsn}
		}
		s.Options = map[string]string{"app name": v}
		cfg := mustConfig(t, s)
		if cfg.AppName != v {
			t.Errorf("dsn %q: app name %q, want %q", strings.SplitN(dsn, ":", 2)[0], cfg.AppName, v)
		}
	}
}
