package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenProfile pins the SQL of anomgen profile.
func TestGoldenProfile(t *testing.T) { providertest.GoldenStats(t, oracle.Dialect{}) }
