package planner

import (
	"strings"
	"testing"
	"time"
)

func TestShape(t *testing.T) {
	for in, want := range map[string]string{"555-123-4567": "999-999-9999", "Anna": "Aaaa", "ab-Ç9 x": "aa-A9 a", "": ""} {
		if got := Shape(in); got != want {
			t.Errorf("Shape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFillDaysAndChart(t *testing.T) {
	days := FillDays([]DayCount{{Day: "2026-02-27", Rows: 10}, {Day: "2026-03-02", Rows: 5}})
	var got []string
	for _, d := range days {
		got = append(got, d.Day)
	}
	if strings.Join(got, ",") != "2026-02-27,2026-02-28,2026-03-01,2026-03-02" || days[1].Rows != 0 {
		t.Fatalf("FillDays: %v", days)
	}
	var b strings.Builder
	WriteDailyChart(&b, days, 10, func(d string) bool { return d == "2026-03-02" })
	want := "  2026-02-27 10 ██████████\n  2026-02-28  0\n  2026-03-01  0\n» 2026-03-02  5 █████\n"
	if b.String() != want {
		t.Errorf("chart:\n%s\nwant:\n%s", b.String(), want)
	}
	if s := Sparkline(days); s != "█  ▄" {
		t.Errorf("sparkline %q", s)
	}
}

func TestWindowSpark(t *testing.T) {
	var days []DayCount
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		days = append(days, DayCount{Day: start.AddDate(0, 0, i).Format(time.DateOnly), Rows: int64(100 + i%7*10)})
	}
	// A window of days 36 and 37 (ending at midnight of day 38).
	spark, marks, span := WindowSpark(days, start.AddDate(0, 0, 36), start.AddDate(0, 0, 38))
	if n := len([]rune(spark)); n != SparkDays {
		t.Errorf("%d days shown, want %d", n, SparkDays)
	}
	if span != "2026-01-09 → 2026-02-07" {
		t.Errorf("span %q", span)
	}
	if marks != strings.Repeat(" ", 28)+"^^" {
		t.Errorf("marks %q", marks)
	}
	// Its place in the plan text: cmd/anomgen planview_test.go.
}
