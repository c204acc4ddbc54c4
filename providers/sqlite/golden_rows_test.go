package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenRows(t *testing.T) { providertest.GoldenRows(t, sqlite.Dialect{}) }
