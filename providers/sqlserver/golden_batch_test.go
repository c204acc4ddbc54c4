package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, sqlserver.Dialect{}) }
