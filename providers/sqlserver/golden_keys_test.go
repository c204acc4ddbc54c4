package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenKeyCheck pins the SQL that checks a declared key.
func TestGoldenKeyCheck(t *testing.T) { providertest.GoldenKeyCheck(t, sqlserver.Dialect{}) }
