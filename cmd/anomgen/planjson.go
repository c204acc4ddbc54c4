package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/anomgen/anomgen/planner"
)

// The plan's JSON view (plan -json, show -json): a documented, versioned
// object built from the Plan value, described by docs/plan.schema.json and
// docs/plan-json.md. It is a view, not the saved plan file: fields are
// added in minor versions (1.x); a field removed or changed in meaning
// bumps the major version.

// planFormatVersion is the JSON view's format_version.
const planFormatVersion = "1.0"

type planView struct {
	FormatVersion  string          `json:"format_version"`
	AnomgenVersion string          `json:"anomgen_version"`
	Now            time.Time       `json:"now"`
	Lineage        string          `json:"lineage,omitempty"`
	Serial         int64           `json:"serial"`
	Drift          []driftView     `json:"drift"`
	Changes        []changeView    `json:"changes"`
	Summary        planSummaryView `json:"summary"`
	// Scheduled lists the anomalies the daemon runs; absent
	// when there are none.
	Scheduled []scheduledView `json:"scheduled,omitempty"`
}

// scheduledView is an anomaly with a schedule block: the daemon applies
// its occurrences, plan and apply only list it.
type scheduledView struct {
	Address  string     `json:"address"`
	Kind     string     `json:"kind"`
	Target   string     `json:"target"`
	Schedule string     `json:"schedule"`
	NextFire *time.Time `json:"next_fire"`
	// Applied is the occurrence applied now, absent when none.
	Applied *appliedOccurrenceView `json:"applied,omitempty"`
	Note    string                 `json:"note,omitempty"`
}

type appliedOccurrenceView struct {
	AppliedAt time.Time  `json:"applied_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Rows      int64      `json:"rows"`
	Journal   string     `json:"journal"`
}

// driftView is what changed outside anomgen, with the action the plan
// proposes for it.
type driftView struct {
	Address string   `json:"address"`
	Kind    string   `json:"kind"`
	Drift   string   `json:"drift"`
	Actions []string `json:"actions"`
}

type planSummaryView struct {
	Create  int `json:"create"`
	Replace int `json:"replace"`
	Destroy int `json:"destroy"`
	Expire  int `json:"expire"`
	NoOp    int `json:"no_op"`
}

type windowView struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
}

type metricView struct {
	Name      string  `json:"name"`
	Before    float64 `json:"before"`
	After     float64 `json:"after"`
	Estimated bool    `json:"estimated"`
}

type changeView struct {
	Address  string               `json:"address"`
	Kind     string               `json:"kind"`
	Category string               `json:"category"`
	Actions  []string             `json:"actions"`
	Reasons  []string             `json:"reasons"`
	Changed  []planner.AttrChange `json:"changed"`
	Target   string               `json:"target"`
	Source   string               `json:"source"`
	Table    string               `json:"table"`
	Column   string               `json:"column,omitempty"`
	// Window is absent for the whole table.
	Window *windowView `json:"window,omitempty"`
	// Rows and WindowRows are null when not counted.
	Rows       *int64 `json:"rows"`
	WindowRows *int64 `json:"window_rows"`
	// Unchanged counts chosen rows that would keep their values, left
	// out; NonFinite the window's NaN or ±Infinity values, left out.
	Unchanged  int64               `json:"unchanged,omitempty"`
	NonFinite  int64               `json:"non_finite,omitempty"`
	Effect     string              `json:"effect,omitempty"`
	Settings   []planner.Setting   `json:"settings"`
	Metric     *metricView         `json:"metric,omitempty"`
	Warnings   []string            `json:"warnings"`
	SQL        []planner.Statement `json:"sql"`
	ReverseSQL []planner.Statement `json:"reverse_sql"`
	Drift      string              `json:"drift,omitempty"`
	Nothing    string              `json:"nothing,omitempty"`
}

// planActions are a change's actions the way Terraform lists them: a
// replace deletes (rolls back) the old one, then creates the new one.
func planActions(a planner.Action) []string {
	switch a {
	case planner.Create:
		return []string{"create"}
	case planner.Replace:
		return []string{"delete", "create"}
	case planner.Destroy, planner.Expire:
		return []string{"delete"}
	}
	return []string{"no-op"}
}

func countOrNull(n int64) *int64 {
	if n < 0 {
		return nil
	}
	return &n
}

// nonNil keeps empty lists as [] in the JSON, never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// newPlanView builds the JSON view of p.
func newPlanView(p *planner.Plan) planView {
	v := planView{FormatVersion: planFormatVersion, AnomgenVersion: version, Now: p.Now.UTC(),
		Lineage: p.Lineage, Serial: p.Serial, Drift: []driftView{}, Changes: []changeView{}}
	for _, c := range p.Changes {
		if c.Drift != "" {
			v.Drift = append(v.Drift, driftView{Address: c.Address, Kind: c.Kind, Drift: c.Drift, Actions: planActions(c.Action)})
		}
	}
	for _, sc := range p.Scheduled {
		sv := scheduledView{Address: sc.Address, Kind: sc.Kind, Target: sc.Target, Schedule: sc.Schedule, NextFire: sc.Next, Note: sc.Note}
		if a := sc.Applied; a != nil {
			sv.Applied = &appliedOccurrenceView{AppliedAt: a.AppliedAt.UTC(), ExpiresAt: a.ExpiresAt, Rows: a.Rows, Journal: a.Journal.ID}
		}
		v.Scheduled = append(v.Scheduled, sv)
	}
	n := p.Counts()
	v.Summary = planSummaryView{Create: n[planner.Create], Replace: n[planner.Replace], Destroy: n[planner.Destroy], Expire: n[planner.Expire], NoOp: n[planner.NoOp]}
	for _, c := range p.Changes {
		cv := changeView{Address: c.Address, Kind: c.Kind, Actions: planActions(c.Action),
			Reasons: nonNil(c.Reasons), Changed: nonNil(c.Changed), Target: c.Target, Source: c.Source,
			Table: c.Table.String(), Column: c.Column, Rows: countOrNull(c.Rows), WindowRows: countOrNull(c.WindowRows),
			Unchanged: c.Unchanged, NonFinite: c.NonFinite, Effect: c.Effect, Settings: nonNil(c.Settings), SQL: nonNil(c.SQL), ReverseSQL: nonNil(c.ReverseSQL),
			Drift: c.Drift, Nothing: c.Nothing}
		if k := planner.LookupKind(c.Kind); k != nil {
			cv.Category = string(k.Category)
		}
		if c.Window != nil {
			cv.Window = &windowView{Start: c.Window.Start.UTC()}
			if !c.Window.End.IsZero() {
				end := c.Window.End.UTC()
				cv.Window.End = &end
			}
		}
		if c.Metric != nil {
			cv.Metric = &metricView{Name: c.Metric.Name, Before: c.Metric.Before, After: c.Metric.After, Estimated: c.Metric.Estimated}
		}
		cv.Warnings = nonNil(changeWarnings(c))
		v.Changes = append(v.Changes, cv)
	}
	return v
}

// writePlanJSON prints the JSON view of p, indented.
func writePlanJSON(w io.Writer, p *planner.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(newPlanView(p))
}
