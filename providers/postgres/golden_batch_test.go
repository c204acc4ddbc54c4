package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, postgres.Dialect{}) }
