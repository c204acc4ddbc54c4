package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenNum(t *testing.T) { providertest.GoldenNum(t, postgres.Dialect{}) }
