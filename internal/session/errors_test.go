package session

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"strconv"
	"testing"
)

// declaredCodes reads every constant of type Code from errors.go, so that a
// code added there without a row in the table fails the test.
func declaredCodes(t *testing.T) map[Code]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[Code]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for i, name := range vs.Names {
				v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				out[Code(v)] = name.Name
			}
		}
	}
	return out
}

// TestCodeTable: every code has a row with an HTTP status and a sentence in
// both languages; every error the room maps leads to a row; the WebSocket
// and HTTP sides read the same row.
func TestCodeTable(t *testing.T) {
	declared := declaredCodes(t)
	if len(declared) < 20 { // the parse found the constants at all
		t.Fatalf("found only %d codes in errors.go", len(declared))
	}
	for code, name := range declared {
		info, ok := codeTable[code]
		switch {
		case !ok:
			t.Errorf("%s (%q) has no row in codeTable", name, code)
		case http.StatusText(info.Status) == "" || info.Status < 400:
			t.Errorf("%s: HTTP status %d", code, info.Status)
		case info.RU == "" || info.EN == "" || info.RU == info.EN:
			t.Errorf("%s: sentences %q / %q", code, info.RU, info.EN)
		case info.Close != 0 && (info.Close < 1000 || info.Close > 4999):
			t.Errorf("%s: close status %d", code, info.Close)
		case code.Message("ru") != info.RU || code.Message("en") != info.EN || code.Status() != info.Status:
			t.Errorf("%s: Message or Status does not read the row", code)
		}
	}
	for code := range codeTable {
		if _, ok := declared[code]; !ok {
			t.Errorf("row %q has no constant", code)
		}
	}
	for _, e := range errorCodes {
		if _, ok := declared[e.code]; !ok {
			t.Errorf("%v maps to %q, which is not a code", e.err, e.code)
		}
		wrapped := fmt.Errorf("context: %w", e.err)
		if got := ErrorCode(wrapped); got != e.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", wrapped, got, e.code)
		}
	}
	if got := ErrorCode(errors.New("anything else")); got != CodeInternal || got.Status() != http.StatusInternalServerError {
		t.Errorf("an unknown error maps to %q (%d)", got, got.Status())
	}
	if Code("no_such_code").Message("en") != codeTable[CodeInternal].EN {
		t.Error("an unknown code has no sentence")
	}
	for code, want := range map[Code]int{CodeUnauthorized: StatusPolicy, CodeRoomGone: StatusPolicy, CodeTooManyConnections: StatusPolicy, CodeBadRequest: 0} {
		if got := code.Info().Close; got != want {
			t.Errorf("%s closes with %d, want %d", code, got, want)
		}
	}
}
