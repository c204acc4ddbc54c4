package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlserver"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, sqlserver.Dialect{}) }
