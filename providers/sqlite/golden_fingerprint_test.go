package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlite"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenFingerprint pins the query of a saved plan's fingerprints.
func TestGoldenFingerprint(t *testing.T) { providertest.GoldenFingerprint(t, sqlite.Dialect{}) }
