package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

func TestGoldenSegments(t *testing.T) { providertest.GoldenSegments(t, sqlite.Dialect{}) }
