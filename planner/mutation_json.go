package planner

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
)

// A saved plan (issue 12) carries each change's Mutation, so a Mutation
// round-trips through JSON exactly. Its only interface-typed field, Set (an
// Expr), is encoded as a tagged union: the expression's own fields with a
// "type" naming it, e.g. {"type": "scale", "Factor": 1.5}.

// exprTypes names every Expr; a new expression must be added here (the
// test TestExprTypesComplete finds one that is not).
var exprTypes = map[string]Expr{
	"set_null":        SetNull{},
	"scale":           Scale{},
	"add_seconds":     AddSeconds{},
	"first_in_window": FirstInWindow{},
	"ramp":            Ramp{},
	"set_text":        SetText{},
	"mojibake":        Mojibake{},
	"typo":            Typo{},
	"offset":          Offset{},
	"outlier":         Outlier{},
	"spread":          Spread{},
	"round_to":        RoundTo{},
	"negate":          Negate{},
	"orphan":          Orphan{},
	"date_relayout":   DateRelayout{},
	"set_value":       SetValue{},
	"change_case":     ChangeCase{},
	"pad":             Pad{},
	"truncate":        Truncate{},
	"reformat":        Reformat{},
	"invalid_label":   InvalidLabel{},
	"swap":            Swap{},
}

// exprName is the tag of e's type, or "" for an expression not listed.
func exprName(e Expr) string {
	t := reflect.TypeOf(e)
	for n, x := range exprTypes {
		if reflect.TypeOf(x) == t {
			return n
		}
	}
	return ""
}

// ExprTypes lists the tags of the JSON encoding of expressions, sorted.
func ExprTypes() []string {
	var out []string
	for n := range exprTypes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// MarshalExpr encodes e as a tagged union: its fields and "type".
func MarshalExpr(e Expr) ([]byte, error) {
	if e == nil {
		return []byte("null"), nil
	}
	name := exprName(e)
	if name == "" {
		return nil, fmt.Errorf("planner: expression %T has no JSON type name (planner/mutation_json.go)", e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	fields["type"], _ = json.Marshal(name)
	return json.Marshal(fields)
}

// UnmarshalExpr decodes what MarshalExpr encoded.
func UnmarshalExpr(b []byte) (Expr, error) {
	if string(b) == "null" || len(b) == 0 {
		return nil, nil
	}
	var tag struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &tag); err != nil {
		return nil, err
	}
	proto, ok := exprTypes[tag.Type]
	if !ok {
		return nil, fmt.Errorf("planner: unknown expression type %q (this plan was written by another version of anomgen?)", tag.Type)
	}
	v := reflect.New(reflect.TypeOf(proto))
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return nil, fmt.Errorf("planner: expression %s: %w", tag.Type, err)
	}
	return v.Elem().Interface().(Expr), nil
}

type mutationAlias Mutation

// mutationJSON shadows Set (encoding/json takes the shallower field).
type mutationJSON struct {
	mutationAlias
	Set json.RawMessage `json:"Set,omitempty"`
}

// MarshalJSON encodes the mutation with Set as a tagged union.
func (m Mutation) MarshalJSON() ([]byte, error) {
	out := mutationJSON{mutationAlias: mutationAlias(m)}
	out.mutationAlias.Set = nil
	if m.Set != nil {
		b, err := MarshalExpr(m.Set)
		if err != nil {
			return nil, err
		}
		out.Set = b
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes what MarshalJSON encoded.
func (m *Mutation) UnmarshalJSON(b []byte) error {
	var in mutationJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*m = Mutation(in.mutationAlias)
	set, err := UnmarshalExpr(in.Set)
	if err != nil {
		return err
	}
	m.Set = set
	return nil
}
