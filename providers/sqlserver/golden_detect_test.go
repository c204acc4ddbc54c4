package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlserver"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, sqlserver.Dialect{}) }
