package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenCopies(t *testing.T) { providertest.GoldenCopies(t, sqlite.Dialect{}) }
