package planread

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const rejectDir = "testdata/reject"

const (
	lookDump    = "this looks like dumpsync dump output, not a plan (a plan comes from 'dumpsync plan')"
	lookCheck   = "this looks like dumpsync check output, not a plan (a plan comes from 'dumpsync plan')"
	lookResults = "this looks like dumpsync apply results (Status, Detail), not a plan; " +
		"to undo an apply pass its undo file, to apply these rows again drop the Status and Detail fields"
	lookResync = "this looks like a Resync.cfg (binary), not a plan; 'dumpsync dump' lists its entries"
	lookUTF32  = "UTF-32 is not supported; save it as UTF-8 or UTF-16"
	lookTable  = "this looks like a table (-f table, what --out writes to a .txt file), not a plan; " +
		"write the plan with -f json or -f csv (or --out plan.json)"
)

// rejects lists every file of testdata/reject and the one-line error Read
// must give for it (after "NAME: ").
var rejects = []struct{ name, want string }{
	// Issue 11 point 14: a key given twice, in any case, in every shape.
	{"dupkey-same-case.json", `row 2 (line 3): field Path: given twice`},
	{"dupkey-other-case.json", `row 2 (line 3): field Path: given twice, as "Path" and "path"`},
	{"dupkey-utf16le.json", `row 2 (line 3): field Path: given twice, as "Path" and "path"`},
	{"dupkey-unknown-field.json", `row 1 (line 2): field Note: given twice, as "Note" and "NOTE"`},
	{"dupkey.jsonl", `row 2 (line 2): field Size: given twice, as "Size" and "SIZE"`},
	{"dupkey-single-object.json", `row 1 (line 1): field Size: given twice`},
	{"dupkey-in-wrapper.json", `row 2 (line 1): field Cutoff: given twice`},
	{"dupkey-wrapper-count.json", `line 1, column 1 (byte offset 0): the {"value":...} wrapper has its Count key twice (as "Count" and "count")`},
	{"dupkey-header.csv", `line 1: column Path appears twice in the header (as "PATH" and "path")`},
	{"dupkey-header-unknown.csv", `line 1: column Note appears twice in the header (as "Note" and "note")`},
	// Issue 11 point 15: inputs that are not plans.
	{"dump.json", lookDump},
	{"dump.jsonl", lookDump},
	{"dump.csv", lookDump},
	{"dump-ps51-export.csv", lookDump},
	{"dump-ps51-wrapper.json", lookDump},
	{"dump-utf16le.json", lookDump},
	{"check.json", lookCheck},
	{"check.jsonl", lookCheck},
	{"check.csv", lookCheck},
	{"check-single-object.json", lookCheck},
	{"results.json", lookResults},
	{"results.csv", lookResults},
	{"results-lowercase.jsonl", lookResults},
	{"resync.cfg", lookResync},
	{"resync-invalid-first.cfg", lookResync},
	{"resync-empty-id.cfg", lookResync},
	{"utf32le-bom.json", lookUTF32},
	{"utf32be-bom.json", lookUTF32},
	{"utf32le.json", lookUTF32},
	{"utf32be.json", lookUTF32},
	{"utf32le.csv", lookUTF32},
	// A plan written as a table (--out plan.txt) cannot be read back.
	{"plan-table.txt", lookTable},
}

func TestRejectsAreListed(t *testing.T) {
	listed := map[string]bool{}
	for _, r := range rejects {
		listed[r.name] = true
	}
	ents, err := os.ReadDir(rejectDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !listed[e.Name()] {
			t.Errorf("%s is not in the rejects table", e.Name())
		}
	}
}

func TestReject(t *testing.T) {
	for _, c := range rejects {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(rejectDir, c.name))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Read(bytes.NewReader(b), c.name)
			if err == nil {
				t.Fatalf("no error; %d rows read", len(p.Rows))
			}
			if got, want := err.Error(), c.name+": "+c.want; got != want {
				t.Errorf("error\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

// Duplicate keys are found wherever they are, by both JSON paths.
func TestDuplicateKeys(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[{"Path":"/a","Path":"/b"}]`, `row 1 (line 1): field Path: given twice`},
		{`[{"Path":"/a","path":"/b"}]`, `row 1 (line 1): field Path: given twice, as "Path" and "path"`},
		{`[{"path":"/a"},{"PATH":"/a","Path":"/b"}]`, `row 2 (line 1): field Path: given twice, as "PATH" and "Path"`},
		{`[{"Size":1,"Offset":2,"size":null}]`, `row 1 (line 1): field Size: given twice, as "Size" and "size"`},
		{`[{"Size":"","Size":""}]`, `row 1 (line 1): field Size: given twice`},
		{`[{"Note":1,"Note":2}]`, `row 1 (line 1): field Note: given twice`},
		{`[{"":1,"":2}]`, `row 1 (line 1): the empty key "" given twice`},
		{`[{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"A":11}]`, `row 1 (line 1): field a: given twice, as "a" and "A"`},
		{`[null,{"Action":"x"},null,{"Reason":{"a":1,"a":2},"reason":1}]`, `row 2 (line 1): field Reason: given twice, as "Reason" and "reason"`},
		{`[{"Act\u0069on":"x","action":"y"}]`, `row 1 (line 1): field Action: given twice, as "Action" and "action"`},
		{`[{"Größe":1,"GRÖSSE":2,"größe":3}]`, `row 1 (line 1): field Größe: given twice, as "Größe" and "größe"`},
		{"{\"Size\":1}\n{\"Size\":1,\"Size\":1}", `row 2 (line 2): field Size: given twice`},
		{`{"Action":"DeleteFile","value":[],"VALUE":[]}`, `row 1 (line 1): field value: given twice, as "value" and "VALUE"`},
		{`{"value":[],"VALUE":[]}`, `line 1, column 1 (byte offset 0): the {"value":...} wrapper has its value key twice (as "value" and "VALUE")`},
		{`{"value":{"Size":1,"Size":2},"Count":1}`, `row 1 (line 1): field Size: given twice`},
		{"\xef\xbb\xbf" + `[{"Path":"/a","Path":"/b"}]`, `row 1 (line 1): field Path: given twice`},
		{"Action,Path,ACTION\r\nx,y,z\r\n", `line 1: column Action appears twice in the header (as "Action" and "ACTION")`},
		{"Action;b;B\r\n1;2;3\r\n", `line 1: column b appears twice in the header (as "b" and "B")`},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := readString(c.in)
			if err == nil || err.Error() != "plan.json: "+c.want {
				t.Errorf("error %v\nwant   plan.json: %s", err, c.want)
			}
		})
	}
	// Nested objects are informational text, not fields; empty CSV column
	// names are not names (Import-Csv numbers them), so neither is a duplicate.
	for _, in := range []string{`[{"Reason":{"a":1,"a":2}}]`, "Action,,Path,\r\nx,,y,\r\n"} {
		if _, err := readString(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// Inputs close to the lookalikes are still plans.
func TestNotLookalikes(t *testing.T) {
	for _, in := range []string{
		// A plan row with a user's Status column but no Detail.
		`[{"Action":"DeleteFile","Path":"/a","Status":"todo"}]`,
		// A user's Message and Code columns on plan rows.
		"Action,Path,Code,Message\r\nDeleteFile,/a,1,x\r\n",
		// One dump-like name only.
		`{"Action":"DeleteFile","Valid":true}`,
	} {
		if _, err := readString(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	// A dump row with its own Action is read as a plan row (and fails
	// validation row by row, naming the fields it lacks).
	if _, err := readString(`[{"Action":"DeleteFile","Index":0,"Valid":true,"Problem":null}]`); err != nil {
		t.Error(err)
	}
	// Text with a NUL byte that is not a Resync.cfg keeps the UTF-16 message.
	for _, in := range []string{"[\x00{\x00", "\x00[\x00{", strings.Repeat("[{\"Reason\":\"abcdefgh\"}]", 3) + "\x00"} {
		_, err := readString(in)
		if err == nil || !strings.Contains(err.Error(), "NUL byte; the input looks like UTF-16") {
			t.Errorf("%q: %v", in, err)
		}
	}
}
