package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenProfile pins the SQL of anomgen profile.
func TestGoldenProfile(t *testing.T) { providertest.GoldenStats(t, sqlserver.Dialect{}) }
