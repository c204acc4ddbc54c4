package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenBusiness(t *testing.T) { providertest.GoldenBusiness(t, sqlserver.Dialect{}) }
