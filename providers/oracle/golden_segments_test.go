package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenSegments(t *testing.T) { providertest.GoldenSegments(t, oracle.Dialect{}) }
