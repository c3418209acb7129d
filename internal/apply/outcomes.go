package apply

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"

	"github.com/dumpsync/dumpsync/internal/scratch"
)

// outcomes keeps the Status and Detail of every row between the folder
// that decides them and the Results, which are written in plan order at the
// end: 8 bytes a row (a code and where the Detail is, or the number it ends
// in) in a temporary file, or in memory for a plan in memory, and each
// distinct Detail once after them (most are "removed" or "deleted").
type outcomes struct {
	f       *os.File // nil: in memory (a scratch file: gone once closed, or when the process dies)
	mem     []byte
	n       int
	codes   []outcomeCode
	details map[string]uint64 // Detail -> its reference (recent ones)
	dend    int64             // end of the Details, from 8n (those pending included)
	pending []byte            // Details not written yet: they end at dend
	buf     []byte
}

// maxInterned bounds the Details remembered for reuse.
const maxInterned = 4096

func newOutcomes(n int, inFile bool) (*outcomes, error) {
	o := &outcomes{n: n, details: map[string]uint64{}}
	if !inFile {
		o.mem = make([]byte, 8*n)
		return o, nil
	}
	f, err := scratch.Create("", "dumpsync-results-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the results: %w", err)
	}
	o.f = f
	if err := f.Truncate(int64(8 * n)); err != nil {
		o.close()
		return nil, fmt.Errorf("temporary file for the results: %w", err)
	}
	return o, nil
}

func (o *outcomes) close() error {
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}

func (o *outcomes) writeAt(p []byte, off int64) error {
	if o.f == nil {
		if need := off + int64(len(p)); need > int64(len(o.mem)) {
			o.mem = append(o.mem, make([]byte, need-int64(len(o.mem)))...)
		}
		copy(o.mem[off:], p)
		return nil
	}
	if _, err := o.f.WriteAt(p, off); err != nil {
		// Files were changed already: the Results must come all the same.
		// A temporary folder that filled up (or failed otherwise) since the
		// start is left for memory, 8 bytes a row.
		if merr := o.toMemory(); merr != nil {
			return fmt.Errorf("temporary file for the results: %w", errors.Join(err, merr))
		}
		return o.writeAt(p, off)
	}
	return nil
}

// toMemory moves what the file holds (the slots and the Details written so
// far: not the pending ones) into memory and closes the file.
func (o *outcomes) toMemory() error {
	mem := make([]byte, int64(8*o.n)+o.dend)
	written := mem[:int64(len(mem))-int64(len(o.pending))]
	if n, err := o.f.ReadAt(written, 0); n != len(written) {
		return err
	}
	o.close()
	o.mem = mem
	return nil
}

// outcomeCode is what the top byte of a slot stands for: a Status, and for
// a numbered outcome the Detail before its number (the rest of the slot is
// the number).
type outcomeCode struct {
	status, prefix string
	numbered       bool
}

// maxNumber bounds the number of a numbered outcome: it must fit in a slot.
const maxNumber = 1<<56 - 1

// numbered reports whether out is numbered with a number a slot holds
// (one too large is stored as text).
func (o outcome) numbered() bool { return o.n > 0 && o.n-1 <= maxNumber }

// slot encodes an outcome: 0 for none, else the code in the top byte and
// the number, or the Detail's reference (1 + its offset after the slots; 0
// for "").
func (o *outcomes) slot(out outcome) (uint64, error) {
	if out == (outcome{}) {
		return 0, nil
	}
	numbered := out.numbered()
	if !numbered && out.n > 0 {
		out = outcome{status: out.status, detail: out.text()}
	}
	c := outcomeCode{status: out.status, numbered: numbered}
	if numbered {
		c.prefix = out.detail
	}
	code := slices.Index(o.codes, c)
	if code < 0 {
		if len(o.codes) == 255 {
			return 0, errors.New("too many kinds of outcome")
		}
		o.codes = append(o.codes, c)
		code = len(o.codes) - 1
	}
	if numbered {
		return uint64(code+1)<<56 | uint64(out.n-1), nil
	}
	ref := uint64(0)
	if out.detail != "" {
		var ok bool
		if ref, ok = o.details[out.detail]; !ok {
			ref = uint64(o.dend) + 1
			n := len(o.pending)
			o.pending = append(binary.AppendUvarint(o.pending, uint64(len(out.detail))), out.detail...)
			o.dend += int64(len(o.pending) - n)
			if len(o.details) >= maxInterned {
				clear(o.details)
			}
			o.details[out.detail] = ref
		}
	}
	return uint64(code+1)<<56 | ref, nil
}

// put stores the outcomes of the n rows global.. (in plan order), their
// slots a block at a time. The new Details go to the file in one write (a
// Detail of its own for every row, one write each would be a system call
// per row). A run of rows with the same outcome, or numbered with the same
// text, is encoded once.
func (o *outcomes) put(global, n int, outs iter.Seq[outcome]) error {
	if cap(o.buf) < putBlock {
		o.buf = make([]byte, 0, putBlock)
	}
	buf, off := o.buf[:0], int64(8*global)
	var last outcome
	var lastSlot uint64
	for out := range outs {
		var s uint64
		switch {
		case lastSlot != 0 && out == last:
			s = lastSlot
		case lastSlot != 0 && last.numbered() && out.numbered() && out.status == last.status && out.detail == last.detail:
			s = lastSlot&^maxNumber | uint64(out.n-1)
		default:
			var err error
			if s, err = o.slot(out); err != nil {
				return err
			}
		}
		last, lastSlot = out, s
		if len(buf) == cap(buf) {
			if err := o.writeAt(buf, off); err != nil {
				return err
			}
			off += int64(len(buf))
			buf = buf[:0]
		}
		buf = binary.LittleEndian.AppendUint64(buf, s)
	}
	if len(o.pending) > 0 {
		if err := o.writeAt(o.pending, int64(8*o.n)+o.dend-int64(len(o.pending))); err != nil {
			return err
		}
		o.pending = o.pending[:0]
	}
	return o.writeAt(buf, off)
}

// putBlock is how many bytes of slots put writes at a time.
const putBlock = 64 << 10

// outcomeReader returns the outcomes in plan order.
type outcomeReader struct {
	o     *outcomes
	rd    *bufio.Reader
	cache map[uint64]string
	// blk holds the Details from offset blkOff (after the slots) on: they
	// are read a block at a time, in the order they were written, which is
	// nearly always the order they are asked for. served counts the
	// Details the block gave.
	blk    []byte
	blkOff int64
	served int
}

// Details are read detailBlock bytes at a time, or smallBlock when the last
// block gave few of them: a plan whose rows alternate between folders,
// each Detail its own, asks for them in another order than they were
// written, and each read serves one.
const (
	detailBlock = 64 << 10
	smallBlock  = 512
)

func (o *outcomes) reader() *outcomeReader {
	var src io.Reader
	if o.f == nil {
		src = &byteReader{b: o.mem[:8*o.n]}
	} else {
		src = io.NewSectionReader(o.f, 0, int64(8*o.n))
	}
	return &outcomeReader{o: o, rd: bufio.NewReaderSize(src, 64<<10), cache: map[uint64]string{}}
}

// next returns the next row's outcome (status "" when it has none).
func (r *outcomeReader) next() (outcome, error) {
	var b [8]byte
	if _, err := io.ReadFull(r.rd, b[:]); err != nil {
		return outcome{}, fmt.Errorf("temporary file for the results: %w", err)
	}
	s := binary.LittleEndian.Uint64(b[:])
	if s == 0 {
		return outcome{}, nil
	}
	code, ref := int(s>>56)-1, s&(1<<56-1)
	if code < 0 || code >= len(r.o.codes) {
		return outcome{}, errors.New("temporary file for the results: bad status")
	}
	c := r.o.codes[code]
	out := outcome{status: c.status}
	if c.numbered {
		out.detail, out.n = c.prefix, int64(ref)+1
		return out, nil
	}
	if ref == 0 {
		return out, nil
	}
	d, ok := r.cache[ref]
	if !ok {
		var err error
		if d, err = r.detail(ref); err != nil {
			return outcome{}, err
		}
		if len(r.cache) >= maxInterned {
			clear(r.cache)
		}
		r.cache[ref] = d
	}
	out.detail = d
	return out, nil
}

// detail returns the Detail at ref, from the block read last when it is
// there, else from a block read at it.
func (r *outcomeReader) detail(ref uint64) (string, error) {
	off := int64(ref - 1) // from the end of the slots
	if off < 0 || off >= r.o.dend {
		return "", errors.New("temporary file for the results: bad detail")
	}
	if d, ok := r.fromBlock(off); ok {
		r.served++
		return d, nil
	}
	// Read a block at off: large enough for the length and the Detail
	// (its length is at most 10 bytes, and read again once known).
	size := int64(detailBlock)
	if r.served < 4 {
		size = smallBlock
	}
	r.served = 1
	if cap(r.blk) > detailBlock {
		r.blk = nil // a Detail longer than a block was read: do not keep its size
	}
	for {
		size = min(size, r.o.dend-off)
		r.blk = slices.Grow(r.blk[:0], int(size))[:size]
		if m, err := r.o.readAt(r.blk, int64(8*r.o.n)+off); int64(m) != size {
			r.blk = r.blk[:0]
			return "", fmt.Errorf("temporary file for the results: %v", err)
		}
		r.blkOff = off
		if d, ok := r.fromBlock(off); ok {
			return d, nil
		}
		l, h := binary.Uvarint(r.blk)
		if h <= 0 || l > 1<<30 || size == r.o.dend-off {
			return "", errors.New("temporary file for the results: bad detail")
		}
		size = int64(h) + int64(l) // a Detail longer than a block
	}
}

// fromBlock returns the Detail at off if the block holds all of it.
func (r *outcomeReader) fromBlock(off int64) (string, bool) {
	if off < r.blkOff || off >= r.blkOff+int64(len(r.blk)) {
		return "", false
	}
	b := r.blk[off-r.blkOff:]
	l, h := binary.Uvarint(b)
	if h <= 0 || uint64(len(b)-h) < l {
		return "", false
	}
	return string(b[h : h+int(l)]), true
}

func (o *outcomes) readAt(p []byte, off int64) (int, error) {
	if o.f == nil {
		if off >= int64(len(o.mem)) {
			return 0, io.EOF
		}
		return copy(p, o.mem[off:]), nil
	}
	return o.f.ReadAt(p, off)
}

// byteReader reads a byte slice.
type byteReader struct{ b []byte }

func (m *byteReader) Read(p []byte) (int, error) {
	if len(m.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, m.b)
	m.b = m.b[n:]
	return n, nil
}

// folderOutcomes are the outcomes of one folder's rows while it is carried
// out: 4 bytes and no pointer a row, an index into kinds, where a run of
// rows with the same outcome (every row of a rewrite "removed") shares one,
// and for numbered outcomes ("restored at offset N": every row of an undo
// file its own) 8 more, the number.
type folderOutcomes struct {
	at    []uint32  // per row: 0 for none, else the index in kinds plus one
	kinds []outcome // each outcome, once per run of rows given it in a row; n < 0: numbered, the number in nums
	nums  []int64   // per row, once a row is numbered: its number
	// failed is set once a row is given a Failed outcome.
	failed bool
}

func newFolderOutcomes(n int) *folderOutcomes { return &folderOutcomes{at: make([]uint32, n)} }

func (f *folderOutcomes) set(i int, status, detail string) {
	f.put(i, outcome{status: status, detail: detail})
}

// setNumbered gives row i the outcome status with the Detail prefix
// followed by n (n >= 0).
func (f *folderOutcomes) setNumbered(i int, status, prefix string, n int64) {
	if f.nums == nil {
		f.nums = make([]int64, len(f.at))
	}
	f.nums[i] = n
	f.put(i, outcome{status: status, detail: prefix, n: -1})
}

func (f *folderOutcomes) put(i int, out outcome) {
	f.failed = f.failed || out.status == Failed
	if k := len(f.kinds); k == 0 || f.kinds[k-1] != out {
		f.kinds = append(f.kinds, out)
	}
	f.at[i] = uint32(len(f.kinds))
}

func (f *folderOutcomes) get(i int) outcome {
	if f.at[i] == 0 {
		return outcome{}
	}
	out := f.kinds[f.at[i]-1]
	if out.n < 0 {
		out.n = f.nums[i] + 1
	}
	return out
}

// span yields the outcomes of rows from..from+n-1.
func (f *folderOutcomes) span(from, n int) iter.Seq[outcome] {
	return func(yield func(outcome) bool) {
		for i := from; i < from+n; i++ {
			if !yield(f.get(i)) {
				return
			}
		}
	}
}
