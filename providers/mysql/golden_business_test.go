package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBusiness(t *testing.T) { providertest.GoldenBusiness(t, mysql.Dialect{}) }
