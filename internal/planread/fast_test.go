package planread

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readBoth reads data with the fast path and with the general path only.
func readBoth(t testing.TB, data []byte) (fast, general *Plan, errFast, errGeneral error) {
	fast, errFast = Read(bytes.NewReader(data), "in")
	fastPath = false
	defer func() { fastPath = true }()
	general, errGeneral = Read(bytes.NewReader(data), "in")
	return
}

func checkSame(t *testing.T, data []byte) {
	t.Helper()
	pf, pg, ef, eg := readBoth(t, data)
	if (ef == nil) != (eg == nil) || ef != nil && ef.Error() != eg.Error() {
		t.Fatalf("fast path error %v, general path error %v\n%q", ef, eg, data)
	}
	if !reflect.DeepEqual(pf, pg) {
		t.Fatalf("fast path\n%+v\ngeneral path\n%+v\n%q", pf, pg, data)
	}
}

var fastCases = []string{
	`[]`, ` [ ] `, `[null]`, `[{}]`, `[{},{}]`, `{}` + "\n" + `{}`, `{}{}`, `{"a":1}`,
	`[{"Action":"removeentry","PATH":"/a/Resync.cfg","size":"12","Offset":48,"AgeDays":1.5}]`,
	`[{"Path":"C:\\srv\\a\\Resync.cfg"},{"Path":"C:\\srv\\a\\Resync.cfg"},{"Path":"/b"},{"Path":"C:\\srv\\a\\Resync.cfg"}]`,
	`[{"Reason":"it\u0027s \u003c\u0026\u003e \/ \b\f\n\r\t \"x\" \u00e9\u20AC"}]`,
	`[{"Reason":"\ud83d\ude00"}]`, `[{"Reason":"\ud800"}]`, `[{"Reason":"\u0000"}]`,
	`[{"Record":"ABCDEF","Sha256":"00FF","SmsId":12345,"RequestedAt":1688371200,"Reason":false,"AgeDays":true}]`,
	`[{"Record":"XYZ","Content":"QUJD"}]`, `[{"Path":"/a","path":"/b"}]`, `[{"Path":"/a","Path":"/b"}]`,
	`[{"Size":12.5}]`, `[{"Size":1e3}]`, `[{"Size":"abc"}]`, `[{"Size":99999999999999999999}]`, `[{"Size":-0}]`,
	`[{"Size":01}]`, `[{"Size":-}]`, `[{"Size":1.}]`, `[{"Size":1e}]`, `[{"Size":true}]`, `[{"Path":42}]`,
	`[{"Reason":{"a": 1}}]`, `[{"Note":[1,2]}]`, `[{"Note":"x","PSComputerName":null,"n":-1.5e+7,"b":false}]`,
	`[{"Größe":1,"Actİon":"RemoveEntry"}]`, `[{"Act\u0069on":"RemoveEntry"}]`,
	`[{"Action":"RemoveEntry"},]`, `[{"Action":"RemoveEntry"} {"Action":"RemoveEntry"}]`, `[{"a":1}`, `[{"a":1},`,
	`[{"a":1}]x`, `[{"a":1}] ]`, `[{"a" 1}]`, `[{"a":1,}]`, `[{,}]`, `[{"a":nul}]`, `[{"a":tru}]`, `[nul]`, `[1]`, `["x"]`,
	"[{\"a\":\"x\ty\"}]", "[{\"a\":\"x\\qy\"}]", "[{\"a\":\"\\u12G4\"}]", `[{"a":"\u12`,
	"\r\n\r\n  [\r\n{\"Size\":1},\r\n{\"Size\":2}\r\n]\r\n", "[null,\n{\"Size\":1},null]",
	"{\"Size\":1}\nnull\n{\"Size\":2}", "{\"Size\":1}\nnull", "{\"Size\":1}\n[1]", "{\"Size\":1},\n{\"Size\":2}",
	`{"value":[{"Size":1}],"Count":1}`, `{"Count":1,"VALUE":{"Size":7}}`,
	"[\n{\"Action\":\"RemoveEntry\"},\n{\"Action\"::1},\n{\"Action\":\"RemoveEntry\"}]",
}

func TestFastMatchesGeneral(t *testing.T) {
	for _, c := range fastCases {
		checkSame(t, []byte(c))
		checkSame(t, []byte("\xef\xbb\xbf"+c))
		checkSame(t, []byte("\xff\xfe"+utf16le(c)))
	}
	ents, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(fixtureDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, b)
	}
	checkSame(t, benchPlan()[:200000])
	checkSame(t, append(benchPlan()[:200000:200000], "}\n]"...))
}

// The fast path must take the usual layouts, or it is no use.
func TestFastPathTaken(t *testing.T) {
	for _, name := range []string{"ps7-array.json", "ps51-array.json", "ps7-compress.json", "ps7-jsonl-blank-lines.jsonl",
		"ps51-outfile-utf16le.json", "ps51-hashtable-lowercase.json", "ps7-strings-from-import-csv.json", "undo.json"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		in, err := decodeText(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := fastJSON(&text{name: name, s: in.s, bomLen: in.bomLen, utf8: in.utf8}); !ok {
			t.Errorf("%s: the fast path gave up", name)
		}
	}
	data := benchPlan()
	if _, ok := fastJSON(&text{s: data, utf8: true}); !ok {
		t.Errorf("benchmark plan: the fast path gave up")
	}
}

func FuzzFastMatchesGeneral(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.ContainsAny(data, "[{") || strings.Count(string(data), "\n") > 1000 {
			return
		}
		checkSame(t, data)
	})
}
