package executor

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/anomgen/anomgen/planner"
	"github.com/anomgen/anomgen/providers"
	"github.com/anomgen/anomgen/providers/sqlgen"
	"github.com/anomgen/anomgen/state"
)

// heldRows is a later anomaly of this workspace that holds rows a rollback
// found changed: it changed them again after the one rolled back, and
// keeps them in its journal.
type heldRows struct {
	anomaly *state.Anomaly
	rows    int64
	// all is set on the first entry only: the rows any of them holds.
	all int64
}

// heldBy finds which anomalies this workspace applied after prior, on the
// same rows (the same column, or whole rows), hold rows that prior's
// rollback r left alone as changed: their journals (listed in the state,
// kept in the catalog) hold the same keys. Such rows are not "changed by
// someone else": rolling back the later anomaly first restores both. A
// failed query only leaves the remark out.
func (e *Engine) heldBy(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, c *providers.Conn, prior *state.Anomaly, st *state.State, r sqlgen.Rollback) []heldRows {
	var later []*state.Anomaly
	for _, a := range st.Anomalies {
		if a.Address == prior.Address || a.Source != prior.Source || a.Status != "" || planner.Op(a.Journal.Op).Schema() ||
			!strings.EqualFold(a.Journal.Table, prior.Journal.Table) || !strings.EqualFold(a.Journal.TableSchema, prior.Journal.TableSchema) ||
			a.AppliedAt.Before(prior.AppliedAt) || !sameCells(prior, a) {
			continue
		}
		later = append(later, a)
	}
	sort.Slice(later, func(i, j int) bool { return later[i].AppliedAt.Before(later[j].AppliedAt) })
	count := func(js []state.Journal) int64 {
		stmt, ok := sqlgen.HeldBy(c.Dialect, prior.Journal, r, js)
		if !ok {
			return 0
		}
		e.emit(Event{Kind: EventStatement, Address: prior.Address, Message: stmt.SQL})
		var n int64
		if err := q.QueryRowContext(ctx, stmt.SQL, stmt.Args...).Scan(&n); err != nil {
			return 0
		}
		return n
	}
	var out []heldRows
	var all []state.Journal
	for _, a := range later {
		if n := count([]state.Journal{a.Journal}); n > 0 {
			out = append(out, heldRows{anomaly: a, rows: n})
			all = append(all, a.Journal)
		}
	}
	if len(out) == 1 {
		out[0].all = out[0].rows
	} else if len(out) > 1 {
		out[0].all = count(all)
	}
	return out
}

// sameCells reports whether a and b change the same cells: the same
// column (either of a swap's two), or whole rows (deletes and copies).
func sameCells(a, b *state.Anomaly) bool {
	if a.Column == "" || b.Column == "" {
		return true
	}
	for _, x := range []string{a.Column, a.Journal.With} {
		for _, y := range []string{b.Column, b.Journal.With} {
			if x != "" && strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

// conflictMessage is the warning of a rollback that left conflicts alone:
// the rows later anomalies of this workspace hold, named with the order
// that restores them, and the rows someone else changed, with -force.
func conflictMessage(prior *state.Anomaly, conflicts int64, keys []string, held []heldRows) string {
	kept := "they were left alone and their before-images stay in journal " + prior.Journal.ID
	if len(held) == 0 {
		return fmt.Sprintf("%d rows were changed by someone else after injection (keys %s); %s. Check them, then run `anomgen rollback -force %s` to overwrite them.",
			conflicts, strings.Join(keys, ", "), kept, prior.Address)
	}
	var names, by []string
	for i := len(held) - 1; i >= 0; i-- { // newest first: the order that restores them
		h := held[i]
		names = append(names, h.anomaly.Address)
		by = append(by, fmt.Sprintf("%s (%d rows, applied %s)", h.anomaly.Address, h.rows, h.anomaly.AppliedAt.UTC().Format("2006-01-02 15:04:05 UTC")))
	}
	later := "a later anomaly of this workspace holds them"
	if len(held) > 1 {
		later = "later anomalies of this workspace hold them"
	}
	msg := fmt.Sprintf("%d of its rows (keys %s) were changed again after it by %s: %s; %s. Roll back in the order that restores both, the later first: `anomgen rollback %s %s` (rollback runs the newest first), or `anomgen rollback -all`",
		held[0].all, strings.Join(keys, ", "), strings.Join(by, ", "), later, kept, strings.Join(names, " "), prior.Address)
	if other := conflicts - held[0].all; other > 0 {
		msg += fmt.Sprintf(". %d more rows were changed by someone else after injection: check them, then run `anomgen rollback -force %s` to overwrite them", other, prior.Address)
	}
	return msg + "."
}
