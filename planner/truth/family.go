package truth

import "strings"

// The metric families a label names and an alert is classified by.
const (
	RowCount      = "row_count"
	Freshness     = "freshness"
	NullShare     = "null_share"
	Mean          = "mean"
	Stddev        = "stddev"
	CategoryShare = "category_share"
	Distinct      = "distinct"
	Uniqueness    = "uniqueness"
	Referential   = "referential"
	Format        = "format"
	Schema        = "schema"
)

// Families lists the metric families.
var Families = []string{RowCount, Freshness, NullShare, Mean, Stddev, CategoryShare, Distinct, Uniqueness, Referential, Format, Schema}

// aliases maps the metric names monitors use (lower case, with spaces and
// dashes as underscores) to a family. A family's own name maps to itself.
var aliases = map[string]string{
	// volume
	"row_count": RowCount, "volume": RowCount, "rows": RowCount, "count": RowCount, "row_count_anomalies": RowCount, "volume_anomalies": RowCount,
	// freshness
	"freshness": Freshness, "freshness_lag": Freshness, "lag": Freshness, "latency": Freshness, "timeliness": Freshness,
	"future_rows": Freshness, "future_share": Freshness, "freshness_anomalies": Freshness, "event_freshness": Freshness,
	// completeness
	"null_share": NullShare, "null_rate": NullShare, "null_count": NullShare, "null_percent": NullShare, "nulls": NullShare,
	"completeness": NullShare, "empty_share": NullShare, "empty_rate": NullShare, "missing_count": NullShare, "missing_percent": NullShare,
	// distribution
	"mean": Mean, "average": Mean, "avg": Mean, "sum": Mean, "min": Mean, "max": Mean, "median": Mean,
	"stddev": Stddev, "standard_deviation": Stddev, "variance": Stddev, "std": Stddev,
	"category_share": CategoryShare, "category": CategoryShare, "dimension": CategoryShare, "dimension_anomalies": CategoryShare, "distribution": CategoryShare,
	// cardinality
	"distinct": Distinct, "distinct_count": Distinct, "cardinality": Distinct, "distinct_percent": Distinct,
	"uniqueness": Uniqueness, "duplicate_ratio": Uniqueness, "duplicates": Uniqueness, "duplicate_count": Uniqueness, "unique": Uniqueness,
	// integrity and validity
	"referential": Referential, "orphans": Referential, "orphan_share": Referential, "relationships": Referential, "foreign_key": Referential,
	"format": Format, "shape_share": Format, "validity": Format, "pattern": Format, "regex": Format, "invalid_share": Format, "length": Format,
	// schema
	"schema": Schema, "schema_change": Schema, "schema_changes": Schema, "columns": Schema,
}

// FamilyOf returns the family of a metric name (a family or a known alias),
// or "" when the name is unknown.
func FamilyOf(metric string) string {
	m := strings.ToLower(strings.TrimSpace(metric))
	m = strings.NewReplacer(" ", "_", "-", "_").Replace(m)
	return aliases[m]
}

// groups are families that move together: an alert on one member matches
// a label on another (an outlier moves the mean and the stddev; a duplicate
// key lowers the distinct count and raises the duplicate ratio; a case
// change or an invalid label shows as a new category and a broken shape).
var groups = [][]string{
	{Mean, Stddev},
	{Distinct, Uniqueness},
	{CategoryShare, Format, Distinct},
	{Referential, Format},
}

// Compatible reports whether an alert on metric alert can detect a label
// on metric family label: the same family, or two families of one group.
// A label without a metric accepts any alert; an alert whose metric is
// not known matches only a label without a metric.
func Compatible(label, alert string) bool {
	if strings.TrimSpace(label) == "" {
		return true
	}
	lf, af := FamilyOf(label), FamilyOf(alert)
	if lf == "" || af == "" {
		return false
	}
	if lf == af {
		return true
	}
	for _, g := range groups {
		if in(g, lf) && in(g, af) {
			return true
		}
	}
	return false
}

func in(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
