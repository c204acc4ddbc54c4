package providers_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/providers"
)

// TestSettingsNeverFormat: no fmt verb, slog or panic message shows a
// secret of Settings.
func TestSettingsNeverFormat(t *testing.T) {
	s := providers.Settings{Type: "postgres", Name: "shop", Host: "db", Username: "user-canary", Password: "pw-canary",
		DSN: "postgres://u:dsn-canary@db/shop", Options: map[string]string{"sslpassword": "opt-canary", "search_path": "shop"},
		Sensitive: []string{"user-canary", "opt-canary"}}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("settings", "s", s)
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("settings", "s", s)
	panicked := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		panic(s)
	}()
	texts := []string{fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s), fmt.Sprint(&s), logBuf.String(), panicked}
	for _, text := range texts {
		for _, c := range []string{"user-canary", "pw-canary", "dsn-canary", "opt-canary"} {
			if strings.Contains(text, c) {
				t.Errorf("%s shows in %s", c, text)
			}
		}
	}
	if !strings.Contains(texts[0], `"search_path": "shop"`) || !strings.Contains(texts[0], `Host: "db"`) {
		t.Errorf("plain settings are hidden too: %s", texts[0])
	}
}

// TestScrubSensitive: values in Sensitive are scrubbed like the password,
// in every encoding.
func TestScrubSensitive(t *testing.T) {
	secret := "s3cr+t/v@lue ü"
	s := providers.Settings{Sensitive: []string{secret}}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.URLEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))} {
		err := providers.Scrub(errors.New("failed near "+form+" here"), s)
		if strings.Contains(err.Error(), form) || !strings.Contains(err.Error(), "(sensitive)") {
			t.Errorf("%q not scrubbed: %v", form, err)
		}
	}
	ce := providers.Scrub(&providers.ConnectError{Class: providers.ClassAuth, Source: "source.postgres.shop", Detail: "user " + secret + " rejected", Hint: secret}, s)
	var c *providers.ConnectError
	if !errors.As(ce, &c) || strings.Contains(ce.Error(), secret) {
		t.Errorf("connect error: %T %v", ce, ce)
	}
}

// TestScrubEveryForm: a secret is scrubbed however a driver, a URL or a
// log writes it, including a query-encoded value read back by a parser
// that takes + as itself ("a b" shown as "a+b").
func TestScrubEveryForm(t *testing.T) {
	const secret = `Sekret value+/=x'"\ <é>`
	s := providers.Settings{Sensitive: []string{secret}}
	q := url.QueryEscape(secret)
	quoted := fmt.Sprintf("%q", secret)
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("x", "v", secret)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("x", "v", secret)
	for name, form := range map[string]string{
		"plain": secret, "query": q, "query, space as %20": strings.ReplaceAll(q, "+", "%20"), "path": url.PathEscape(secret),
		"space as +": strings.ReplaceAll(secret, " ", "+"), "Go quoted": quoted[1 : len(quoted)-1],
		"SQL literal": strings.ReplaceAll(secret, "'", "''"), "backslash escaped": strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(secret),
		"base64": base64.StdEncoding.EncodeToString([]byte(secret)), "slog": logBuf.String(),
	} {
		msg := "invalid value for parameter \"lock_timeout\": \"" + form + "\""
		got := providers.ScrubString(msg, s)
		if !strings.Contains(got, "(sensitive)") {
			t.Errorf("%s: not scrubbed: %s", name, got)
		}
		for _, piece := range []string{"Sekret", "alue+"} {
			if strings.Contains(got, piece) {
				t.Errorf("%s: %q remains: %s", name, piece, got)
			}
		}
	}
}
