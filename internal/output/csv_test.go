package output

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"
)

type csvRec struct {
	A string `json:"A"`
	B string `json:"B"`
}

// TestCSVFieldBytes: every byte of a field survives, CR and LF included, and
// encoding/csv reads back what was written (its reader maps CRLF inside
// quotes to LF; a lone CR stays).
func TestCSVFieldBytes(t *testing.T) {
	recs := []csvRec{
		{"plain", ""},
		{"a\rb", "c\nd"},
		{"e\r\nf", `say "hi", twice`},
		{" lead", "trail "},
		{`\.`, "\t"},
		{"\"", ","},
	}
	var b bytes.Buffer
	enc, err := NewEncoder(&b, CSV, csvRec{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	want := "A,B\r\n" +
		"plain,\r\n" +
		"\"a\rb\",\"c\nd\"\r\n" +
		"\"e\r\nf\",\"say \"\"hi\"\", twice\"\r\n" +
		"\" lead\",trail \r\n" +
		"\"\\.\",\"\t\"\r\n" +
		"\"\"\"\",\",\"\r\n"
	if got := b.String(); got != want {
		t.Fatalf("CSV =\n%q\nwant\n%q", got, want)
	}

	r := csv.NewReader(bytes.NewReader(b.Bytes()))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		got := rows[i+1]
		if rec.A == "e\r\nf" { // encoding/csv's reader normalises CRLF
			rec.A = "e\nf"
		}
		if !reflect.DeepEqual(got, []string{rec.A, rec.B}) {
			t.Errorf("row %d read back as %q, want %q", i, got, []string{rec.A, rec.B})
		}
	}
}
