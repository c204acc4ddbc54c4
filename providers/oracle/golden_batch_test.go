package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, oracle.Dialect{}) }
