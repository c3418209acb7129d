package output

import (
	"bytes"
	"strings"
	"testing"
)

type tabRec struct {
	A string  `json:"A"`
	B *string `json:"B"`
}

func TestTableBeyondHeldRows(t *testing.T) {
	var b bytes.Buffer
	enc, _ := NewEncoder(&b, Table, tabRec{})
	x := "x"
	for i := 0; i < tableRows; i++ {
		enc.Encode(&tabRec{A: "ab", B: &x})
	}
	enc.Encode(&tabRec{A: "much wider", B: &x}) // after the header: written as it comes
	enc.Encode(&tabRec{A: "c"})
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2+tableRows+2 {
		t.Fatalf("%d lines", len(lines))
	}
	if lines[0] != "A   B" || lines[1] != "--  -" || lines[2] != "ab  x" {
		t.Errorf("head:\n%s", strings.Join(lines[:3], "\n"))
	}
	if got := lines[len(lines)-2]; got != "much wider  x" {
		t.Errorf("wide row = %q", got)
	}
	if got := lines[len(lines)-1]; got != "c" { // null B, trailing spaces trimmed
		t.Errorf("last row = %q", got)
	}
	if strings.Count(b.String(), "A   B") != 1 {
		t.Error("header repeated")
	}
}

func TestTablePrintable(t *testing.T) {
	var b bytes.Buffer
	enc, _ := NewEncoder(&b, Table, tabRec{})
	s := "é\u0085\u00a0"
	enc.Encode(&tabRec{A: "a\tb\r\n\x1b[31m\x7f", B: &s})
	enc.Close()
	want := "A            B\n-----------  ---\na.b...[31m.  é.\u00a0\n"
	if b.String() != want {
		t.Errorf("table =\n%q\nwant\n%q", b.String(), want)
	}
}
