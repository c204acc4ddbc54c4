package truth

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Scoring (anomgen score). An alert matches a label when:
//
//   - the tables are the same, compared without case, and by the table name
//     alone when either side has no schema (public.orders matches orders);
//   - the label names no column (a table-level label matches an alert on
//     any column), or the alert's column is the label's (without case);
//   - the metrics are compatible (Compatible);
//   - the alert's bucket [bucket_start, bucket_end) overlaps the label's
//     range widened by the tolerance on both sides,
//     [start − tolerance, end + tolerance).
//
// Recall by existence is the share of labels with at least one matching
// alert; an alert matching no label is a false positive; the latency of a
// detected label is the earliest detected_at of its matching alerts minus
// the label's start.
//
// The range-based figures follow Tatbul et al., "Precision and Recall for
// Time Series" (NeurIPS 2018) with α = 0 (no existence reward), a flat
// positional bias and the cardinality factor 1/x:
//
//   - predictions: the alerts are merged per (table, column, metric family)
//     into maximal runs of overlapping or adjacent buckets, so that a
//     duplicate alert, or one monitor's alerts on consecutive days, is one
//     prediction P (duplicates neither count twice for recall nor inflate
//     precision);
//   - for a label R, the predictions considered are those of its matching
//     alerts; recall(R) = Σ_P |R ∩ P| / |R| × γ(R), γ = 1/x where x is the
//     number of those predictions overlapping R in time (1 when x ≤ 1);
//   - for a prediction P, the labels considered are those its alerts match;
//     precision(P) = Σ_R |P ∩ R| / |P| × γ(P), γ = 1/x over the labels
//     overlapping P in time (a prediction matching no label scores 0);
//   - range recall is the mean over labels, range precision the mean over
//     predictions, F1 their harmonic mean.
//
// The overlaps |R ∩ P| are exact time overlaps: the tolerance widens
// matching (existence, false positives, latency), not the range figures,
// so an alert on the day after the range counts as a detection but adds
// nothing to range recall or precision. An instant alert (no bucket_end)
// counts for existence only.

// ScoreOptions tune matching.
type ScoreOptions struct {
	// Tolerance widens each label's range on both sides for matching.
	Tolerance time.Duration
}

// Score is the outcome of matching alerts to labels.
type Score struct {
	Labels   int `json:"labels"`
	Alerts   int `json:"alerts"`
	Detected int `json:"detected"`
	// RecallExistence is Detected / Labels (nil without labels).
	RecallExistence *float64 `json:"recall_existence"`
	// Predictions is the number of merged alert runs.
	Predictions    int      `json:"predictions"`
	RangePrecision *float64 `json:"range_precision"`
	RangeRecall    *float64 `json:"range_recall"`
	RangeF1        *float64 `json:"range_f1"`
	// Latency of the detected labels, in seconds (nil when none).
	LatencyMedian *float64 `json:"latency_median_seconds"`
	LatencyMax    *float64 `json:"latency_max_seconds"`
	// ByKind and ByCategory break recall and latency down.
	ByKind     []Group `json:"by_kind"`
	ByCategory []Group `json:"by_category"`
	// Results is one line per label.
	Results []LabelResult `json:"results"`
	// FalsePositives are the alerts that match no label.
	FalsePositives []Alert `json:"false_positives"`
}

// Group is the recall and latency of the labels of one kind or category.
type Group struct {
	Name            string   `json:"name"`
	Labels          int      `json:"labels"`
	Detected        int      `json:"detected"`
	RecallExistence float64  `json:"recall_existence"`
	RangeRecall     float64  `json:"range_recall"`
	LatencyMedian   *float64 `json:"latency_median_seconds"`
}

// LabelResult is one label's outcome.
type LabelResult struct {
	AnomalyID string    `json:"anomaly_id"`
	Address   string    `json:"address"`
	Kind      string    `json:"kind"`
	Table     string    `json:"table"`
	Column    string    `json:"column"`
	Metric    string    `json:"metric"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	// Alerts is the number of distinct matching alerts.
	Alerts      int      `json:"alerts"`
	Detected    bool     `json:"detected"`
	RangeRecall float64  `json:"range_recall"`
	Latency     *float64 `json:"latency_seconds,omitempty"`
	// MaxScore is the largest |score| of the matching alerts.
	MaxScore float64 `json:"max_score"`
}

// SameTable compares table names: without case, and by the name alone
// when either has no schema. Quotes are ignored.
func SameTable(a, b string) bool {
	norm := func(s string) []string {
		s = strings.ToLower(strings.NewReplacer(`"`, "", "`", "", "[", "", "]", "").Replace(strings.TrimSpace(s)))
		return strings.Split(s, ".")
	}
	x, y := norm(a), norm(b)
	if len(x) == 1 || len(y) == 1 {
		return x[len(x)-1] == y[len(y)-1]
	}
	return strings.Join(x, ".") == strings.Join(y, ".")
}

// Matches reports whether alert a matches label l (see the package
// comment on scoring).
func Matches(l *Label, a *Alert, tol time.Duration) bool {
	if !SameTable(l.Table, a.Table) {
		return false
	}
	if l.Column != "" && !strings.EqualFold(strings.TrimSpace(l.Column), strings.TrimSpace(a.Column)) {
		return false
	}
	if !Compatible(l.Metric, a.Metric) {
		return false
	}
	from, to := l.Start.Add(-tol), l.End.Add(tol)
	as, ae := a.BucketStart, a.BucketEnd
	if ae.IsZero() || !ae.After(as) {
		return !as.Before(from) && as.Before(to) // an instant
	}
	return as.Before(to) && ae.After(from)
}

// span is a half-open time range.
type span struct{ from, to time.Time }

func (s span) seconds() float64 { return s.to.Sub(s.from).Seconds() }

func overlap(a, b span) float64 {
	from, to := a.from, a.to
	if b.from.After(from) {
		from = b.from
	}
	if b.to.Before(to) {
		to = b.to
	}
	if !to.After(from) {
		return 0
	}
	return to.Sub(from).Seconds()
}

// prediction is a run of merged alerts of one (table, column, family).
type prediction struct {
	span
	alerts []int
}

// alertKey identifies an alert's channel for merging.
func alertKey(a *Alert) string {
	t := strings.ToLower(a.Table)
	f := FamilyOf(a.Metric)
	if f == "" {
		f = "?" + strings.ToLower(a.Metric)
	}
	return t + "\x00" + strings.ToLower(a.Column) + "\x00" + f
}

// predictions merges the alerts with a range into runs per channel; pred[i]
// is alert i's prediction (-1 for an instant alert).
func predictions(alerts []Alert) ([]prediction, []int) {
	byKey := map[string][]int{}
	var keys []string
	for i := range alerts {
		a := &alerts[i]
		if a.BucketEnd.IsZero() || !a.BucketEnd.After(a.BucketStart) {
			continue
		}
		k := alertKey(a)
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	of := make([]int, len(alerts))
	for i := range of {
		of[i] = -1
	}
	var out []prediction
	for _, k := range keys {
		idx := byKey[k]
		sort.SliceStable(idx, func(x, y int) bool { return alerts[idx[x]].BucketStart.Before(alerts[idx[y]].BucketStart) })
		for _, i := range idx {
			a := &alerts[i]
			if n := len(out); n > 0 && alertKey(&alerts[out[n-1].alerts[0]]) == k && !a.BucketStart.After(out[n-1].to) {
				if a.BucketEnd.After(out[n-1].to) {
					out[n-1].to = a.BucketEnd
				}
				out[n-1].alerts = append(out[n-1].alerts, i)
				of[i] = n - 1
				continue
			}
			out = append(out, prediction{span: span{a.BucketStart, a.BucketEnd}, alerts: []int{i}})
			of[i] = len(out) - 1
		}
	}
	return out, of
}

// Compute matches alerts to labels and computes the figures.
func Compute(labels []Label, alerts []Alert, o ScoreOptions) *Score {
	s := &Score{Labels: len(labels), Alerts: len(alerts), FalsePositives: []Alert{}, Results: []LabelResult{}}
	preds, predOf := predictions(alerts)
	// matched[i] lists the alerts matching label i; labelsOf[p] the labels
	// matched by some alert of prediction p.
	matched := make([][]int, len(labels))
	labelsOf := make([]map[int]bool, len(preds))
	for p := range labelsOf {
		labelsOf[p] = map[int]bool{}
	}
	hit := make([]bool, len(alerts))
	for i := range labels {
		for j := range alerts {
			if Matches(&labels[i], &alerts[j], o.Tolerance) {
				matched[i] = append(matched[i], j)
				hit[j] = true
				if p := predOf[j]; p >= 0 {
					labelsOf[p][i] = true
				}
			}
		}
	}
	for j := range alerts {
		if !hit[j] {
			s.FalsePositives = append(s.FalsePositives, alerts[j])
		}
	}

	var latencies []float64
	var rangeRecallSum float64
	for i := range labels {
		l := &labels[i]
		r := LabelResult{AnomalyID: l.AnomalyID, Address: l.Address, Kind: l.Kind, Table: l.Table, Column: l.Column, Metric: l.Metric, Start: l.Start, End: l.End}
		distinct := map[string]bool{}
		ps := map[int]bool{}
		var first time.Time
		for _, j := range matched[i] {
			a := &alerts[j]
			distinct[alertKey(a)+"\x00"+a.BucketStart.String()+"\x00"+a.BucketEnd.String()] = true
			if p := predOf[j]; p >= 0 {
				ps[p] = true
			}
			at := a.DetectedAt
			if at.IsZero() {
				at = a.BucketEnd
			}
			if at.IsZero() {
				at = a.BucketStart
			}
			if first.IsZero() || at.Before(first) {
				first = at
			}
			r.MaxScore = math.Max(r.MaxScore, math.Abs(a.Score))
		}
		r.Alerts = len(distinct)
		r.Detected = len(matched[i]) > 0
		if r.Detected {
			s.Detected++
			lat := first.Sub(l.Start).Seconds()
			r.Latency = &lat
			latencies = append(latencies, lat)
		}
		R := span{l.Start, l.End}
		var sum float64
		x := 0
		for p := range ps {
			if ov := overlap(R, preds[p].span); ov > 0 {
				sum += ov / R.seconds()
				x++
			}
		}
		if x > 1 {
			sum /= float64(x)
		}
		r.RangeRecall = sum
		rangeRecallSum += sum
		s.Results = append(s.Results, r)
	}
	s.Predictions = len(preds)
	if len(labels) > 0 {
		s.RecallExistence = ptr(float64(s.Detected) / float64(len(labels)))
		s.RangeRecall = ptr(rangeRecallSum / float64(len(labels)))
	}
	if len(preds) > 0 {
		var sum float64
		for p := range preds {
			P := preds[p].span
			var v float64
			x := 0
			for i := range labelsOf[p] {
				if ov := overlap(P, span{labels[i].Start, labels[i].End}); ov > 0 {
					v += ov / P.seconds()
					x++
				}
			}
			if x > 1 {
				v /= float64(x)
			}
			sum += v
		}
		s.RangePrecision = ptr(sum / float64(len(preds)))
	}
	if s.RangePrecision != nil && s.RangeRecall != nil {
		p, r := *s.RangePrecision, *s.RangeRecall
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		s.RangeF1 = &f
	}
	s.LatencyMedian, s.LatencyMax = median(latencies), maxOf(latencies)
	s.ByKind = groupBy(labels, s.Results, func(l *Label) string { return l.Kind })
	s.ByCategory = groupBy(labels, s.Results, func(l *Label) string { return l.Category })
	return s
}

func groupBy(labels []Label, results []LabelResult, key func(*Label) string) []Group {
	idx := map[string]int{}
	var out []Group
	lat := map[string][]float64{}
	for i := range labels {
		k := key(&labels[i])
		if k == "" {
			k = "(none)"
		}
		g, ok := idx[k]
		if !ok {
			g = len(out)
			idx[k] = g
			out = append(out, Group{Name: k})
		}
		out[g].Labels++
		out[g].RangeRecall += results[i].RangeRecall
		if results[i].Detected {
			out[g].Detected++
			lat[k] = append(lat[k], *results[i].Latency)
		}
	}
	for i := range out {
		g := &out[i]
		g.RecallExistence = float64(g.Detected) / float64(g.Labels)
		g.RangeRecall /= float64(g.Labels)
		g.LatencyMedian = median(lat[g.Name])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func ptr(f float64) *float64 { return &f }

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return ptr(s[n/2])
	}
	return ptr((s[n/2-1] + s[n/2]) / 2)
}

func maxOf(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	m := xs[0]
	for _, x := range xs[1:] {
		m = math.Max(m, x)
	}
	return &m
}
