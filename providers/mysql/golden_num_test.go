package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenNum(t *testing.T) { providertest.GoldenNum(t, mysql.Dialect{}) }
