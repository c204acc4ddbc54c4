package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenNum(t *testing.T) { providertest.GoldenNum(t, sqlserver.Dialect{}) }
