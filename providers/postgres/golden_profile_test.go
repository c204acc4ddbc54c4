package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenProfile pins the SQL of anomgen profile.
func TestGoldenProfile(t *testing.T) { providertest.GoldenStats(t, postgres.Dialect{}) }
