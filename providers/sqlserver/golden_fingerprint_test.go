package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlserver"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenFingerprint pins the query of a saved plan's fingerprints.
func TestGoldenFingerprint(t *testing.T) { providertest.GoldenFingerprint(t, sqlserver.Dialect{}) }
