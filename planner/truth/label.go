// Package truth holds the ground-truth formats that close the loop between
// injecting anomalies and measuring monitors: the label anomgen records for
// every applied occurrence, the alert any monitor reports, the metric
// families both are classified by, and their encodings (JSON and CSV).
//
// It imports only package state (where the label record lives), so that
// the executor (which writes labels), the reference monitor (which writes
// alerts) and the scorer (which reads both) share one definition.
package truth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/state"
)

// Label is the ground truth of one applied occurrence of an anomaly. The
// record itself lives in package state (state keeps labels after rollback
// and imports nothing of ours); this package encodes, decodes and scores
// it.
type Label = state.Label

// LabelColumns are the CSV header of a label file, in order (the JSON
// names of Label's fields).
var LabelColumns = []string{"anomaly_id", "address", "workspace", "kind", "category", "source", "table", "column", "segment", "metric",
	"start", "end", "injected_at", "reverted_at", "grain", "magnitude", "unit", "baseline_value", "injected_value", "rows_affected", "seed", "anomgen_version"}

// record renders l as a CSV row in LabelColumns' order.
func labelRecord(l *Label) []string {
	return []string{l.AnomalyID, l.Address, l.Workspace, l.Kind, l.Category, l.Source, l.Table, l.Column, l.Segment, l.Metric,
		fmtTime(l.Start), fmtTime(l.End), fmtTime(l.InjectedAt), fmtTimePtr(l.RevertedAt), l.Grain,
		strconv.FormatFloat(l.Magnitude, 'g', -1, 64), l.Unit, fmtFloatPtr(l.BaselineValue), fmtFloatPtr(l.InjectedValue),
		strconv.FormatInt(l.RowsAffected, 10), strconv.FormatInt(l.Seed, 10), l.AnomgenVersion}
}

// WriteLabelsCSV writes labels as CSV with a header row.
func WriteLabelsCSV(w io.Writer, labels []Label) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(LabelColumns); err != nil {
		return err
	}
	for i := range labels {
		if err := cw.Write(labelRecord(&labels[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteLabelsJSON writes labels as an indented JSON array.
func WriteLabelsJSON(w io.Writer, labels []Label) error {
	return writeJSONArray(w, labels)
}

// writeJSONArray writes items as an indented JSON array, [] when there are
// none (never null).
func writeJSONArray[T any](w io.Writer, items []T) error {
	if items == nil {
		items = []T{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(items)
}

// ReadLabels reads a label file: a JSON array of labels, or CSV with a
// header row naming LabelColumns (in any order; unknown columns are
// ignored). name is used in errors.
func ReadLabels(name string, data []byte) ([]Label, error) {
	if isJSON(data) {
		var out []Label
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of labels: %w", name, err)
		}
		for i := range out {
			if err := checkLabel(&out[i]); err != nil {
				return nil, fmt.Errorf("%s: label %d: %w", name, i+1, err)
			}
		}
		return out, nil
	}
	rows, err := readCSV(name, data, []string{"table", "start", "end"})
	if err != nil {
		return nil, err
	}
	var out []Label
	for _, r := range rows {
		var l Label
		var errs []string
		tm := func(col string) time.Time {
			t, err := ParseTime(r.get(col))
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", col, err))
			}
			return t
		}
		fl := func(col string) *float64 {
			s := r.get(col)
			if s == "" {
				return nil
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s %q is not a number", col, s))
				return nil
			}
			return &f
		}
		in := func(col string) int64 {
			s := r.get(col)
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s %q is not a whole number", col, s))
			}
			return n
		}
		l.AnomalyID, l.Address, l.Workspace, l.Kind, l.Category = r.get("anomaly_id"), r.get("address"), r.get("workspace"), r.get("kind"), r.get("category")
		l.Source, l.Table, l.Column, l.Segment, l.Metric = r.get("source"), r.get("table"), r.get("column"), r.get("segment"), r.get("metric")
		l.Start, l.End = tm("start"), tm("end")
		if r.get("injected_at") != "" {
			l.InjectedAt = tm("injected_at")
		}
		if r.get("reverted_at") != "" {
			t := tm("reverted_at")
			l.RevertedAt = &t
		}
		l.Grain, l.Unit, l.AnomgenVersion = r.get("grain"), r.get("unit"), r.get("anomgen_version")
		if m := fl("magnitude"); m != nil {
			l.Magnitude = *m
		}
		l.BaselineValue, l.InjectedValue = fl("baseline_value"), fl("injected_value")
		l.RowsAffected, l.Seed = in("rows_affected"), in("seed")
		if len(errs) == 0 {
			if err := checkLabel(&l); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			return nil, fmt.Errorf("%s:%d: %s", name, r.line, strings.Join(errs, "; "))
		}
		out = append(out, l)
	}
	return out, nil
}

// check reports a label the scorer cannot use.
func checkLabel(l *Label) error {
	switch {
	case l.Table == "":
		return fmt.Errorf("table is empty (every label names the table it changed)")
	case l.Start.IsZero() || l.End.IsZero():
		return fmt.Errorf("start and end are required (the affected range, RFC 3339 UTC)")
	case !l.End.After(l.Start):
		return fmt.Errorf("end %s is not after start %s (the range is half-open: [start, end))", fmtTime(l.End), fmtTime(l.Start))
	case l.Metric != "" && FamilyOf(l.Metric) == "":
		return fmt.Errorf("metric %q is not a metric family (use one of %s)", l.Metric, strings.Join(Families, ", "))
	}
	return nil
}

func isJSON(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && (t[0] == '[' || t[0] == '{')
}

// csvRow is one data row of a CSV file with a header.
type csvRow struct {
	line   int
	fields []string
	index  map[string]int
}

func (r csvRow) get(col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// readCSV reads CSV with a header row (names matched case-insensitively)
// that must hold the required columns.
func readCSV(name string, data []byte, required []string) ([]csvRow, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	index := map[string]int{}
	for i, h := range head {
		index[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s:1: the header has no column %s (the first row must name the columns, e.g. %s)", name, strings.Join(missing, ", "), strings.Join(required, ","))
	}
	var out []csvRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		out = append(out, csvRow{line: line, fields: rec, index: index})
	}
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// ParseTime reads RFC 3339, "YYYY-MM-DD HH:MM:SS" or a date; times without
// an offset are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time (use RFC 3339, e.g. 2026-11-20T00:00:00Z)", s)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func fmtFloatPtr(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}
