package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenRows(t *testing.T) { providertest.GoldenRows(t, oracle.Dialect{}) }
