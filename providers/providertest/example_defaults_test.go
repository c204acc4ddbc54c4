package providertest

import (
	"reflect"
	"testing"

	"github.com/anomgen/anomgen/planner"
)

func TestKindExampleDefaults(t *testing.T) {
	// null_rate's example sets volume and a window: both go, the target
	// and column stay.
	got := KindExampleDefaults(t, planner.LookupKind("null_rate"))
	want := ExampleDefaults{
		Attrs:   map[string]string{"target": "target = target.orders", "column": `column = "email"`},
		Strings: map[string]string{"column": "email"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("null_rate:\n got %#v\nwant %#v", got, want)
	}
	// segment_drop's segment block stays whole, with its column.
	got = KindExampleDefaults(t, planner.LookupKind("segment_drop"))
	wantSeg := []ExampleSegment{{Text: "segment {\n    column = \"channel\"\n    values = [\"store\"]\n  }", Column: "channel"}}
	if !reflect.DeepEqual(got.Segments, wantSeg) || len(got.Attrs) != 1 || got.Attrs["target"] == "" {
		t.Errorf("segment_drop: %#v", got)
	}
}
