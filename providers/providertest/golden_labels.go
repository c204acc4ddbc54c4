package providertest

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/planner/truth"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// GoldenLabels pins the SQL of labels (sqlgen/labels.go) with dialect d:
// the label table's DDL, insert, revert and list, the metric queries
// apply measures before and after a change (every family the executor
// measures, on the batch scenario's mutations, and how the journal moved
// them where it tells), and the row-level truth
// read from update and delete journals. It compares with
// testdata/labels.golden, like Golden.
func GoldenLabels(t *testing.T, d sqlgen.Dialect) {
	var b goldenText
	write := b.write
	at := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	write("label table", sqlgen.Statement{SQL: sqlgen.LabelsEnsure(d, "anomgen")})
	write("insert", sqlgen.LabelInsert(d, "anomgen", "0123456789abcdef", "anomaly.null_rate.emails", at, `{"kind":"null_rate"}`))
	write("revert", sqlgen.LabelRevert(d, "anomgen", "0123456789abcdef", at.Add(time.Hour), `{"kind":"null_rate"}`))
	write("list", sqlgen.LabelList(d, "anomgen"))
	families := []string{truth.RowCount, truth.NullShare, truth.Mean, truth.Stddev, truth.Distinct, truth.Uniqueness}
	for _, ch := range planGolden(t, goldenBatchScenario, goldenBatchProfiles(), 3).Changes {
		for _, f := range families {
			if (f != truth.RowCount && f != truth.Uniqueness) && ch.Mutation.Column == nil {
				continue // column metrics of a table-level change
			}
			q, _, ok := sqlgen.LabelMetric(d, ch.Mutation, f)
			if !ok {
				fmt.Fprintf(&b, "-- %s: %s not measured\n\n", ch.Address, f)
				continue
			}
			write(ch.Address+": "+f, q)
			jt := d.JournalTable("anomgen", "0123456789abcdef")
			switch dq, unchanged, ok := sqlgen.LabelDelta(d, ch.Mutation, f, jt); {
			case !ok:
				fmt.Fprintf(&b, "-- %s: %s after the change read from the table again\n\n", ch.Address, f)
			case unchanged:
				fmt.Fprintf(&b, "-- %s: %s after the change is the figure before\n\n", ch.Address, f)
			default:
				write(ch.Address+": "+f+" moved, from the journal", dq)
				if sqlgen.BoundInBatch(d) && sqlgen.Batchable(d, ch.Mutation) {
					s, n, err := sqlgen.ApplyBatchNextDelta(d, "anomgen", "0123456789abcdef", ch.Mutation, sqlgen.NextRange{}, 10000, f)
					if err != nil {
						t.Fatal(err)
					}
					write(fmt.Sprintf("%s: %s moved, returned by each batch (%d figures after its last key)", ch.Address, f, n), s)
				}
			}
		}
	}
	for _, j := range []state.Journal{
		{Schema: "anomgen", ID: "0123456789abcdef", TableSchema: "shop", Table: "orders", Op: string(planner.OpUpdate), Column: "email", Key: []string{"id"}},
		{Schema: "anomgen", ID: "fedcba9876543210", TableSchema: "shop", Table: "order_lines", Op: string(planner.OpDelete), Key: []string{"order_id", "line"}},
	} {
		write("row-level truth, "+j.Op+" journal", sqlgen.LabelRows(d, j))
	}
	compareGolden(t, "labels", filepath.Join("testdata", "labels.golden"), b.String())
}
