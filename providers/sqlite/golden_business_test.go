package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenBusiness(t *testing.T) { providertest.GoldenBusiness(t, sqlite.Dialect{}) }
