package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenRows(t *testing.T) { providertest.GoldenRows(t, sqlserver.Dialect{}) }
