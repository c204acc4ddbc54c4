package planner

import "fmt"

// Limits that stop an accidental rewrite of a whole table.
const (
	// DefaultMaxRows is the most rows one anomaly may change unless its
	// block sets max_rows.
	DefaultMaxRows = 1_000_000
	// DefaultMaxRowsPerApply is the most rows one apply may change unless
	// apply -max-rows says otherwise.
	DefaultMaxRowsPerApply = 5_000_000
)

// LimitWarnings are remarks on a counted change that plan prints: cautions
// (triggers), protected, over its limit, or touching more than half the
// table. Schema changes are whole-table by nature and take no row limits.
func (c *Change) LimitWarnings() []string {
	if c.Action != Create && c.Action != Replace {
		return nil
	}
	w := append([]string(nil), c.Cautions...)
	if c.Protected {
		w = append(w, fmt.Sprintf("target %s is protected (protect = true): apply refuses it", c.Target))
	}
	if c.schema() {
		return w // a schema change is whole-table by nature: no row limits
	}
	if c.Rows > c.MaxRows && c.MaxRows > 0 {
		w = append(w, fmt.Sprintf("%s rows is over max_rows (%s): apply refuses it; set max_rows on the block if this is intended", Thousands(c.Rows), Thousands(c.MaxRows)))
	}
	if c.TableRows > 0 && c.Rows*2 > c.TableRows {
		w = append(w, fmt.Sprintf("touches more than half of the table (%s of %s rows)", Thousands(c.Rows), Thousands(c.TableRows)))
	}
	return w
}

// CheckLimits returns why apply must refuse the plan: protected targets,
// changes over their max_rows, or more than perApply rows in all. It needs
// counted rows (executor.Count).
func (p *Plan) CheckLimits(perApply int64) []string {
	var out []string
	var total int64
	for _, c := range p.Changes {
		if c.Action != Create && c.Action != Replace {
			continue
		}
		if c.Protected {
			out = append(out, fmt.Sprintf("%s: target %s is protected (protect = true); remove protect from the target only if this database may be changed", c.Address, c.Target))
		}
		if c.schema() {
			continue
		}
		if c.MaxRows > 0 && c.Rows > c.MaxRows {
			out = append(out, fmt.Sprintf("%s would change %s rows, over its max_rows of %s; set max_rows = %d on the block if this is intended", c.Address, Thousands(c.Rows), Thousands(c.MaxRows), c.Rows))
		}
		if c.Rows > 0 {
			total += c.Rows
		}
	}
	if perApply > 0 && total > perApply {
		out = append(out, fmt.Sprintf("this apply would change %s rows in all, over the limit of %s per apply; raise it with -max-rows %d, or apply fewer anomalies with -target", Thousands(total), Thousands(perApply), total))
	}
	return out
}

// schema reports whether the change alters the table's definition; row
// limits do not apply to those, which are whole-table by nature.
func (c *Change) schema() bool { return c.Mutation != nil && c.Mutation.Op.Schema() }
