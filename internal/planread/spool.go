package planread

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dumpsync/dumpsync/internal/scratch"
)

// Spool holds the rows of a plan in a compact binary form, in a temporary
// file (or, for small plans made in this process and for tests, in
// memory), so that apply and check hold one folder's rows at a time, not
// the plan: a plan is read once, checked and spooled, then read back folder
// by folder and, for the results, in plan order. A row is found again by
// its Ref, the offset of its record. What Read reported as a bad value
// (Row.bad) is not kept: only rows Validate accepted are carried out.
//
// A record is a uvarint length, then: the caller's mark byte, N and Line
// (uvarints), a bit per field present (uint16), and the fields present in
// the order of fields: Action as a code (or 0 and the text), Path as the
// distance back to the record that holds it in full (0: it follows), the
// integers as varints, Record and Sha256 as raw bytes when they are
// lower-case hex of the right length (else as text), strings as a uvarint
// length and the bytes. Rows read back share their strings with the chunk
// of the spool they were read from.
type Spool struct {
	f       *os.File // nil: in memory (a scratch file: gone once closed, or when the process dies)
	mem     []byte
	w       *bufio.Writer
	size    int64 // bytes written: the Ref of the next record
	flushed int64
	rows    int

	shaIn lastHex // the last Sha256 appended

	// The Path of the last record and the Ref of the record that holds it
	// in full.
	lastPath    string
	lastPathRef int64
	enc         []byte
	hdr         [binary.MaxVarintLen64]byte // a row's length, as Append writes it

	dec     builder
	pathRef int64  // Ref of the record whose Path is pathAt (-1: none)
	pathAt  string // cached decoded Path

	raw  *RawReader // ScanRaw's
	scan *RawReader // Scan's
}

// Ref is where a row is in a Spool.
type Ref = int64

// NewSpool returns a Spool in a new temporary file in dir (os.TempDir()
// when ""): a scratch file, removed by Close, and by the system when the
// process dies without closing it (a crash, a second Ctrl-C).
func NewSpool(dir string) (*Spool, error) {
	f, err := scratch.Create(dir, "dumpsync-plan-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("temporary file for the plan: %w", err)
	}
	s := &Spool{f: f, w: bufio.NewWriterSize(f, 256<<10), pathRef: -1}
	s.dec.small = true
	return s, nil
}

// NewMemSpool returns a Spool in memory.
func NewMemSpool() *Spool {
	s := &Spool{pathRef: -1}
	s.dec.small = true
	return s
}

// InFile reports whether the spool is a file (not in memory).
func (s *Spool) InFile() bool { return s.f != nil }

// Len is how many rows were appended.
func (s *Spool) Len() int { return s.rows }

// Size is the Ref the next row will get.
func (s *Spool) Size() int64 { return s.size }

// Next is Size (Checker's Store).
func (s *Spool) Next() int64 { return s.size }

// Close removes the spool.
func (s *Spool) Close() error {
	if s.f == nil {
		s.mem = nil
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Append adds r with the caller's mark and returns its Ref.
func (s *Spool) Append(r *Row, mark byte) (Ref, error) {
	ref := s.size
	pathBack := int64(0)
	if r.Path != "" && r.Path == s.lastPath {
		pathBack = ref - s.lastPathRef
	} else if r.Path != "" {
		s.lastPath, s.lastPathRef = r.Path, ref
	}
	body := appendRow(s.enc[:0], r, mark, pathBack, &s.shaIn)
	s.enc = body[:0]
	hdr := s.hdr[:]
	h := binary.PutUvarint(hdr, uint64(len(body)))
	if s.f == nil {
		s.mem = append(append(s.mem, hdr[:h]...), body...)
	} else {
		if _, err := s.w.Write(hdr[:h]); err != nil {
			return 0, fmt.Errorf("temporary file for the plan: %w", err)
		}
		if _, err := s.w.Write(body); err != nil {
			return 0, fmt.Errorf("temporary file for the plan: %w", err)
		}
	}
	s.size += int64(h + len(body))
	s.rows++
	return ref, nil
}

// flush makes everything appended readable from the file.
func (s *Spool) flush() error {
	if s.f == nil || s.flushed == s.size {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("temporary file for the plan: %w", err)
	}
	s.flushed = s.size
	return nil
}

// readAt reads len(p) bytes at off (fewer only at the end).
func (s *Spool) readAt(p []byte, off int64) (int, error) {
	if s.f == nil {
		if off >= int64(len(s.mem)) {
			return 0, io.EOF
		}
		return copy(p, s.mem[off:]), nil
	}
	if err := s.flush(); err != nil {
		return 0, err
	}
	n, err := s.f.ReadAt(p, off)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Row reads the row at ref (Checker's Store). The row's strings and
// pointers are its own; it stays valid.
func (s *Spool) Row(ref Ref) (*Row, error) {
	r := &Row{}
	if _, _, err := s.Read(ref, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Read decodes the row at ref into r and returns its mark and the Ref of
// the next row.
func (s *Spool) Read(ref Ref, r *Row) (mark byte, next Ref, err error) {
	var hdr [binary.MaxVarintLen64]byte
	n, err := s.readAt(hdr[:], ref)
	if err != nil {
		return 0, 0, s.corrupt(ref, err)
	}
	size, h := binary.Uvarint(hdr[:n])
	if h <= 0 || size > 1<<31 {
		return 0, 0, s.corrupt(ref, errors.New("bad length"))
	}
	body := make([]byte, size)
	if m, err := s.readAt(body, ref+int64(h)); err != nil || m != len(body) {
		return 0, 0, s.corrupt(ref, err)
	}
	mark, err = s.decode(ref, string(body), r)
	return mark, ref + int64(h) + int64(size), err
}

// Each calls fn for every row, in order (Checker's Store).
func (s *Spool) Each(fn func(ref Ref, r *Row)) error {
	return s.Scan(0, s.size, func(ref Ref, r *Row, _ byte) error {
		fn(ref, r)
		return nil
	})
}

// Scan decodes the rows from ref from up to ref to, in order. The row
// given to fn is reused: it is valid only during the call, but the strings
// and pointers in it stay valid.
func (s *Spool) Scan(from, to Ref, fn func(ref Ref, r *Row, mark byte) error) error {
	if s.scan == nil {
		s.scan = s.NewRawReader()
	}
	var r Row
	for ref := from; ref < to; {
		data, end, err := s.scan.Chunk(ref, to, scanChunk)
		if err != nil {
			return err
		}
		// The rows' strings are parts of the chunk, read as one string: no
		// copy per field, and the chunk goes when its last row does.
		err = eachRecord(string(data), ref, func(at Ref, body string) error {
			r = Row{}
			mark, err := s.decode(at, body, &r)
			if err != nil {
				return err
			}
			return fn(at, &r, mark)
		})
		if err != nil {
			return err
		}
		ref = end
	}
	return nil
}

// scanChunk is how much Scan and ScanRaw read at a time.
const scanChunk = 1 << 20

// eachRecord calls fn with the Ref and body of each record of data, whole
// records that RawReader.Chunk read from ref base on.
func eachRecord[S string | []byte](data S, base Ref, fn func(ref Ref, body S) error) error {
	for k := 0; k < len(data); {
		size, h := uvarintOf(data[k:])
		if h <= 0 || size == 0 || int64(k)+int64(h)+int64(size) > int64(len(data)) {
			return fmt.Errorf("temporary file for the plan: row at %d: %w", base+int64(k), errRecord)
		}
		if err := fn(base+int64(k), data[k+h:k+h+int(size)]); err != nil {
			return err
		}
		k += h + int(size)
	}
	return nil
}

// uvarintOf is binary.Uvarint of a string or bytes.
func uvarintOf[S string | []byte](s S) (uint64, int) {
	var x uint64
	var sh uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -1
			}
			return x | uint64(c)<<sh, i + 1
		}
		x |= uint64(c&0x7f) << sh
		sh += 7
	}
	return 0, 0
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func (s *Spool) corrupt(ref Ref, err error) error {
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("temporary file for the plan: row at %d: %w", ref, err)
}

// decode decodes body, the record at ref, into r; a Path given by
// distance is read from the record that holds it.
func (s *Spool) decode(ref Ref, body string, r *Row) (byte, error) {
	mark, back, err := decodeRow(&s.dec, body, r)
	if err != nil {
		return 0, s.corrupt(ref, err)
	}
	switch {
	case back > 0 && back <= ref:
		at := ref - back
		if at != s.pathRef {
			var held Row
			if _, _, err := s.Read(at, &held); err != nil {
				return 0, err
			}
			if held.Path == "" {
				return 0, s.corrupt(ref, errors.New("the Path it refers to is missing"))
			}
			s.pathRef, s.pathAt = at, held.Path
		}
		r.Path = s.pathAt
	case back > 0:
		return 0, s.corrupt(ref, errors.New("bad Path reference"))
	case r.Path != "":
		s.pathRef, s.pathAt = ref, r.Path
	}
	return mark, nil
}

// Action codes in a record: the index in actions, plus one.
const actionText = 0

// Formats of Record and Sha256 in a record.
const (
	asText = 0
	asRaw  = 1
)

// appendRow appends the record body of r (see Spool). pathBack is the
// distance back to the record holding r.Path in full, 0 to write it here.
//
// sha, when not nil, remembers the last Sha256 written: the rows of one
// file repeat it, and it is then copied, not decoded again.
func appendRow(b []byte, r *Row, mark byte, pathBack int64, sha *lastHex) []byte {
	b = append(b, mark)
	b = binary.AppendUvarint(b, uint64(r.N))
	b = binary.AppendUvarint(b, uint64(r.Line))
	var present uint16
	set := func(i int, ok bool) {
		if ok {
			present |= 1 << i
		}
	}
	set(fAction, r.Action != "")
	set(fPath, r.Path != "")
	set(fSmsId, r.SmsId != "")
	set(fRequestTime, r.RequestTime != nil)
	set(fRequestedAt, r.RequestedAt != nil)
	set(fAgeDays, r.AgeDays != nil)
	set(fCutoff, r.Cutoff != nil)
	set(fOffset, r.Offset != nil)
	set(fRecord, r.Record != nil)
	set(fSize, r.Size != nil)
	set(fModTime, r.ModTime != nil)
	set(fSha256, r.Sha256 != nil)
	set(fReason, r.Reason != nil)
	set(fContent, r.Content != nil)
	b = binary.LittleEndian.AppendUint16(b, present)
	if r.Action != "" {
		code := byte(actionText)
		if k := actionKind(r.Action); k >= 0 {
			code = byte(k) + 1
		}
		b = append(b, code)
		if code == actionText {
			b = appendStr(b, r.Action)
		}
	}
	if r.Path != "" {
		b = binary.AppendUvarint(b, uint64(pathBack))
		if pathBack == 0 {
			b = appendStr(b, r.Path)
		}
	}
	if r.SmsId != "" {
		b = appendStr(b, r.SmsId)
	}
	b = appendInt(b, r.RequestTime)
	b = appendOptStr(b, r.RequestedAt)
	b = appendInt(b, r.AgeDays)
	b = appendInt(b, r.Cutoff)
	b = appendInt(b, r.Offset)
	b = appendHex(b, r.Record, 48)
	b = appendInt(b, r.Size)
	b = appendInt(b, r.ModTime)
	if sha != nil && r.Sha256 != nil && sha.ok && *r.Sha256 == sha.text {
		b = append(append(b, asRaw), sha.raw[:]...)
	} else {
		b = appendHex(b, r.Sha256, 32)
		if sha != nil && r.Sha256 != nil && isLowerHex(*r.Sha256, 32) {
			sha.text, sha.ok = *r.Sha256, true
			copy(sha.raw[:], b[len(b)-32:])
		}
	}
	b = appendOptStr(b, r.Reason)
	b = appendOptStr(b, r.Content)
	return b
}

// lastHex is a Sha256 as text (lower-case hex) and its raw bytes.
type lastHex struct {
	text string
	raw  [32]byte
	ok   bool
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendOptStr(b []byte, s *string) []byte {
	if s == nil {
		return b
	}
	return appendStr(b, *s)
}

func appendInt(b []byte, n *int64) []byte {
	if n == nil {
		return b
	}
	return binary.AppendVarint(b, *n)
}

// appendHex writes s as n raw bytes when it is 2n lower-case hex digits,
// which every valid Record and Sha256 is once read.
func appendHex(b []byte, s *string, n int) []byte {
	if s == nil {
		return b
	}
	if isLowerHex(*s, n) {
		return appendLowerHexDecoded(append(b, asRaw), *s)
	}
	return appendStr(append(b, asText), *s)
}

var errRecord = errors.New("bad record")

// decodeRow decodes a record body written by appendRow into r. Its strings
// are parts of body; its pointers point into b's slabs. It returns the mark
// and the distance back to the record holding the Path (0: r.Path is set).
func decodeRow(b *builder, body string, r *Row) (mark byte, pathBack int64, err error) {
	d := decoder[string]{s: body}
	mark = d.byte()
	r.N = int(d.uvarint())
	r.Line = int(d.uvarint())
	present := uint16(d.byte()) | uint16(d.byte())<<8
	has := func(i int) bool { return present&(1<<i) != 0 }
	if has(fAction) {
		code := d.byte()
		switch {
		case code == actionText:
			r.Action = d.str()
		case int(code) <= len(actions):
			r.Action = actions[code-1]
		default:
			d.err = errRecord
		}
	}
	if has(fPath) {
		back := d.uvarint()
		if back == 0 {
			r.Path = d.str()
		} else if back > 1<<62 {
			d.err = errRecord
		} else {
			pathBack = int64(back)
		}
	}
	if has(fSmsId) {
		r.SmsId = d.str()
	}
	intField := func(i int) *int64 {
		if !has(i) {
			return nil
		}
		v := d.varint()
		if d.err != nil {
			return nil
		}
		return b.newInt(v)
	}
	strField := func(i int) *string {
		if !has(i) {
			return nil
		}
		v := d.str()
		if d.err != nil {
			return nil
		}
		return b.newStr(v)
	}
	r.RequestTime = intField(fRequestTime)
	r.RequestedAt = strField(fRequestedAt)
	r.AgeDays = intField(fAgeDays)
	r.Cutoff = intField(fCutoff)
	r.Offset = intField(fOffset)
	r.Record = d.hex(b, has(fRecord), 48, false)
	r.Size = intField(fSize)
	r.ModTime = intField(fModTime)
	r.Sha256 = d.hex(b, has(fSha256), 32, true)
	r.Reason = strField(fReason)
	r.Content = strField(fContent)
	if d.err == nil && len(d.s) > 0 {
		d.err = errRecord
	}
	if present>>(fContent+1) != 0 {
		d.err = errRecord
	}
	return mark, pathBack, d.err
}

// decoder reads a record body: a string (decodeRow), or bytes (RawRow:
// nothing copied). The first problem sticks in err.
type decoder[S string | []byte] struct {
	s   S
	err error
}

func (d *decoder[S]) byte() byte {
	if d.err != nil || len(d.s) < 1 {
		d.err = errRecord
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder[S]) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := uvarintOf(d.s)
	if n <= 0 {
		d.err = errRecord
		return 0
	}
	d.s = d.s[n:]
	return v
}

func (d *decoder[S]) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder[S]) bytes(n int) S {
	if d.err != nil || n < 0 || len(d.s) < n {
		d.err = errRecord
		var none S
		return none
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder[S]) str() S {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		d.err = errRecord
		var none S
		return none
	}
	return d.bytes(int(n))
}

// hex reads a Record or Sha256 field (present): n raw bytes, given as
// lower-case hex, or text. The rows of one file share one Sha256 (shared):
// the last one is reused.
func (d *decoder[S]) hex(b *builder, present bool, n int, shared bool) *string {
	if !present {
		return nil
	}
	switch d.byte() {
	case asRaw:
		raw := string(d.bytes(n))
		if d.err != nil {
			return nil
		}
		if !shared {
			b.scratch = hex.AppendEncode(b.scratch[:0], []byte(raw))
			return b.newStr(string(b.scratch))
		}
		if raw != b.lastRaw || b.lastRaw == "" {
			b.scratch = hex.AppendEncode(b.scratch[:0], []byte(raw))
			b.lastRaw, b.lastHex = raw, string(b.scratch)
		}
		return b.newStr(b.lastHex)
	case asText:
		v := string(d.str())
		if d.err != nil {
			return nil
		}
		return b.newStr(v)
	}
	d.err = errRecord
	return nil
}
