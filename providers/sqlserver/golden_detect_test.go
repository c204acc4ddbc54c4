package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, sqlserver.Dialect{}) }
