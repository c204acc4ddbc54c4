package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenSegments(t *testing.T) { providertest.GoldenSegments(t, mysql.Dialect{}) }
