package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestPlanRoundTrip(t *testing.T) { providertest.PlanRoundTrip(t, sqlite.Dialect{}) }
