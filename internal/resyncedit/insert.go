package resyncedit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// streamInsert decides the Insert ops of req (valid, sorted by offset) into
// results: it puts removed records back, each at most once whatever
// happened to the file since and in whatever order undo files are applied
// (issue 12.2): a record is restored only while the file holds no more
// copies of those 48 bytes than the file as apply left it did.
//
// When the file still starts with what apply left (the guard matches), that
// count is known exactly: the copies in the guarded prefix. A copy beyond it
// was put back by an earlier undo (appended at the end, see below), so one
// op of that record is already done for each such copy; the others go back
// to their original offsets — unless the file already starts with exactly
// that result (undo ran before and the removed records were the last ones of
// the guarded content).
//
// Otherwise the file changed since apply (another plan was applied, or an
// undo restored at the offsets), and the file as apply left it is gone: each
// copy of the record found anywhere in the file stands for one op, and only
// the ops beyond them append the record at the end. For a record whose
// identical 48 bytes the file held more than once before apply (never two
// requests of SMS, which differ in time), this restores fewer copies rather
// than ever one too many.
//
// Neither the file nor the new content is held in memory: one pass reads
// the file, hashes it and finds the copies of the ops' records; a second
// writes the new content to a temporary file (made with meta) — in a dry run
// only hashes it — checking that the file still reads as in the first. The
// memory is a few bytes per op and per copy found.
func (e *editor) streamInsert(src *os.File, req *Request, results *Results, valid []int, meta *atomicfile.Metadata, dry bool) (*decision, error) {
	ins := &insertion{e: e, req: req, res: results, valid: valid, idx: newRecIndex(req.Ops, valid)}
	whole := newHasher(req.Guard)
	n, err := e.scan(src, whole, ins.find)
	// A guard of part of a record (never one apply writes) is taken as not
	// matching: records inserted in it would cut the records after them.
	guardOK := whole.close() && req.Guard.Size%record.Size == 0
	if err != nil {
		return nil, err
	}
	ins.size = n
	ins.read = guardOfHash(n, whole.h)
	if testHookAfterScan != nil {
		testHookAfterScan()
	}
	ins.idx.group()
	d := &decision{results: *results, srcOff: n, final: ins.read}
	if guardOK {
		restore, err := ins.decideGuarded(src)
		if err != nil || !restore {
			return d, err
		}
	} else if !ins.decideChanged() {
		return d, nil
	}
	d.changed = true
	if err := ins.write(src, d, meta, dry); err != nil {
		return nil, err
	}
	return d, nil
}

// testHookAfterScan, set by tests, runs between an undo's scan and its
// decisions.
var testHookAfterScan func()

// insertion is the state of an edit of Insert ops.
type insertion struct {
	e     *editor
	req   *Request
	res   *Results
	valid []int
	idx   *recIndex
	size  int64 // the file's length, as scanned
	read  Guard // the file as scanned
	// guarded: the new content is the guarded prefix with the ops decided
	// Applied inserted, then the rest of the file; else the whole file
	// with their records appended.
	guarded bool
}

// find notes the copies of the ops' records in the file's records b at
// offset base.
func (ins *insertion) find(base int64, b []byte) error {
	if (base+int64(len(b)))/record.Size > math.MaxUint32 {
		return fmt.Errorf("%s: more than %d records; not rewritten", ins.e.path, uint64(math.MaxUint32))
	}
	for j := 0; j+record.Size <= len(b); j += record.Size {
		ins.idx.note(b[j:j+record.Size], (base+int64(j))/record.Size)
	}
	return nil
}

// insertAt is where the k-th op inserted (offset off) goes in the guarded
// prefix of g bytes, cur being where the one before went: ops are in the
// order of their offsets in the file as it was before apply, which held k
// more records before this one than the prefix (and the records appended
// after apply stay after all of them).
func insertAt(off int64, k int, cur, g int64) int64 {
	return min(max(off-int64(k)*record.Size, cur), g)
}

// decideGuarded decides the ops when the guard matched, and reports
// whether any record is to be inserted.
func (ins *insertion) decideGuarded(src *os.File) (bool, error) {
	req, r, g := ins.req, ins.res, ins.req.Guard.Size
	// Where every op would go, all inserted.
	var cur int64
	for k, i := range ins.valid {
		cur = insertAt(req.Ops[i].Offset, k, cur, g)
		r.newOff[i] = cur + int64(k)*record.Size
	}
	same, err := ins.startsRestored(src)
	if err == nil && same {
		// Decided on the file read again: it must still be as scanned.
		err = ins.verify(src)
	}
	if err != nil {
		return false, err
	}
	if same {
		for _, i := range ins.valid {
			r.set(i, Skipped, dAlreadyRestored)
		}
		return false, nil
	}
	// Copies after the guarded prefix: restored by an earlier undo that
	// found the file changed.
	restore := 0
	for _, i := range ins.valid {
		if off, ok := ins.idx.take(req.Ops[i].Record[:], g/record.Size, -1); ok {
			r.set(i, Skipped, dAlreadyRestored)
			r.newOff[i] = off * record.Size
			continue
		}
		r.set(i, Applied, dNone)
		restore++
	}
	if restore == 0 {
		return false, nil
	}
	cur = 0
	k := 0
	for _, i := range ins.valid {
		if Status(r.codes[i]>>4) != Applied {
			continue
		}
		cur = insertAt(req.Ops[i].Offset, k, cur, g)
		r.newOff[i] = cur + int64(k)*record.Size
		k++
	}
	// The records before each appended copy moved by the inserts.
	shift := int64(restore) * record.Size
	for _, i := range ins.valid {
		if Status(r.codes[i]>>4) == Skipped {
			r.newOff[i] += shift
		}
	}
	ins.guarded = true
	return true, nil
}

// decideChanged decides the ops when the guard did not match, and reports
// whether any record is to be appended.
func (ins *insertion) decideChanged() bool {
	req, r := ins.req, ins.res
	at := ins.size
	for _, i := range ins.valid {
		op := &req.Ops[i]
		// Prefer the copy at the record's own offset.
		if off, ok := ins.idx.take(op.Record[:], 0, op.Offset/record.Size); ok {
			r.set(i, Skipped, dAlreadyRestored)
			r.newOff[i] = off * record.Size
			continue
		}
		r.set(i, Applied, dAppended)
		r.newOff[i] = at
		at += record.Size
	}
	return at > ins.size
}

// startsRestored reports whether the file already starts with the guarded
// prefix with every op's record inserted at its place (the offsets in
// newOff): undo ran before. Up to the first op's place both are the file
// itself; from there on they are compared a chunk at a time, the file read
// twice: at the same offset, and where the new content takes it from.
func (ins *insertion) startsRestored(src *os.File) (bool, error) {
	req, g := ins.req, ins.req.Guard.Size
	n := int64(len(ins.valid))
	if ins.size < g+n*record.Size {
		return false, nil
	}
	first := ins.res.newOff[ins.valid[0]]
	pos := first // compared up to pos
	end := g + n*record.Size
	want := make([]byte, 0, streamChunk+record.Size) // may end one record beyond a chunk
	got := make([]byte, streamChunk+record.Size)
	from := sequential(src, first, g) // the prefix, where the new content takes it from
	at := sequential(src, first, end) // the file, where it is compared
	k := 0                            // the next op to insert
	for pos < end {
		// The new content from pos on, up to a chunk of it.
		want = want[:0]
		for len(want) < streamChunk && pos+int64(len(want)) < end {
			p := pos + int64(len(want))
			next := end
			if k < len(ins.valid) {
				next = ins.res.newOff[ins.valid[k]]
			}
			if p == next {
				want = append(want, req.Ops[ins.valid[k]].Record[:]...)
				k++
				continue
			}
			l := len(want)
			want = want[:l+int(min(next-p, int64(streamChunk-l)))]
			if _, err := io.ReadFull(from, want[l:]); err != nil {
				return false, fmt.Errorf("%s: reading: %w", ins.e.path, err)
			}
		}
		if _, err := io.ReadFull(at, got[:len(want)]); err != nil {
			return false, fmt.Errorf("%s: reading: %w", ins.e.path, err)
		}
		if !bytes.Equal(got[:len(want)], want) {
			return false, nil
		}
		pos += int64(len(want))
	}
	return true, nil
}

// verify reads the file again up to the size scanned and checks that it
// hashes as in the scan: only appends may have changed it since.
func (ins *insertion) verify(src *os.File) error {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(src, 0, ins.size)); err != nil {
		return fmt.Errorf("%s: reading: %w", ins.e.path, err)
	}
	if guardOfHash(ins.size, h) != ins.read {
		return ins.changedErr()
	}
	return nil
}

// changedErr is the error of a file that changed under the edit otherwise
// than by appends.
func (ins *insertion) changedErr() error {
	return fmt.Errorf("%s: its first %d bytes changed while it was read, by a program other than one appending records; not rewritten", ins.e.path, ins.size)
}

// write makes the new content and its guard: it reads the file again up to
// the size scanned, checks that it hashes as in the scan, and inserts or
// appends the records of the ops decided Applied. Unless dry, the content
// goes to a temporary file, left open in d for the commit.
func (ins *insertion) write(src *os.File, d *decision, meta *atomicfile.Metadata, dry bool) error {
	e, req, r := ins.e, ins.req, ins.res
	kept := sha256.New()
	var out io.Writer = kept
	var tmp atomicfile.File
	if !dry {
		var err error
		if tmp, err = atomicfile.CreateTemp(e.opts.Ops, e.path, meta); err != nil {
			return err
		}
		out = io.MultiWriter(tmp, kept)
	}
	fail := func(err error) error {
		if tmp != nil {
			tmp.Close()
			e.opts.Ops.RemoveFile(tmp.Name())
		}
		return err
	}
	again := sha256.New()
	buf := make([]byte, 0, streamChunk)
	var from int64 // of the file, copied so far
	file := sequential(src, 0, ins.size)
	flush := func() error {
		if _, err := out.Write(buf); err != nil {
			return fmt.Errorf("%s: writing temporary file: %w", e.path, err)
		}
		buf = buf[:0]
		return nil
	}
	// copyTo copies the file's bytes up to offset to.
	copyTo := func(to int64) error {
		for from < to {
			if len(buf) == cap(buf) {
				if err := flush(); err != nil {
					return err
				}
			}
			l := len(buf)
			buf = buf[:l+int(min(to-from, int64(cap(buf)-l)))]
			if _, err := io.ReadFull(file, buf[l:]); err != nil {
				return fmt.Errorf("%s: reading: %w", e.path, err)
			}
			again.Write(buf[l:])
			from += int64(len(buf) - l)
		}
		return nil
	}
	var newSize int64
	if ins.guarded {
		newSize = ins.size
	}
	for _, i := range ins.valid {
		if Status(r.codes[i]>>4) != Applied {
			continue
		}
		if ins.guarded {
			// The offsets in newOff count the records inserted before.
			if err := copyTo(r.newOff[i] - (newSize - ins.size)); err != nil {
				return fail(err)
			}
		} else if err := copyTo(ins.size); err != nil {
			return fail(err)
		}
		if len(buf)+record.Size > cap(buf) {
			if err := flush(); err != nil {
				return fail(err)
			}
		}
		buf = append(buf, req.Ops[i].Record[:]...)
		newSize += record.Size
	}
	if !ins.guarded {
		newSize += ins.size
	}
	if err := copyTo(ins.size); err != nil {
		return fail(err)
	}
	if err := flush(); err != nil {
		return fail(err)
	}
	if g := guardOfHash(ins.size, again); g != ins.read {
		return fail(ins.changedErr())
	}
	d.newGuard = guardOfHash(newSize, kept)
	d.tmp, d.kept = tmp, kept
	return nil
}

// sequential reads f from offset from to limit in order, a chunk at a
// time: the passes of an undo read it in runs of a few records between the
// inserts, which would be a system call each.
func sequential(f *os.File, from, limit int64) *bufio.Reader {
	return bufio.NewReaderSize(io.NewSectionReader(f, from, limit-from), streamChunk)
}

// recIndex finds, for each distinct record of a request's ops, its copies
// in the file (by record number: offset / record.Size). It is an open
// hash table of the distinct records (4 bytes a slot, at most half full)
// and, once the file is scanned, each record's copies in file order in one
// flat slice: 12 bytes a copy while they are grouped, 4 after.
type recIndex struct {
	ops   []Op
	seed  maphash.Seed
	slots []uint32 // 0 empty, else 1 + the number of a distinct record
	reps  []uint32 // per distinct record, the index of an op of it
	// found are the copies as the scan finds them (record number, distinct
	// record), until group sorts them into at.
	found []copyOf
	start []uint32 // per distinct record d, its copies are at[start[d]:start[d+1]]
	at    []uint32 // record numbers
	taken []uint32 // per distinct record, its copies before this many are taken
	used  []uint64 // a bit per copy in at: taken
}

type copyOf struct{ rec, d uint32 }

func newRecIndex(ops []Op, valid []int) *recIndex {
	size := 16
	if len(valid) > 0 {
		size = max(size, 1<<bits.Len(uint(2*len(valid)-1)))
	}
	x := &recIndex{ops: ops, seed: maphash.MakeSeed(), slots: make([]uint32, size), reps: make([]uint32, 0, len(valid))}
	for _, i := range valid {
		rec := ops[i].Record[:]
		s, ok := x.lookup(rec)
		if !ok {
			x.reps = append(x.reps, uint32(i))
			x.slots[s] = uint32(len(x.reps))
		}
	}
	return x
}

// lookup returns the slot of rec: where it is, or the empty one where it
// would go.
func (x *recIndex) lookup(rec []byte) (int, bool) {
	mask := uint64(len(x.slots) - 1)
	for h := maphash.Bytes(x.seed, rec) & mask; ; h = (h + 1) & mask {
		v := x.slots[h]
		if v == 0 {
			return int(h), false
		}
		if bytes.Equal(x.ops[x.reps[v-1]].Record[:], rec) {
			return int(h), true
		}
	}
}

// distinct returns the number of the distinct record rec, false if no op
// has it.
func (x *recIndex) distinct(rec []byte) (uint32, bool) {
	s, ok := x.lookup(rec)
	if !ok {
		return 0, false
	}
	return x.slots[s] - 1, true
}

// note notes record number n of the file, rec, if an op has it.
func (x *recIndex) note(rec []byte, n int64) {
	if d, ok := x.distinct(rec); ok {
		x.found = append(x.found, copyOf{uint32(n), d})
	}
}

// group sorts the copies found by distinct record (a counting sort: each
// one's copies stay in file order) and drops the hash table's buffers for
// the copies.
func (x *recIndex) group() {
	x.start = make([]uint32, len(x.reps)+1)
	for _, c := range x.found {
		x.start[c.d+1]++
	}
	for d := range len(x.reps) {
		x.start[d+1] += x.start[d]
	}
	x.at = make([]uint32, len(x.found))
	next := slices.Clone(x.start[:len(x.reps)])
	for _, c := range x.found {
		x.at[next[c.d]] = c.rec
		next[c.d]++
	}
	x.found = nil
	x.taken = make([]uint32, len(x.reps))
	x.used = make([]uint64, (len(x.at)+63)/64)
}

// take takes a copy of rec not taken yet from record number from on: the
// one at record number prefer if there is one, else the first. It returns
// its record number, false if there is none.
func (x *recIndex) take(rec []byte, from, prefer int64) (int64, bool) {
	d, ok := x.distinct(rec)
	if !ok {
		return 0, false
	}
	lo, hi := int(x.start[d]), int(x.start[d+1])
	c := x.at[lo:hi]
	if prefer >= from && prefer <= math.MaxUint32 {
		if j, ok := slices.BinarySearch(c, uint32(prefer)); ok && !x.isUsed(lo+j) {
			x.use(lo + j)
			return prefer, true
		}
	}
	// The first copy not taken from from on: those before taken[d] are
	// taken or before from (from is the same for every op of a request).
	j := int(x.taken[d])
	if k, _ := slices.BinarySearch(c, uint32(from)); k > j {
		j = k
	}
	for j < len(c) && x.isUsed(lo+j) {
		j++
	}
	x.taken[d] = uint32(j)
	if j == len(c) {
		return 0, false
	}
	x.use(lo + j)
	return int64(c[j]), true
}

func (x *recIndex) isUsed(j int) bool { return x.used[j/64]&(1<<(j%64)) != 0 }
func (x *recIndex) use(j int)         { x.used[j/64] |= 1 << (j % 64) }
