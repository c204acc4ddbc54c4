package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenFingerprint pins the query of a saved plan's fingerprints.
func TestGoldenFingerprint(t *testing.T) { providertest.GoldenFingerprint(t, sqlserver.Dialect{}) }
