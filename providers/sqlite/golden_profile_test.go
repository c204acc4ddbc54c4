package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

// TestGoldenProfile pins the SQL of anomgen profile.
func TestGoldenProfile(t *testing.T) { providertest.GoldenStats(t, sqlite.Dialect{}) }
