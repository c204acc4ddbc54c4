package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenBatch(t *testing.T) { providertest.GoldenBatch(t, mysql.Dialect{}) }
