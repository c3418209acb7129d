package resyncedit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// decision is what an edit decided, before anything is committed.
type decision struct {
	results  Results
	changed  bool
	newGuard Guard // of the new content, when changed
	final    Guard // of the file as read, when not changed
	srcOff   int64 // how much of the file the decision stands for
	// The new content, when changed and not a dry run: in tmp, with kept
	// its hash.
	tmp  atomicfile.File
	kept hash.Hash
}

// decide reads the open file src and decides every op of req, and unless
// req is a dry run writes the new content to a temporary file (made with
// meta): Remove ops in one pass, Insert ops in two (streamInsert).
func (e *editor) decide(src *os.File, req *Request, meta *atomicfile.Metadata) (*decision, error) {
	results, valid := prepare(req)
	if inserts(req, valid) {
		return e.streamInsert(src, req, &results, valid, meta, req.DryRun)
	}
	s, err := e.streamRemove(src, req, &results, valid, meta, req.DryRun)
	if err != nil {
		return nil, err
	}
	d := &decision{results: results, changed: s.changed(), srcOff: s.pos, final: s.final(), tmp: s.tmp, kept: s.kept}
	if d.changed {
		d.newGuard = s.newGuard()
	}
	return d, nil
}

// streamChunk is how much of the file a removal reads at a time: the file
// and the new content never need to be in memory whole.
const streamChunk = 256 * 1024

// removal is the state of one pass over a Resync.cfg that decides every
// Remove op and, unless it is a dry run, writes the new content — the file
// without the records to remove — to a temporary file beside it as it goes.
// The temporary file is only made once a record is to be removed, and is
// removed again if the guard then turns out not to match: nothing of it
// stays unless the caller commits it.
type removal struct {
	e       *editor
	req     *Request
	results *Results
	valid   []int // indexes of the valid ops, by offset
	next    int   // the next of valid to decide
	meta    *atomicfile.Metadata
	dry     bool

	whole   *hasher   // every byte read, on its own goroutine
	kept    hash.Hash // the new content
	out     []byte    // the new content of the chunk at hand
	guardOK bool      // known at the end of the pass
	applied int       // ops decided Applied (valid only if guardOK)
	lastOff int64     // offset of the last record decided Applied, -1 if none
	pos     int64     // bytes read and handled: whole records only
	keptN   int64     // length of the new content
	tmp     atomicfile.File
}

// streamRemove decides the Remove ops of req (valid, sorted by offset)
// into results against the file src in one pass (scan: it re-reads along
// opts.PartialWaits while the file ends in a partial record). Unless dry,
// the new content goes to a temporary file (made with meta), left open for
// the commit when the file is to change; otherwise none is left.
func (e *editor) streamRemove(src *os.File, req *Request, results *Results, valid []int, meta *atomicfile.Metadata, dry bool) (*removal, error) {
	s := &removal{e: e, req: req, results: results, valid: valid, meta: meta, dry: dry,
		whole: newHasher(req.Guard), kept: sha256.New(), lastOff: -1}
	err := s.read(src)
	s.guardOK = s.whole.close() // the guard: known now that every chunk is hashed
	if err != nil {
		s.discard()
		return nil, err
	}
	for ; s.next < len(valid); s.next++ {
		s.decide(nil) // beyond the end of the file
	}
	if !s.guardOK {
		for _, i := range valid {
			results.set(i, Skipped, dChanged)
		}
	}
	if !s.changed() {
		s.discard()
	}
	return s, nil
}

// changed reports whether the file is to be rewritten.
func (s *removal) changed() bool { return s.guardOK && s.applied > 0 }

// newGuard is the guard of the new content (valid when changed).
func (s *removal) newGuard() Guard { return guardOfHash(s.keptN, s.kept) }

// final is the guard of the file as it was read.
func (s *removal) final() Guard { return guardOfHash(s.pos, s.whole.h) }

func guardOfHash(n int64, h hash.Hash) Guard {
	g := Guard{Size: n}
	h.Sum(g.Sha256[:0])
	return g
}

// discard removes the temporary file, if any.
func (s *removal) discard() {
	if s.tmp != nil {
		s.tmp.Close()
		s.e.opts.Ops.RemoveFile(s.tmp.Name())
		s.tmp = nil
	}
}

// read hands the file's records to the hasher and to chunk (see scan).
func (s *removal) read(src *os.File) error {
	s.out = make([]byte, 0, streamChunk)
	_, err := s.e.scan(src, s.whole, func(_ int64, b []byte) error { return s.chunk(src, b) })
	return err
}

// scan reads src from the start to its end in chunks and hands each run of
// whole records, with its offset, to the hasher (whole) and to fn, which
// work on it at once. It reads into two buffers in turn: one is hashed
// while the next is read. While the file ends in a partial record (a writer
// may be in the middle of it) it re-reads along opts.PartialWaits, then
// returns a *PartialError. It returns the length of what it handed over.
func (e *editor) scan(src *os.File, whole *hasher, fn func(base int64, b []byte) error) (int64, error) {
	bufs := [2][]byte{make([]byte, streamChunk), make([]byte, streamChunk)}
	k, buf := 0, bufs[0]
	var pos int64 // bytes read and handled: whole records only
	have := 0     // bytes in buf from offset pos on
	var waited time.Duration
	waits := e.opts.PartialWaits
	for {
		n, err := src.ReadAt(buf[have:], pos+int64(have))
		have += n
		if err != nil && err != io.EOF {
			return pos, fmt.Errorf("%s: reading: %w", e.path, err)
		}
		atEnd := err == io.EOF || n == 0
		if w := have - have%record.Size; w > 0 && (atEnd || have == len(buf)) {
			whole.add(buf[:w])
			if err := fn(pos, buf[:w]); err != nil {
				return pos, err
			}
			pos += int64(w)
			// The other buffer next, once the hasher is done with it.
			k = 1 - k
			whole.release(2)
			have = copy(bufs[k], buf[w:have])
			buf = bufs[k]
		}
		if !atEnd {
			continue
		}
		if have == 0 {
			return pos, nil
		}
		if len(waits) == 0 {
			return pos, &PartialError{Path: e.path, Size: pos + int64(have), Offset: pos, Waited: waited}
		}
		time.Sleep(waits[0])
		waited += waits[0]
		waits = waits[1:]
	}
}

// chunk handles the whole records in b, the file's bytes from s.pos on
// (which the hasher reads meanwhile: b is not changed): it decides the ops
// whose record lies in them and appends what stays to the new content.
func (s *removal) chunk(src *os.File, b []byte) error {
	base := s.pos
	out, cur := s.out[:0], 0 // b[:cur] is handled
	end := base + int64(len(b))
	for ; s.next < len(s.valid); s.next++ {
		off := s.req.Ops[s.valid[s.next]].Offset
		if off+record.Size > end {
			break
		}
		if !s.decide(b[off-base : off-base+record.Size]) {
			continue
		}
		if s.tmp == nil && !s.dry {
			// The first record to remove: the new content so far is the
			// file's first base bytes.
			if err := s.startTemp(src, base); err != nil {
				return err
			}
		}
		r := int(off - base)
		out = append(out, b[cur:r]...)
		cur = r + record.Size
	}
	out = append(out, b[cur:]...)
	s.out = out
	s.pos = end
	s.kept.Write(out)
	s.keptN += int64(len(out))
	if s.tmp != nil {
		if _, err := s.tmp.Write(out); err != nil {
			return fmt.Errorf("%s: writing temporary file %s: %w", s.e.path, s.tmp.Name(), err)
		}
	}
	return nil
}

// decide gives the next op its status; rec is the file's record at the
// op's offset (nil beyond its end). It reports whether the record is to be
// removed. The guard is not known yet: if it does not match, streamRemove
// makes every status DetailChanged at the end.
func (s *removal) decide(rec []byte) bool {
	i := s.valid[s.next]
	op, r := &s.req.Ops[i], s.results
	off := op.Offset
	switch {
	case op.Offset+record.Size > s.req.Guard.Size:
		r.set(i, Skipped, dBeyondGuard)
	case rec == nil || !bytes.Equal(rec, op.Record[:]):
		r.set(i, Skipped, dRecordDiffers)
	case s.lastOff == off:
		r.set(i, Skipped, dDuplicate)
	default:
		r.set(i, Applied, dNone)
		s.lastOff = off
		s.applied++
		return true
	}
	return false
}

// startTemp makes the temporary file and copies the file's first n bytes,
// all kept, into it. They are read again: they must hash as they did when
// they were read and decided on (s.kept holds exactly them so far), or the
// file changed under the edit otherwise than by appends, and it stops.
func (s *removal) startTemp(src *os.File, n int64) error {
	tmp, err := atomicfile.CreateTemp(s.e.opts.Ops, s.e.path, s.meta)
	if err != nil {
		return err
	}
	s.tmp = tmp
	if n == 0 {
		return nil
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), io.NewSectionReader(src, 0, n)); err != nil {
		return fmt.Errorf("%s: writing temporary file %s: %w", s.e.path, tmp.Name(), err)
	}
	var read, again [32]byte
	s.kept.Sum(read[:0])
	h.Sum(again[:0])
	if read != again {
		return fmt.Errorf("%s: its first %d bytes changed while it was read, by a program other than one appending records; not rewritten", s.e.path, n)
	}
	return nil
}

// hasher hashes the file's bytes on its own goroutine, chunk after chunk,
// and checks the guard when it reaches the guard's size.
type hasher struct {
	h       hash.Hash
	guard   Guard
	pos     int64
	guarded bool // the guard's size was reached
	guardOK bool
	jobs    chan []byte
	done    chan struct{} // one token per chunk hashed
	ended   chan struct{}
	pending int // chunks handed over and not released
}

func newHasher(g Guard) *hasher {
	h := &hasher{h: sha256.New(), guard: g, jobs: make(chan []byte, 2), done: make(chan struct{}, 2), ended: make(chan struct{})}
	if g.Size == 0 {
		h.check()
	}
	go func() {
		defer close(h.ended)
		for b := range h.jobs {
			if g := h.guard.Size; !h.guarded && g > h.pos && g <= h.pos+int64(len(b)) {
				h.h.Write(b[:g-h.pos])
				h.check()
				h.h.Write(b[g-h.pos:])
			} else {
				h.h.Write(b)
			}
			h.pos += int64(len(b))
			h.done <- struct{}{}
		}
	}()
	return h
}

// check compares the hash so far, of exactly the guard's size, with the
// guard.
func (h *hasher) check() {
	var sum [32]byte
	h.h.Sum(sum[:0])
	h.guarded, h.guardOK = true, h.guard.Size >= 0 && sum == h.guard.Sha256
}

// add hands b over; it must not change until released.
func (h *hasher) add(b []byte) {
	h.jobs <- b
	h.pending++
}

// release waits until fewer than n chunks handed over are not hashed yet.
func (h *hasher) release(n int) {
	for ; h.pending >= n; h.pending-- {
		<-h.done
	}
}

// close waits for every chunk to be hashed, ends the goroutine and reports
// whether the guard matched (false if the file is shorter than it).
func (h *hasher) close() bool {
	h.release(1)
	close(h.jobs)
	<-h.ended
	return h.guarded && h.guardOK
}
