package config

import (
	"strings"
	"testing"
	"time"
)

func TestSourceBatchSettings(t *testing.T) {
	cfg, diags := load(t, "source \"sqlite\" \"a\" {\n  path = \"a.db\"\n}\nsource \"sqlite\" \"b\" {\n  path       = \"b.db\"\n  batch_rows = 0\n  batch_time = \"1s\"\n}\n", Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a, b := cfg.Source("source.sqlite.a"), cfg.Source("source.sqlite.b")
	if a.BatchRows != DefaultBatchRows || a.BatchTime != DefaultBatchTime {
		t.Errorf("defaults: batch_rows %d, batch_time %s; want %d, %s", a.BatchRows, a.BatchTime, DefaultBatchRows, DefaultBatchTime)
	}
	if b.BatchRows != 0 || b.BatchTime != time.Second {
		t.Errorf("set: batch_rows %d, batch_time %s; want 0, 1s", b.BatchRows, b.BatchTime)
	}
	_, diags = load(t, "source \"sqlite\" \"a\" {\n  path       = \"a.db\"\n  batch_rows = -5\n}\n", Options{})
	if !diags.HasErrors() {
		t.Fatal("batch_rows = -5 was accepted")
	}
	msg := diags.Error()
	if !strings.Contains(msg, "main.hcl:3,16") || !strings.Contains(msg, "or 0 to apply each change in one transaction") {
		t.Errorf("diagnostic %q lacks the position of the value or the way out", msg)
	}
}
