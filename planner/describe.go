package planner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mitchellh/go-wordwrap"
)

// KindInfo is a kind's catalog entry in a form for listings and JSON.
type KindInfo struct {
	Name        string            `json:"name"`
	Category    Category          `json:"category"`
	Summary     string            `json:"summary"`
	Description string            `json:"description"`
	Monitor     string            `json:"monitor"`
	Column      string            `json:"column,omitempty"`
	Params      []ParamInfo       `json:"params"`
	Databases   []string          `json:"databases"`
	Unsupported map[string]string `json:"unsupported,omitempty"`
	Example     string            `json:"example"`
	// Schedule holds the defaults of a schedule {} block (schedule_defaults.go).
	Schedule ScheduleInfo `json:"schedule"`
}

// ParamInfo is one argument of a kind with its default.
type ParamInfo struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Default  string `json:"default,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Required bool   `json:"required,omitempty"`
	Doc      string `json:"doc"`
}

// Info describes k, common arguments included, with k's defaults.
func (k *Kind) Info() KindInfo {
	in := KindInfo{Name: k.Name, Category: k.Category, Summary: k.Summary, Description: k.Description, Monitor: k.Monitor,
		Databases: k.Databases(), Unsupported: k.Unsupported(), Example: k.Example}
	if k.NeedsColumn {
		in.Column = k.ColumnTypes
	}
	add := func(p ParamInfo) { in.Params = append(in.Params, p) }
	add(ParamInfo{Name: "target", Type: "reference", Required: true, Doc: "the target block, e.g. target.orders"})
	if k.NeedsColumn {
		add(ParamInfo{Name: "column", Type: "string", Required: true, Doc: "the column to change: " + k.ColumnTypes})
	}
	if k.UsesVolume {
		add(ParamInfo{Name: "volume", Type: "number", Default: fmt.Sprint(k.DefaultVolume), Unit: "share of rows, 0-1", Doc: "share of the rows in the window to change"})
	}
	if k.UsesAmplitude {
		add(ParamInfo{Name: "amplitude", Type: "number", Default: fmt.Sprint(k.DefaultAmplitude), Unit: "ratio", Doc: "strength of the change"})
	}
	if k.UsesVolume || k.UsesAmplitude {
		add(ParamInfo{Name: "seed", Type: "number", Default: "from the address", Doc: "row selection; the same seed chooses the same rows"})
	}
	for _, p := range k.Params {
		add(ParamInfo{Name: p.Name, Type: p.Type, Default: p.Default, Unit: p.Unit, Required: p.Required, Doc: p.Doc})
	}
	dur := "none (stays until rolled back)"
	if k.DefaultDuration > 0 {
		dur = FormatDuration(k.DefaultDuration)
	}
	add(ParamInfo{Name: "duration", Type: "duration", Default: dur, Unit: "time", Doc: "after this long, plan proposes to expire (roll back) the anomaly"})
	every, sdur := ScheduleDefaults(k)
	in.Schedule = ScheduleInfo{Every: FormatDuration(every), Duration: FormatDuration(sdur)}
	add(ParamInfo{Name: "schedule", Type: "block", Default: fmt.Sprintf("every = %q, duration = %q", in.Schedule.Every, in.Schedule.Duration),
		Doc: "makes the anomaly recurring: every or cron, duration, start, until, max_runs, jitter, timezone, catch_up; see `anomgen schedule`"})
	if !k.NoWindow {
		add(ParamInfo{Name: "window", Type: "block", Default: "last = \"" + FormatDuration(k.DefaultWindow) + "\"", Doc: "start + duration, or last: the rows in scope (needs the target's time_column)"})
	}
	return in
}

// WriteKinds lists kinds (all, or one category) as text or JSON.
func WriteKinds(w io.Writer, category string, asJSON bool) error {
	var infos []KindInfo
	for _, k := range Kinds() {
		if category == "" || string(k.Category) == category {
			infos = append(infos, k.Info())
		}
	}
	if len(infos) == 0 {
		return fmt.Errorf("no kinds in category %q: use pipeline, quality or business", category)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	fmt.Fprintf(w, "%-22s %-9s %s\n", "KIND", "CATEGORY", "SUMMARY")
	for _, in := range infos {
		fmt.Fprintf(w, "%-22s %-9s %s\n", in.Name, in.Category, in.Summary)
	}
	return nil
}

// WriteDescription prints everything about one kind.
func WriteDescription(w io.Writer, k *Kind) {
	in := k.Info()
	fmt.Fprintf(w, "%s (%s)\n\n%s\n\n", in.Name, in.Category, wordwrap.WrapString(in.Description, 78))
	fmt.Fprintf(w, "What a monitor sees:\n  %s\n\n", strings.ReplaceAll(wordwrap.WrapString(in.Monitor, 76), "\n", "\n  "))
	if in.Column != "" {
		fmt.Fprintf(w, "Columns it suits:\n  %s\n\n", in.Column)
	}
	fmt.Fprintln(w, "Arguments:")
	for _, p := range in.Params {
		def := p.Default
		if p.Required {
			def = "required"
		}
		unit := ""
		if p.Unit != "" {
			unit = " (" + p.Unit + ")"
		}
		fmt.Fprintf(w, "  %-10s %-13s %-22s %s%s\n", p.Name, p.Type, def, p.Doc, unit)
	}
	fmt.Fprintf(w, "\nDatabases: %s\n", strings.Join(in.Databases, ", "))
	for db, why := range in.Unsupported {
		fmt.Fprintf(w, "  not %s: %s\n", db, why)
	}
	fmt.Fprintf(w, "\nExample:\n\n%s\n", in.Example)
}

// Suggestion lists the kinds that suit one column (or the whole table when
// Column is empty).
type Suggestion struct {
	Column string   `json:"column,omitempty"`
	Type   string   `json:"type,omitempty"`
	Kinds  []string `json:"kinds"`
	// Role, for a key column, says what makes it one (foreign key x,
	// unique index y, ...): kinds that write new values are left out.
	Role string `json:"role,omitempty"`
	// Skipped are kinds that suit the column's type but not its data, with
	// the reason (RankSuggestions, suggest.go).
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Suggest returns, for the table and for each column of p (or only column
// when not empty), the kinds that suit it on a database of sourceType. Key
// and generated columns take no column kinds.
func Suggest(p *TableProfile, sourceType string, key []string, hasTime bool, column string) ([]Suggestion, error) {
	if len(key) == 0 {
		key = p.PrimaryKey
	}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	var out []Suggestion
	if column == "" {
		s := Suggestion{}
		for _, k := range Kinds() {
			if k.UnsupportedOn(sourceType) == "" && !k.NeedsColumn && (hasTime || !k.NeedsTime) && tableSuggested(k, p, key) { // copies.go
				s.Kinds = append(s.Kinds, k.Name)
			}
		}
		out = append(out, s)
	}
	found := false
	for _, c := range p.Columns {
		if column != "" && c.Name != column {
			continue
		}
		found = true
		s := Suggestion{Column: c.Name, Type: c.Type, Role: KeyRole(p, key, c)} // constraints.go
		if !isKey[c.Name] && !c.Generated {
			for _, k := range Kinds() {
				if k.UnsupportedOn(sourceType) == "" && k.NeedsColumn && (hasTime || !k.NeedsTime) && suggestedFor(k, p, c) {
					if ok, _ := k.Suits(c); ok {
						s.Kinds = append(s.Kinds, k.Name)
					}
				}
			}
		}
		out = append(out, s)
	}
	if column != "" && !found {
		return nil, fmt.Errorf("%s has no column %q (columns: %s)", p.Table, column, strings.Join(p.ColumnNames(), ", "))
	}
	return out, nil
}
