package executor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anomgen/anomgen/config"
	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
)

// DetectTool is the tool name anomgen detect writes into its alerts.
const DetectTool = "anomgen-detect"

// CapZ is the |z| reported for a change against a baseline without
// variance (every prior bucket had the same value): the z-score is then
// not a measurement, so it is capped and the alert marked Capped.
const CapZ = 100

// DetectOptions tune the reference monitor.
type DetectOptions struct {
	// Grain is day or hour.
	Grain string
	// Baseline is the number of prior buckets a bucket is compared with
	// (seasonality none).
	Baseline int
	// Threshold is the |z| at and above which a bucket is an alert.
	Threshold float64
	// Seasonality is none or day_of_week: compare a bucket with the same
	// weekday (and hour) of the SeasonWeeks prior weeks.
	Seasonality string
	// Now is the time of the run: buckets are complete before the bucket
	// holding Now.
	Now time.Time
	// SnapshotDir keeps each target's schema snapshot between runs ("":
	// no schema check).
	SnapshotDir string
}

// SeasonWeeks is how many prior same-weekday buckets day_of_week
// seasonality compares with; at least MinBaseline of them must exist.
const SeasonWeeks = 4

// MinBaseline is the fewest prior buckets a z-score is computed from.
const MinBaseline = 2

// LowCardinality is the most distinct values a text column may have for
// detect to follow its category shares; categories below MinCategoryShare
// of the column's values are followed together as "(other)".
const (
	LowCardinality   = 50
	MinCategoryShare = 0.01
)

// DetectReport is the outcome of one target.
type DetectReport struct {
	Target string `json:"target"`
	Table  string `json:"table"`
	// Buckets is the number of complete buckets measured, from First to
	// Last (start times).
	Buckets     int       `json:"buckets"`
	First, Last time.Time `json:"-"`
	// Series is the number of metrics followed; Evaluated the number of
	// (metric, bucket) pairs that had a baseline.
	Series    int           `json:"series"`
	Evaluated int           `json:"evaluated"`
	Alerts    []truth.Alert `json:"alerts"`
	Notes     []string      `json:"notes,omitempty"`
}

// detectSDFloor is the smallest standard deviation a z-score divides by: a
// minimum per metric (one row, one distinct value, a minute of lag, a
// tenth of a percentage point of a share) and 1e-9 of the baseline mean.
func detectSDFloor(metric string, mean float64) float64 {
	min := 1e-12
	switch metric {
	case "row_count", "distinct":
		min = 1
	case "freshness_lag":
		min = 60
	case "null_share", "empty_share", "duplicate_ratio", "shape_share", "category_share":
		min = 0.001
	}
	return math.Max(min, 1e-9*math.Abs(mean))
}

// detectSeries is one metric of one column (or the table) over the buckets.
type detectSeries struct {
	column, metric, detail string
	values                 map[int]float64
}

// Detect measures the target's metrics per bucket of its time column with
// the dialect's aggregate queries, and flags the buckets whose |z| against
// their baseline reaches the threshold.
func Detect(ctx context.Context, conn *providers.Conn, t *config.Target, o DetectOptions) (*DetectReport, error) {
	if t.TimeColumn == "" {
		return nil, fmt.Errorf("%s has no time_column: detect measures a table per day or hour of it; add time_column = \"...\" to the target block", t.Addr())
	}
	if o.Baseline < MinBaseline {
		return nil, fmt.Errorf("-baseline %d: compare with at least %d prior buckets", o.Baseline, MinBaseline)
	}
	switch o.Seasonality {
	case "", "none", "day_of_week":
	default:
		return nil, fmt.Errorf("-seasonality %q: use none or day_of_week", o.Seasonality)
	}
	step := 24 * time.Hour
	if o.Grain == "hour" {
		step = time.Hour
	}
	d := conn.Dialect
	p, err := conn.Inspector.Profile(ctx, t.Table, t.TimeColumn)
	if err != nil {
		return nil, err
	}
	if p.Column(t.TimeColumn) == nil {
		return nil, fmt.Errorf("%s: table %s has no column %q (time_column)", t.Addr(), p.Table, t.TimeColumn)
	}
	now := o.Now.UTC()
	current := now.Truncate(step)
	spec := sqlgen.DetectSpec{TimeColumn: t.TimeColumn, Grain: o.Grain, Before: current, Shapes: map[string]string{}}
	rep := &DetectReport{Target: t.Addr(), Table: p.Table.String()}
	isKey := func(c string) bool { return len(p.PrimaryKey) == 1 && p.PrimaryKey[0] == c }

	// The commonest shape of each text column, and which text columns
	// have few enough values to follow their categories.
	var texts []string
	for _, c := range p.Columns {
		if c.Name != t.TimeColumn && c.Class == planner.ClassText && sqlgen.Comparable(d, c) {
			texts = append(texts, c.Name)
		}
	}
	for _, c := range texts {
		q := sqlgen.DetectTopShape(d, p, c, spec)
		var shape sql.NullString
		var n int64
		err := conn.DB.QueryRowContext(ctx, q.SQL, q.Args...).Scan(&shape, &n)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: the commonest shape of %s: %w", rep.Target, c, err)
		}
		if shape.Valid {
			spec.Shapes[c] = shape.String
		}
	}
	var categorical []string
	if len(texts) > 0 {
		q := sqlgen.DetectDistinct(d, p, texts, spec)
		counts := make([]int64, len(texts))
		ptrs := make([]any, len(texts))
		for i := range counts {
			ptrs[i] = &counts[i]
		}
		if err := conn.DB.QueryRowContext(ctx, q.SQL, q.Args...).Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("%s: distinct counts: %w", rep.Target, err)
		}
		for i, c := range texts {
			if counts[i] >= 2 && counts[i] <= LowCardinality && !isKey(c) {
				categorical = append(categorical, c)
			}
		}
	}

	// The bucketed aggregate pass.
	q, err := sqlgen.DetectMetrics(d, p, spec)
	if err != nil {
		return nil, err
	}
	rows, err := conn.DB.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("%s: measuring %s per %s: %w", rep.Target, p.Table, o.Grain, err)
	}
	type bucketRow struct {
		start time.Time
		vals  []any
	}
	var got []bucketRow
	for rows.Next() {
		vals, ptrs := providers.ScanSlots(len(q.Fields))
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		b, ok := detectBucketTime(vals[0])
		if !ok {
			rep.Notes = append(rep.Notes, fmt.Sprintf("a bucket of %s could not be read as a time (%v): left out", t.TimeColumn, vals[0]))
			continue
		}
		got = append(got, bucketRow{b, vals})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: measuring %s: %w", rep.Target, p.Table, err)
	}
	if len(got) == 0 {
		rep.Notes = append(rep.Notes, "no complete "+o.Grain+" holds rows")
		return rep, nil
	}
	// The buckets run from the first with rows to the last complete one,
	// so that trailing buckets without rows count 0.
	first, last := got[0].start, current.Add(-step)
	if last.Before(got[len(got)-1].start) {
		last = got[len(got)-1].start
	}
	n := int(last.Sub(first)/step) + 1
	rep.Buckets, rep.First, rep.Last = n, first, last
	idx := func(t time.Time) int { return int(t.Sub(first) / step) }

	all := map[string]*detectSeries{}
	var order []string
	put := func(column, metric, detail string, i int, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		k := column + "\x00" + metric + "\x00" + detail
		s := all[k]
		if s == nil {
			s = &detectSeries{column: column, metric: metric, detail: detail, values: map[int]float64{}}
			all[k] = s
			order = append(order, k)
		}
		s.values[i] = v
	}
	for i := 0; i < n; i++ {
		put("", "row_count", "", i, 0) // buckets without rows count 0
	}
	// The freshness lag at a bucket's end is measured from the latest time
	// up to then (a running maximum), so a bucket without rows has the lag
	// since the last row before it.
	latest := make([]time.Time, n)
	for _, br := range got {
		for j, f := range q.Fields {
			if f.Measure == "max_time" {
				if mt, ok := detectTimeValue(br.vals[j], p.TimeFormat); ok {
					latest[idx(br.start)] = mt
				}
			}
		}
	}
	var upTo time.Time
	for i := 0; i < n; i++ {
		if latest[i].After(upTo) {
			upTo = latest[i]
		}
		if !upTo.IsZero() {
			put(t.TimeColumn, "freshness_lag", "", i, first.Add(time.Duration(i+1)*step).Sub(upTo).Seconds())
		}
	}
	for _, br := range got {
		i := idx(br.start)
		per := map[string]map[string]float64{}
		var rowsN float64
		for j, f := range q.Fields {
			v := br.vals[j]
			switch f.Measure {
			case "bucket":
			case "rows":
				rowsN, _ = providers.ToFloat(v)
				put("", "row_count", "", i, rowsN)
			case "max_time": // above
			default:
				if x, ok := providers.ToFloat(v); ok {
					if per[f.Column] == nil {
						per[f.Column] = map[string]float64{}
					}
					per[f.Column][f.Measure] = x
				}
			}
		}
		if rowsN <= 0 {
			continue
		}
		for col, m := range per {
			nn, hasNN := m["non_null"]
			if hasNN {
				put(col, "null_share", "", i, 1-nn/rowsN)
			}
			if e, ok := m["empty"]; ok {
				put(col, "empty_share", "", i, e/rowsN)
			}
			if mean, ok := m["mean"]; ok && !isKey(col) { // a key's mean follows time
				put(col, "mean", "", i, mean)
				if sd, ok := m["stddev"]; ok {
					put(col, "stddev", "", i, sd)
				} else if sq, ok := m["mean_sq"]; ok && nn > 1 {
					put(col, "stddev", "", i, math.Sqrt(math.Max(0, (sq-mean*mean)*nn/(nn-1))))
				}
			}
			if dc, ok := m["distinct"]; ok {
				if !isKey(col) { // a key's distinct count is the row count
					put(col, "distinct", "", i, dc)
				}
				if nn > 0 {
					put(col, "duplicate_ratio", "", i, 1-dc/nn)
				}
			}
			if sh, ok := m["shape"]; ok && nn > 0 {
				put(col, "shape_share", spec.Shapes[col], i, sh/nn)
			}
		}
	}

	// Category shares of the low-cardinality text columns.
	for _, c := range categorical {
		cq, err := sqlgen.DetectCategories(d, p, c, spec)
		if err != nil {
			return nil, err
		}
		counts := map[int]map[string]float64{}
		totals := map[string]float64{}
		var sum float64
		rows, err := conn.DB.QueryContext(ctx, cq.SQL, cq.Args...)
		if err != nil {
			return nil, fmt.Errorf("%s: category shares of %s: %w", rep.Target, c, err)
		}
		for rows.Next() {
			var b, v any
			var k int64
			if err := rows.Scan(&b, &v, &k); err != nil {
				rows.Close()
				return nil, err
			}
			bt, ok := detectBucketTime(b)
			if !ok || v == nil {
				continue
			}
			val := detectText(v)
			i := idx(bt)
			if counts[i] == nil {
				counts[i] = map[string]float64{}
			}
			counts[i][val] += float64(k)
			totals[val] += float64(k)
			sum += float64(k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: category shares of %s: %w", rep.Target, c, err)
		}
		tracked := map[string]bool{}
		for v, k := range totals {
			if k/sum >= MinCategoryShare {
				tracked[v] = true
			}
		}
		for i := 0; i < n; i++ {
			m := counts[i]
			var tot float64
			for _, k := range m {
				tot += k
			}
			if tot == 0 {
				continue
			}
			other := 0.0
			for v := range tracked {
				put(c, "category_share", v, i, m[v]/tot)
			}
			for v, k := range m {
				if !tracked[v] {
					other += k
				}
			}
			put(c, "category_share", "(other)", i, other/tot)
		}
	}

	// z-scores against each bucket's baseline.
	sort.Strings(order)
	rep.Series = len(order)
	for _, k := range order {
		s := all[k]
		for i := 0; i < n; i++ {
			x, ok := s.values[i]
			if !ok {
				continue
			}
			mean, sd, nb := detectBaseline(s.values, i, o, step)
			if nb == 0 {
				continue
			}
			rep.Evaluated++
			// The spread of a new value around a mean of nb values.
			eff := math.Max(sd*math.Sqrt(1+1/float64(nb)), detectSDFloor(s.metric, mean))
			z := (x - mean) / eff
			capped := false
			if sd == 0 && math.Abs(z) > CapZ {
				z, capped = math.Copysign(CapZ, z), true
			}
			if math.Abs(z) < o.Threshold {
				continue
			}
			start := first.Add(time.Duration(i) * step)
			a := truth.Alert{Tool: DetectTool, Table: p.Table.String(), Column: s.column, Metric: s.metric,
				BucketStart: start, BucketEnd: start.Add(step), DetectedAt: now, Score: detectRound(z),
				Value: detectPtr(x), BaselineMean: detectPtr(mean), BaselineSD: detectPtr(sd), Capped: capped, Detail: s.detail}
			if s.metric == "shape_share" {
				a.Detail = "shape " + s.detail
			} else if s.metric == "category_share" {
				a.Detail = "value " + s.detail
			}
			rep.Alerts = append(rep.Alerts, a)
		}
	}

	// Rows dated in the future: a loaded table normally has none, so any
	// is flagged (capped: there is no variance to measure against).
	fq := sqlgen.DetectFuture(d, p, t.TimeColumn, now)
	var future int64
	var futureMax any
	if err := conn.DB.QueryRowContext(ctx, fq.SQL, fq.Args...).Scan(&future, &futureMax); err != nil {
		return nil, fmt.Errorf("%s: rows dated after now: %w", rep.Target, err)
	}
	if future > 0 {
		detail := fmt.Sprintf("%d rows dated after now", future)
		if lt, ok := detectTimeValue(futureMax, p.TimeFormat); ok {
			detail += ", the latest " + lt.UTC().Format(time.RFC3339)
		}
		f := float64(future)
		rep.Alerts = append(rep.Alerts, truth.Alert{Tool: DetectTool, Table: p.Table.String(), Column: t.TimeColumn, Metric: "future_rows",
			BucketStart: current, BucketEnd: now, DetectedAt: now, Score: CapZ, Value: &f, BaselineMean: detectPtr(0), BaselineSD: detectPtr(0), Capped: true, Detail: detail})
	}

	if o.SnapshotDir != "" {
		alerts, err := detectSchemaCheck(o.SnapshotDir, t.Name, p, now)
		if err != nil {
			return nil, err
		}
		rep.Alerts = append(rep.Alerts, alerts...)
	}
	sort.SliceStable(rep.Alerts, func(i, j int) bool {
		a, b := rep.Alerts[i], rep.Alerts[j]
		if !a.BucketStart.Equal(b.BucketStart) {
			return a.BucketStart.Before(b.BucketStart)
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Metric < b.Metric
	})
	return rep, nil
}

// detectBaseline returns the expected value of bucket i, the standard
// deviation of the metric around it, and the number of values the
// expectation is the mean of (0: no baseline):
//
//   - seasonality none: the mean and sample standard deviation of the prior
//     Baseline buckets (at least half of them, and MinBaseline, present);
//   - day_of_week: the mean of the same bucket of the SeasonWeeks prior weeks
//     (at least MinBaseline present), and the pooled standard deviation of
//     all the buckets of those weeks around their own weekday's (and hour's)
//     mean, so that the spread is measured on about four weeks of data even
//     though the expectation rests on four values.
func detectBaseline(values map[int]float64, i int, o DetectOptions, step time.Duration) (mean, sd float64, n int) {
	if o.Seasonality != "day_of_week" {
		var base []float64
		for j := i - o.Baseline; j < i; j++ {
			if v, ok := values[j]; ok {
				base = append(base, v)
			}
		}
		if len(base) < MinBaseline || len(base) < (o.Baseline+1)/2 {
			return 0, 0, 0
		}
		mean, sd = detectMeanSD(base)
		return mean, sd, len(base)
	}
	week := int(7 * 24 * time.Hour / step)
	var same []float64
	for k := 1; k <= SeasonWeeks; k++ {
		if v, ok := values[i-k*week]; ok {
			same = append(same, v)
		}
	}
	if len(same) < MinBaseline {
		return 0, 0, 0
	}
	classes := map[int][]float64{}
	for j := i - SeasonWeeks*week; j < i; j++ {
		if v, ok := values[j]; ok {
			c := (i - j) % week
			classes[c] = append(classes[c], v)
		}
	}
	var ss float64
	df := 0
	for _, vs := range classes {
		if len(vs) < 2 {
			continue
		}
		m, _ := detectMeanSD(vs)
		for _, v := range vs {
			ss += (v - m) * (v - m)
		}
		df += len(vs) - 1
	}
	if df < MinBaseline {
		return 0, 0, 0
	}
	mean, _ = detectMeanSD(same)
	return mean, math.Sqrt(ss / float64(df)), len(same)
}

// detectMeanSD is the mean and sample standard deviation.
func detectMeanSD(xs []float64) (float64, float64) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	if len(xs) < 2 {
		return mean, 0
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

func detectRound(f float64) float64 { return math.Round(f*1000) / 1000 }

func detectPtr(f float64) *float64 { return &f }

func detectText(v any) string {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// detectBucketTime reads a bucket: a date or timestamp, or text starting with
// YYYY-MM-DD, then optionally a space or T and the hour.
func detectBucketTime(v any) (time.Time, bool) {
	if t, ok := v.(time.Time); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, time.UTC), true
	}
	s := strings.TrimSpace(detectText(v))
	if len(s) < 10 {
		return time.Time{}, false
	}
	day, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return time.Time{}, false
	}
	if len(s) >= 13 && (s[10] == ' ' || s[10] == 'T') {
		if h, err := strconv.Atoi(s[11:13]); err == nil && h >= 0 && h < 24 {
			return day.Add(time.Duration(h) * time.Hour), true
		}
	}
	return day, true
}

var detectTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"}

// detectTimeValue reads a time column's value as the driver returns it: a time,
// text, or epoch seconds or milliseconds (f).
func detectTimeValue(v any, f planner.TimeFormat) (time.Time, bool) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false
	case time.Time:
		return x.UTC(), true
	case int64, float64, int32, int:
		n, _ := providers.ToFloat(x)
		if f.Epoch == "ms" {
			return time.UnixMilli(int64(n)).UTC(), true
		}
		return time.Unix(int64(n), 0).UTC(), true
	}
	s := strings.TrimSpace(detectText(v))
	if f.Layout != "" {
		if t, err := time.Parse(f.Layout, s); err == nil {
			return t.UTC(), true
		}
	}
	for _, l := range detectTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// detectSnapshot is a table's columns as one detect run saw them.
type detectSnapshot struct {
	Table   string         `json:"table"`
	TakenAt time.Time      `json:"taken_at"`
	Columns []detectColumn `json:"columns"`
}

type detectColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// detectSchemaCheck compares the table's columns with the snapshot of the
// previous run (dir/<target>.json), returns an alert per added, removed
// or retyped column, and saves the new snapshot. The first run only
// saves.
func detectSchemaCheck(dir, target string, p *planner.TableProfile, now time.Time) ([]truth.Alert, error) {
	path := filepath.Join(dir, target+".schema.json")
	cur := detectSnapshot{Table: p.Table.String(), TakenAt: now}
	for _, c := range p.Columns {
		cur.Columns = append(cur.Columns, detectColumn{Name: c.Name, Type: c.Type})
	}
	var alerts []truth.Alert
	if data, err := os.ReadFile(path); err == nil {
		var prev detectSnapshot
		if err := json.Unmarshal(data, &prev); err != nil {
			return nil, fmt.Errorf("schema snapshot %s: %w (delete it to start afresh)", path, err)
		}
		was := map[string]string{}
		for _, c := range prev.Columns {
			was[c.Name] = c.Type
		}
		is := map[string]string{}
		for _, c := range cur.Columns {
			is[c.Name] = c.Type
		}
		add := func(col, detail string) {
			alerts = append(alerts, truth.Alert{Tool: DetectTool, Table: p.Table.String(), Column: col, Metric: "schema",
				BucketStart: prev.TakenAt.UTC(), BucketEnd: now, DetectedAt: now, Score: CapZ, Capped: true, Detail: detail})
		}
		for _, c := range cur.Columns {
			t, ok := was[c.Name]
			switch {
			case !ok:
				add(c.Name, "column added ("+c.Type+")")
			case !strings.EqualFold(t, c.Type):
				add(c.Name, "type changed from "+t+" to "+c.Type)
			}
		}
		for _, c := range prev.Columns {
			if _, ok := is[c.Name]; !ok {
				add(c.Name, "column removed (was "+c.Type+")")
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(cur, "", "  ")
	if err != nil {
		return nil, err
	}
	return alerts, os.WriteFile(path, append(data, '\n'), 0o644)
}
