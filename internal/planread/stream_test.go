package planread

import (
	"bytes"
	"encoding/binary"
	stdjson "encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// The streaming reader is held to the reader it replaced (refRead in
// oracle_test.go: encoding/json plus the old CSV code) and to encoding/json's
// verdict on what is JSON.

var refCases = []string{
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

// refInputs returns every input the differential tests start from: the
// cases above in UTF-8, UTF-8 with BOM and UTF-16LE, every fixture, every
// rejected file, and a part of the benchmark plan.
func refInputs(t testing.TB) [][]byte {
	var ins [][]byte
	for _, c := range refCases {
		ins = append(ins, []byte(c), []byte("\xef\xbb\xbf"+c), []byte("\xff\xfe"+utf16le(c)))
	}
	for _, dir := range []string{fixtureDir, rejectDir, suiteDir} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			ins = append(ins, b)
		}
	}
	ins = append(ins, benchPlan()[:200000], append(benchPlan()[:200000:200000], "}\n]"...))
	return ins
}

// sameAsRef reads data with Read and with refRead and fails unless both
// give the same plan, or both an error. Messages may differ only where the
// reference reported a later error first (it parsed everything before
// looking at rows) or where the new reader is stricter about the wrapper.
func sameAsRef(t *testing.T, data []byte, r io.Reader) (err error) {
	t.Helper()
	want, werr := refRead(bytes.NewReader(data), "in")
	got, gerr := Read(r, "in")
	if (gerr == nil) != (werr == nil) {
		if gerr != nil && strings.Contains(gerr.Error(), `{"value":...} wrapper`) {
			return gerr // stricter by design: see stream.go
		}
		t.Fatalf("Read error %v, reference error %v\n%q", gerr, werr, clipBytes(data))
	}
	if gerr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("Read\n%+v\nreference\n%+v\n%q", got, want, clipBytes(data))
	}
	return gerr
}

func clipBytes(b []byte) []byte {
	if len(b) > 600 {
		return b[:600]
	}
	return b
}

func TestMatchesReference(t *testing.T) {
	differ := 0
	for _, in := range refInputs(t) {
		err := sameAsRef(t, in, bytes.NewReader(in))
		_, werr := refRead(bytes.NewReader(in), "in")
		if err != nil && err.Error() != werr.Error() {
			differ++
			t.Logf("messages differ:\n new %v\n ref %v", err, werr)
		}
	}
	if differ > 0 {
		t.Logf("%d inputs with different messages", differ)
	}
}

// The reader keeps a small window of the input: every unit (a row, a
// string, a CSV record) may be split between reads. One byte per read, and
// odd-sized reads, must give exactly what one read gives.
func TestSplitReads(t *testing.T) {
	for _, in := range refInputs(t) {
		if len(in) > 100000 {
			in = in[:20000]
		}
		want, werr := Read(bytes.NewReader(in), "in")
		for _, r := range []io.Reader{iotest.OneByteReader(bytes.NewReader(in)), iotest.HalfReader(bytes.NewReader(in)), iotest.DataErrReader(bytes.NewReader(in))} {
			got, gerr := Read(r, "in")
			if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
				t.Fatalf("split reads: error %v, whole: %v\n%q", gerr, werr, clipBytes(in))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("split reads\n%+v\nwhole\n%+v\n%q", got, want, clipBytes(in))
			}
		}
	}
}

// A read error is returned as it is, with the input's name.
func TestReadErrorPassedOn(t *testing.T) {
	boom := errors.New("boom")
	_, err := Read(io.MultiReader(strings.NewReader("[{\"Size\":1},\n"), iotest.ErrReader(boom)), "in")
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "in: ") {
		t.Errorf("error %v", err)
	}
}

// Stream gives the rows one at a time, and the same as Read.
func TestStream(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "ps51-wrapper.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := readFixture(t, "ps51-wrapper.json")
	rd := Stream(bytes.NewReader(b), "in")
	var rows []Row
	for {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if !reflect.DeepEqual(rows, want.Rows) || rd.Format() != "json" || rd.Truncated() {
		t.Errorf("Stream gave %+v (%s, %v), Read %+v", rows, rd.Format(), rd.Truncated(), want.Rows)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("Next after the end: %v", err)
	}
}

const suiteDir = "testdata/jsonsuite"

// TestJSONSuite runs the JSONTestSuite-style cases of testdata/jsonsuite: a
// y_ file is JSON (encoding/json agrees) and must not be a syntax error; an
// n_ file is not, and must be rejected (or, for a top-level array cut short,
// read as truncated).
func TestJSONSuite(t *testing.T) {
	ents, err := os.ReadDir(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		b, err := os.ReadFile(filepath.Join(suiteDir, name))
		if err != nil {
			t.Fatal(err)
		}
		valid := jsonOK(b)
		p, err := Read(bytes.NewReader(b), name)
		switch {
		case strings.HasPrefix(name, "y_"):
			if !valid {
				t.Errorf("%s: encoding/json rejects it", name)
			}
			if err != nil && strings.Contains(err.Error(), "invalid JSON") {
				t.Errorf("%s: %v", name, err)
			}
		case strings.HasPrefix(name, "n_"):
			if valid {
				t.Errorf("%s: encoding/json accepts it", name)
			}
			if err == nil && !p.Truncated {
				t.Errorf("%s: accepted, %d rows", name, len(p.Rows))
			}
		default:
			t.Errorf("%s: name must start with y_ or n_", name)
		}
	}
}

// jsonOK reports whether encoding/json accepts b as a JSON plan shape: one
// array (json.Valid), or one or more values one after another.
func jsonOK(b []byte) bool {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return stdjson.Valid(b)
	}
	return validStream(b)
}

// validStream reports whether b is one or more JSON values one after
// another, by encoding/json.
func validStream(b []byte) bool {
	d := stdjson.NewDecoder(bytes.NewReader(b))
	n := 0
	for {
		var v stdjson.RawMessage
		err := d.Decode(&v)
		if err == io.EOF {
			return n > 0
		}
		if err != nil {
			return false
		}
		n++
	}
}

// FuzzMatchesReference: the streaming reader and the reader it replaced give
// the same plan, or both an error.
func FuzzMatchesReference(f *testing.F) {
	for _, in := range refInputs(f) {
		if len(in) < 4000 {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsRef(t, data, bytes.NewReader(data))
	})
}

// FuzzJSONValid: a JSON plan (UTF-8, starting with [ or {) is accepted only
// if encoding/json accepts it as JSON, and every plan-shaped input that
// encoding/json accepts is read (or rejected only for what it holds, never
// as invalid JSON). Split reads give the same result.
func FuzzJSONValid(f *testing.F) {
	for _, in := range refInputs(f) {
		if len(in) < 4000 {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		i := 0
		for i < len(data) && strings.IndexByte(" \t\r\n", data[i]) >= 0 {
			i++
		}
		if i == len(data) || data[i] != '[' && data[i] != '{' || bytes.IndexByte(data, 0) >= 0 || !utf8Valid(data) {
			return
		}
		p, err := Read(bytes.NewReader(data), "in")
		valid := jsonOK(data)
		if err == nil && !p.Truncated && !valid {
			t.Fatalf("accepted, but encoding/json rejects it: %q", data)
		}
		if valid && err != nil && strings.Contains(err.Error(), "invalid JSON") {
			t.Fatalf("encoding/json accepts it, Read says %v: %q", err, data)
		}
		if valid && p != nil && p.Truncated {
			t.Fatalf("encoding/json accepts it, Read says truncated: %q", data)
		}
		q, qerr := Read(iotest.OneByteReader(bytes.NewReader(data)), "in")
		if (err == nil) != (qerr == nil) || err != nil && err.Error() != qerr.Error() || !reflect.DeepEqual(p, q) {
			t.Fatalf("one byte at a time: %v, %v; whole: %v, %v", q, qerr, p, err)
		}
	})
}

func utf8Valid(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// Stream holds a window of the input, not the input: a plan far larger than
// its buffer is read with the buffer staying small.
func TestStreamWindow(t *testing.T) {
	row := `{"Action":"RemoveEntry","Path":"/srv/a/Resync.cfg","SmsId":"ABC00001","Offset":48,"Size":96,"Reason":"` + strings.Repeat("x", 400) + `"}`
	const n = 20000
	r := io.MultiReader(strings.NewReader("[\n"), strings.NewReader(strings.Repeat(row+",\n", n-1)), strings.NewReader(row+"\n]\n"))
	rd := Stream(r, "big")
	got := 0
	for {
		_, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != n {
		t.Fatalf("%d rows, want %d", got, n)
	}
	if c := cap(rd.buf); c > 4*chunk {
		t.Errorf("buffer grew to %d bytes for a %d-byte input", c, n*len(row))
	}
}

// TestStrSpecial8 holds strSpecial8 to a byte-by-byte check on every
// position and byte value, alone and among others.
func TestStrSpecial8(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			for _, fill := range []byte{'a', 0x80, 0xff, '!', '#', '[', ']', 0x20} {
				var b [8]byte
				for k := range b {
					b[k] = fill
				}
				b[pos] = byte(c)
				want := false
				for _, x := range b {
					want = want || special(x)
				}
				if got := strSpecial8(binary.LittleEndian.Uint64(b[:])); got != want {
					t.Fatalf("%q: strSpecial8 = %v, want %v", b, got, want)
				}
			}
		}
	}
}
