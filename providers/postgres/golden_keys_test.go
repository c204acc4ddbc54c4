package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenKeyCheck pins the SQL that checks a declared key.
func TestGoldenKeyCheck(t *testing.T) { providertest.GoldenKeyCheck(t, postgres.Dialect{}) }
