package planner

import "github.com/anomgen/anomgen/planner/truth"

// kindMetrics names, for each catalog kind, the metric family (truth.Families)
// a standard monitor catches it by: the one its Monitor text leads with.
// A label records it, anomgen detect computes it, and the scorer matches
// alerts to labels by it (truth.Compatible). kind_metrics_test.go checks
// that every kind has one.
var kindMetrics = map[string]string{
	// business
	"level_shift":        truth.Mean,
	"trend_change":       truth.Mean,
	"seasonality_break":  truth.RowCount,
	"category_mix_shift": truth.CategoryShare,
	"segment_spike":      truth.CategoryShare, // the segment's share of its column (SegmentShare)
	"segment_drop":       truth.CategoryShare,
	// pipeline
	"volume_drop":       truth.RowCount,
	"stale_data":        truth.Freshness,
	"late_arrival":      truth.RowCount,
	"volume_spike":      truth.RowCount,
	"duplicate_rows":    truth.Uniqueness,
	"missing_partition": truth.RowCount,
	"stuck_values":      truth.Distinct,
	// quality
	"null_rate":           truth.NullShare,
	"empty_values":        truth.NullShare,
	"numeric_shift":       truth.Mean,
	"unit_change":         truth.Mean,
	"negative_values":     truth.Mean,
	"outliers":            truth.Stddev,
	"variance_change":     truth.Stddev,
	"precision_loss":      truth.Distinct,
	"duplicate_keys":      truth.Uniqueness,
	"orphan_references":   truth.Referential,
	"timestamp_shift":     truth.Freshness,
	"future_dates":        truth.Freshness,
	"encoding_corruption": truth.Format,
	"date_format":         truth.Format,
	"string_case":         truth.Format,
	"whitespace_padding":  truth.Format,
	"truncation":          truth.Format,
	"format_change":       truth.Format,
	"sentinel_values":     truth.Format,
	"typos":               truth.CategoryShare,
	"invalid_category":    truth.CategoryShare,
	"swapped_columns":     truth.CategoryShare,
	// schema
	"schema_add_column":    truth.Schema,
	"schema_drop_column":   truth.Schema,
	"schema_rename_column": truth.Schema,
	"schema_change_type":   truth.Schema,
}

// MetricFamily is the metric family that catches the kind (truth.Families),
// or "" for a kind without one.
func (k *Kind) MetricFamily() string { return kindMetrics[k.Name] }

// MetricFamilyFor is the family for the kind on column c (nil: a
// table-level anomaly): on a numeric column, a sentinel or a swapped
// value shows in the mean, not in the shape or the category shares.
func (k *Kind) MetricFamilyFor(c *Column) string {
	f := k.MetricFamily()
	if c != nil && c.Class.Numeric() && (k.Name == "sentinel_values" || k.Name == "swapped_columns") {
		return truth.Mean
	}
	return f
}

// SegmentShare reports whether the kind changes the volume of one segment
// (segment_spike, segment_drop): its metric family is category_share, the
// segment's share of the rows, which moves far more than the table's row
// count when the segment is a minority (a quarter of the rows deleted is
// a quarter off the count, but a share from 25% to 0). Its label names
// the segment's column and measures that share.
func (k *Kind) SegmentShare() bool { return k.Name == "segment_spike" || k.Name == "segment_drop" }
