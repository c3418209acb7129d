package sample

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
)

func TestWriteResync(t *testing.T) {
	const n = 20000
	var a, b, c bytes.Buffer
	for _, w := range []struct {
		buf  *bytes.Buffer
		seed uint64
	}{{&a, 5}, {&b, 5}, {&c, 6}} {
		if err := WriteResync(w.buf, n, w.seed, testNow); err != nil {
			t.Fatal(err)
		}
	}
	if a.Len() != n*record.Size {
		t.Fatalf("%d bytes, want %d", a.Len(), n*record.Size)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("same seed, different bytes")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Errorf("seeds 5 and 6 gave the same bytes")
	}
	now := uint32(testNow.Unix())
	var zero, future, boundary int
	kinds := map[string]bool{}
	ids := map[string]int{}
	for _, e := range parseAll(t, a.Bytes()) {
		if bytes.IndexByte(e.Extra(), 0) >= 0 {
			t.Fatalf("record %s has a zero extra byte", e.Hex())
		}
		if p := e.Problem(); p != "" {
			kinds[p[:min(len(p), 19)]] = true
			continue
		}
		ids[e.SmsID()]++
		switch tm := e.Time(); {
		case tm == 0:
			zero++
		case tm > now:
			future++
		case (now-tm)%daySeconds == 0:
			boundary++
		}
	}
	if zero == 0 || future == 0 || boundary == 0 {
		t.Errorf("%d zero-time, %d future, %d day-boundary records; want some of each", zero, future, boundary)
	}
	if len(kinds) < 4 {
		t.Errorf("invalid kinds %v; want several", kinds)
	}
	if len(ids) >= n-len(kinds) {
		t.Errorf("%d distinct SMSIDs in %d records: no client has several requests", len(ids), n)
	}
}

func TestWriteResyncEmptyAndErrors(t *testing.T) {
	var b bytes.Buffer
	if err := WriteResync(&b, 0, 1, testNow); err != nil || b.Len() != 0 {
		t.Errorf("n=0: %d bytes, %v", b.Len(), err)
	}
	if err := WriteResync(&b, -1, 1, testNow); err == nil {
		t.Errorf("n=-1 succeeded")
	}
	if err := WriteResync(&b, 1, 1, time.Unix(100, 0)); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("now near 1970: %v", err)
	}
	if err := WriteResync(failWriter{}, 10, 1, testNow); err != io.ErrShortWrite {
		t.Errorf("a failing writer gave %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// chunkWriter records the sizes of the writes it gets.
type chunkWriter struct{ min, max, n, total int }

func (w *chunkWriter) Write(p []byte) (int, error) {
	if w.n == 0 || len(p) < w.min {
		w.min = len(p)
	}
	w.max = max(w.max, len(p))
	w.n++
	w.total += len(p)
	return len(p), nil
}

// TestWriteResyncStreams checks that WriteResync neither holds the whole file
// nor writes record by record, and that it does not allocate per record (only
// the rare invalid records do).
func TestWriteResyncStreams(t *testing.T) {
	const n = 10*resyncChunk + 7
	var w chunkWriter
	if err := WriteResync(&w, n, 1, testNow); err != nil {
		t.Fatal(err)
	}
	if w.total != n*record.Size || w.n != 11 || w.max != resyncChunk*record.Size || w.min != 7*record.Size {
		t.Errorf("%d writes of %d–%d bytes, %d in all", w.n, w.min, w.max, w.total)
	}
	heap := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			if err := WriteResync(io.Discard, n, 1, testNow); err != nil {
				t.Fatal(err)
			}
		})
	}
	if small, big := heap(1000), heap(100000); big > small+100000/100 {
		t.Errorf("allocations: %v for 1000 records, %v for 100000", small, big)
	}
}

func BenchmarkWriteResync(b *testing.B) {
	const n = 1 << 20
	b.SetBytes(n * record.Size)
	for b.Loop() {
		if err := WriteResync(io.Discard, n, 1, testNow); err != nil {
			b.Fatal(err)
		}
	}
}
