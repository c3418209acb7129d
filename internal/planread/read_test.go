package planread

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden/planread")

const (
	fixtureDir = "../../testdata/powershell"
	goldenDir  = "../../testdata/golden/planread"
)

// fixtures lists every file of testdata/powershell and what it must give:
// ref names the reference file whose rows (all, or those numbered in rows)
// it must match in every decision field.
var fixtures = []struct {
	name      string
	format    string
	ref       string
	rows      []int // 1-based rows of ref; nil = all of them
	truncated bool
}{
	{"ps7-array.json", "json", "ps7-array.json", nil, false},
	{"ps51-array.json", "json", "ps7-array.json", nil, false},
	{"ps51-single-object.json", "json", "ps7-array.json", []int{1}, false},
	{"ps51-wrapper.json", "json", "ps7-array.json", nil, false},
	{"ps51-wrapper-empty.json", "json", "", []int{}, false},
	{"ps7-jsonl-blank-lines.jsonl", "json", "ps7-array.json", nil, false},
	{"ps7-compress.json", "json", "ps7-array.json", nil, false},
	{"ps51-outfile-utf16le.json", "json", "ps7-array.json", nil, false},
	{"ps51-outfile-utf16le-nonascii.json", "json", "ps7-array.json", []int{3}, false},
	{"ps7-utf16be.json", "json", "ps7-array.json", nil, false},
	{"ps51-setcontent-utf8bom.json", "json", "ps7-array.json", nil, false},
	{"ps51-pipe-ascii-crlf.json", "json", "ps7-array.json", nil, false},
	{"ps7-strings-from-import-csv.json", "json", "ps7-array.json", nil, false},
	{"ps51-hashtable-lowercase.json", "json", "ps7-array.json", nil, false},
	{"empty.json", "", "", []int{}, false},
	{"bom-only.json", "", "", []int{}, false},
	{"utf16le-bom-only.json", "", "", []int{}, false},
	{"whitespace-only.json", "", "", []int{}, false},
	{"empty-array.json", "json", "", []int{}, false},
	{"undo.json", "json", "undo.json", nil, false},
	{"undo-truncated-mid-row.json", "json", "undo.json", []int{1, 2}, true},
	{"undo-truncated-after-comma.json", "json", "undo.json", []int{1, 2}, true},
	{"undo-truncated-after-row.json", "json", "undo.json", []int{1}, true},
	{"undo-truncated-open-only.json", "json", "", []int{}, true},
	{"ps51-export.csv", "csv", "ps7-array.json", nil, false},
	{"ps51-export-utf8bom.csv", "csv", "ps7-array.json", nil, false},
	{"ps51-export-header-only.csv", "csv", "", []int{}, false},
	{"ps7-export.csv", "csv", "ps7-array.json", nil, false},
	{"ps7-de-DE-useculture.csv", "csv", "ps7-array.json", nil, false},
	{"ps7-quotes-asneeded.csv", "csv", "ps7-array.json", nil, false},
	{"ps51-where-extra-column.csv", "csv", "ps7-array.json", nil, false},
	{"lowercase-header.csv", "csv", "ps7-array.json", nil, false},
}

func readFixture(t testing.TB, name string) *Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(b), name)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return p
}

func TestFixturesAreListed(t *testing.T) {
	listed := map[string]bool{}
	for _, f := range fixtures {
		listed[f.name] = true
	}
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !listed[e.Name()] && !strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s is not in the fixtures table", e.Name())
		}
	}
}

// decision is the part of a row that must survive any PowerShell shape.
type decision struct {
	Action, Path, SmsId                  string
	RequestTime, AgeDays, Cutoff, Offset string
	Record                               string
	Size, ModTime                        string
	Sha256, Content                      string
}

func decisions(rows []Row) []decision {
	d := make([]decision, len(rows))
	for i, r := range rows {
		d[i] = decision{r.Action, r.Path, r.SmsId, intText(r.RequestTime), intText(r.AgeDays), intText(r.Cutoff),
			intText(r.Offset), strText(r.Record), intText(r.Size), intText(r.ModTime), strText(r.Sha256), strText(r.Content)}
	}
	return d
}

func TestFixtures(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			p := readFixture(t, f.name)
			if p.Format != f.format {
				t.Errorf("Format = %q, want %q", p.Format, f.format)
			}
			if p.Truncated != f.truncated {
				t.Errorf("Truncated = %v, want %v", p.Truncated, f.truncated)
			}
			var want []decision
			if f.ref != "" {
				ref := decisions(readFixture(t, f.ref).Rows)
				if f.rows == nil {
					want = ref
				}
				for _, n := range f.rows {
					want = append(want, ref[n-1])
				}
			}
			if got := decisions(p.Rows); !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
				t.Errorf("rows differ from %s:\ngot  %+v\nwant %+v", f.ref, got, want)
			}
			for i, r := range p.Rows {
				if r.N != i+1 {
					t.Errorf("row %d has N %d", i+1, r.N)
				}
				if r.Line == 0 && p.Format == "csv" {
					t.Errorf("row %d has no line", r.N)
				}
				if len(r.bad) > 0 {
					t.Errorf("row %d: unexpected problems %v", r.N, r.bad)
				}
			}
			// Every fixture holds rows that Validate accepts.
			rows := osRows(p.Rows)
			if _, errs := Validate(&Plan{Rows: rows}, Options{Within: []string{osPath("/srv/sms")}}); len(errs) > 0 {
				t.Errorf("Validate: %v", errs)
			}
		})
	}
}

// The reference rows, checked by hand once, so that a bug that reads every
// fixture the same wrong way is caught.
func TestReferenceRows(t *testing.T) {
	p := readFixture(t, "ps7-array.json")
	if len(p.Rows) != 3 {
		t.Fatalf("%d rows", len(p.Rows))
	}
	r := p.Rows[0]
	if r.Action != RemoveEntry || r.Path != "/srv/sms/ABC/LOGON.SRV/Invencfg.box/Resync.cfg" || r.SmsId != "ABC00007" ||
		*r.Offset != 96 || *r.Size != 480 || *r.RequestTime != 1688371200 || *r.Cutoff != 1775124000 ||
		*r.RequestedAt != "2023-07-03T10:00:00+02:00" || len(*r.Record) != 96 || r.Content != nil || r.Line != 2 {
		t.Errorf("row 1 = %+v", r)
	}
	r = p.Rows[2]
	if r.Action != DeleteFile || r.Offset != nil || r.Record != nil || *r.Size != 1234 ||
		*r.Reason != "client's .cfg & no request since <90 days>" || r.Line != 32 {
		t.Errorf("row 3 = %+v", r)
	}
	p = readFixture(t, "ps51-array.json")
	if got := *p.Rows[0].RequestedAt; got != "/Date(1688371200000)/" {
		t.Errorf("5.1 RequestedAt = %q", got)
	}
	if got := *p.Rows[2].Reason; got != "client's .cfg & no request since <90 days>" {
		t.Errorf("5.1 Reason = %q", got)
	}
	p = readFixture(t, "ps51-outfile-utf16le-nonascii.json")
	if got := *p.Rows[0].Reason; got != "Ünïcödé réason 😀" {
		t.Errorf("UTF-16 Reason = %q", got)
	}
	p = readFixture(t, "ps51-hashtable-lowercase.json")
	if got := *p.Rows[0].RequestedAt; got != "1688371200" {
		t.Errorf("number RequestedAt = %q", got)
	}
	p = readFixture(t, "ps7-de-DE-useculture.csv")
	if got := *p.Rows[0].RequestedAt; got != "03.07.2023 10:00:00" {
		t.Errorf("de-DE RequestedAt = %q", got)
	}
	if p.Rows[0].Line != 2 || p.Rows[2].Line != 4 {
		t.Errorf("CSV lines %d, %d", p.Rows[0].Line, p.Rows[2].Line)
	}
	p = readFixture(t, "ps51-export.csv")
	if p.Rows[0].Line != 3 {
		t.Errorf("CSV line after #TYPE = %d", p.Rows[0].Line)
	}
}

// goldenPlan is how a Plan is written to its golden file.
type goldenPlan struct {
	Format    string
	Truncated bool
	Rows      []goldenRow
}

type goldenRow struct {
	Row
	Problems []fieldProblem `json:",omitempty"`
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			p := readFixture(t, f.name)
			g := goldenPlan{Format: p.Format, Truncated: p.Truncated, Rows: []goldenRow{}}
			for _, r := range p.Rows {
				g.Rows = append(g.Rows, goldenRow{r, r.bad})
			}
			got, err := stdjson.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join(goldenDir, f.name+".golden.json")
			if *update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; got:\n%s", f.name, got)
			}
		})
	}
}

// osPath maps a slash path of the fixtures to the running system: on
// Windows, /srv/x becomes C:\srv\x.
func osPath(p string) string {
	if runtime.GOOS == "windows" {
		return `C:` + strings.ReplaceAll(p, "/", `\`)
	}
	return p
}

func osRows(rows []Row) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		r.Path = osPath(r.Path)
		out[i] = r
	}
	return out
}

func readString(s string) (*Plan, error) { return Read(strings.NewReader(s), "plan.json") }

const (
	hexRecord = "414243303030303700000000000000000080a264010203fe000000000000000000000000000000000000000000000000"
	hexSha    = "48d85f94d2e60e0b3b0fd862d8a2510539fe4b51377cb6f1cf606b65ce8b6a1f"
)

func TestReadErrors(t *testing.T) {
	obj := `{"Action":"RemoveEntry","Path":"/a/Resync.cfg"}`
	cases := []struct {
		name, in, want string
	}{
		{"invalid UTF-8", "[\n" + obj + ",\n{\"Reason\":\"caf\xe9\"}]", "plan.json: byte offset 65: invalid UTF-8 (byte 0xE9)"},
		{"invalid UTF-8 after BOM", "\xef\xbb\xbf[\xff]", "plan.json: byte offset 4: invalid UTF-8"},
		{"UTF-16 without BOM", "[\x00{\x00", "plan.json: byte offset 1: NUL byte; the input looks like UTF-16"},
		{"UTF-16 odd length", "\xff\xfe[\x00]", "plan.json: byte offset 4: UTF-16 input has an odd number of bytes (5)"},
		{"UTF-16 lone low surrogate", "\xff\xfe[\x00\x00\xdc]\x00", "plan.json: byte offset 4: invalid UTF-16: low surrogate 0xDC00"},
		{"UTF-16 lone high surrogate", "\xfe\xff\x00[\xd8\x00\x00]", "plan.json: byte offset 4: invalid UTF-16: high surrogate 0xD800"},
		{"syntax error in the middle", "[\n" + obj + ",\n{\"Action\"::1},\n" + obj + "]", "plan.json: line 3, column 11 (byte offset 61): invalid JSON: invalid character ':'"},
		{"syntax error UTF-16", "\xff\xfe" + utf16le("[\r\n{\"a\":1,}]"), "plan.json: line 2, column 8: invalid JSON"},
		{"trailing comma", "[" + obj + ",]", "invalid JSON: invalid character ']' looking for beginning of value"},
		{"missing comma", "[" + obj + " " + obj + "]", "invalid JSON"},
		{"data after array", "[" + obj + "]\n[" + obj + "]", `plan.json: line 2, column 1 (byte offset 50): unexpected '[' after the end of the array`},
		{"element not an object", "[" + obj + ",\n42]", "plan.json: line 2, column 1 (byte offset 50): element 2 of the array is a number, want an object"},
		{"array in JSON Lines", obj + "\n[1]", "value 2 is an array, want an object"},
		{"JSON Lines cut short", obj + "\n" + obj[:20], "plan.json: line 2, column 21 (byte offset 68): the input ends inside the object that starts on line 2"},
		{"JSON Lines comma", obj + ",\n" + obj, "invalid JSON"},
		{"wrapper of a string", `{"value":"x","Count":1}`, `the value of the {"value":...} wrapper is a string, want an array`},
		{"not a plan", "hello world\n", "plan.json: line 1: not a plan: the first line is neither JSON nor a CSV header"},
		{"CSV field count", "\"Action\",\"Path\"\r\n\"RemoveEntry\",\"/a\",\"x\"\r\n", "plan.json: line 2: the record has 3 fields, the header (line 1) has 2"},
		{"CSV open quote", "#TYPE x\nAction,Path\nRemoveEntry,\"/a\n\n", "plan.json: line 3: the quoted field that starts there is not closed"},
		{"CSV junk after quote", "Action,Path\n\"RemoveEntry\"x,/a\n", `plan.json: line 2: unexpected 'x' after the closing quote of a field (want ',' or the end of the line)`},
		{"CSV duplicate column", "Action,Path,path\nRemoveEntry,/a,/b\n", `plan.json: line 1: column Path appears twice in the header (as "Path" and "path")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := readString(c.in)
			if err == nil {
				t.Fatalf("no error; plan %+v", p)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\ndoes not contain %q", err, c.want)
			}
		})
	}
}

func utf16le(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }

func TestReadValues(t *testing.T) {
	type want struct {
		row Row
		bad []fieldProblem
	}
	cases := []struct {
		name string
		in   string
		want want
	}{
		{"integers as strings with spaces", `{"Size":" 1234 ","Offset":"\t48","Cutoff":"-5"}`,
			want{row: Row{Size: ptr[int64](1234), Offset: ptr[int64](48), Cutoff: ptr[int64](-5)}}},
		{"empty string and null are null", `{"Size":"","Offset":null,"Record":"","SmsId":null,"Reason":""}`, want{}},
		{"blank integer string is a problem", `{"Size":"  "}`, want{bad: []fieldProblem{{"Size", `must be an integer, got "  "`}}}},
		{"fraction", `{"Size":12.5}`, want{bad: []fieldProblem{{"Size", "not an integer: 12.5"}}}},
		{"exponent", `{"Size":1e3}`, want{bad: []fieldProblem{{"Size", "not an integer: 1e3"}}}},
		{"word", `{"Offset":"abc"}`, want{bad: []fieldProblem{{"Offset", `not an integer: "abc"`}}}},
		{"plus sign", `{"Offset":"+48"}`, want{bad: []fieldProblem{{"Offset", `not an integer: "+48"`}}}},
		{"out of range", `{"Size":99999999999999999999}`, want{bad: []fieldProblem{{"Size", "integer out of range: 99999999999999999999"}}}},
		{"bool integer", `{"Size":true}`, want{bad: []fieldProblem{{"Size", "must be an integer, got the bool true"}}}},
		{"AgeDays never a problem", `{"AgeDays":"12,5"}`, want{}},
		{"AgeDays integer", `{"AgeDays":"12"}`, want{row: Row{AgeDays: ptr[int64](12)}}},
		{"Path must be a string", `{"Path":42}`, want{bad: []fieldProblem{{"Path", "must be a string, got the number 42"}}}},
		{"Record must be a string", `{"Record":[1]}`, want{bad: []fieldProblem{{"Record", "must be a string, got the array [1]"}}}},
		{"informational text from number and bool", `{"SmsId":12345,"RequestedAt":1688371200,"Reason":false}`,
			want{row: Row{SmsId: "12345", RequestedAt: ptr("1688371200"), Reason: ptr("false")}}},
		{"informational object kept as text", `{"Reason":{"a": 1}}`, want{row: Row{Reason: ptr(`{"a":1}`)}}},
		{"action spelling", `{"action":"removeENTRY"}`, want{row: Row{Action: RemoveEntry}}},
		{"unknown action kept", `{"Action":"Nuke"}`, want{row: Row{Action: "Nuke"}}},
		{"hex lower-cased", `{"Record":"ABCDEF","Sha256":"00FF"}`, want{row: Row{Record: ptr("abcdef"), Sha256: ptr("00ff")}}},
		{"non-hex kept", `{"Record":"XYZ"}`, want{row: Row{Record: ptr("XYZ")}}},
		{"unknown fields ignored", `{"Note":1,"PSComputerName":"x"}`, want{}},
		{"5.1 escapes", `{"Reason":"it\u0027s \u003c\u0026\u003e"}`, want{row: Row{Reason: ptr("it's <&>")}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := readString(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Rows) != 1 {
				t.Fatalf("%d rows", len(p.Rows))
			}
			got := p.Rows[0]
			bad := got.bad
			got.bad = nil
			w := c.want.row
			w.N, w.Line = 1, 1
			if !reflect.DeepEqual(got, w) {
				t.Errorf("row\ngot  %s\nwant %s", dump(got), dump(w))
			}
			if !reflect.DeepEqual(bad, c.want.bad) {
				t.Errorf("problems\ngot  %q\nwant %q", bad, c.want.bad)
			}
		})
	}
}

func dump(r Row) string {
	b, _ := stdjson.Marshal(r)
	return string(b)
}

func TestReadShapes(t *testing.T) {
	obj := func(n int) string { return fmt.Sprintf(`{"Action":"DeleteFile","Size":%d}`, n) }
	cases := []struct {
		name      string
		in        string
		sizes     []int64
		lines     []int
		truncated bool
	}{
		{"null", "null\r\n", nil, nil, false},
		{"array after blank lines", "\r\n\r\n  [\r\n" + obj(1) + ",\r\n" + obj(2) + "\r\n]\r\n", []int64{1, 2}, []int{4, 5}, false},
		{"truncated array after blank lines", "\n\n[" + obj(1) + ",\n" + obj(2)[:10], []int64{1}, []int{3}, true},
		{"null elements skipped", "[null,\n" + obj(1) + ",null]", []int64{1}, []int{2}, false},
		{"JSON Lines with null line", obj(1) + "\nnull\n" + obj(2), []int64{1, 2}, []int{1, 3}, false},
		{"wrapper of one object", `{"Count":1,"VALUE":` + obj(7) + `}`, []int64{7}, []int{1}, false},
		{"wrapper of null", `{"value":null,"Count":0}`, nil, nil, false},
		{"wrapper lines", "{\n \"value\": [\n  " + obj(1) + ",\n  " + obj(2) + "\n ],\n \"Count\": 2\n}", []int64{1, 2}, []int{3, 4}, false},
		{"two objects on one line", obj(1) + obj(2), []int64{1, 2}, []int{1, 1}, false},
		{"truncated in a string", "[" + obj(1) + `,{"Action":"Dele`, []int64{1}, []int{1}, true},
		{"truncated in a number", "[\n" + obj(1) + ",\n" + obj(2)[:30], []int64{1}, []int{2}, true},
		{"truncated after a key", "[" + obj(1) + `,{"Action"`, []int64{1}, []int{1}, true},
		{"CSV ; with quotes", "\"Action\";\"Size\"\n\"DeleteFile\";\"5\"\n", []int64{5}, []int{2}, false},
		{"CSV multi-line field", "Reason,Size\n\"a\r\nb\",5\n\n\nx,6", []int64{5, 6}, []int{2, 6}, false},
		{"CSV no final newline", "Size\n5", []int64{5}, []int{2}, false},
		{"CSV blank lines and comments first", "\n#TYPE x\n\n#y\nSize\n5\n", []int64{5}, []int{6}, false},
		{"CSV # line after the header is data", "Reason,Size\n#x,5\n", []int64{5}, []int{2}, false},
		{"CSV only #TYPE", "#TYPE x\r\n", nil, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := readString(c.in)
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int64
			var lines []int
			for _, r := range p.Rows {
				if len(r.bad) > 0 {
					t.Errorf("row %d: %v", r.N, r.bad)
				}
				sizes = append(sizes, *r.Size)
				lines = append(lines, r.Line)
			}
			if !reflect.DeepEqual(sizes, c.sizes) || !reflect.DeepEqual(lines, c.lines) || p.Truncated != c.truncated {
				t.Errorf("sizes %v lines %v truncated %v, want %v %v %v", sizes, lines, p.Truncated, c.sizes, c.lines, c.truncated)
			}
		})
	}
}
