package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGolden(t *testing.T) { providertest.Golden(t, postgres.Dialect{}) }
