package planner

import (
	"fmt"

	"github.com/anomgen/anomgen/state"
)

// Why a replace is planned (issue 12): the effective settings that differ
// from those the applied anomaly was applied with (state keeps them), and
// the reasons, as Terraform's action reasons say them.

// Reason texts of a replace.
const (
	ReasonSettingsChanged = "settings changed"
	ReasonRequested       = "replace requested (-replace)"
	ReasonTargetChanged   = "target, table or column changed"
	ReasonUnrecorded      = "declaration changed (the applied settings were not recorded: applied by an older anomgen)"
	ReasonWindowChanged   = "window or other declared attribute changed"
)

// replaceReasons compares the applied anomaly with the planned change.
func replaceReasons(prior *state.Anomaly, ch *Change, requested bool) ([]string, []AttrChange) {
	var reasons []string
	var changed []AttrChange
	before := map[string]string{}
	for _, s := range prior.Settings {
		before[s.Name] = s.Value
	}
	after := map[string]string{}
	for _, s := range ch.Settings {
		after[s.Name] = s.Value
		if b, ok := before[s.Name]; !ok || b != s.Value {
			if prior.Settings != nil {
				changed = append(changed, AttrChange{Name: s.Name, Before: b, After: s.Value})
			}
		}
	}
	for _, s := range prior.Settings {
		if _, ok := after[s.Name]; !ok {
			changed = append(changed, AttrChange{Name: s.Name, Before: s.Value})
		}
	}
	if prior.Target != ch.Target || prior.Column != ch.Column || prior.Journal.Table != ch.Table.Name || prior.Journal.TableSchema != ch.Table.Schema {
		if prior.Column != ch.Column {
			changed = append(changed, AttrChange{Name: "column", Before: prior.Column, After: ch.Column})
		}
		if prior.Target != ch.Target {
			changed = append(changed, AttrChange{Name: "target", Before: prior.Target, After: ch.Target})
		}
		reasons = append(reasons, ReasonTargetChanged)
	}
	if prior.ParamsHash != ch.ParamsHash {
		switch {
		case len(changed) > 0:
			reasons = append(reasons, ReasonSettingsChanged)
		case prior.Settings == nil:
			reasons = append(reasons, ReasonUnrecorded)
		default:
			reasons = append(reasons, ReasonWindowChanged)
		}
	}
	if requested {
		reasons = append(reasons, ReasonRequested)
	}
	return reasons, changed
}

// String renders an attribute change as plan shows it: volume: 0.3 → 0.5.
func (c AttrChange) String() string {
	b, a := c.Before, c.After
	if b == "" {
		b = "(unset)"
	}
	if a == "" {
		a = "(unset)"
	}
	return fmt.Sprintf("%s: %s → %s", c.Name, b, a)
}
