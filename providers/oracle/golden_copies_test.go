package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenCopies(t *testing.T) { providertest.GoldenCopies(t, oracle.Dialect{}) }
