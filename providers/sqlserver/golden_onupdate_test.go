package sqlserver_test

import (
	"testing"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers/providertest"
	"github.com/anomgen/anomgen/providers/sqlserver"
)

// TestGoldenOnUpdate pins what anomgen does with a rowversion column: it
// is never written (not in any SET or restore INSERT), and plan warns that
// rows written by the change or its rollback get new values there.
func TestGoldenOnUpdate(t *testing.T) {
	providertest.GoldenOnUpdate(t, sqlserver.Dialect{}, planner.Column{Name: "rv", Type: "timestamp", Class: planner.ClassOther,
		Generated: true, OnUpdate: "rowversion"})
}
