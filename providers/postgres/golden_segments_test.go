package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenSegments(t *testing.T) { providertest.GoldenSegments(t, postgres.Dialect{}) }
