package config

import (
	"strings"
	"testing"
	"time"
)

func TestSourceBatchSettings(t *testing.T) {
	cfg, diags := load(t, "source \"sqlite\" \"a\" {\n  path = \"a.db\"\n}\nsource \"sqlite\" \"b\" {\n  path       = \"b.db\"\n  batch_rows = 0\n  batch_time = \"1s\"\n  batch_lanes = 4\n}\n", Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a, b := cfg.Source("source.sqlite.a"), cfg.Source("source.sqlite.b")
	if a.BatchRows != DefaultBatchRows || a.BatchTime != DefaultBatchTime {
		t.Errorf("defaults: batch_rows %d, batch_time %s; want %d, %s", a.BatchRows, a.BatchTime, DefaultBatchRows, DefaultBatchTime)
	}
	if b.BatchRows != 0 || b.BatchTime != time.Second || b.BatchLanes != 4 {
		t.Errorf("set: batch_rows %d, batch_time %s, batch_lanes %d; want 0, 1s, 4", b.BatchRows, b.BatchTime, b.BatchLanes)
	}
	if a.BatchLanes != DefaultBatchLanes {
		t.Errorf("default batch_lanes %d, want %d", a.BatchLanes, DefaultBatchLanes)
	}
	_, diags = load(t, "source \"sqlite\" \"a\" {\n  path       = \"a.db\"\n  batch_rows = -5\n}\n", Options{})
	if !diags.HasErrors() {
		t.Fatal("batch_rows = -5 was accepted")
	}
	msg := diags.Error()
	if !strings.Contains(msg, "main.hcl:3,16") || !strings.Contains(msg, "or 0 to apply each change in one transaction") {
		t.Errorf("diagnostic %q lacks the position of the value or the way out", msg)
	}
	_, diags = load(t, "source \"sqlite\" \"a\" {\n  path        = \"a.db\"\n  batch_lanes = 0\n}\n", Options{})
	if !diags.HasErrors() {
		t.Fatal("batch_lanes = 0 was accepted")
	}
	if msg := diags.Error(); !strings.Contains(msg, "main.hcl:3,17") || !strings.Contains(msg, "or 1 to run one batch of a change at a time") {
		t.Errorf("diagnostic %q lacks the position of the value or the way out", msg)
	}
}
