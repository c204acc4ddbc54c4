// Package conformance is the one live suite every database runs: it drives
// the executor (plan, count, apply, rollback) against a real database and
// checks each kind's effect, exact counts, journals and byte-identical
// rollbacks against figures computed independently in Go.
//
// Each provider's tests build one Backend (its database, dialect and
// column types) and call Run; Run fails when a kind of the catalog that
// runs on that database was never applied and rolled back by any part of
// the suite, so a new kind cannot go untested.
package conformance

import (
	"sort"
	"sync"
	"testing"

	"github.com/anomgen/anomgen/planner"
)

// Run runs every part of the suite against b, then checks that every kind
// of the catalog that runs on b's database (planner.Kind.UnsupportedOn)
// was applied and rolled back at least once. b.Profile and b.Rental, when
// set, add the profile statistics and the rental-shop schema.
func Run(t *testing.T, b Backend) {
	cov := &coverage{applied: map[string]bool{}, rolledBack: map[string]bool{}}
	b.coverage = cov
	t.Run("parts", func(t *testing.T) {
		t.Run("core", func(t *testing.T) { t.Parallel(); RunSuite(t, b) })
		t.Run("rows", func(t *testing.T) { t.Parallel(); RunRowKinds(t, b) })
		t.Run("schema", func(t *testing.T) { t.Parallel(); RunSchemaKinds(t, b) })
		t.Run("numbers", func(t *testing.T) { t.Parallel(); RunNumKinds(t, b) })
		t.Run("text", func(t *testing.T) { t.Parallel(); RunTextKinds(t, b) })
		t.Run("edits", func(t *testing.T) { t.Parallel(); RunEditKinds(t, b) })
		t.Run("swaps", func(t *testing.T) { t.Parallel(); RunSwapKinds(t, b) })
		t.Run("segments", func(t *testing.T) { t.Parallel(); RunSegments(t, b) })
		t.Run("business", func(t *testing.T) { t.Parallel(); RunBusinessKinds(t, b) })
		t.Run("batches", func(t *testing.T) { t.Parallel(); RunBatches(t, b) }) // suite_batch.go
		t.Run("sweeps", func(t *testing.T) { t.Parallel(); RunSweeps(t, b) })   // suite_sweep.go
		if b.Profile != nil {
			t.Run("profile", func(t *testing.T) { t.Parallel(); RunProfile(t, *b.Profile) })
		}
		if b.Rental != nil {
			t.Run("rentalshop", func(t *testing.T) { t.Parallel(); RunRentalShop(t, *b.Rental) })
		}
	})
	if t.Skipped() || t.Failed() {
		return
	}
	t.Run("coverage", func(t *testing.T) {
		missing := cov.missing(b.Name)
		for _, m := range missing {
			t.Errorf("kind %s runs on %s but no part of the conformance suite applied and rolled it back: add a case for it", m, b.Name)
		}
	})
}

// coverage records the kinds the suite applied and rolled back.
type coverage struct {
	mu                  sync.Mutex
	applied, rolledBack map[string]bool
}

func (c *coverage) record(kind string, action planner.Action) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch action {
	case planner.Create, planner.Replace:
		c.applied[kind] = true
	case planner.Destroy, planner.Expire:
		c.rolledBack[kind] = true
	}
}

// missing lists the kinds that run on database but were not both applied
// and rolled back.
func (c *coverage) missing(database string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, k := range planner.Kinds() {
		if k.UnsupportedOn(database) != "" {
			continue
		}
		if !c.applied[k.Name] || !c.rolledBack[k.Name] {
			out = append(out, k.Name)
		}
	}
	sort.Strings(out)
	return out
}
