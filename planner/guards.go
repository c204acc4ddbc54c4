package planner

import (
	"fmt"
	"strings"

	"github.com/anomgen/anomgen/config"
	"github.com/hashicorp/hcl/v2"
)

// Guards: what else a table has that would make an anomaly's apply or
// rollback change more than anomgen journals, or fail. Each is refused
// here, at plan time, with the object to blame and the way out, so that an
// apply never gets half-way:
//
//   - user triggers that the change or its rollback would fire: a trigger
//     can rewrite the row's other columns or write to other tables, which
//     no journal holds (the target's triggers attribute opts in);
//   - foreign keys of other tables pointing at rows the change deletes or
//     at a column it changes: ON DELETE CASCADE / SET NULL / SET DEFAULT
//     would change the other table, NO ACTION / RESTRICT would fail the
//     apply as soon as a row has children.
//
// Partitioned tables and generated columns need no guard: statements
// through a partitioned table reach its partitions, and generated columns
// are never written (restores leave them to the database).

// Trigger modes of a target (config.Target.Triggers).
const (
	TriggersRefuse  = "refuse"
	TriggersIgnore  = "ignore"
	TriggersDisable = "disable"
)

// guard checks the change's mutation against the table's triggers and the
// foreign keys pointing at it. Refusals point at the anomaly's kind. It
// may add warnings and settings to ch, and triggers to switch off to its
// mutation.
func guard(a *config.Anomaly, prof *TableProfile, ch *Change) hcl.Diagnostics {
	m := ch.Mutation
	if m == nil {
		return nil
	}
	m.Partitioned = prof.Partitioned || prof.Inherited
	diags := foreignKeyGuard(a, prof, m)
	diags = append(diags, copyGuard(a, prof, ch)...) // copies.go
	diags = append(diags, triggerGuard(a, prof, ch)...)
	onUpdateGuard(ch) // onupdate.go
	return diags
}

// dml describes the statements that applying m and rolling it back run on
// its table: the trigger events they raise, the column an UPDATE sets ("",
// when none does), and the same in words.
func dml(m *Mutation, prof *TableProfile) (events []string, column, words string) {
	t := prof.Table.String()
	switch m.Op {
	case OpUpdate:
		events, column = []string{"UPDATE"}, m.Column.Name
		words = fmt.Sprintf("updates %s of %s, and its rollback updates it back", column, t)
		if contains(prof.PartitionKey, column) {
			// A row whose partition key changes is deleted from its
			// partition and inserted into another.
			events = append(events, "DELETE", "INSERT")
			words += fmt.Sprintf(" (%s chooses the partition, so changed rows move between partitions: a DELETE and an INSERT each)", column)
		}
		if m.With != nil { // swapped_columns: both columns in one UPDATE
			words = fmt.Sprintf("updates %s and %s of %s, and its rollback updates them back", column, m.With.Name, t)
			if contains(prof.PartitionKey, m.With.Name) && !contains(events, "DELETE") {
				events = append(events, "DELETE", "INSERT")
				words += fmt.Sprintf(" (%s chooses the partition, so changed rows move between partitions: a DELETE and an INSERT each)", m.With.Name)
			}
		}
	case OpDelete:
		events = []string{"DELETE", "INSERT"}
		words = fmt.Sprintf("deletes rows of %s, and its rollback inserts them back", t)
	case OpInsert:
		events = []string{"INSERT", "DELETE"}
		words = fmt.Sprintf("inserts rows into %s, and its rollback deletes them", t)
	case OpDropColumn:
		events, column = []string{"UPDATE"}, m.Column.Name
		words = fmt.Sprintf("drops column %s of %s, and its rollback adds it back and refills it with an UPDATE", column, t)
	case OpChangeType:
		events, column = []string{"UPDATE"}, m.Column.Name
		words = fmt.Sprintf("changes the type of %s of %s, and its rollback changes it back and restores the values with an UPDATE", column, t)
	}
	return events, column, words
}

// firing returns the triggers of prof that the statements of m fire.
func firing(m *Mutation, prof *TableProfile) []Trigger {
	events, column, _ := dml(m, prof)
	var out []Trigger
	for _, t := range prof.Triggers {
		for _, e := range events {
			if t.Fires(e, column) || (m.With != nil && t.Fires(e, m.With.Name)) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

func triggerGuard(a *config.Anomaly, prof *TableProfile, ch *Change) hcl.Diagnostics {
	m := ch.Mutation
	events, _, words := dml(m, prof)
	if len(events) == 0 {
		return nil
	}
	mode := a.Target.Triggers
	fired := firing(m, prof)
	m.TriggersMayRewrite = (len(fired) > 0 && mode != TriggersDisable) || prof.TriggersUnknown != ""
	if len(fired) == 0 {
		if prof.TriggersUnknown != "" && mode != TriggersIgnore {
			ch.Cautions = append(ch.Cautions, fmt.Sprintf("anomgen cannot see the triggers of %s (%s); if it has any on %s, rollback may not undo what they change", prof.Table, prof.TriggersUnknown, strings.Join(events, " or ")))
		}
		return nil
	}
	names := triggerNames(fired)
	switch mode {
	case TriggersIgnore:
		ch.Cautions = append(ch.Cautions, fmt.Sprintf(`triggers = "ignore": this %s, which fires %s; rollback restores what anomgen journaled, but not what the triggers changed (columns they set, rows they wrote elsewhere)`,
			words, describeTriggers(fired, prof.Table)))
		return nil
	case TriggersDisable:
		m.DisableTriggers = fired
		ch.Settings = append(ch.Settings, Setting{"triggers", fmt.Sprintf("disable %s inside the apply and rollback transactions (ACCESS EXCLUSIVE lock on %s until each commits)", strings.Join(names, ", "), prof.Table)})
		return nil
	}
	noun := "trigger"
	if len(names) > 1 {
		noun = "triggers"
	}
	detail := fmt.Sprintf("Kind %s %s; that fires %s. A trigger can rewrite the row's other columns or write to other tables, which anomgen does not journal, so rollback could not put every byte back. "+
		"To proceed: target a copy of the table without the %s, or switch the %s off yourself while the anomaly is applied, or set triggers = \"ignore\" on target %q to apply anyway (rollback then restores what anomgen changed, not what the %s did)",
		a.Kind, words, describeTriggers(fired, prof.Table), noun, noun, a.Target.Name, noun)
	if a.Target.Source != nil && a.Target.Source.Type == "postgres" {
		detail += fmt.Sprintf(", or triggers = \"disable\" to have anomgen switch the %s off inside its apply and rollback transactions (it must own the table, and holds an ACCESS EXCLUSIVE lock on it until each commits)", noun)
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError,
		Summary: fmt.Sprintf("%s of %s would fire %s %s", a.Addr(), prof.Table, noun, strings.Join(names, ", ")),
		Detail:  detail + ".", Subject: a.Range("kind")}}
}

// triggerNames lists the distinct names (a PostgreSQL trigger of a
// partitioned table is cloned onto each partition under its name).
func triggerNames(ts []Trigger) []string {
	var out []string
	for _, t := range ts {
		if !contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// describeTriggers names each trigger once with what it is, e.g.
// "trigger set_updated_at (BEFORE UPDATE, for each row)"; a trigger of a
// partition only (not cloned from table's) says so.
func describeTriggers(ts []Trigger, table TableName) string {
	onTable := map[string]bool{}
	for _, t := range ts {
		if t.Table == table || t.Table.Name == "" {
			onTable[t.Name] = true
		}
	}
	seen := map[string]bool{}
	var parts []string
	for _, t := range ts {
		if seen[t.Name] {
			continue
		}
		seen[t.Name] = true
		ev := make([]string, len(t.Events))
		copy(ev, t.Events)
		for i, e := range ev {
			if e == "UPDATE" && len(t.Columns) > 0 {
				ev[i] = "UPDATE OF " + strings.Join(t.Columns, ", ")
			}
		}
		level := "for each statement"
		if t.Row {
			level = "for each row"
		}
		s := fmt.Sprintf("trigger %s (%s %s, %s", t.Name, t.Timing, strings.Join(ev, " OR "), level)
		if !onTable[t.Name] {
			s += ", on partition " + t.Table.String()
		}
		parts = append(parts, s+")")
	}
	return joinAnd(parts)
}

func foreignKeyGuard(a *config.Anomaly, prof *TableProfile, m *Mutation) hcl.Diagnostics {
	sqlite := a.Target.Source != nil && a.Target.Source.Type == "sqlite"
	t := prof.Table.String()
	var diags hcl.Diagnostics
	switch m.Op {
	case OpDelete:
		if len(prof.ReferencedBy) == 0 {
			return nil
		}
		var parts []string
		var children []string
		for _, fk := range prof.ReferencedBy {
			parts = append(parts, describeFK(fk)+" "+deleteEffect(fk, sqlite))
			if !contains(children, fk.Table.String()) {
				children = append(children, fk.Table.String())
			}
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: fmt.Sprintf("%s deletes rows of %s, which %s refer to", a.Addr(), t, joinAnd(children)),
			Detail: fmt.Sprintf("Kind %s deletes rows of %s (its rollback inserts them back), but foreign keys point at them: %s. "+
				"To proceed: target a copy of %s that no foreign key points at (e.g. CREATE TABLE ... AS SELECT * FROM %s), or use an anomaly that keeps the rows (null_rate, numeric_shift, stuck_values).",
				a.Kind, t, strings.Join(parts, "; "), t, t),
			Subject: a.Range("kind")})
	case OpUpdate, OpDropColumn, OpChangeType:
		cols := []string{m.Column.Name}
		if m.With != nil { // swapped_columns changes both
			cols = append(cols, m.With.Name)
		}
		diags = append(diags, referenceGuard(a, prof, m.Op, cols)...) // the child side: constraints.go
		for _, col := range cols {
			for _, fk := range prof.ReferencedBy {
				if !containsFold(fk.RefColumns, col) {
					continue
				}
				var effect string
				if m.Op == OpUpdate {
					effect = updateEffect(fk, sqlite)
				} else {
					effect = "so the database refuses to drop it or change its type (or would drop the constraint with it), and the apply would only roll back"
				}
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
					Summary: fmt.Sprintf("Column %s of %s is referenced by a foreign key of %s", col, t, fk.Table),
					Detail: fmt.Sprintf("Kind %s changes %s of %s, but %s refers to it, %s. "+
						"To proceed: choose a column no foreign key refers to, or target a copy of %s that no foreign key points at.",
						a.Kind, col, t, describeFK(fk), effect, t),
					Subject: a.Range("kind")})
			}
		}
	}
	return diags
}

// describeFK names a foreign key: "constraint orders_customer_fk of
// public.orders (customer_id → id, ON DELETE CASCADE)".
func describeFK(fk ForeignKey) string {
	name := "the foreign key of " + fk.Table.String()
	if fk.Name != "" {
		name = fmt.Sprintf("constraint %s of %s", fk.Name, fk.Table)
	}
	return fmt.Sprintf("%s (%s → %s, ON DELETE %s)", name, strings.Join(fk.Columns, ", "), strings.Join(fk.RefColumns, ", "), action(fk.OnDelete))
}

func action(a string) string {
	if a == "" {
		return "NO ACTION"
	}
	return strings.ToUpper(a)
}

func deleteEffect(fk ForeignKey, sqlite bool) string {
	child := fk.Table.String()
	if sqlite {
		return fmt.Sprintf("would leave rows of %s pointing at deleted rows (anomgen's SQLite connection does not turn foreign keys on, so the database would not stop or cascade the delete, and an application that does would find broken references)", child)
	}
	switch action(fk.OnDelete) {
	case "CASCADE":
		return fmt.Sprintf("would delete the referring rows of %s too, which anomgen does not journal, so rollback could not bring them back", child)
	case "SET NULL":
		return fmt.Sprintf("would set %s to NULL in the referring rows of %s, which anomgen does not journal, so rollback could not put them back", strings.Join(fk.Columns, ", "), child)
	case "SET DEFAULT":
		return fmt.Sprintf("would set %s to its default in the referring rows of %s, which anomgen does not journal, so rollback could not put them back", strings.Join(fk.Columns, ", "), child)
	}
	return fmt.Sprintf("makes the delete fail as soon as a deleted row has referring rows in %s, and the apply would only roll back", child)
}

func updateEffect(fk ForeignKey, sqlite bool) string {
	child := fk.Table.String()
	if sqlite {
		return fmt.Sprintf("so changed values would leave rows of %s pointing at values that no longer exist (anomgen's SQLite connection does not turn foreign keys on)", child)
	}
	switch action(fk.OnUpdate) {
	case "CASCADE":
		return fmt.Sprintf("and ON UPDATE CASCADE would rewrite the referring rows of %s too, which anomgen does not journal", child)
	case "SET NULL", "SET DEFAULT":
		return fmt.Sprintf("and ON UPDATE %s would change the referring rows of %s too, which anomgen does not journal", action(fk.OnUpdate), child)
	}
	return fmt.Sprintf("so the change fails as soon as a changed row has referring rows in %s (ON UPDATE %s), and the apply would only roll back", child, action(fk.OnUpdate))
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
