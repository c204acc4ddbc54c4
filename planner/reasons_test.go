package planner

import (
	"testing"

	"github.com/anomgen/anomgen/state"
)

func TestReplaceReasons(t *testing.T) {
	prior := &state.Anomaly{Target: "orders", Column: "email", ParamsHash: "a",
		Settings: []state.Setting{{Name: "volume", Value: "0.3"}, {Name: "seed", Value: "1"}}}
	ch := &Change{Target: "orders", Column: "email", ParamsHash: "b",
		Settings: []Setting{{Name: "volume", Value: "0.5"}, {Name: "seed", Value: "1"}}}
	reasons, changed := replaceReasons(prior, ch, false)
	if len(reasons) != 1 || reasons[0] != ReasonSettingsChanged {
		t.Errorf("reasons %q", reasons)
	}
	if len(changed) != 1 || changed[0].String() != "volume: 0.3 → 0.5" {
		t.Errorf("changed %v", changed)
	}
	prior.ParamsHash, prior.Settings = "b", nil
	reasons, changed = replaceReasons(prior, ch, true)
	if len(reasons) != 1 || reasons[0] != ReasonRequested || len(changed) != 0 {
		t.Errorf("-replace: %q %v", reasons, changed)
	}
}
