package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenNum(t *testing.T) { providertest.GoldenNum(t, oracle.Dialect{}) }
