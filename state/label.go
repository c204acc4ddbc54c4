package state

import "time"

// Label is the ground truth of one applied occurrence of an anomaly: what
// was changed, where, when, and by how much, measured before and after.
// It outlives the rollback (state and the label table beside the
// journals); planner/truth encodes, decodes and scores it.
type Label struct {
	// AnomalyID identifies the occurrence (the journal id).
	AnomalyID string `json:"anomaly_id"`
	// Address is the anomaly's address, e.g. anomaly.null_rate.email_nulls.
	Address   string `json:"address"`
	Workspace string `json:"workspace"`
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	// Source is the source address, e.g. source.postgres.shop.
	Source string `json:"source"`
	// Table is the table as the target names it (schema-qualified or not).
	Table string `json:"table"`
	// Column is empty for a table-level anomaly (volume, freshness, schema).
	Column string `json:"column"`
	// Segment is the readable segment condition, e.g. channel = 'web'.
	Segment string `json:"segment"`
	// Metric is the metric family that catches the anomaly (Families).
	Metric string `json:"metric"`
	// Start and End bound the affected range of the table's time column:
	// [Start, End), UTC.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// InjectedAt is when apply committed the change; RevertedAt when it was
	// rolled back (nil while applied).
	InjectedAt time.Time  `json:"injected_at"`
	RevertedAt *time.Time `json:"reverted_at,omitempty"`
	// Grain is the bucket the figures are measured over: day or hour.
	Grain string `json:"grain"`
	// Magnitude is the anomaly's size in Unit (e.g. 0.3 share, -0.95
	// relative, 365 days).
	Magnitude float64 `json:"magnitude"`
	Unit      string  `json:"unit"`
	// BaselineValue and InjectedValue are the metric over the range as
	// anomgen measured it before and after the change (nil: not measured).
	BaselineValue *float64 `json:"baseline_value,omitempty"`
	InjectedValue *float64 `json:"injected_value,omitempty"`
	RowsAffected  int64    `json:"rows_affected"`
	Seed          int64    `json:"seed"`
	// AnomgenVersion is the version of anomgen that applied it.
	AnomgenVersion string `json:"anomgen_version"`
}
