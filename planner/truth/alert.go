package truth

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Alert is one detection by a monitor: a metric of a table (and column)
// judged anomalous over a bucket [BucketStart, BucketEnd).
type Alert struct {
	// Tool names the monitor, e.g. anomgen-detect.
	Tool string `json:"tool"`
	// Table is schema-qualified or not; the scorer compares it without
	// case and, when one side has no schema, by the table name alone.
	Table string `json:"table"`
	// Column is empty for a table-level alert (row count, freshness,
	// schema).
	Column string `json:"column"`
	// Metric is a family or an alias of one (FamilyOf).
	Metric      string    `json:"metric"`
	BucketStart time.Time `json:"bucket_start"`
	// BucketEnd may be left out (zero): the bucket is then the instant
	// BucketStart.
	BucketEnd time.Time `json:"bucket_end"`
	// DetectedAt is when the monitor raised the alert; when zero the
	// scorer takes BucketEnd (the earliest a bucket's figure is known).
	DetectedAt time.Time `json:"detected_at"`
	// Score is the monitor's strength, e.g. a z-score.
	Score float64 `json:"score"`

	// Optional detail from anomgen detect (ignored by the scorer).
	Value        *float64 `json:"value,omitempty"`
	BaselineMean *float64 `json:"baseline_mean,omitempty"`
	BaselineSD   *float64 `json:"baseline_sd,omitempty"`
	// Capped is true when the baseline had no variance and Score is the
	// cap (±CapZ), not a measured z.
	Capped bool `json:"capped,omitempty"`
	// Detail says more, e.g. the category value of a category share.
	Detail string `json:"detail,omitempty"`
}

// AlertColumns are the CSV header of an alert file: the required ones,
// then anomgen detect's detail.
var AlertColumns = []string{"tool", "table", "column", "metric", "bucket_start", "bucket_end", "detected_at", "score",
	"value", "baseline_mean", "baseline_sd", "capped", "detail"}

// WriteAlertsCSV writes alerts as CSV with a header row.
func WriteAlertsCSV(w io.Writer, alerts []Alert) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(AlertColumns); err != nil {
		return err
	}
	for _, a := range alerts {
		capped := ""
		if a.Capped {
			capped = "true"
		}
		if err := cw.Write([]string{a.Tool, a.Table, a.Column, a.Metric, fmtTime(a.BucketStart), fmtTime(a.BucketEnd), fmtTime(a.DetectedAt),
			strconv.FormatFloat(a.Score, 'f', 3, 64), fmtFloatPtr(a.Value), fmtFloatPtr(a.BaselineMean), fmtFloatPtr(a.BaselineSD), capped, a.Detail}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteAlertsJSON writes alerts as an indented JSON array.
func WriteAlertsJSON(w io.Writer, alerts []Alert) error {
	return writeJSONArray(w, alerts)
}

// ReadAlerts reads an alert file: a JSON array, or CSV with a header row
// naming at least table, metric and bucket_start (column, bucket_end,
// detected_at, tool and score are optional; unknown columns are ignored).
func ReadAlerts(name string, data []byte) ([]Alert, error) {
	if isJSON(data) {
		var out []Alert
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of alerts (tool, table, column, metric, bucket_start, bucket_end, detected_at, score): %w", name, err)
		}
		for i := range out {
			if out[i].Table == "" || out[i].BucketStart.IsZero() {
				return nil, fmt.Errorf("%s: alert %d: table and bucket_start are required", name, i+1)
			}
		}
		return out, nil
	}
	rows, err := readCSV(name, data, []string{"table", "metric", "bucket_start"})
	if err != nil {
		return nil, err
	}
	var out []Alert
	for _, r := range rows {
		a := Alert{Tool: r.get("tool"), Table: r.get("table"), Column: r.get("column"), Metric: r.get("metric"), Detail: r.get("detail")}
		var err error
		if a.Table == "" {
			return nil, fmt.Errorf("%s:%d: table is empty", name, r.line)
		}
		if a.BucketStart, err = ParseTime(r.get("bucket_start")); err != nil {
			return nil, fmt.Errorf("%s:%d: bucket_start: %v", name, r.line, err)
		}
		for _, f := range []struct {
			col string
			t   *time.Time
		}{{"bucket_end", &a.BucketEnd}, {"detected_at", &a.DetectedAt}} {
			if s := r.get(f.col); s != "" {
				if *f.t, err = ParseTime(s); err != nil {
					return nil, fmt.Errorf("%s:%d: %s: %v", name, r.line, f.col, err)
				}
			}
		}
		if s := r.get("score"); s != "" {
			if a.Score, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, fmt.Errorf("%s:%d: score %q is not a number", name, r.line, s)
			}
		}
		a.Capped = r.get("capped") == "true"
		out = append(out, a)
	}
	return out, nil
}
