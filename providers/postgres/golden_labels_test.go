package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenLabels pins the SQL of labels.
func TestGoldenLabels(t *testing.T) { providertest.GoldenLabels(t, postgres.Dialect{}) }
