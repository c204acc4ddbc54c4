package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, oracle.Dialect{}) }
