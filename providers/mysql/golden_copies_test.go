package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

func TestGoldenCopies(t *testing.T) { providertest.GoldenCopies(t, mysql.Dialect{}) }
