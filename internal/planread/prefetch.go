package planread

import "io"

// prefetch reads r ahead on its own goroutine, a block at a time, so that
// the goroutine parsing the plan does not wait in read calls: copying from
// the operating system's cache takes as long as a fifth of the parse. Read
// hands the blocks out in order, then r's error (io.EOF at the end). The
// goroutine ends at that error or when stop is closed, whichever is first.
type prefetch struct {
	full chan prefetched
	free chan []byte
	blk  []byte // the block being read from, whole (nil: none)
	cur  []byte // its rest
	err  error  // r's, once every block before it was read
}

type prefetched struct {
	b   []byte
	err error
}

const (
	prefetchBlock  = 1 << 20
	prefetchBlocks = 3
)

func newPrefetch(r io.Reader, stop <-chan struct{}) *prefetch {
	p := &prefetch{full: make(chan prefetched, prefetchBlocks), free: make(chan []byte, prefetchBlocks)}
	for range prefetchBlocks {
		p.free <- make([]byte, prefetchBlock)
	}
	go func() {
		for {
			var b []byte
			select {
			case b = <-p.free:
			case <-stop:
				return
			}
			n, err := io.ReadAtLeast(r, b, 1)
			if err == io.ErrUnexpectedEOF {
				err = nil
			}
			select {
			case p.full <- prefetched{b[:n], err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// more makes the current block's rest non-empty, handing used blocks back
// to the goroutine, or returns r's error once every block was used.
func (p *prefetch) more() error {
	for len(p.cur) == 0 {
		if p.blk != nil {
			p.free <- p.blk[:cap(p.blk)]
			p.blk = nil
		}
		if p.err != nil {
			return p.err
		}
		f := <-p.full
		p.blk, p.cur, p.err = f.b, f.b, f.err
	}
	return nil
}

func (p *prefetch) Read(b []byte) (int, error) {
	if err := p.more(); err != nil {
		return 0, err
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// borrow returns the rest of the current block, or the next block, without
// copying it: the bytes are valid until the next call of borrow or Read.
// It returns no bytes only with an error (r's, io.EOF at the end).
func (p *prefetch) borrow() ([]byte, error) {
	if err := p.more(); err != nil {
		return nil, err
	}
	b := p.cur
	p.cur = nil
	return b, nil
}

// borrower is an input whose blocks can be read without a copy (prefetch).
type borrower interface {
	borrow() ([]byte, error)
}
