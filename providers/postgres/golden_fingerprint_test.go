package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenFingerprint pins the query of a saved plan's fingerprints.
func TestGoldenFingerprint(t *testing.T) { providertest.GoldenFingerprint(t, postgres.Dialect{}) }
