package truth

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestLabelRoundTrip: a label written as CSV or JSON reads back equal.
func TestLabelRoundTrip(t *testing.T) {
	b, inj := 0.004, 0.3
	rev := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	in := []Label{{AnomalyID: "j1", Address: "anomaly.null_rate.e", Workspace: "w", Kind: "null_rate", Category: "quality", Source: "source.sqlite.shop",
		Table: "shop.orders", Column: "email", Segment: "channel = 'web', \"quoted\"", Metric: "null_share",
		Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC),
		InjectedAt: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), RevertedAt: &rev, Grain: "day", Magnitude: 0.3, Unit: "share",
		BaselineValue: &b, InjectedValue: &inj, RowsAffected: 360, Seed: 7, AnomgenVersion: "0.1.0"},
		{Table: "orders", Metric: "row_count", Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}}
	var c, j bytes.Buffer
	if err := WriteLabelsCSV(&c, in); err != nil {
		t.Fatal(err)
	}
	if err := WriteLabelsJSON(&j, in); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"labels.csv": c.Bytes(), "labels.json": j.Bytes()} {
		out, err := ReadLabels(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", name, out, in)
		}
	}
	if !strings.HasPrefix(c.String(), strings.Join(LabelColumns, ",")+"\n") {
		t.Errorf("CSV header: %q", strings.SplitN(c.String(), "\n", 2)[0])
	}
	if _, err := ReadLabels("x.csv", []byte("table,start,end,metric\norders,2026-11-20,2026-11-21,volumez\n")); err == nil || !strings.Contains(err.Error(), "x.csv:2") || !strings.Contains(err.Error(), "row_count") {
		t.Errorf("an unknown metric family should be named with file:line and the families: %v", err)
	}
}

// TestCompatible pins the compatibility table of docs/labels.md.
func TestCompatible(t *testing.T) {
	for _, c := range []struct {
		label, alert string
		want         bool
	}{
		{"row_count", "volume", true}, {"row_count", "Row Count", true}, {"null_share", "empty_share", true},
		{"mean", "stddev", true}, {"uniqueness", "distinct", true}, {"format", "category_share", true},
		{"row_count", "null_share", false}, {"freshness", "row_count", false}, {"schema", "mean", false},
		{"", "anything", true}, {"mean", "made_up", false},
	} {
		if got := Compatible(c.label, c.alert); got != c.want {
			t.Errorf("Compatible(%q, %q) = %v, want %v", c.label, c.alert, got, c.want)
		}
	}
	if !SameTable("public.Orders", "orders") || !SameTable(`"shop"."orders"`, "SHOP.ORDERS") || SameTable("a.orders", "b.orders") {
		t.Errorf("SameTable")
	}
}
