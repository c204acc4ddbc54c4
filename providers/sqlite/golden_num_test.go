package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenNum(t *testing.T) { providertest.GoldenNum(t, sqlite.Dialect{}) }
