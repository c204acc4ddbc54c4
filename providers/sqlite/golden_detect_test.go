package sqlite_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlite"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, sqlite.Dialect{}) }
