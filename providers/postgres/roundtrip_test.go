package postgres_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/postgres"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestPlanRoundTrip(t *testing.T) { providertest.PlanRoundTrip(t, postgres.Dialect{}) }
