package providers

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// minSecretLen is the length under which a secret is not scrubbed from
// text: replacing every "a" would mangle messages and reveal as much.
const minSecretLen = 3

// SecretValues lists the secrets of s (Password, DSN and Sensitive), longest
// first so that a secret inside another is replaced after it.
func (s Settings) SecretValues() []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range append([]string{s.DSN, s.Password}, s.Sensitive...) {
		if len(v) >= minSecretLen && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// SecretForms returns secret as written plainly and in the encodings an
// error, a URL or a log could carry it in: URL query, path and user-info
// escaping, with a space as + or %20, and a query-encoded value read back
// by a parser that takes + as itself (libpq's: "a b" shows as "a+b");
// quoted as Go, JSON (slog's text and JSON handlers) and SQL literals
// write it; and base64 (standard and URL alphabets, padded and not).
func SecretForms(secret string) []string {
	q := url.QueryEscape(secret)
	forms := []string{secret, q, strings.ReplaceAll(q, "+", "%20"), url.PathEscape(secret), url.UserPassword("u", secret).String()[2:],
		strings.ReplaceAll(secret, " ", "+")}
	quoted := strconv.Quote(secret)
	forms = append(forms, quoted[1:len(quoted)-1])
	for _, html := range []bool{false, true} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(secret) == nil {
			j := strings.TrimSuffix(b.String(), "\n")
			forms = append(forms, j[1:len(j)-1])
		}
	}
	forms = append(forms, strings.ReplaceAll(secret, "'", "''"), strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(secret))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, enc.EncodeToString([]byte(secret)))
	}
	out := forms[:0]
	seen := map[string]bool{}
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// ScrubString replaces every secret of s in msg, in every form SecretForms
// lists, with (sensitive).
func ScrubString(msg string, s Settings) string { return scrubString(msg, s) }

// Format prints Settings with its secrets redacted, for every verb: a
// panic, a %v in a log line or a test failure never shows them.
func (s Settings) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(s.redacted()))
}

// String is Format's text.
func (s Settings) String() string { return s.redacted() }

// GoString is Format's text.
func (s Settings) GoString() string { return s.redacted() }

// LogValue makes slog print the redacted form.
func (s Settings) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

func (s Settings) redacted() string {
	hide := func(v string) string {
		if v == "" {
			return `""`
		}
		return "(sensitive)"
	}
	sensitive := map[string]bool{}
	for _, v := range s.Sensitive {
		sensitive[v] = true
	}
	plain := func(v string) string {
		if sensitive[v] {
			return "(sensitive)"
		}
		return fmt.Sprintf("%q", v)
	}
	var opts []string
	for k, v := range s.Options {
		opts = append(opts, fmt.Sprintf("%q: %s", k, plain(v)))
	}
	sort.Strings(opts)
	return fmt.Sprintf("providers.Settings{Type: %q, Name: %q, Host: %q, Port: %d, Database: %q, Username: %s, Password: %s, TLS: %q, DSN: %s, Path: %q, JournalSchema: %q, ConnectTimeout: %d, CAFile: %q, CertFile: %q, KeyFile: %q, Options: {%s}}",
		s.Type, s.Name, s.Host, s.Port, s.Database, plain(s.Username), hide(s.Password), s.TLS, hide(s.DSN), s.Path, s.JournalSchema,
		s.ConnectTimeout, s.CAFile, s.CertFile, s.KeyFile, strings.Join(opts, ", "))
}
