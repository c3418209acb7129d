package planread

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"
)

// TestPrefetch: the prefetching reader gives the input's bytes in order,
// in reads of any size, then the input's error, whatever the input's reads
// look like.
func TestPrefetch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 3*prefetchBlock+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	errBroken := errors.New("broken")
	for name, c := range map[string]struct {
		r       func() io.Reader
		want    []byte
		wantErr error
	}{
		"file-like":    {func() io.Reader { return bytes.NewReader(data) }, data, io.EOF},
		"byte by byte": {func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data[:5000])) }, data[:5000], io.EOF},
		"data and EOF": {func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }, data, io.EOF},
		"empty":        {func() io.Reader { return bytes.NewReader(nil) }, nil, io.EOF},
		"fails midway": {func() io.Reader {
			return io.MultiReader(bytes.NewReader(data[:prefetchBlock+7]), iotest.ErrReader(errBroken))
		}, data[:prefetchBlock+7], errBroken},
	} {
		t.Run(name, func(t *testing.T) {
			stop := make(chan struct{})
			defer close(stop)
			p := newPrefetch(c.r(), stop)
			var got []byte
			var err error
			for err == nil {
				b := make([]byte, 1+rng.IntN(200000))
				var n int
				n, err = p.Read(b)
				got = append(got, b[:n]...)
			}
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if !bytes.Equal(got, c.want) {
				t.Fatalf("read %d bytes, want %d (same content: %v)", len(got), len(c.want), bytes.HasPrefix(c.want, got))
			}
			if n, err := p.Read(make([]byte, 10)); n != 0 || !errors.Is(err, c.wantErr) {
				t.Fatalf("read after the end: %d, %v", n, err)
			}
		})
	}
}

// TestPrefetchStops: once stop is closed, the goroutine reads no more,
// even when blocks are freed again (a caller that stopped early and then
// read on, as readAhead's parse goroutine may for its last row): at most
// the one read it may have begun as stop closed.
func TestPrefetchStops(t *testing.T) {
	var reads atomic.Int64
	stop := make(chan struct{})
	p := newPrefetch(readerFunc(func(b []byte) (int, error) {
		reads.Add(1)
		return len(b), nil
	}), stop)
	for reads.Load() < prefetchBlocks {
		time.Sleep(time.Millisecond) // every block filled: the goroutine waits for a free one
	}
	close(stop)
	// Free blocks by reading them; a goroutine that did not stop would
	// fill each again.
	go func() {
		b := make([]byte, prefetchBlock)
		for {
			p.Read(b) // blocks for good once the filled blocks are read
		}
	}()
	time.Sleep(200 * time.Millisecond)
	if n := reads.Load(); n > prefetchBlocks+1 {
		t.Fatalf("%d reads after stop, want at most %d", n, prefetchBlocks+1)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }
