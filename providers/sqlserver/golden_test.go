package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGolden(t *testing.T) { providertest.Golden(t, sqlserver.Dialect{}) }
