package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenFingerprint pins the query of a saved plan's fingerprints.
func TestGoldenFingerprint(t *testing.T) { providertest.GoldenFingerprint(t, mysql.Dialect{}) }
