package planner

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

// detect_strength.json holds what the detectability matrix measured
// (cmd/anomgen TestDetectMatrix, swept over the seven weekdays with
// ANOMGEN_DETECT_MATRIX_SWEEP=1 ANOMGEN_DETECT_MATRIX_UPDATE=1): per kind
// at its defaults, the metric anomgen detect -seasonality day_of_week
// flags it on and the range of |z| over the seven weekdays. `anomgen
// anomalies describe` prints it, the README lists it (a test checks they
// agree), and the matrix, which runs in the test suite, checks that each
// day's figure agrees with it.
//
//go:embed detect_strength.json
var detectStrengthJSON []byte

// DetectStrengthFile is detect_strength.json.
type DetectStrengthFile struct {
	// Measured is the last full day of the table the sweep ran on
	// (YYYY-MM-DD); the seven days measured end there.
	Measured string `json:"measured"`
	// Days is the seeded table's length; Table describes it, Monitor the
	// monitor's settings.
	Days    int                        `json:"days"`
	Table   string                     `json:"table"`
	Monitor string                     `json:"monitor"`
	Kinds   map[string]*DetectStrength `json:"kinds"`
}

// DetectStrength is one kind's measured strength.
type DetectStrength struct {
	// Family is the kind's metric family (kind_metrics.go); Metric the
	// detect metric of the strongest alert of that family, on Column
	// (empty: the table's).
	Family string `json:"family"`
	Metric string `json:"metric"`
	Column string `json:"column,omitempty"`
	// MinZ and MaxZ are the smallest and largest |z| over the seven
	// weekdays.
	MinZ float64 `json:"min_z"`
	MaxZ float64 `json:"max_z"`
	// Capped is true when the baseline never varied on any day (a share
	// always 0, a shape always 100%): detect then caps |z| at 100 and the
	// figure says "new", not how strong.
	Capped bool `json:"capped"`
}

var detectStrength = sync.OnceValue(func() *DetectStrengthFile {
	var f DetectStrengthFile
	if err := json.Unmarshal(detectStrengthJSON, &f); err != nil {
		panic(fmt.Sprintf("planner/detect_strength.json: %v", err))
	}
	return &f
})

// DetectStrengths returns the recorded strengths by kind.
func DetectStrengths() map[string]*DetectStrength { return detectStrength().Kinds }

// DetectStrengthRecord returns the whole recording (its settings and the
// kinds).
func DetectStrengthRecord() *DetectStrengthFile { return detectStrength() }

// DetectStrength is the kind's recorded strength, or nil.
func (k *Kind) DetectStrength() *DetectStrength { return detectStrength().Kinds[k.Name] }

// Range renders the |z| range: "7.5–12.1", "100 (capped: ...)".
func (s *DetectStrength) Range() string {
	if s.Capped {
		return "100, capped (its baseline never varied: the value is new, the figure does not say how strong)"
	}
	if fmt.Sprintf("%.1f", s.MinZ) == fmt.Sprintf("%.1f", s.MaxZ) {
		return fmt.Sprintf("%.1f", s.MinZ)
	}
	return fmt.Sprintf("%.1f–%.1f", s.MinZ, s.MaxZ)
}
