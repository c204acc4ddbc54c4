package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

func TestGoldenCopies(t *testing.T) { providertest.GoldenCopies(t, sqlserver.Dialect{}) }
