package mysql_test

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/mysql"
	"github.com/anomgen/anomgen/providers/providertest"
)

// TestGoldenOnUpdate pins the statements that keep a TIMESTAMP ... ON
// UPDATE CURRENT_TIMESTAMP column unchanged through apply and rollback.
func TestGoldenOnUpdate(t *testing.T) {
	providertest.GoldenOnUpdate(t, mysql.Dialect{}, planner.Column{Name: "updated_at", Type: "timestamp", Class: planner.ClassTime,
		Default: "current_timestamp()", OnUpdate: "CURRENT_TIMESTAMP"})
}
