package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestDetectMatrix is the detectability matrix: on the seeded table of
// TestDetectPostgres, every catalog kind at its defaults (volume and
// amplitude left out; the catalog example's column and required
// arguments) on the last full day, then anomgen detect -seasonality
// day_of_week: is it flagged on a metric of the family the catalog names
// (kind_metrics.go), on its column, on that day (schema kinds: on the
// run), and with what |z|? The table is printed (-v) and rolled back
// after each kind.
//
// It takes minutes (about 40 apply/detect/rollback cycles on 49,000
// rows), so it runs only with ANOMGEN_TEST_DETECT_MATRIX=1. It fails when
// a kind that plans is not flagged: the goal is that every kind's
// defaults are caught; the README lists the kinds that are not yet.
func TestDetectMatrix(t *testing.T) {
	if os.Getenv("ANOMGEN_TEST_DETECT_MATRIX") == "" {
		t.Skip("set ANOMGEN_TEST_DETECT_MATRIX=1 to measure every kind (minutes)")
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	p := providertest.NewPostgres(t)
	seedDetectTable(t, p.DB, func(n int) string { return fmt.Sprintf("$%d", n) },
		`CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamp NOT NULL, email text, amount numeric(10,2) NOT NULL, status text NOT NULL, channel text NOT NULL)`, today)
	execSQL(t, p.DB, `ANALYZE orders`)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", pgSource(p, "shop", true)+"target \"orders\" {\n  source      = source.postgres.shop\n  table       = \"orders\"\n  time_column = \"created_at\"\n}\n")
	clean := runDetect(t, dir, "-seasonality", "day_of_week")
	snap := filepath.Join(dir, ".anomgen", "detect", "orders.schema.json")
	snapData := mustRead(t, snap)
	last := today.AddDate(0, 0, -1)

	type row struct {
		kind, family, column, outcome string
		z                             float64
		metric                        string
		others                        int
		rows                          int64
	}
	var rows []row
	drop := regexp.MustCompile(`(?m)^\s*(volume|amplitude)\s*=.*\n`)
	window := regexp.MustCompile(`(?s)\n\s*window \{.*?\n\s*\}`)
	column := regexp.MustCompile(`(?m)^\s*column\s*=\s*"([^"]+)"`)
	addrRE := regexp.MustCompile(`anomaly "([a-z0-9_]+)" "([a-z0-9_]+)"`)
	for _, k := range planner.Kinds() {
		block := drop.ReplaceAllString(k.Example, "")
		block = strings.ReplaceAll(block, `"mobile"`, `"app"`)
		start, dur := last, "24h"
		if k.Name == "seasonality_break" {
			start, dur = today.AddDate(0, 0, -14), "14d"
		}
		if !k.NoWindow {
			w := fmt.Sprintf("\n  window {\n    start    = %q\n    duration = %q\n  }", start.Format(time.RFC3339), dur)
			if window.MatchString(block) {
				block = window.ReplaceAllString(block, w)
			} else {
				block = strings.TrimSuffix(strings.TrimSpace(block), "}") + w + "\n}"
			}
		}
		col := ""
		if m := column.FindStringSubmatch(block); m != nil && k.NeedsColumn {
			col = m[1]
		}
		if strings.HasPrefix(k.Name, "segment_") {
			col = "" // the segment's own count is not followed; the table's is
		}
		var c *planner.Column
		if col == "amount" {
			c = &planner.Column{Name: col, Class: planner.ClassDecimal}
		}
		r := row{kind: k.Name, family: k.MetricFamilyFor(c), column: col, z: -1}
		writeFile(t, dir, "anomalies.hcl", block+"\n")
		ap := cli(t, dir, "apply", "-auto-approve")
		if ap.code != 0 {
			msg := strings.TrimSpace(ap.stderr)
			if i := strings.Index(msg, "\n"); i > 0 {
				msg = msg[:i]
			}
			r.outcome = "not measured: " + msg
			rows = append(rows, r)
			_ = os.Remove(filepath.Join(dir, "anomalies.hcl"))
			continue
		}
		if m := addrRE.FindStringSubmatch(block); m != nil {
			if sr := cli(t, dir, "state", "show", "anomaly."+m[1]+"."+m[2]); sr.code == 0 {
				r.rows = shownRows(t, sr)
			}
			if r.rows == 0 && !k.NoWindow {
				r.outcome, r.z = "not measured: it changes no row of this table", -1
				_ = cli(t, dir, "rollback", "-auto-approve", "-all") // nothing to restore when the state has none
				rows = append(rows, r)
				_ = os.Remove(filepath.Join(dir, "anomalies.hcl"))
				continue
			}
		}
		if err := os.WriteFile(snap, snapData, 0o644); err != nil {
			t.Fatal(err)
		}
		as := runDetect(t, dir, "-seasonality", "day_of_week")
		best := -1.0
		for _, a := range as {
			onDay := a.BucketStart.Before(start.Add(parseDur(dur))) && a.BucketEnd.After(start)
			if a.Metric == "schema" || a.Metric == "future_rows" {
				onDay = true
			}
			if !onDay {
				r.others++
				continue
			}
			if col != "" && a.Column != col && !(k.Name == "swapped_columns" && a.Column == "channel") {
				continue
			}
			if !truth.Compatible(r.family, a.Metric) {
				continue
			}
			if z := math.Abs(a.Score); z > best {
				best, r.metric = z, a.Metric
				if a.Capped {
					r.metric += " (capped)"
				}
			}
		}
		r.z = best
		if best >= 0 {
			r.outcome = "flagged"
		} else {
			r.outcome = "MISSED"
		}
		rows = append(rows, r)
		mustOK(t, cli(t, dir, "rollback", "-auto-approve", "-all"))
		_ = os.Remove(filepath.Join(dir, "anomalies.hcl"))
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].z > rows[j].z })
	var b strings.Builder
	fmt.Fprintf(&b, "clean table: %d alerts\n| kind | family | column | rows | outcome | best |z| | on metric | alerts on other days |\n|---|---|---|---|---|---|---|---|\n", len(clean))
	flagged, applied := 0, 0
	for _, r := range rows {
		z := ""
		if r.z >= 0 {
			z = fmt.Sprintf("%.1f", r.z)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %d |\n", r.kind, r.family, r.column, r.rows, r.outcome, z, r.metric, r.others)
		if !strings.HasPrefix(r.outcome, "not measured") {
			applied++
			if r.outcome == "flagged" {
				flagged++
			}
			if r.others > len(clean)+2 {
				t.Errorf("%s: %d alerts outside its window, the clean table has %d", r.kind, r.others, len(clean))
			}
		}
	}
	t.Logf("detectability matrix (day_of_week, threshold 3): %d of %d applied kinds flagged\n%s", flagged, applied, b.String())
	if flagged < applied {
		t.Errorf("%d of %d applied kinds were not flagged on their family's metric (see the table)", applied-flagged, applied)
	}
}

func parseDur(s string) time.Duration {
	if s == "14d" {
		return 14 * 24 * time.Hour
	}
	d, _ := time.ParseDuration(s)
	return d
}
