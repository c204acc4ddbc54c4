package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenLabels pins the SQL of labels.
func TestGoldenLabels(t *testing.T) { providertest.GoldenLabels(t, oracle.Dialect{}) }
