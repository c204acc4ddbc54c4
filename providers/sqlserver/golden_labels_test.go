package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenLabels pins the SQL of labels.
func TestGoldenLabels(t *testing.T) { providertest.GoldenLabels(t, sqlserver.Dialect{}) }
