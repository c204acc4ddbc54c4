package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenDetect pins the SQL of anomgen detect.
func TestGoldenDetect(t *testing.T) { providertest.GoldenDetect(t, mysql.Dialect{}) }
