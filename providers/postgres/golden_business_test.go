package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBusiness(t *testing.T) { providertest.GoldenBusiness(t, postgres.Dialect{}) }
