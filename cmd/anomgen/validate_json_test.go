package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func decodeValidateJSON(t *testing.T, r result) validateJSON {
	t.Helper()
	var v validateJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("validate -json printed no JSON object: %v\n%s", err, r)
	}
	// Every documented field is present, diagnostics as an array.
	var raw map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format_version", "valid", "error_count", "warning_count", "diagnostics"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("validate -json lacks %q\n%s", k, r.stdout)
		}
	}
	if _, ok := raw["diagnostics"].([]any); !ok {
		t.Errorf("diagnostics is not an array\n%s", r.stdout)
	}
	return v
}

// TestValidateJSONValid: a valid folder gives valid true, no diagnostics,
// exit 0 and nothing on standard error.
func TestValidateJSONValid(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", `source "sqlite" "shop" {
  path = "shop.db"
}

target "orders" {
  source      = source.sqlite.shop
  table       = "orders"
  time_column = "created_at"
}
`)
	writeFile(t, dir, "anomalies.hcl", nullRate("email_nulls", "0.3"))
	r := mustOK(t, cli(t, dir, "validate", "-json"))
	if r.stderr != "" {
		t.Errorf("validate -json wrote to standard error\n%s", r)
	}
	v := decodeValidateJSON(t, r)
	if !v.Valid || v.ErrorCount != 0 || v.WarningCount != 0 || len(v.Diagnostics) != 0 || v.FormatVersion == "" {
		t.Errorf("want a valid result without diagnostics, got %+v", v)
	}
	// Without -json, the text as before.
	r = mustOK(t, cli(t, dir, "validate"))
	wantAll(t, r, r.stdout, "The scenario files are valid")
}

// TestValidateJSONErrors: two errors in two files, each with its severity,
// summary, detail and range (file, line, column, byte); exit 1; no secret.
func TestValidateJSONErrors(t *testing.T) {
	dir := t.TempDir()
	const canary = "Cnry-validate-7f3a9"
	const password = "pw-literal-51c2e8"
	writeFile(t, dir, "main.hcl", `variable "tbl" {
  default   = "`+canary+`"
  sensitive = true
}

source "postgres" "shop" {
  host     = "127.0.0.1"
  database = "shop"
  username = "anomgen"
  password = "`+password+`"
}

target "orders" {
  source = source.postgres.shop
  table  = var.tbl
}
`)
	writeFile(t, dir, "anomalies.hcl", `anomaly "null_rate" "email_nulls" {
  target = target.order
  column = "email"
}
`)
	r := cli(t, dir, "validate", "-json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r)
	}
	for _, secret := range []string{canary, password} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("validate -json shows a secret %q\n%s", secret, r)
		}
	}
	v := decodeValidateJSON(t, r)
	if v.Valid || v.ErrorCount != 2 || v.WarningCount != 0 || len(v.Diagnostics) != 2 {
		t.Fatalf("want 2 errors, got %+v\n%s", v, r.stdout)
	}
	files := map[string]validateDiagnostic{}
	for _, d := range v.Diagnostics {
		if d.Severity != "error" || d.Summary == "" || d.Detail == "" || d.Range == nil {
			t.Errorf("incomplete diagnostic %+v", d)
			continue
		}
		files[d.Range.Filename] = d
	}
	if d, ok := files["main.hcl"]; !ok {
		t.Errorf("no diagnostic in main.hcl\n%s", r.stdout)
	} else if d.Range.Start.Line != 15 || d.Range.Start.Column != 12 || d.Range.Start.Byte == 0 || d.Range.End.Byte <= d.Range.Start.Byte {
		t.Errorf("main.hcl diagnostic at %+v, want line 15 column 12 with byte offsets", d.Range)
	}
	if d, ok := files["anomalies.hcl"]; !ok {
		t.Errorf("no diagnostic in anomalies.hcl\n%s", r.stdout)
	} else if d.Range.Start.Line != 2 || !strings.Contains(d.Summary+d.Detail, "target.order") {
		t.Errorf("anomalies.hcl diagnostic %+v, want line 2 naming target.order", d)
	}
	// A syntax error is JSON too.
	writeFile(t, dir, "anomalies.hcl", "anomaly \"null_rate\" \"x\" {\n  column = \n}\n")
	r = cli(t, dir, "validate", "-json")
	v = decodeValidateJSON(t, r)
	if r.code != 1 || v.Valid || v.ErrorCount == 0 || v.Diagnostics[0].Range == nil || v.Diagnostics[0].Range.Filename != "anomalies.hcl" {
		t.Errorf("a syntax error: want exit 1 and an error in anomalies.hcl\n%s", r)
	}
}
