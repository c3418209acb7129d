package output

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	goldenfile "github.com/dumpsync/dumpsync/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const goldenDir = "../../testdata/golden/output"

// golden compares got with the named golden file, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join(goldenDir, name), got, *update)
}

type base struct {
	Name string `json:"Name"`
	Num  int64  `json:"Num"`
}

// goldenRec has every kind of field the commands use, an embedded struct
// (flattened as in dump.RawEntry), and fields that must not appear.
type goldenRec struct {
	base
	Neg     int     `json:"Neg"`
	Big     uint32  `json:"Big"`
	Ok      bool    `json:"Ok"`
	Note    *string `json:"Note"`
	Age     *int64  `json:"Age"`
	Ignored string  `json:"-"`
	hidden  string
	Last    string // no tag: named after the field
}

func sp(s string) *string { return &s }
func ip(i int64) *int64   { return &i }

func goldenRecords() []goldenRec {
	return []goldenRec{
		{base: base{"plain", 0}, Neg: -1, Big: 4294967295, Ok: true, Last: "x"},
		{base: base{"comma, here", 1}, Neg: -2147483648, Note: sp(`say "hi"`), Age: ip(-5), Last: ""},
		{base: base{"line1\nline2", 2}, Note: sp("cr\rcrlf\r\nend"), Age: ip(0), Ok: false, Last: " lead"},
		{base: base{"café ü 日本 😀", 3}, Note: sp("latin1 AB\u00e9 \u2028 <>&"), Age: ip(12345), Last: "tab\there"},
		{base: base{"ctl \x01\x1f\x7f", -4}, Note: sp(""), Ignored: "not shown", hidden: "not shown", Last: `back\slash`},
	}
}

// encodeAll encodes recs with format f through a sink of encoding e.
func encodeAll(t *testing.T, f Format, e Encoding, recs []goldenRec) []byte {
	t.Helper()
	var b bytes.Buffer
	sink, err := OpenSink(&b, "", e)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncoder(sink, f, goldenRec{})
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
	if err := sink.Commit(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var ext = map[Format]string{JSON: "json", JSONL: "jsonl", CSV: "csv", Table: "txt"}

func TestGolden(t *testing.T) {
	for _, f := range []Format{JSON, JSONL, CSV, Table} {
		for _, e := range []Encoding{UTF8, UTF8BOM, UTF16LE} {
			name := "records." + string(e) + "." + ext[f]
			t.Run(name, func(t *testing.T) {
				golden(t, name, encodeAll(t, f, e, goldenRecords()))
			})
		}
		name := "empty." + ext[f]
		t.Run(name, func(t *testing.T) {
			golden(t, name, encodeAll(t, f, UTF8, nil))
		})
	}
}

// TestEmptyStreams pins what an empty stream is, independent of golden files.
func TestEmptyStreams(t *testing.T) {
	for f, want := range map[Format]string{
		JSON:  "[]\n",
		JSONL: "",
		CSV:   "Name,Num,Neg,Big,Ok,Note,Age,Last\r\n",
		Table: "Name  Num  Neg  Big  Ok  Note  Age  Last\n----  ---  ---  ---  --  ----  ---  ----\n",
	} {
		if got := string(encodeAll(t, f, UTF8, nil)); got != want {
			t.Errorf("%s: empty stream = %q, want %q", f, got, want)
		}
	}
}

// TestEncodings checks the BOMs and that utf16le is the UTF-8 text transcoded.
func TestEncodings(t *testing.T) {
	for _, f := range []Format{JSON, JSONL, CSV, Table} {
		plain := encodeAll(t, f, UTF8, goldenRecords())
		bom := encodeAll(t, f, UTF8BOM, goldenRecords())
		if !bytes.Equal(bom, append([]byte{0xEF, 0xBB, 0xBF}, plain...)) {
			t.Errorf("%s: utf8bom is not BOM + utf8", f)
		}
		u16 := encodeAll(t, f, UTF16LE, goldenRecords())
		if len(u16) < 2 || u16[0] != 0xFF || u16[1] != 0xFE || len(u16)%2 != 0 {
			t.Fatalf("%s: utf16le does not start with FF FE or has odd length", f)
		}
		units := make([]uint16, (len(u16)-2)/2)
		for i := range units {
			units[i] = uint16(u16[2+2*i]) | uint16(u16[3+2*i])<<8
		}
		if got := string(utf16.Decode(units)); got != string(plain) {
			t.Errorf("%s: utf16le decodes to\n%q\nwant\n%q", f, got, plain)
		}
	}
}

// TestJSONASCII: JSON output is pure ASCII, non-BMP characters as surrogate
// pairs, and HTML characters are not escaped.
func TestJSONASCII(t *testing.T) {
	for _, f := range []Format{JSON, JSONL} {
		out := encodeAll(t, f, UTF8, goldenRecords())
		for i, c := range out {
			if c >= 0x80 {
				t.Fatalf("%s: byte 0x%02X at %d is not ASCII", f, c, i)
			}
		}
		s := string(out)
		for _, want := range []string{`caf\u00e9 \u00fc \u65e5\u672c \ud83d\ude00`, `AB\u00e9 \u2028 <>&`, `"ctl \u0001\u001f`, `"Note":null`, `"Big":4294967295`, `"Neg":-2147483648`, `"Last":"back\\slash"`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: output lacks %s", f, want)
			}
		}
		for _, bad := range []string{"Ignored", "hidden", "not shown"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s: output holds %q", f, bad)
			}
		}
	}
}

// TestJSONMatchesEncodingJSON: what goccy/go-json writes (through our ASCII
// escaping) decodes exactly as encoding/json's own encoding of the records.
func TestJSONMatchesEncodingJSON(t *testing.T) {
	recs := append(goldenRecords(), goldenRec{base: base{"bad utf8 \xff\xfe end", 5}, Note: sp("\xc3")})
	ref, err := stdjson.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	if err := stdjson.Unmarshal(ref, &want); err != nil {
		t.Fatal(err)
	}

	var got []map[string]any
	if err := stdjson.Unmarshal(encodeAll(t, JSON, UTF8, recs), &got); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json decodes to\n%v\nwant\n%v", got, want)
	}

	lines := strings.Split(strings.TrimSuffix(string(encodeAll(t, JSONL, UTF8, recs)), "\n"), "\n")
	got = nil
	for _, l := range lines {
		var m map[string]any
		if err := stdjson.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("jsonl line %q: %v", l, err)
		}
		got = append(got, m)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonl decodes to\n%v\nwant\n%v", got, want)
	}

	// And the other way: encoding/json's text re-encoded by us is unchanged in meaning.
	var back []map[string]any
	if err := stdjson.Unmarshal(ref, &back); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc, _ := NewEncoder(&b, JSON, goldenRec{})
	for i := range recs {
		enc.Encode(&recs[i])
	}
	enc.Close()
	var again []map[string]any
	if err := stdjson.Unmarshal(b.Bytes(), &again); err != nil || !reflect.DeepEqual(again, back) {
		t.Errorf("round trip differs: %v", err)
	}
}

// TestJSONArrayShape: one record per line, "[" and "]" on their own lines.
func TestJSONArrayShape(t *testing.T) {
	out := string(encodeAll(t, JSON, UTF8, goldenRecords()[:2]))
	lines := strings.Split(out, "\n")
	if len(lines) != 5 || lines[0] != "[" || lines[3] != "]" || lines[4] != "" ||
		!strings.HasPrefix(lines[1], "{") || !strings.HasSuffix(lines[1], "},") ||
		!strings.HasPrefix(lines[2], "{") || !strings.HasSuffix(lines[2], "}") {
		t.Fatalf("shape:\n%s", out)
	}
	want := `{"Name":"plain","Num":0,"Neg":-1,"Big":4294967295,"Ok":true,"Note":null,"Age":null,"Last":"x"},`
	if lines[1] != want {
		t.Errorf("line 1 = %s\nwant     %s", lines[1], want)
	}
}

func TestColumns(t *testing.T) {
	want := []string{"Name", "Num", "Neg", "Big", "Ok", "Note", "Age", "Last"}
	if got := Columns(goldenRec{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q", got)
	}
	if got := Columns(&goldenRec{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Columns(pointer) = %q", got)
	}
	if _, err := NewEncoder(&bytes.Buffer{}, JSON, 3); err == nil {
		t.Error("non-struct accepted")
	}
	if _, err := NewEncoder(&bytes.Buffer{}, Auto, goldenRec{}); err == nil {
		t.Error("unresolved auto accepted")
	}
}

func TestParseAndResolve(t *testing.T) {
	if f, err := ParseFormat("JSONL"); err != nil || f != JSONL {
		t.Errorf("ParseFormat(JSONL) = %q, %v", f, err)
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "auto, json, jsonl, csv, table") {
		t.Errorf("ParseFormat(xml) err = %v", err)
	}
	if e, err := ParseEncoding("UTF16LE"); err != nil || e != UTF16LE {
		t.Errorf("ParseEncoding = %q, %v", e, err)
	}
	if _, err := ParseEncoding("latin1"); err == nil {
		t.Error("ParseEncoding(latin1) accepted")
	}
	tests := []struct {
		f    Format
		out  string
		tty  bool
		want Format
		err  bool
	}{
		{Auto, "", true, Table, false},
		{Auto, "", false, JSON, false},
		{"", "", false, JSON, false},
		{Auto, "x.json", true, JSON, false},
		{Auto, "x.JSONL", false, JSONL, false},
		{Auto, "dir.d/x.Csv", false, CSV, false},
		{Auto, "x.txt", false, Table, false},
		{Auto, "x.xml", false, "", true},
		{Auto, "noext", false, "", true},
		{CSV, "x.json", true, CSV, false},
		{Table, "", false, Table, false},
	}
	for _, tt := range tests {
		got, err := tt.f.Resolve(tt.out, tt.tty)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("%q.Resolve(%q, %v) = %q, %v", tt.f, tt.out, tt.tty, got, err)
		}
	}
}

func TestASCIIPrefix(t *testing.T) {
	// the eight-byte steps must find a non-ASCII byte wherever it is
	for _, s := range []string{"", "a", "abcdefg", "abcdefgh", "abcdefghi", "é", "abcdefghé", "abcdefgéh", "abcdefghijklmnopé", strings.Repeat("x", 100) + "\x80"} {
		want := 0
		for want < len(s) && s[want] < 0x80 {
			want++
		}
		if got := asciiPrefix([]byte(s)); got != want {
			t.Errorf("asciiPrefix(%q) = %d, want %d", s, got, want)
		}
	}
}
