package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGolden(t *testing.T) { providertest.Golden(t, sqlite.Dialect{}) }
