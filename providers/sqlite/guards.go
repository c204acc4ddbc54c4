package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"unicode"

	"github.com/anomgen/anomgen/planner"
)

// guards fills in the table's triggers and the foreign keys of every
// table of its schema that point at it. SQLite triggers are always
// row-level; their timing and events are read from the CREATE TRIGGER
// text. A foreign key that names no parent columns refers to the primary
// key, so guards runs once p.PrimaryKey is known.
func (in inspector) guards(ctx context.Context, p *planner.TableProfile, schema string) error {
	d := Dialect{}
	r, err := in.db.QueryContext(ctx, "SELECT name, sql FROM "+d.Quote(schema)+".sqlite_master WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE ORDER BY name", p.Table.Name)
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var name string
		var text sql.NullString
		if err := r.Scan(&name, &text); err != nil {
			return err
		}
		t := parseTrigger(text.String)
		t.Name, t.Table, t.Row = name, p.Table, true
		p.Triggers = append(p.Triggers, t)
	}
	if err := r.Err(); err != nil {
		return err
	}
	r.Close()
	fr, err := in.db.QueryContext(ctx, `SELECT m.name, f.id, f."from", f."to", f.on_update, f.on_delete
		FROM `+d.Quote(schema)+`.sqlite_master m, pragma_foreign_key_list(m.name, ?) f
		WHERE m.type = 'table' AND f."table" = ? COLLATE NOCASE ORDER BY m.name, f.id, f.seq`, schema, p.Table.Name)
	if err != nil {
		return err
	}
	defer fr.Close()
	lastID := -1
	for fr.Next() {
		var child string
		var id int
		var from string
		var to sql.NullString
		var onUpdate, onDelete string
		if err := fr.Scan(&child, &id, &from, &to, &onUpdate, &onDelete); err != nil {
			return err
		}
		n := len(p.ReferencedBy)
		if n == 0 || p.ReferencedBy[n-1].Table.Name != child || id != lastID {
			fk := planner.ForeignKey{Table: planner.TableName{Schema: p.Table.Schema, Name: child}, OnDelete: onDelete, OnUpdate: onUpdate}
			p.ReferencedBy = append(p.ReferencedBy, fk)
			n++
		}
		lastID = id
		fk := &p.ReferencedBy[n-1]
		fk.Columns = append(fk.Columns, from)
		if to.Valid && to.String != "" {
			fk.RefColumns = append(fk.RefColumns, to.String)
		}
	}
	if err := fr.Err(); err != nil {
		return err
	}
	for i := range p.ReferencedBy {
		if len(p.ReferencedBy[i].RefColumns) == 0 { // REFERENCES parent: its primary key
			p.ReferencedBy[i].RefColumns = append([]string(nil), p.PrimaryKey...)
		}
	}
	return nil
}

// parseTrigger reads timing, event and UPDATE OF columns from
// CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name
// [BEFORE | AFTER | INSTEAD OF] {DELETE | INSERT | UPDATE [OF col, ...]} ON ...
// Text it cannot read gives a trigger that fires on everything, before.
func parseTrigger(text string) planner.Trigger {
	all := planner.Trigger{Timing: "BEFORE", Events: []string{"INSERT", "UPDATE", "DELETE"}}
	toks := tokens(text)
	i := 0
	word := func(w ...string) bool {
		for _, x := range w {
			if i < len(toks) && !toks[i].quoted && strings.EqualFold(toks[i].text, x) {
				i++
				return true
			}
		}
		return false
	}
	if !word("CREATE") {
		return all
	}
	word("TEMP", "TEMPORARY")
	if !word("TRIGGER") {
		return all
	}
	if word("IF") && !(word("NOT") && word("EXISTS")) {
		return all
	}
	i++ // name
	if i < len(toks) && toks[i].text == "." && !toks[i].quoted {
		i += 2 // schema.name
	}
	t := planner.Trigger{Timing: "BEFORE"} // SQLite's default
	switch {
	case word("BEFORE"):
	case word("AFTER"):
		t.Timing = "AFTER"
	case word("INSTEAD"):
		if !word("OF") {
			return all
		}
		t.Timing = "INSTEAD OF"
	}
	switch {
	case word("DELETE"):
		t.Events = []string{"DELETE"}
	case word("INSERT"):
		t.Events = []string{"INSERT"}
	case word("UPDATE"):
		t.Events = []string{"UPDATE"}
		if word("OF") {
			for i < len(toks) {
				t.Columns = append(t.Columns, toks[i].text)
				i++
				if i < len(toks) && toks[i].text == "," && !toks[i].quoted {
					i++
					continue
				}
				break
			}
		}
	default:
		return all
	}
	if !word("ON") {
		return all
	}
	return t
}

type token struct {
	text   string
	quoted bool
}

// tokens splits SQL into words, quoted names (their quotes removed) and
// single punctuation characters, skipping comments.
func tokens(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return out
			}
			i += j + 1
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == '"' || c == '`' || c == '\'' || c == '[':
			end := c
			if c == '[' {
				end = ']'
			}
			var b strings.Builder
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == end {
					if end != ']' && j+1 < len(s) && s[j+1] == end {
						b.WriteByte(end)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			out = append(out, token{text: b.String(), quoted: true})
			i = j + 1
		case unicode.IsSpace(rune(c)):
			i++
		case c == '_' || c >= 0x80 || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || c == '$':
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '$' || s[j] >= 0x80 || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			out = append(out, token{text: s[i:j]})
			i = j
		default:
			out = append(out, token{text: string(c)})
			i++
		}
	}
	return out
}
