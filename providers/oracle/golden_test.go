package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGolden(t *testing.T) { providertest.Golden(t, oracle.Dialect{}) }
