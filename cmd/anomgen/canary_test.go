package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// The canary tests put known secret values (canaries) into scenarios
// through secret() and sensitive variables, run every command that
// touches them, and fail if a canary shows, as written or encoded (base64
// in both alphabets, padded or not; URL query and path escaping, a space
// as + or %20; quoted as Go or SQL would), on standard output or error, in
// the debug log, in the state file or in any file under .anomgen/.

// canaries collects secret values and the forms they must not appear in.
type canaries struct {
	t     *testing.T
	dir   string
	log   string
	forms map[string]string // form → description
}

func newCanaries(t *testing.T, dir string) *canaries {
	return &canaries{t: t, dir: dir, log: filepath.Join(t.TempDir(), "anomgen.log"), forms: map[string]string{}}
}

// add registers a canary value and returns it.
func (c *canaries) add(name, value string) string {
	for desc, f := range map[string]string{
		"as written":             value,
		"base64":                 base64.StdEncoding.EncodeToString([]byte(value)),
		"base64 (URL)":           base64.URLEncoding.EncodeToString([]byte(value)),
		"base64 (unpadded)":      base64.RawStdEncoding.EncodeToString([]byte(value)),
		"base64 (URL, unpadded)": base64.RawURLEncoding.EncodeToString([]byte(value)),
		"URL query-encoded":      url.QueryEscape(value),
		"URL query-encoded, %20": strings.ReplaceAll(url.QueryEscape(value), "+", "%20"),
		"URL path-encoded":       url.PathEscape(value),
		// A query-encoded value read by a parser that takes + as itself.
		"with + for space": strings.ReplaceAll(value, " ", "+"),
		"Go-quoted":        strconv.Quote(value)[1 : len(strconv.Quote(value))-1],
		"SQL-quoted":       strings.ReplaceAll(value, "'", "''"),
	} {
		c.forms[f] = name + " " + desc
	}
	return value
}

// run runs anomgen at debug level, logging to the canaries' log file, and
// checks its output.
func (c *canaries) run(args ...string) result {
	c.t.Helper()
	r := cli(c.t, c.dir, append([]string{"-log-level", "debug", "-log-file", c.log}, args...)...)
	c.check("stdout of "+strings.Join(args, " "), r.stdout)
	c.check("stderr of "+strings.Join(args, " "), r.stderr)
	return r
}

func (c *canaries) check(where, text string) {
	c.t.Helper()
	for form, desc := range c.forms {
		if strings.Contains(text, form) {
			c.t.Errorf("the %s shows in %s:\n%s", desc, where, text)
		}
	}
}

// checkPlanFile checks a saved plan (plan -out).
func (c *canaries) checkPlanFile(path string) {
	c.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	if !strings.Contains(string(b), `"format_version"`) {
		c.t.Errorf("%s is not a saved plan:\n%s", path, b)
	}
	c.check("saved plan "+filepath.Base(path), string(b))
}

// checkFiles checks the log file and every file under .anomgen/ (state,
// lock, audit log, ...).
func (c *canaries) checkFiles(wantState bool) {
	c.t.Helper()
	b, err := os.ReadFile(c.log)
	if err != nil {
		c.t.Fatalf("no log file: %v", err)
	}
	if !strings.Contains(string(b), "level=DEBUG") {
		c.t.Errorf("the log has no debug lines:\n%s", b)
	}
	c.check("the log file", string(b))
	seen := 0
	_ = filepath.WalkDir(filepath.Join(c.dir, ".anomgen"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			c.t.Errorf("%s: %v", path, err)
			return nil
		}
		seen++
		c.check(path, string(b))
		return nil
	})
	if wantState && !exists(statePath(c.dir)) {
		c.t.Errorf("no state file at %s", statePath(c.dir))
	}
	if wantState && seen == 0 {
		c.t.Error("no file under .anomgen/ to check")
	}
}

// writeSecretFile writes a secret file readable by its owner only.
func writeSecretFile(t *testing.T, dir, name, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCanaryPostgres: the password of a real login role comes from
// secret("file", ...); the whole flow runs with it, then a connection to a
// wrong port fails, with the password and with a dsn that interpolates a
// secret("env", ...).
func TestCanaryPostgres(t *testing.T) {
	s := postgresServer(t)
	dir := t.TempDir()
	c := newCanaries(t, dir)
	// Characters that URL and base64 encode differently; no quote, so that
	// it fits in the CREATE ROLE literal.
	pw := c.add("password", "Cnry+"+randHex()+"/=:@ ?&x")
	user := "anomgen_c_" + randHex()
	execSQL(t, s.db, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", user, pw))
	t.Cleanup(func() {
		if _, err := s.db.Exec("DROP OWNED BY " + user + "; DROP ROLE " + user); err != nil {
			t.Errorf("dropping role %s: %v", user, err)
		}
	})
	execSQL(t, s.db, "GRANT SELECT, INSERT, UPDATE, DELETE ON orders, payments TO "+user, "GRANT USAGE, CREATE ON SCHEMA anomgen TO "+user)
	writeSecretFile(t, dir, "pg.password", pw)
	dsnSecret := c.add("dsn secret", "Dsn-"+randHex()+"_x.y~z")
	t.Setenv("ANOMGEN_CANARY_DSN_PASSWORD", dsnSecret)

	source := func(port string) string {
		return fmt.Sprintf(`source "postgres" "shop" {
  host           = "127.0.0.1"
  port           = %s
  database       = %q
  username       = %q
  password       = secret("file", "pg.password")
  tls            = "disable"
  journal_schema = "anomgen"
  allow_writes   = true
}
`, port, s.dbName, user)
	}
	targets := "\ntarget \"orders\" {\n  source      = source.postgres.shop\n  table       = \"orders\"\n  time_column = \"created_at\"\n}\n"
	writeFile(t, dir, "main.hcl", source(s.port)+targets)
	writeFile(t, dir, "anomalies.hcl", ordersNullRate)
	before := s.checksum(t, "orders")

	mustOK(t, c.run("validate"))
	r := mustOK(t, c.run("check"))
	wantAll(t, r, r.stdout, "authenticated as "+user, "Check passed")
	r = mustOK(t, c.run("plan"))
	wantAll(t, r, r.stdout, ordersNulls+" will be created")
	r = mustOK(t, c.run("plan", "-json"))
	wantAll(t, r, r.stdout, `"address": "`+ordersNulls+`"`)
	r = mustOK(t, c.run("plan", "-format", "markdown"))
	wantAll(t, r, r.stdout, "`"+ordersNulls+"`")
	// A saved plan holds no secret; apply FILE resolves them again.
	planFile := filepath.Join(dir, "reviewed.plan")
	mustOK(t, c.run("plan", "-out", planFile, "-sql"))
	c.checkPlanFile(planFile)
	mustOK(t, c.run("show", "-json", planFile))
	r = mustOK(t, c.run("apply", planFile, "-auto-approve"))
	wantAll(t, r, r.stdout, "Apply complete!")
	wantAll(t, r, r.stderr, "WARNING: this apply changes data in place")
	if got := s.checksum(t, "orders"); got == before {
		t.Fatal("apply changed nothing")
	}
	mustOK(t, c.run("state", "show", ordersNulls))
	mustOK(t, c.run("state", "list"))
	r = mustOK(t, c.run("rollback", "-all", "-auto-approve"))
	wantAll(t, r, r.stdout, "Rollback complete!")
	if got := s.checksum(t, "orders"); got != before {
		t.Error("rollback did not restore orders")
	}

	// A wrong port: the connection fails after its retries.
	writeFile(t, dir, "main.hcl", source("1")+targets)
	for _, args := range [][]string{{"plan"}, {"apply", "-auto-approve"}, {"check"}} {
		r := c.run(args...)
		if r.code == 0 {
			t.Fatalf("a wrong port succeeded:\n%s", r)
		}
		wantAll(t, r, r.stdout+r.stderr, "the server did not answer")
	}
	// A dsn with a secret inside, to a wrong port.
	writeFile(t, dir, "main.hcl", fmt.Sprintf(`source "postgres" "shop" {
  dsn          = "postgres://%s:${secret("env", "ANOMGEN_CANARY_DSN_PASSWORD")}@127.0.0.1:1/%s?sslmode=disable"
  allow_writes = true
}
`, user, s.dbName)+targets)
	r = c.run("plan")
	if r.code == 0 {
		t.Fatalf("a wrong port succeeded:\n%s", r)
	}
	wantAll(t, r, r.stderr, "cannot connect to "+s.addr())
	c.checkFiles(true)
}

// TestCanarySQLite: SQLite takes no password, but the values still travel
// the whole way (loaded as references, resolved when the database opens,
// handed to the driver): a password from a sensitive variable set in the
// environment, a username from secret("env", ...), an options value from
// secret("file", ...).
func TestCanarySQLite(t *testing.T) {
	f := sqliteFixture(t)
	dir := t.TempDir()
	c := newCanaries(t, dir)
	t.Setenv("ANOMGEN_VAR_db_password", c.add("password", "Sq+"+randHex()+"/=:@ ?&x"))
	t.Setenv("ANOMGEN_CANARY_USER", c.add("username", "Us+"+randHex()+"/=:@ x"))
	writeSecretFile(t, dir, "option.secret", c.add("option", "Op+"+randHex()+"/=:@ x"))
	db := strings.TrimSuffix(strings.TrimPrefix(f.source, "source \"sqlite\" \"shop\" {\n"), "}\n")
	writeFile(t, dir, "main.hcl", `variable "db_password" {
  sensitive = true
}
source "sqlite" "shop" {
`+db+`  username = secret("env", "ANOMGEN_CANARY_USER")
  password = var.db_password
  options  = { cipher_key = secret("file", "option.secret") }
}
`+f.target())
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n"+window10h+"}\n")
	before := f.checksum(t)

	mustOK(t, c.run("validate"))
	mustOK(t, c.run("check"))
	mustOK(t, c.run("plan"))
	mustOK(t, c.run("plan", "-json"))
	mustOK(t, c.run("plan", "-format", "markdown"))
	// A saved plan holds no secret; apply FILE resolves them again.
	planFile := filepath.Join(dir, "reviewed.plan")
	mustOK(t, c.run("plan", "-out", planFile, "-sql"))
	c.checkPlanFile(planFile)
	mustOK(t, c.run("show", planFile))
	mustOK(t, c.run("show", "-json", planFile))
	r := mustOK(t, c.run("apply", planFile, "-auto-approve"))
	wantAll(t, r, r.stdout, "Apply complete!")
	mustOK(t, c.run("state", "show", "anomaly.null_rate.email_nulls"))
	mustOK(t, c.run("anomalies", "suggest", "target.orders"))
	r = mustOK(t, c.run("rollback", "-all", "-auto-approve"))
	wantAll(t, r, r.stdout, "Rollback complete!")
	if f.checksum(t) != before {
		t.Error("rollback did not restore orders")
	}

	// A secret that cannot be read: a clear error naming it, no value.
	if err := os.Chmod(filepath.Join(dir, "option.secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = c.run("plan")
	if r.code == 0 {
		t.Fatalf("a group-readable secret file was accepted:\n%s", r)
	}
	wantAll(t, r, r.stderr, `source.sqlite.shop: options.cipher_key: secret("file", "option.secret"):`, "chmod 600")
	c.checkFiles(true)
}

// TestSecretDiagnostics: secret() and sensitive variables where secrets may
// not go are load errors that point at the attribute.
func TestSecretDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", `variable "tbl" {
  default   = "orders"
  sensitive = true
}
source "sqlite" "shop" {
  path = "shop.db"
}
target "orders" {
  source = source.sqlite.shop
  table  = var.tbl
}
target "payments" {
  source = source.sqlite.shop
  table  = secret("env", "TABLE")
}
`)
	r := cli(t, dir, "validate")
	mustFail(t, r, 1)
	wantAll(t, r, r.stderr, "Error: Secret not allowed here", "on main.hcl line 10, column 12", "table gets a value from a sensitive variable",
		"on main.hcl line 14, column 12", "table gets a value from secret()", "Secrets may only go in a source's password, dsn, username and options values")
}

// TestCanaryAWS: the anomgen block points the aws_secretsmanager provider
// at a local Secrets Manager; a JSON secret's field is the password (and a
// missing secret is a clear error). The value never shows.
func TestCanaryAWS(t *testing.T) {
	f := sqliteFixture(t)
	dir := t.TempDir()
	c := newCanaries(t, dir)
	pw := c.add("password", "Aws+"+randHex()+"/=:@ ?&x")
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var in struct{ SecretId string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || in.SecretId != "staging/shop" {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."})
			return
		}
		value, _ := json.Marshal(map[string]string{"username": "anomgen", "password": pw})
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/shop-AbCdEf", "Name": in.SecretId, "SecretString": string(value)})
	}))
	defer srv.Close()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "testAKID", "AWS_SECRET_ACCESS_KEY": "testSECRET", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_REGION": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "no-aws-credentials")} {
		t.Setenv(k, v)
	}
	db := strings.TrimSuffix(strings.TrimPrefix(f.source, "source \"sqlite\" \"shop\" {\n"), "}\n")
	main := func(name string) string {
		return fmt.Sprintf(`anomgen {
  secrets "aws" {
    region   = "eu-west-1"
    endpoint = %q
  }
}
source "sqlite" "shop" {
%s  password = secret("aws_secretsmanager", %q, "password")
}
`, srv.URL, db, name) + f.target()
	}
	writeFile(t, dir, "main.hcl", main("staging/shop"))
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"email_nulls\" {\n  target = target.orders\n  column = \"email\"\n  volume = 0.5\n"+window10h+"}\n")

	mustOK(t, c.run("validate"))
	if calls.Load() != 0 {
		t.Errorf("validate read the secret (%d requests)", calls.Load())
	}
	for _, args := range [][]string{{"plan"}, {"plan", "-json"}, {"apply", "-auto-approve"}, {"rollback", "-all", "-auto-approve"}} {
		before := calls.Load()
		mustOK(t, c.run(args...))
		if n := calls.Load() - before; n != 1 {
			t.Errorf("%s: %d requests, want one", args[0], n)
		}
	}
	writeFile(t, dir, "main.hcl", main("staging/gone"))
	r := c.run("plan")
	mustFail(t, r, 1)
	wantAll(t, r, r.stderr, `Error: source.sqlite.shop: password: secret("aws_secretsmanager", "staging/gone", "password"): AWS Secrets Manager in eu-west-1 has no such secret`)
	c.checkFiles(true)
}
