package planner

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// StatsOptions say how a table's statistics are gathered.
type StatsOptions struct {
	// SamplePercent, between 0 and 100 exclusive, reads about that share of
	// the table (TABLESAMPLE where the database has it, otherwise a hash of
	// the key); 0 or 100 reads every row.
	SamplePercent float64 `json:"sample_percent,omitempty"`
	// TopValues is how many of the commonest values are kept for a
	// low-cardinality column (default 5).
	TopValues int `json:"top_values,omitempty"`
	// LowCardinality is the most distinct values a column may have for its
	// top values to be listed (default 50).
	LowCardinality int64 `json:"low_cardinality,omitempty"`
	// ShapeSample is how many values of a text column are read to find its
	// common shapes (default 1,000).
	ShapeSample int `json:"shape_sample,omitempty"`
}

// WithDefaults fills the zero fields.
func (o StatsOptions) WithDefaults() StatsOptions {
	if o.TopValues <= 0 {
		o.TopValues = 5
	}
	if o.LowCardinality <= 0 {
		o.LowCardinality = 50
	}
	if o.ShapeSample <= 0 {
		o.ShapeSample = 1000
	}
	return o
}

// Sampled reports whether the options read only part of the table.
func (o StatsOptions) Sampled() bool { return o.SamplePercent > 0 && o.SamplePercent < 100 }

// TableStats are measured figures of a table: what a monitor would baseline.
type TableStats struct {
	Table      TableName `json:"table"`
	TimeColumn string    `json:"time_column,omitempty"`
	// Rows is the number of rows (scaled up from the sample when Estimate).
	Rows int64 `json:"rows"`
	// Estimate is set when the figures come from a sample; Note says how.
	Estimate      bool    `json:"estimate,omitempty"`
	SamplePercent float64 `json:"sample_percent,omitempty"`
	Note          string  `json:"note,omitempty"`
	// MinTime and MaxTime are the time column's range (nil without one).
	MinTime *time.Time `json:"min_time,omitempty"`
	MaxTime *time.Time `json:"max_time,omitempty"`
	// Daily counts rows per calendar day of the time column, every day
	// from the first to the last (days without rows have Rows 0).
	Daily   []DayCount    `json:"daily,omitempty"`
	Columns []ColumnStats `json:"columns"`
}

// DayCount is the number of rows of one day.
type DayCount struct {
	Day  string `json:"day"` // 2006-01-02
	Rows int64  `json:"rows"`
}

// ColumnStats are the figures of one column.
type ColumnStats struct {
	Name  string      `json:"name"`
	Type  string      `json:"type"`
	Class ColumnClass `json:"class"`
	// NonNull counts the rows where it is set; NullShare is the share
	// (0..1) of rows where it is NULL.
	NonNull   int64   `json:"non_null"`
	NullShare float64 `json:"null_share"`
	// Distinct counts distinct values (in the sample when estimated);
	// -1 when the type cannot be compared.
	Distinct int64 `json:"distinct"`
	// Min and Max, as text, for numbers and times.
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
	// NonFinite counts the values that are NaN or ±Infinity (floats of
	// PostgreSQL, SQLite, Oracle): Min, Max, Mean and Stddev leave them
	// out.
	NonFinite int64 `json:"non_finite,omitempty"`
	// Mean and Stddev (sample standard deviation) for numbers.
	Mean   *float64 `json:"mean,omitempty"`
	Stddev *float64 `json:"stddev,omitempty"`
	// MinLength and MaxLength for text, in characters.
	MinLength *int64 `json:"min_length,omitempty"`
	MaxLength *int64 `json:"max_length,omitempty"`
	// Top are the commonest values of a low-cardinality column, with
	// their share of the non-NULL rows.
	Top []ValueShare `json:"top,omitempty"`
	// Shapes are the commonest shapes of text values (digits as 9, upper
	// case as A, lower case as a), with their share of the values read.
	Shapes []ValueShare `json:"shapes,omitempty"`
	// NonASCII is the share of the text values read for their shapes
	// that hold a character outside ASCII.
	NonASCII float64 `json:"non_ascii,omitempty"`
}

// ValueShare is a value (or shape) and its share.
type ValueShare struct {
	Value string  `json:"value"`
	Count int64   `json:"count"`
	Share float64 `json:"share"`
}

// Column returns the named column's stats, or nil.
func (s *TableStats) Column(name string) *ColumnStats {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return &s.Columns[i]
		}
	}
	return nil
}

// Shape maps a text value to its shape: digits to 9, upper-case letters to
// A, lower-case ones to a; other characters stay.
func Shape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte('9')
		case unicode.IsUpper(r):
			b.WriteByte('A')
		case unicode.IsLower(r):
			b.WriteByte('a')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FillDays returns counts for every day from the first to the last of
// counts (which must be sorted by day), with 0 for days without rows.
func FillDays(counts []DayCount) []DayCount {
	if len(counts) == 0 {
		return nil
	}
	have := map[string]int64{}
	for _, c := range counts {
		have[c.Day] += c.Rows
	}
	first, err1 := time.Parse(time.DateOnly, counts[0].Day)
	last, err2 := time.Parse(time.DateOnly, counts[len(counts)-1].Day)
	if err1 != nil || err2 != nil {
		return counts
	}
	var out []DayCount
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		out = append(out, DayCount{Day: k, Rows: have[k]})
	}
	return out
}

// WriteDailyChart writes one line a day: date, count and a bar of up to
// width characters scaled to the busiest day. Days without rows have an
// empty bar. mark, when not nil, flags days (e.g. an anomaly's window)
// with a '»' before the date.
func WriteDailyChart(w io.Writer, days []DayCount, width int, mark func(day string) bool) {
	var peak int64
	digits := 1
	for _, d := range days {
		peak = max(peak, d.Rows)
		digits = max(digits, len(Thousands(d.Rows)))
	}
	for _, d := range days {
		n := 0
		if peak > 0 {
			n = int((d.Rows*int64(width) + peak/2) / peak)
			if n == 0 && d.Rows > 0 {
				n = 1
			}
		}
		prefix := "  "
		if mark != nil && mark(d.Day) {
			prefix = "» "
		}
		line := fmt.Sprintf("%s%s %*s %s", prefix, d.Day, digits, Thousands(d.Rows), strings.Repeat("█", n))
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// Sparkline renders counts as one character each (▁ to █, a space for 0).
func Sparkline(days []DayCount) string {
	levels := []rune("▁▂▃▄▅▆▇█")
	var peak int64
	for _, d := range days {
		peak = max(peak, d.Rows)
	}
	var b strings.Builder
	for _, d := range days {
		if d.Rows == 0 || peak == 0 {
			b.WriteByte(' ')
			continue
		}
		i := int(d.Rows * int64(len(levels)-1) / peak)
		b.WriteRune(levels[i])
	}
	return b.String()
}

// TableInfo is a table as a source's catalog lists it.
type TableInfo struct {
	Table TableName `json:"table"`
	// RowsEstimate is the catalog's row estimate, -1 when it has none.
	RowsEstimate int64 `json:"rows_estimate"`
	// Bytes is the size on disk with indexes, -1 when unknown.
	Bytes int64 `json:"bytes"`
}

// SparkDays is how many days the plan's daily sparkline shows.
const SparkDays = 30

// WindowSpark renders the last SparkDays days of days up to the window's
// end (or the last day) as a sparkline, and a second line marking with ^
// the days the window [start, end) touches; a zero end is an open window,
// which touches every day from start on.
func WindowSpark(days []DayCount, start, end time.Time) (spark, marks, span string) {
	if len(days) == 0 {
		return "", "", ""
	}
	last := len(days) - 1
	endDay := days[last].Day
	if !end.IsZero() {
		endDay = end.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
	}
	for last > 0 && days[last].Day > endDay {
		last--
	}
	first := max(0, last-SparkDays+1)
	shown := days[first : last+1]
	startDay := start.UTC().Format(time.DateOnly)
	var m strings.Builder
	for _, d := range shown {
		if d.Day >= startDay && d.Day <= endDay {
			m.WriteByte('^')
		} else {
			m.WriteByte(' ')
		}
	}
	return Sparkline(shown), strings.TrimRight(m.String(), " "), shown[0].Day + " → " + shown[len(shown)-1].Day
}
