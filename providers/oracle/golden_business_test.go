package oracle_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/oracle"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBusiness(t *testing.T) { providertest.GoldenBusiness(t, oracle.Dialect{}) }
