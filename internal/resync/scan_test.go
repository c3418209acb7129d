package resync

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/dumpsync/dumpsync/internal/record"
)

// records returns n distinct records as one byte slice.
func records(n int) []byte {
	b := make([]byte, 0, n*record.Size)
	for i := 0; i < n; i++ {
		e := record.Make(fmt.Sprintf("ID%07d", i), uint32(i), []byte{byte(i), byte(i >> 8), byte(i >> 16)})
		b = append(b, e.Raw[:]...)
	}
	return b
}

// chunkReader returns at most n bytes per Read, cycling through the sizes
// in n so that reads split records at every possible place.
type chunkReader struct {
	r io.Reader
	n []int
	i int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	n := c.n[c.i%len(c.n)]
	c.i++
	if len(p) > n {
		p = p[:n]
	}
	return c.r.Read(p)
}

// collect scans data read through r and returns the records delivered.
func collect(t *testing.T, r io.Reader) ([]byte, []int64, Info, error) {
	t.Helper()
	info := Info{Path: "test/Resync.cfg"}
	var got []byte
	var idx []int64
	err := ScanReader(r, &info, func(i int64, e *record.Entry) error {
		got = append(got, e.Raw[:]...)
		idx = append(idx, i)
		return nil
	})
	return got, idx, info, err
}

func TestScanReader(t *testing.T) {
	many := bufRecords*2 + 7 // crosses the internal buffer boundary twice
	tests := []struct {
		name    string
		records int
		partial int // bytes of a trailing partial record
		chunks  []int
	}{
		{"empty", 0, 0, nil},
		{"one record", 1, 0, nil},
		{"one record byte by byte", 1, 0, []int{1}},
		{"two records odd reads", 2, 0, []int{5, 43, 1, 47}},
		{"many records", many, 0, nil},
		{"many records short reads", many, 0, []int{4096, 47, 49, 1, 100000}},
		{"many records and partial", many, 13, []int{1000, 7}},
		{"buffer exactly full", bufRecords, 0, nil},
		{"buffer full plus one byte", bufRecords, 1, nil},
	}
	for p := 1; p < record.Size; p++ {
		tests = append(tests,
			struct {
				name    string
				records int
				partial int
				chunks  []int
			}{fmt.Sprintf("partial %d bytes only", p), 0, p, nil},
			struct {
				name    string
				records int
				partial int
				chunks  []int
			}{fmt.Sprintf("3 records + partial %d", p), 3, p, []int{p, 48, 1}},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := records(tt.records)
			whole := len(data)
			data = append(data, bytes.Repeat([]byte{0xAB}, tt.partial)...)
			var r io.Reader = bytes.NewReader(data)
			if tt.chunks != nil {
				r = &chunkReader{r: r, n: tt.chunks}
			}
			got, idx, info, err := collect(t, r)
			if !bytes.Equal(got, data[:whole]) {
				t.Fatalf("delivered %d bytes, want the %d bytes of the whole records", len(got), whole)
			}
			for i, x := range idx {
				if x != int64(i) {
					t.Fatalf("record %d delivered with index %d", i, x)
				}
			}
			if info.Records != int64(tt.records) {
				t.Errorf("Records = %d, want %d", info.Records, tt.records)
			}
			if info.Size != int64(len(data)) {
				t.Errorf("Size = %d, want %d", info.Size, len(data))
			}
			if info.Sha256 != sha256.Sum256(data) {
				t.Errorf("Sha256 is not the hash of the bytes read")
			}
			if tt.partial == 0 {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var pe *PartialError
			if !errors.As(err, &pe) || !IsPartial(err) {
				t.Fatalf("err = %v, want *PartialError", err)
			}
			if pe.Offset != int64(whole) || pe.Size != int64(len(data)) || pe.Path != info.Path {
				t.Errorf("PartialError = %+v, want offset %d size %d", *pe, whole, len(data))
			}
			want := fmt.Sprintf("test/Resync.cfg: partial record at byte offset %d (size %d is not a multiple of 48)", whole, len(data))
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err, want)
			}
		})
	}
}

func TestScanReaderStops(t *testing.T) {
	stop := errors.New("stop")
	info := Info{Path: "x"}
	n := 0
	err := ScanReader(bytes.NewReader(records(10)), &info, func(i int64, e *record.Entry) error {
		n++
		if i == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 4 {
		t.Fatalf("err = %v after %d records, want stop after 4", err, n)
	}
}

func TestScanReaderNilFunc(t *testing.T) {
	data := records(5)
	info := Info{Path: "x"}
	if err := ScanReader(bytes.NewReader(data), &info, nil); err != nil {
		t.Fatal(err)
	}
	if info.Records != 5 || info.Size != int64(len(data)) || info.Sha256 != sha256.Sum256(data) {
		t.Fatalf("info = %+v", info)
	}
}

func TestScanReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	data := records(3)
	r := io.MultiReader(bytes.NewReader(data), iotest.ErrReader(boom))
	info := Info{Path: "p/Resync.cfg"}
	n := 0
	err := ScanReader(r, &info, func(int64, *record.Entry) error { n++; return nil })
	if !errors.Is(err, boom) || IsPartial(err) {
		t.Fatalf("err = %v, want boom", err)
	}
	if err.Error() != "p/Resync.cfg: boom" {
		t.Errorf("Error() = %q", err)
	}
	if n != 3 {
		t.Errorf("delivered %d records before the error, want 3", n)
	}
}

// TestScanReaderDataErrEOF: readers may return the last bytes with io.EOF.
func TestScanReaderDataErrEOF(t *testing.T) {
	data := append(records(4), 1, 2, 3)
	got, _, info, err := collect(t, iotest.DataErrReader(bytes.NewReader(data)))
	if !bytes.Equal(got, data[:4*record.Size]) || info.Size != int64(len(data)) || !IsPartial(err) {
		t.Fatalf("got %d bytes, info %+v, err %v", len(got), info, err)
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	data := append(records(3), 9, 9)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	info, err := Scan(p, func(i int64, e *record.Entry) error {
		ids = append(ids, e.SmsID())
		return nil
	})
	var pe *PartialError
	if !errors.As(err, &pe) || pe.Offset != 144 || pe.Size != 146 || pe.Path != p {
		t.Fatalf("err = %#v", err)
	}
	if fmt.Sprint(ids) != "[ID0000000 ID0000001 ID0000002]" {
		t.Errorf("ids = %v", ids)
	}
	if info.Path != p || info.Size != 146 || info.Records != 3 || info.Sha256 != sha256.Sum256(data) || info.ModTime.IsZero() {
		t.Errorf("info = %+v", info)
	}

	_, err = Scan(filepath.Join(dir, "missing"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

// FuzzScanReader: whatever the bytes and however they are split into reads,
// the records delivered plus the partial tail are exactly the input.
func FuzzScanReader(f *testing.F) {
	f.Add(records(2), uint8(0))
	f.Add(append(records(3), 1, 2, 3), uint8(7))
	f.Add([]byte{}, uint8(1))
	f.Add(bytes.Repeat([]byte{0}, 47), uint8(48))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		var r io.Reader = bytes.NewReader(data)
		if chunk != 0 {
			r = &chunkReader{r: r, n: []int{int(chunk), 1, int(chunk)*3 + 1}}
		}
		got, _, info, err := collect(t, r)
		tail := len(data) % record.Size
		if !bytes.Equal(got, data[:len(data)-tail]) {
			t.Fatalf("records delivered differ from the input's whole records")
		}
		if info.Size != int64(len(data)) || info.Records != int64(len(data)/record.Size) || info.Sha256 != sha256.Sum256(data) {
			t.Fatalf("info = %+v for %d bytes", info, len(data))
		}
		var pe *PartialError
		switch {
		case tail == 0 && err != nil:
			t.Fatalf("err = %v", err)
		case tail != 0 && (!errors.As(err, &pe) || pe.Offset != int64(len(data)-tail)):
			t.Fatalf("err = %v, want partial at %d", err, len(data)-tail)
		}
	})
}

// BenchmarkScan reads 1M records (48 MB) from memory.
func BenchmarkScan(b *testing.B) {
	const n = 1 << 20
	data := records(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		info := Info{Path: "bench"}
		var sum uint64
		err := ScanReader(bytes.NewReader(data), &info, func(i int64, e *record.Entry) error {
			sum += uint64(e.Time())
			return nil
		})
		if err != nil || info.Records != n {
			b.Fatal(err, info.Records)
		}
	}
}

// Read delivers what Scan delivers, and reports the same size and partial
// record, but computes no fingerprint.
func TestReadMatchesScanWithoutHash(t *testing.T) {
	for _, extra := range []int{0, 17} {
		data := append(records(1000), make([]byte, extra)...)
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var scanned, read [][record.Size]byte
		si, serr := Scan(path, func(_ int64, e *record.Entry) error { scanned = append(scanned, e.Raw); return nil })
		ri, rerr := Read(path, func(_ int64, e *record.Entry) error { read = append(read, e.Raw); return nil })
		if fmt.Sprint(serr) != fmt.Sprint(rerr) || len(scanned) != len(read) || si.Size != ri.Size || si.Records != ri.Records {
			t.Fatalf("extra %d: Read gave %d records, %d bytes, %v; Scan %d, %d, %v", extra, len(read), ri.Size, rerr, len(scanned), si.Size, serr)
		}
		for i := range scanned {
			if scanned[i] != read[i] {
				t.Fatalf("record %d differs", i)
			}
		}
		if si.Sha256 != sha256.Sum256(data) || ri.Sha256 != [32]byte{} {
			t.Errorf("extra %d: Scan hash %x, Read hash %x (want none)", extra, si.Sha256, ri.Sha256)
		}
	}
}

// FuzzRecords: Records.Next, whatever the buffer's size and however the
// bytes are split into reads, returns exactly the input's whole records in
// order, then the partial record or io.EOF.
func FuzzRecords(f *testing.F) {
	f.Add(records(2), uint8(0), uint16(48))
	f.Add(append(records(30), 1, 2, 3), uint8(7), uint16(100))
	f.Add([]byte{}, uint8(1), uint16(48))
	f.Add(bytes.Repeat([]byte{0}, 47), uint8(48), uint16(49))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, size uint16) {
		var r io.Reader = bytes.NewReader(data)
		if chunk != 0 {
			r = &chunkReader{r: r, n: []int{int(chunk), 1, int(chunk)*3 + 1}}
		}
		rr := &Records{r: r, info: &Info{Path: "x"}}
		buf := make([]byte, max(int(size), record.Size))
		var got []byte
		var err error
		for {
			var n int
			n, err = rr.Next(buf)
			if n%record.Size != 0 || (n == 0) != (err != nil) {
				t.Fatalf("Next = %d, %v", n, err)
			}
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		tail := len(data) % record.Size
		if !bytes.Equal(got, data[:len(data)-tail]) {
			t.Fatalf("records read differ from the input's whole records")
		}
		var pe *PartialError
		switch {
		case tail == 0 && err != io.EOF:
			t.Fatalf("err = %v, want EOF", err)
		case tail != 0 && (!errors.As(err, &pe) || pe.Offset != int64(len(data)-tail) || pe.Size != int64(len(data))):
			t.Fatalf("err = %v, want partial at %d", err, len(data)-tail)
		}
		if n, again := rr.Next(buf); n != 0 || again != err {
			t.Fatalf("after the end: %d, %v", n, again)
		}
	})
}

// A read error comes after the whole records read before it, naming the
// file.
func TestRecordsReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(records(3)), iotest.ErrReader(boom))
	rr := &Records{r: r, info: &Info{Path: "p/Resync.cfg"}}
	buf := make([]byte, 10*record.Size)
	n, err := rr.Next(buf)
	if n != 3*record.Size || err != nil {
		t.Fatalf("Next = %d, %v", n, err)
	}
	if n, err = rr.Next(buf); n != 0 || !errors.Is(err, boom) || err.Error() != "p/Resync.cfg: boom" {
		t.Fatalf("Next = %d, %v", n, err)
	}
}

// OpenRecords refuses what Read refuses, and reads a file.
func TestOpenRecords(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	data := append(records(3), 9)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	rr, err := OpenRecords(p)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	buf := make([]byte, 100*record.Size)
	if n, err := rr.Next(buf); n != 3*record.Size || err != nil || !bytes.Equal(buf[:n], data[:n]) {
		t.Fatalf("Next = %d, %v", n, err)
	}
	if _, err := rr.Next(buf); !IsPartial(err) {
		t.Fatalf("err = %v, want partial", err)
	}
	_, err = OpenRecords(dir)
	_, rerr := Read(dir, nil)
	if err == nil || fmt.Sprint(err) != fmt.Sprint(rerr) {
		t.Fatalf("a folder: OpenRecords %v, Read %v", err, rerr)
	}
}
