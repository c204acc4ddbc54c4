package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/xuri/excelize/v2"
)

var updateGolden = flag.Bool("update-profile", false, "rewrite testdata/profile_text.golden")

// TestProfileTextGolden pins the terminal output of anomgen profile: fixed
// width, no colour, days without rows as empty bars.
func TestProfileTextGolden(t *testing.T) {
	mean, sd := 52.5, 12.25
	minL, maxL := int64(4), int64(9)
	st := &planner.TableStats{
		Table: planner.TableName{Schema: "shop", Name: "orders"}, TimeColumn: "created_at", Rows: 5310,
		Daily: planner.FillDays([]planner.DayCount{
			{Day: "2026-02-01", Rows: 1000}, {Day: "2026-02-02", Rows: 1200}, {Day: "2026-02-04", Rows: 7},
			{Day: "2026-02-05", Rows: 2000}, {Day: "2026-02-06", Rows: 1103},
		}),
		Columns: []planner.ColumnStats{
			{Name: "created_at", Type: "timestamp", Class: planner.ClassTime, Distinct: 5300, Min: "2026-02-01T00:00:07Z", Max: "2026-02-06T23:59:01Z"},
			{Name: "amount", Type: "numeric(10,2)", Class: planner.ClassDecimal, NullShare: 0.0125, Distinct: 4000, Min: "1.00", Max: "99.99", Mean: &mean, Stddev: &sd},
			{Name: "status", Type: "text", Class: planner.ClassText, Distinct: 3, MinLength: &minL, MaxLength: &maxL,
				Top:    []planner.ValueShare{{Value: "paid", Count: 4000, Share: 0.7533}, {Value: "refunded", Count: 1000, Share: 0.1883}, {Value: "cancelled", Count: 310, Share: 0.0584}},
				Shapes: []planner.ValueShare{{Value: "aaaa", Count: 753, Share: 0.753}, {Value: "aaaaaaaa", Count: 188, Share: 0.188}, {Value: "aaaaaaaaa", Count: 59, Share: 0.059}}},
			{Name: "doc", Type: "jsonb", Class: planner.ClassOther, Distinct: -1, NullShare: 1},
		},
	}
	var b strings.Builder
	writeStatsText(&b, st, 30, func(_, s string) string { return s })
	got := b.String()
	path := filepath.Join("testdata", "profile_text.golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("profile text differs from %s (-update-profile rewrites it):\n--- got ---\n%s--- want ---\n%s", path, got, want)
	}
	if !strings.Contains(got, "2026-02-03     0\n") {
		t.Error("the empty day is not shown as a gap")
	}
}

// TestProfileCommand runs anomgen profile on the SQLite fixture: text,
// JSON, CSV, xlsx, SOURCE.TABLE, a sample and a timeout.
func TestProfileCommand(t *testing.T) {
	f := sqliteFixture(t)
	dir := t.TempDir()
	writeFile(t, dir, "main.hcl", f.source+f.target())
	r := mustOK(t, cli(t, dir, "profile", "orders", "-days", "0"))
	wantAll(t, r, r.stdout, "orders: 2,000 rows", "time column created_at: 2026-01-01 00:01:00 → 2026-01-02 09:20:00",
		"2026-01-01 1,439", "2026-01-02   561", "email TEXT nulls 2.0% distinct 1,960", "shapes: aaaa999@aaaaaaa.aaa 88.2%")

	r = mustOK(t, cli(t, dir, "profile", "shop.orders", "-json"))
	var st planner.TableStats
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if st.Rows != 2000 || st.TimeColumn != "created_at" || len(st.Daily) != 2 || st.Daily[0].Rows != 1439 || st.Column("amount").Distinct != 97 {
		t.Errorf("JSON stats: %+v", st)
	}

	csvPath, xlsxPath := filepath.Join(dir, "p.csv"), filepath.Join(dir, "p.xlsx")
	mustOK(t, cli(t, dir, "profile", "orders", "-csv", csvPath, "-xlsx", xlsxPath))
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"part,column,name,value\n", "summary,,rows,2000\n", "column,email,null_share,0.02\n", "daily,,2026-01-01,1439\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("CSV lacks %q:\n%s", want, b)
		}
	}
	x, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := x.GetSheetList(); strings.Join(got, ",") != "summary,columns,daily,top values" {
		t.Errorf("sheets %v", got)
	}
	if v, _ := x.GetCellValue("daily", "B2"); v != "1439" {
		t.Errorf("daily B2 = %q, want 1439", v)
	}

	r = mustOK(t, cli(t, dir, "profile", "orders", "-sample", "50"))
	wantAll(t, r, r.stdout, "Estimates: estimates from a 50% sample")

	r = cli(t, dir, "profile", "orders", "-timeout", "1ns")
	if r.code == 0 || !strings.Contains(r.stderr, "longer than -timeout") {
		t.Errorf("a 1ns timeout did not stop profile:\n%s", r)
	}
	r = cli(t, dir, "profile", "nosuch")
	if r.code == 0 || !strings.Contains(r.stderr, "neither a target") {
		t.Errorf("unknown table:\n%s", r)
	}
}
