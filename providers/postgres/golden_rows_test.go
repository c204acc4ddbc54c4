package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenRows(t *testing.T) { providertest.GoldenRows(t, postgres.Dialect{}) }
