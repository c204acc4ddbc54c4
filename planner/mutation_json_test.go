package planner

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExprTypesComplete finds every type with an isExpr method in the
// package's sources and requires it in exprTypes, so a saved plan can carry
// every expression.
func TestExprTypesComplete(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	listed := map[string]bool{}
	for _, e := range exprTypes {
		n := strings.TrimPrefix(strings.TrimPrefix(reflectName(e), "planner."), "*")
		listed[n] = true
	}
	fset := token.NewFileSet()
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Name.Name != "isExpr" {
				continue
			}
			id, ok := fd.Recv.List[0].Type.(*ast.Ident)
			if !ok {
				t.Fatalf("%s: isExpr on a non-value receiver", f)
			}
			found++
			if !listed[id.Name] {
				t.Errorf("expression %s (%s) is missing from exprTypes in mutation_json.go", id.Name, f)
			}
		}
	}
	if found != len(exprTypes) {
		t.Errorf("found %d expressions, exprTypes lists %d", found, len(exprTypes))
	}
}

func TestExprRoundTrip(t *testing.T) {
	for name, e := range exprTypes {
		b, err := MarshalExpr(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnmarshalExpr(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if reflectName(back) != reflectName(e) {
			t.Errorf("%s came back as %s", name, reflectName(back))
		}
	}
	if _, err := UnmarshalExpr([]byte(`{"type":"nope"}`)); err == nil {
		t.Error("an unknown type decoded")
	}
}

func reflectName(e Expr) string { return reflect.TypeOf(e).String() }
