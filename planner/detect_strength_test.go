package planner

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDetectStrengthRecorded: detect_strength.json has an entry for every
// kind of the catalog, of the kind's metric family, with a range at least
// the issue's |z| ≥ 5; and the README's table of measured strengths
// (Measuring monitors: detect and score) says what the file says, kind by
// kind.
func TestDetectStrengthRecorded(t *testing.T) {
	rec := DetectStrengthRecord()
	if rec.Measured == "" || rec.Days == 0 {
		t.Fatalf("detect_strength.json: no date or table length: %+v", rec)
	}
	for _, k := range Kinds() {
		s := k.DetectStrength()
		if s == nil {
			t.Errorf("detect_strength.json has no entry for %s", k.Name)
			continue
		}
		if s.Family != k.MetricFamily() && s.Family != k.MetricFamilyFor(&Column{Class: ClassDecimal}) {
			t.Errorf("%s: recorded family %s, the catalog says %s", k.Name, s.Family, k.MetricFamily())
		}
		if s.MinZ < 5 || s.MaxZ < s.MinZ {
			t.Errorf("%s: recorded |z| %.1f–%.1f, want at least 5", k.Name, s.MinZ, s.MaxZ)
		}
	}
	for name := range DetectStrengths() {
		if LookupKind(name) == nil {
			t.Errorf("detect_strength.json names %s, which is not in the catalog", name)
		}
	}

	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| ([a-z_]+) \\| ([a-z_]+)(?: of ([a-z_]+))? \\| ([0-9.]+)(?:–([0-9.]+))? \\| (yes|no) \\|$")
	seen := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := DetectStrengths()[m[1]]
		if s == nil {
			t.Errorf("README: %s is in the table of measured strengths but not in detect_strength.json", m[1])
			continue
		}
		seen[m[1]] = true
		hi := m[6]
		if hi == "" {
			hi = m[5]
		}
		capped := map[bool]string{true: "yes", false: "no"}[s.Capped]
		want := []string{s.Family, s.Metric, s.Column, fmt.Sprintf("%.1f", s.MinZ), fmt.Sprintf("%.1f", s.MaxZ), capped}
		got := []string{m[2], m[3], m[4], m[5], hi, m[7]}
		if s.Capped {
			want[3], want[4] = "100", "100"
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("README row of %s says %v, detect_strength.json %v", m[1], got, want)
		}
	}
	for _, k := range Kinds() {
		if !seen[k.Name] {
			t.Errorf("README's table of measured strengths has no row for %s", k.Name)
		}
	}
}
