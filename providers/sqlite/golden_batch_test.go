package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlite"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, sqlite.Dialect{}) }
