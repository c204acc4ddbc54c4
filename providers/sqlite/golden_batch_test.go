package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, sqlite.Dialect{}) }
