package planner

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReadmeDefaultsMatchCatalog: the README's table of kinds states each
// kind's defaults (volume, amplitude, window); they must be the catalog's
// (issue 11: the README said late_arrival's volume was 0.3, the catalog
// 0.5).
func TestReadmeDefaultsMatchCatalog(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := regexp.MustCompile("^\\| `([a-z_]+)` \\| (?:quality|pipeline|business) \\|").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "−", "-"), 64)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return f
	}
	volume := regexp.MustCompile(`\bvolume ([0-9.]+)`)
	amplitude := regexp.MustCompile(`\bamplitude ([−-]?[0-9.]+)`)
	last := regexp.MustCompile(`\blast ([0-9]+)([hd])\b`)
	for _, k := range Kinds() {
		row, ok := rows[k.Name]
		if !ok {
			t.Errorf("README.md's table of kinds has no row for %s", k.Name)
			continue
		}
		cells := strings.Split(row, " | ")
		if len(cells) < 5 {
			t.Errorf("README row of %s: %q", k.Name, row)
			continue
		}
		defaults := cells[4]
		if m := volume.FindStringSubmatch(defaults); m != nil && (!k.UsesVolume || num(m[1]) != k.DefaultVolume) {
			t.Errorf("README: %s has volume %s by default; the catalog says %g", k.Name, m[1], k.DefaultVolume)
		}
		if m := amplitude.FindStringSubmatch(defaults); m != nil && (!k.UsesAmplitude || num(m[1]) != k.DefaultAmplitude) {
			t.Errorf("README: %s has amplitude %s by default; the catalog says %g", k.Name, m[1], k.DefaultAmplitude)
		}
		if m := last.FindStringSubmatch(defaults); m != nil {
			unit := time.Hour
			if m[2] == "d" {
				unit = 24 * time.Hour
			}
			if n, _ := strconv.Atoi(m[1]); time.Duration(n)*unit != k.DefaultWindow {
				t.Errorf("README: %s's window is the last %s%s by default; the catalog says %s", k.Name, m[1], m[2], FormatDuration(k.DefaultWindow))
			}
		}
	}
}
