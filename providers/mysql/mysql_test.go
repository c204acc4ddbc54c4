package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGolden(t *testing.T) { providertest.Golden(t, mysql.Dialect{}) }
