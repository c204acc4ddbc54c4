package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/sqlite"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, sqlite.Dialect{}) }
