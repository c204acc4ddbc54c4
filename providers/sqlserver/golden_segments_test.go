package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenSegments(t *testing.T) { providertest.GoldenSegments(t, sqlserver.Dialect{}) }
