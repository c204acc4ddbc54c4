package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestSmallFleetBenchmark runs the benchmark at its smallest useful size:
// one customer, three tables of 10,000 rows, no large table. Every table's
// checksum must equal the seeded one after anomgen's rollback and after the
// hand-written restore, and every step must change rows: the same number in
// plan, apply and rollback (from saved plans, and planning again), and a
// comparable number by hand.
func TestSmallFleetBenchmark(t *testing.T) {
	dsn := providertest.PostgresAdminDSN(t)
	if _, err := exec.LookPath("psql"); err != nil {
		if os.Getenv("ANOMGEN_TEST_REQUIRE_SERVERS") != "" || os.Getenv("CI") != "" {
			t.Fatal("psql is required for the hand-written side of the fleet benchmark")
		}
		t.Skip("psql not installed")
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	opt := options{Customers: 1, Tables: 3, Rows: 10000, Days: 90, Parallelism: 3, BigRows: 0,
		DSN: dsn, Prefix: "anomgen_fleet_test_" + hex.EncodeToString(suffix), Workdir: t.TempDir(), Quiet: !testing.Verbose()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	res, err := run(ctx, opt, io.Discard, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if res.TablesChecked != 3 || res.ChecksumsAfterRollback != 3 || res.ChecksumsAfterRestore != 3 {
		t.Fatalf("checksums verified equal: %d after rollback, %d after the hand-written restore, of %d tables; want 3 each",
			res.ChecksumsAfterRollback, res.ChecksumsAfterRestore, res.TablesChecked)
	}
	if res.Anomalies != 9 {
		t.Errorf("anomalies = %d, want 9 (3 per table)", res.Anomalies)
	}
	steps := map[string]step{}
	for _, s := range res.Steps {
		steps[s.Step] = s
	}
	for _, name := range []string{stepPlan, stepApplySaved, stepPlanDestroy, stepRollbackSaved, stepApplyAgain, stepRollbackAgain} {
		s, ok := steps[name]
		if !ok {
			t.Fatalf("no %s step in %+v", name, res.Steps)
		}
		if (s.Rows <= 0 && name != stepPlanDestroy) || s.Anomgen <= 0 || s.RSSKB <= 0 {
			t.Errorf("%s: rows %d, %.3fs, peak RSS %d KB; want all positive", name, s.Rows, s.Anomgen, s.RSSKB)
		}
	}
	plan, apply, rollback := steps[stepPlan], steps[stepApplySaved], steps[stepRollbackSaved]
	again, rollbackAgain := steps[stepApplyAgain], steps[stepRollbackAgain]
	if plan.Rows != apply.Rows || apply.Rows != rollback.Rows || again.Rows != apply.Rows || rollbackAgain.Rows != apply.Rows {
		t.Errorf("rows: plan %d, apply (saved plan) %d, rollback (saved plan) %d, apply (plans again) %d, rollback (plans again) %d; want them equal",
			plan.Rows, apply.Rows, rollback.Rows, again.Rows, rollbackAgain.Rows)
	}
	for _, s := range []step{again, rollbackAgain} {
		if !s.NotInTotal || s.Ratio <= 0 {
			t.Errorf("%s %+v should be a comparison outside the totals, with its ratio to the hand-written SQL", s.Step, s)
		}
	}
	if apply.NotInTotal || rollback.NotInTotal {
		t.Errorf("the reviewed flow's steps are left out of the totals")
	}
	if apply.HandRows <= 0 || apply.HandRows != rollback.HandRows {
		t.Errorf("hand-written rows: apply %d, restore %d; want equal and positive", apply.HandRows, rollback.HandRows)
	}
	// The hand-written SQL picks its rows by another hash, so the counts
	// differ a little, but not by much: the same shares of the same windows.
	if d := float64(apply.HandRows-apply.Rows) / float64(apply.Rows); d > 0.25 || d < -0.25 {
		t.Errorf("hand-written SQL changed %d rows, anomgen %d: not comparable", apply.HandRows, apply.Rows)
	}
	if apply.Hand <= 0 || rollback.Hand <= 0 || apply.Ratio <= 0 {
		t.Errorf("hand-written times not measured: %+v %+v", apply, rollback)
	}
	// The server runs on this machine in the test setups (test.sh starts
	// it): its CPU time is read for both sides of the compared steps.
	local := false
	if _, err := os.Stat("/proc/self/stat"); err == nil && strings.Contains(dsn, "127.0.0.1") {
		local = true
		for _, s := range []step{apply, rollback} {
			if s.AnomgenServerCPU <= 0 || s.HandServerCPU <= 0 || s.AnomgenCPU <= 0 || s.HandCPU <= 0 {
				t.Errorf("%s: CPU seconds anomgen %.2f + %.2f, hand-written %.2f + %.2f; want all positive",
					s.Step, s.AnomgenCPU, s.AnomgenServerCPU, s.HandCPU, s.HandServerCPU)
			}
		}
	}
	var tbl strings.Builder
	res.writeTable(&tbl)
	for _, want := range []string{"plan", stepApplySaved, stepPlanDestroy, stepRollbackSaved, stepApplyAgain, stepRollbackAgain, "3 of 3 tables after anomgen rollback", "CPU seconds"} {
		if want == "CPU seconds" && !local {
			continue
		}
		if !strings.Contains(tbl.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, tbl.String())
		}
	}
	t.Log(tbl.String())
}

// TestKindsAreTheirFamily keeps the benchmark's kinds in the catalog family
// it files them under, and checks that every family of the catalog is used.
func TestKindsAreTheirFamily(t *testing.T) {
	cat := map[string]string{}
	for _, k := range planner.Kinds() {
		cat[k.Name] = string(k.Category)
	}
	used := map[string]bool{}
	for fam, ks := range kinds {
		for _, k := range ks {
			got, ok := cat[k.name]
			if !ok {
				t.Errorf("%s: not a kind of the catalog", k.name)
			} else if got != fam {
				t.Errorf("%s is filed under %s, the catalog says %s", k.name, fam, got)
			}
		}
		used[fam] = true
	}
	for _, c := range cat {
		if !used[c] {
			t.Errorf("no kind of the family %s", c)
		}
	}
}

// TestWorkspaceValidates writes a workspace with enough tables to use every
// kind of the benchmark and validates it as `anomgen validate` does.
func TestWorkspaceValidates(t *testing.T) {
	b := &bench{opt: options{Tables: 9, Days: 90}, end: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	c := &customer{Name: "acme_c01", DSN: "postgres://postgres@127.0.0.1:5432/acme_c01?sslmode=disable", Dir: t.TempDir()}
	for i := 1; i <= 9; i++ {
		c.Tables = append(c.Tables, "t00"+string(rune('0'+i)))
	}
	if err := b.writeWorkspace(c); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(c.Dir, config.Options{Getenv: os.Getenv})
	if !diags.HasErrors() {
		diags = append(diags, planner.Validate(cfg)...)
	}
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(cfg.Anomalies) != 27 {
		t.Fatalf("%d anomalies, want 27", len(cfg.Anomalies))
	}
	seen := map[string]bool{}
	for _, a := range cfg.Anomalies {
		seen[a.Kind] = true
	}
	for fam, ks := range kinds {
		for _, k := range ks {
			if !seen[k.name] {
				t.Errorf("the workspace does not use %s (%s)", k.name, fam)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "main.hcl")); err != nil {
		t.Fatal(err)
	}
}

func TestParseFleetRows(t *testing.T) {
	out := `anomaly.segment_drop.t003_segment_drop: done after 30ms: changed 217 rows

Apply: 9 applied, 0 rolled back, 0 failed, 0 not attempted.

CUSTOMER              ANOMALIES  ROWS   DURATION  OUTCOME
/tmp/w/acme_c01  9          6,852  958ms     ok
/tmp/w/acme_c02  9          6,983  980ms     ok
`
	rows, n, err := parseFleetRows(out, []string{"/tmp/w/acme_c01", "/tmp/w/acme_c02"})
	if err != nil || rows != 6852+6983 || n != 2 {
		t.Fatalf("rows %d, customers %d, err %v; want 13835, 2, nil", rows, n, err)
	}
	bad := strings.Replace(out, "980ms     ok", "980ms     failed", 1)
	if _, _, err := parseFleetRows(bad, []string{"/tmp/w/acme_c01", "/tmp/w/acme_c02"}); err == nil || !strings.Contains(err.Error(), "acme_c02") {
		t.Fatalf("a failed customer: err %v, want one naming acme_c02", err)
	}
	if _, _, err := parseFleetRows("Error: no workspace\n", []string{"/tmp/w/acme_c01"}); err == nil {
		t.Fatal("no table: want an error")
	}
}
