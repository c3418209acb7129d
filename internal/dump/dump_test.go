package dump

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
)

func TestAgeDays(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	n := uint32(now.Unix())
	tests := []struct {
		name string
		t    uint32
		want int64
	}{
		{"same second", n, 0},
		{"one second ago", n - 1, 0},
		{"86399 s ago", n - 86399, 0},
		{"exactly 86400 s ago", n - 86400, 1},
		{"86401 s ago", n - 86401, 1},
		{"2 days - 1 s", n - 2*86400 + 1, 1},
		{"exactly 2 days", n - 2*86400, 2},
		{"future 1 s", n + 1, -1},
		{"future 86399 s", n + 86399, -1},
		{"future exactly 86400 s", n + 86400, -1},
		{"future 86401 s", n + 86401, -2},
		{"epoch second 1", 1, (1_700_000_000 - 1) / 86400},
		{"max uint32", 0xFFFFFFFF, -((0xFFFFFFFF - 1_700_000_000 + 86399) / 86400)},
	}
	for _, tt := range tests {
		if got := AgeDays(now, tt.t); got != tt.want {
			t.Errorf("%s: AgeDays(now, %d) = %d, want %d", tt.name, tt.t, got, tt.want)
		}
	}
	// Sub-second parts of now do not count.
	if got := AgeDays(now.Add(999*time.Millisecond), n-86399); got != 0 {
		t.Errorf("AgeDays with fractional now = %d", got)
	}
	// now before 1970.
	if got := AgeDays(time.Unix(-1, 0), 0x1); got != -1 {
		t.Errorf("AgeDays(-1s, 1) = %d", got)
	}
}

func TestFormatTime(t *testing.T) {
	for in, want := range map[uint32]string{
		1:          "1970-01-01T00:00:01Z",
		1700000000: "2023-11-14T22:13:20Z",
		0xFFFFFFFF: "2106-02-07T06:28:15Z",
		0x7FFFFFFF: "2038-01-19T03:14:07Z",
	} {
		if got := FormatTime(in); got != want {
			t.Errorf("FormatTime(%d) = %q, want %q", in, got, want)
		}
	}
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestFill(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		rec    record.Entry
		index  int64
		at     string
		age    *int64
		valid  bool
		prob   string
		smsid  string
		reqtim int64
	}{
		{"valid", record.Make("ABC0001F", uint32(now.Unix()-86400*10-1), nil), 0, "2026-10-21T23:59:59Z", ptr(10), true, "<nil>", "ABC0001F", now.Unix() - 86400*10 - 1},
		{"unknown time", record.Make("ABC0002F", 0, nil), 5, "<nil>", nil, true, "<nil>", "ABC0002F", 0},
		{"future", record.Make("X", uint32(now.Unix()+1), nil), 2, "2026-11-01T00:00:01Z", ptr(-1), true, "<nil>", "X", now.Unix() + 1},
		{"invalid", record.Make("ABC/001F", 0xFFFFFFFF, nil), 1, "2106-02-07T06:28:15Z", ptr(floorDiv(now.Unix()-0xFFFFFFFF, 86400)), false, "SMSID has byte 0x2F at position 3", "ABC/001F", 0xFFFFFFFF},
		{"latin1", record.Make("A\xe9", 0, nil), 3, "<nil>", nil, false, "SMSID has byte 0xE9 at position 1", "A\u00e9", 0},
	}
	// Fill must reset every field, whatever the entry held before.
	var en Entry
	for _, tt := range tests {
		Fill(&en, "/x/Resync.cfg", tt.index, &tt.rec, now)
		if en.Path != "/x/Resync.cfg" || en.Index != tt.index || en.Offset != tt.index*48 {
			t.Errorf("%s: Path/Index/Offset = %q %d %d", tt.name, en.Path, en.Index, en.Offset)
		}
		if en.SmsId != tt.smsid || en.RequestTime != tt.reqtim {
			t.Errorf("%s: SmsId/RequestTime = %q %d", tt.name, en.SmsId, en.RequestTime)
		}
		if str(en.RequestedAt) != tt.at {
			t.Errorf("%s: RequestedAt = %s, want %s", tt.name, str(en.RequestedAt), tt.at)
		}
		if (en.AgeDays == nil) != (tt.age == nil) || en.AgeDays != nil && *en.AgeDays != *tt.age {
			t.Errorf("%s: AgeDays = %v, want %v", tt.name, en.AgeDays, tt.age)
		}
		if en.Valid != tt.valid || str(en.Problem) != tt.prob {
			t.Errorf("%s: Valid/Problem = %v %s", tt.name, en.Valid, str(en.Problem))
		}
	}
}

// TestFillNoAliasing: entries filled one after another do not share storage
// (an encoder may hold a previous record, e.g. a table's first rows).
func TestFillNoAliasing(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a, b := record.Make("A/", 1, nil), record.Make("B/", 2, nil)
	var e1, e2 Entry
	Fill(&e1, "p", 0, &a, now)
	Fill(&e2, "p", 1, &b, now)
	if *e1.RequestedAt != "1970-01-01T00:00:01Z" || *e1.AgeDays != 20833 || *e1.Problem != "SMSID has byte 0x2F at position 1" {
		t.Fatalf("first entry changed by the second Fill: %s %d %s", *e1.RequestedAt, *e1.AgeDays, *e1.Problem)
	}
	if *e2.RequestedAt != "1970-01-01T00:00:02Z" || *e2.Problem != "SMSID has byte 0x2F at position 1" {
		t.Fatalf("second entry: %s %s", *e2.RequestedAt, *e2.Problem)
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ptr(i int64) *int64 { return &i }

type collector struct {
	recs []any
	err  error
}

func (c *collector) Encode(rec any) error {
	switch r := rec.(type) {
	case *Entry:
		c.recs = append(c.recs, *r)
	case *RawEntry:
		c.recs = append(c.recs, *r)
	}
	return c.err
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.cfg")
	a, b := record.Make("ABC0001F", 100, []byte{0xde, 0xad}), record.Make("", 0, nil)
	data := append(append([]byte{}, a.Raw[:]...), b.Raw[:]...)
	if err := os.WriteFile(good, data, 0o644); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(dir, "partial.cfg")
	if err := os.WriteFile(partial, append(append([]byte{}, a.Raw[:]...), 1, 2, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.cfg")
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	opt := Options{Now: time.Unix(100+86400, 0)}

	t.Run("good", func(t *testing.T) {
		var c collector
		var warns []string
		att, err := Files([]string{good}, opt, &c, func(e error) { warns = append(warns, e.Error()) })
		if att || err != nil || len(warns) != 0 || len(c.recs) != 2 {
			t.Fatalf("att=%v err=%v warns=%q recs=%d", att, err, warns, len(c.recs))
		}
		e0 := c.recs[0].(Entry)
		if e0.SmsId != "ABC0001F" || *e0.AgeDays != 1 || e0.Path != good {
			t.Errorf("first = %+v", e0)
		}
		if e1 := c.recs[1].(Entry); e1.Valid || e1.Index != 1 || e1.Offset != 48 {
			t.Errorf("second = %+v", e1)
		}
	})
	t.Run("raw", func(t *testing.T) {
		var c collector
		o := opt
		o.Raw = true
		if _, err := Files([]string{good}, o, &c, func(error) {}); err != nil {
			t.Fatal(err)
		}
		r := c.recs[0].(RawEntry)
		if r.Extra != "dead"+strings.Repeat("00", 26) || r.SmsId != "ABC0001F" {
			t.Errorf("raw = %+v", r)
		}
	})
	t.Run("attention", func(t *testing.T) {
		var c collector
		var warns []string
		att, err := Files([]string{partial, missing, folder, good}, opt, &c, func(e error) { warns = append(warns, e.Error()) })
		if !att || err != nil {
			t.Fatalf("att=%v err=%v", att, err)
		}
		if len(c.recs) != 3 { // 1 from partial, 2 from good
			t.Errorf("recs = %d, want 3", len(c.recs))
		}
		if len(warns) != 3 ||
			!strings.Contains(warns[0], "partial.cfg: partial record at byte offset 48") ||
			!strings.Contains(warns[1], "missing.cfg") ||
			!strings.Contains(warns[2], "not a regular file") {
			t.Errorf("warns = %q", warns)
		}
	})
	t.Run("encoder error stops", func(t *testing.T) {
		boom := errors.New("boom")
		c := collector{err: boom}
		_, err := Files([]string{good, good}, opt, &c, func(error) {})
		if err != boom || len(c.recs) != 1 {
			t.Fatalf("err=%v recs=%d", err, len(c.recs))
		}
	})
	t.Run("symlink skipped", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("Wine has no symlinks; Windows needs privileges for them")
		}
		link := filepath.Join(dir, "link.cfg")
		if err := os.Symlink(good, link); err != nil {
			t.Fatal(err)
		}
		var c collector
		var warns []string
		att, err := Files([]string{link}, opt, &c, func(e error) { warns = append(warns, e.Error()) })
		if !att || err != nil || len(c.recs) != 0 || len(warns) != 1 || !strings.Contains(warns[0], "not a regular file") {
			t.Fatalf("att=%v err=%v recs=%d warns=%q", att, err, len(c.recs), warns)
		}
	})
}

// TestAppendTime: the fast formatter writes what time.Format does, for
// day and year boundaries, leap days, and a sweep over the uint32 range.
func TestAppendTime(t *testing.T) {
	check := func(v uint32) {
		want := time.Unix(int64(v), 0).UTC().Format(time.RFC3339)
		if got := FormatTime(v); got != want {
			t.Fatalf("FormatTime(%d) = %s, want %s", v, got, want)
		}
	}
	for _, v := range []uint32{0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 951868800, 4107542399, 4107542400, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF} {
		check(v)
	}
	for v := uint64(0); v <= 0xFFFFFFFF; v += 3_600_007 { // about 1200 points, every month
		check(uint32(v))
	}
	for v := uint64(0xFFFFFFFF - 200_000); v <= 0xFFFFFFFF; v += 997 {
		check(uint32(v))
	}
}

func FuzzFormatTime(f *testing.F) {
	f.Add(uint32(0))
	f.Add(uint32(0xFFFFFFFF))
	f.Fuzz(func(t *testing.T, v uint32) {
		if got, want := FormatTime(v), time.Unix(int64(v), 0).UTC().Format(time.RFC3339); got != want {
			t.Fatalf("FormatTime(%d) = %s, want %s", v, got, want)
		}
	})
}

// TestFilesReusedStore: records encoded one after another get their own
// values although Files reuses the storage (encoders copy what they keep).
func TestFilesReusedStore(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.cfg")
	var data []byte
	for _, r := range []record.Entry{
		record.Make("A/", 86400, nil), record.Make("B", 86400, nil), record.Make("C", 0, nil), record.Make("D?", 2*86400, nil),
	} {
		data = append(data, r.Raw[:]...)
	}
	os.WriteFile(p, data, 0o644)
	var got []string
	enc := encFunc(func(rec any) error {
		e := rec.(*Entry)
		got = append(got, fmt.Sprintf("%s %s %v %s", e.SmsId, str(e.RequestedAt), ageStr(e.AgeDays), str(e.Problem)))
		return nil
	})
	if _, err := Files([]string{p}, Options{Now: time.Unix(3*86400, 0)}, enc, func(err error) { t.Fatal(err) }); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"A/ 1970-01-02T00:00:00Z 2 SMSID has byte 0x2F at position 1",
		"B 1970-01-02T00:00:00Z 2 <nil>",
		"C <nil> <nil> <nil>",
		"D? 1970-01-03T00:00:00Z 1 SMSID has byte 0x3F at position 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type encFunc func(any) error

func (f encFunc) Encode(rec any) error { return f(rec) }

func ageStr(p *int64) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// BenchmarkView is one record formatted as JSON Lines through view.
func BenchmarkView(b *testing.B) {
	recs := make([]record.Entry, 1024)
	for i := range recs {
		recs[i] = record.Make(fmt.Sprintf("SMS%05X", i), uint32(1_700_000_000+i*7919), nil)
	}
	enc, err := output.NewEncoder(io.Discard, output.JSONL, Entry{})
	if err != nil {
		b.Fatal(err)
	}
	c, _ := output.AsChunked(enc)
	f := c.NewFormatter()
	v := &view{path: `C:\SMS\Domain.000\Resync.cfg`, now: 1_800_000_000}
	var out []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v.index = int64(i)
		out = v.append(out[:0], f, &recs[i%len(recs)].Raw)
		i++
	}
}

// BenchmarkFilesJSONL is dump's whole path for one file: read, fill, encode.
func BenchmarkFilesJSONL(b *testing.B) { benchFiles(b, output.JSONL) }

// BenchmarkFilesCSV is BenchmarkFilesJSONL as CSV.
func BenchmarkFilesCSV(b *testing.B) { benchFiles(b, output.CSV) }

func benchFiles(b *testing.B, f output.Format) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "Resync.cfg")
	data := make([]byte, 0, n*record.Size)
	for i := range n {
		e := record.Make(fmt.Sprintf("SMS%05X", i), uint32(1_700_000_000+i*7919), nil)
		data = append(data, e.Raw[:]...)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	enc, err := output.NewEncoder(io.Discard, f, Entry{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Files([]string{path}, Options{Now: time.Unix(1_800_000_000, 0)}, enc, func(err error) { b.Fatal(err) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// The chunked pipeline writes exactly what one goroutine writes: for every
// format, with and without --raw, across chunk boundaries, several files,
// a partial record at the end and an empty file.
func TestChunkedMatchesSequential(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, n := range []int{0, 1, chunkRecords - 1, chunkRecords, 2*chunkRecords + 5} {
		data := make([]byte, 0, n*record.Size+7)
		for k := range n {
			id := fmt.Sprintf("SMS%05X", k)
			if k%97 == 0 {
				id = "bad id\x01"
			}
			e := record.Make(id, uint32(k*7919)%2_000_000_000*uint32(k%3), []byte{byte(k)})
			data = append(data, e.Raw[:]...)
		}
		if i == 4 {
			data = append(data, "partial"...)
		}
		p := filepath.Join(dir, fmt.Sprintf("D%d", i), "Resync.cfg")
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	opt := Options{Now: time.Unix(1_800_000_000, 0)}
	for _, f := range []output.Format{output.JSON, output.JSONL, output.CSV} {
		for _, raw := range []bool{false, true} {
			opt.Raw = raw
			var counts []Counts
			run := func(procs int) (string, string) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				var n Counts
				opt.Counts = &n
				defer func() { counts = append(counts, n) }()
				var out bytes.Buffer
				var proto any = Entry{}
				if raw {
					proto = RawEntry{}
				}
				enc, err := output.NewEncoder(&out, f, proto)
				if err != nil {
					t.Fatal(err)
				}
				var warns []string
				if _, err := Files(files, opt, enc, func(err error) { warns = append(warns, err.Error()) }); err != nil {
					t.Fatal(err)
				}
				if err := enc.Close(); err != nil {
					t.Fatal(err)
				}
				return out.String(), strings.Join(warns, "\n")
			}
			one, w1 := run(1)
			two, w2 := run(2)
			four, w4 := run(4)
			if one != two || one != four {
				t.Errorf("%s raw=%v: the chunked output differs from one goroutine's (%d, %d, %d bytes)", f, raw, len(one), len(two), len(four))
			}
			if ref := refFiles(t, f, raw, files, opt.Now.Unix()); one != string(ref) {
				t.Errorf("%s raw=%v: the output differs from the reference encoder's\n%s", f, raw, firstDiff([]byte(one), ref))
			}
			if counts[0] != counts[1] || counts[0] != counts[2] || counts[0].Invalid == 0 ||
				counts[0].Entries != int64(strings.Count(one, `"Index":`)+strings.Count(one, "\r\n")-1*btoi(f == output.CSV)) {
				t.Errorf("%s raw=%v: counts %+v", f, raw, counts)
			}
			if w1 != w2 || w1 != w4 || !strings.Contains(w1, "partial record") {
				t.Errorf("%s raw=%v: warnings differ or miss the partial record:\n%s\n--\n%s", f, raw, w1, w2)
			}
		}
	}
}

// refFiles is the reference encoder's stream of the whole records of files.
func refFiles(t *testing.T, f output.Format, raw bool, files []string, now int64) []byte {
	t.Helper()
	add, done := refEncoder(t, f, raw, now)
	for _, p := range files {
		resync.Read(p, func(i int64, e *record.Entry) error {
			add(p, i, e)
			return nil
		})
	}
	return done()
}

// A write error stops the chunked dump and is returned.
func TestChunkedWriteError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	p := filepath.Join(t.TempDir(), "Resync.cfg")
	data := make([]byte, 0, 10*chunkRecords*record.Size)
	for k := range 10 * chunkRecords {
		e := record.Make(fmt.Sprintf("SMS%05X", k), 1_700_000_000, nil)
		data = append(data, e.Raw[:]...)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	w := &failAfter{n: 1 << 20}
	enc, err := output.NewEncoder(w, output.JSONL, Entry{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Files([]string{p}, Options{Now: time.Unix(1_800_000_000, 0)}, enc, func(err error) { t.Error(err) })
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v, want the write error", err)
	}
}

var errDiskFull = errors.New("disk full")

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		f.n = 0
		return 0, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
