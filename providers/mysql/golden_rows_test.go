package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenRows(t *testing.T) { providertest.GoldenRows(t, mysql.Dialect{}) }
