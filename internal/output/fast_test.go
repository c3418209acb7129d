package output_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/dumpsync/dumpsync/internal/apply"
	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/plan"
)

// encodeAll writes recs in format f, through the fast path or the
// reference path (goccy/go-json for JSON, reflection for CSV).
func encodeAll(t testing.TB, f output.Format, fast bool, proto any, recs []any) []byte {
	t.Helper()
	old := output.SetFast(fast)
	defer output.SetFast(old)
	var b bytes.Buffer
	enc, err := output.NewEncoder(&b, f, proto)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// kinds builds one record of every Fielder kind from the fuzzed values;
// null selects which optional fields are nil.
func kinds(s1, s2, s3 string, n1, n2 int64, null uint16) []struct {
	name  string
	proto any
	rec   any
} {
	opt := func(bit uint, s string) *string {
		if null&(1<<bit) != 0 {
			return nil
		}
		return &s
	}
	optInt := func(bit uint, v int64) *int64 {
		if null&(1<<bit) != 0 {
			return nil
		}
		return &v
	}
	e := dump.Entry{Path: s1, Index: n1, Offset: n2, SmsId: s2, RequestTime: n2, RequestedAt: opt(0, s3),
		AgeDays: optInt(1, n1), Valid: null&4 != 0, Problem: opt(3, s2+s3)}
	raw := dump.RawEntry{Entry: e, Extra: s3}
	row := plan.Row{Action: s3, Path: s1, SmsId: s2, RequestTime: optInt(4, n1), RequestedAt: opt(5, s3),
		AgeDays: optInt(6, n2), Cutoff: n1, Offset: optInt(7, n2), Record: opt(8, s2), Size: n2,
		ModTime: n1, Sha256: s3, Reason: s1 + s2}
	res := apply.Result{Action: s2, Path: s1, SmsId: opt(9, s2), RequestTime: optInt(10, n1),
		RequestedAt: opt(11, s3), AgeDays: optInt(12, n2), Cutoff: optInt(13, n1), Offset: optInt(14, n2),
		Record: opt(15, s3), Size: optInt(0, n1), ModTime: optInt(1, n2), Sha256: opt(2, s1), Reason: opt(3, s2),
		Status: s3, Detail: s1}
	undo := apply.UndoRow{Action: s1, Path: s2, SmsId: s3, Offset: optInt(4, n1), Record: opt(5, s2), Size: n2,
		Sha256: s1, Content: opt(6, s3)}
	return []struct {
		name  string
		proto any
		rec   any
	}{
		{"entry", dump.Entry{}, &e},
		{"rawentry", dump.RawEntry{}, &raw},
		{"planrow", plan.Row{}, &row},
		{"result", apply.Result{}, &res},
		{"undorow", apply.UndoRow{}, &undo},
		{"bytes", bytesRec{}, &bytesRec{s1, s2, s3, n1}},
	}
}

// bytesRec hands its strings over as bytes (FieldWriter.Bytes), as dump's
// entries do; the reference path encodes the same strings as strings.
type bytesRec struct {
	A, B, C string
	N       int64
}

// plain reports whether FieldWriter.Plain may be given s.
func plain(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte("-:.+T", c) >= 0) {
			return false
		}
	}
	return true
}

func (r *bytesRec) WriteFields(w output.FieldWriter) {
	w.Bytes([]byte(r.A))
	w.Bytes([]byte(r.B))
	if plain(r.C) {
		w.Plain([]byte(r.C))
	} else {
		w.Str(r.C)
	}
	w.Digits(strconv.AppendInt(nil, r.N, 10))
}

func checkSame(t *testing.T, s1, s2, s3 string, n1, n2 int64, null uint16) {
	t.Helper()
	for _, k := range kinds(s1, s2, s3, n1, n2, null) {
		if _, ok := k.rec.(output.Fielder); !ok {
			t.Fatalf("%s: not a Fielder", k.name)
		}
		recs := []any{k.rec, k.rec}
		for _, f := range []output.Format{output.JSON, output.JSONL, output.CSV} {
			fast := encodeAll(t, f, true, k.proto, recs)
			ref := encodeAll(t, f, false, k.proto, recs)
			if !bytes.Equal(fast, ref) {
				t.Fatalf("%s as %s: fast path differs from the reference path\nfast: %q\nref:  %q", k.name, f, fast, ref)
			}
		}
	}
}

// The strings hold everything the escapers treat specially: quotes,
// backslashes, control characters, DEL, Latin-1, invalid UTF-8, U+2028,
// characters beyond the BMP, HTML characters, leading spaces and `\.`.
var fastCases = []struct {
	s1, s2, s3 string
	n1, n2     int64
	null       uint16
}{
	{`C:\SMS\Domain.000\Resync.cfg`, "ABC0001F", "2026-11-01T00:00:00Z", 12, 576, 0},
	{"", "", "", 0, 0, 0xffff},
	{`a"b\c`, "x\x00y\x01\x1f\x7f", "tab\tnl\ncr\r", -1, 1 << 62, 0x5555},
	{"é€😀\u2028\u2029", "\xff\xfe", "<>&'", -9223372036854775808, 9223372036854775807, 0xaaaa},
	{" lead", `\.`, "a,b", 1, 2, 3},
	{"\u00a0nbsp", "\u0085nel", "\tx", 4, 5, 6},
	{"\\\\?\\UNC\\srv\\SMS,old\\x", "日本語", "\"quoted\"", 7, 8, 9},
}

func TestFastMatchesReference(t *testing.T) {
	for _, c := range fastCases {
		checkSame(t, c.s1, c.s2, c.s3, c.n1, c.n2, c.null)
	}
}

func FuzzFastMatchesReference(f *testing.F) {
	for _, c := range fastCases {
		f.Add(c.s1, c.s2, c.s3, c.n1, c.n2, c.null)
	}
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n1, n2 int64, null uint16) {
		checkSame(t, s1, s2, s3, n1, n2, null)
	})
}

// A record kind's WriteFields must hand over exactly its columns.
func TestFieldCount(t *testing.T) {
	for _, k := range kinds("a", "b", "c", 1, 2, 0) {
		got := encodeAll(t, output.CSV, true, k.proto, []any{k.rec})
		header, _, _ := strings.Cut(string(got), "\r\n")
		if want := strings.Join(output.Columns(k.proto), ","); header != want {
			t.Errorf("%s: header %q, want %q", k.name, header, want)
		}
	}
}

func TestFastNoAllocs(t *testing.T) {
	for _, k := range kinds("C:\\SMS\\Resync.cfg", "ABC0001F", "2026-11-01T00:00:00Z", 1, 2, 0) {
		if k.name == "bytes" {
			continue // its own string-to-bytes conversions allocate; dump's TestViewNoAllocs covers Bytes
		}
		for _, f := range []output.Format{output.JSONL, output.CSV} {
			var b bytes.Buffer
			enc, err := output.NewEncoder(&b, f, k.proto)
			if err != nil {
				t.Fatal(err)
			}
			enc.Encode(k.rec)
			allocs := testing.AllocsPerRun(1000, func() {
				b.Reset()
				enc.Encode(k.rec)
			})
			if allocs != 0 {
				t.Errorf("%s as %s: %.1f allocations per record, want 0", k.name, f, allocs)
			}
		}
	}
}

// fill writes a record through a Template: its parts with the holes' bytes
// between them.
func fill(t *testing.T, parts [][]byte, holes ...[]byte) []byte {
	t.Helper()
	if len(parts) != len(holes)+1 {
		t.Fatalf("template has %d parts, want %d", len(parts), len(holes)+1)
	}
	b := append([]byte(nil), parts[0]...)
	for i, h := range holes {
		b = append(append(b, h...), parts[i+1]...)
	}
	return b
}

// checkTemplate cuts the template of one bytesRec and fills it with the
// holes of another of the same shape: the text must be what Append writes
// for the other, in every format.
func checkTemplate(t *testing.T, a, b, c1, c2 string, n1, n2 int64) {
	t.Helper()
	if !plain(c1) || !plain(c2) {
		c2 = c1 // C is no hole, or another shape
	}
	for _, f := range []output.Format{output.JSON, output.JSONL, output.CSV} {
		enc, err := output.NewEncoder(&bytes.Buffer{}, f, bytesRec{})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := output.AsChunked(enc)
		fm := c.NewFormatter()
		parts := fm.Template(&bytesRec{a, b, c1, n1})
		rec := &bytesRec{a, b, c2, n2}
		holes := [][]byte{strconv.AppendInt(nil, n2, 10)}
		if plain(c2) {
			holes = [][]byte{[]byte(c2), holes[0]}
		}
		if got, want := fill(t, parts, holes...), fm.Append(nil, rec); !bytes.Equal(got, want) {
			t.Fatalf("%s: template filled: %q\nAppend: %q", f, got, want)
		}
	}
}

func TestTemplate(t *testing.T) {
	for _, c := range fastCases {
		checkTemplate(t, c.s1, c.s2, c.s3, "2026-01-02T03:04:05Z", c.n1, c.n2)
		checkTemplate(t, c.s2, c.s1, "", "ABC", c.n2, c.n1)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, c := range fastCases {
		f.Add(c.s1, c.s2, c.s3, "x", c.n1, c.n2)
	}
	f.Fuzz(func(t *testing.T, a, b, c1, c2 string, n1, n2 int64) {
		checkTemplate(t, a, b, c1, c2, n1, n2)
	})
}
