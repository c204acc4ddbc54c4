package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenCopies(t *testing.T) { providertest.GoldenCopies(t, postgres.Dialect{}) }
