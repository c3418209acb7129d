package dump

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"slices"
	"strconv"

	"github.com/dumpsync/dumpsync/internal/output"
	"github.com/dumpsync/dumpsync/internal/record"
)

// view is the Entry (or RawEntry) of a record, formatted straight from the
// record's bytes: its WriteFields hands over the fields Fill would set,
// allocating nothing for a valid entry. dump formats every record through
// one (append); TestViewMatchesFill holds it to Fill and to the reference
// encoder.
type view struct {
	path  string
	index int64
	e     *record.Entry // the record WriteFields writes
	rec   record.Entry  // e's storage in append
	now   int64
	raw   bool
	valid bool // set by WriteFields and append
	buf   [2 * record.ExtraSize]byte
	num   [20]byte // RequestTime or AgeDays as text
	days  *dayCache
	// nowSec is now's time of day (set with days).
	nowSec uint32
	// at is an index with its Index and Offset as text: a dump's indexes
	// count up, so after formatting one, at moves on to the next (plus 1
	// and 48). Moving on after the line, not before the next, leaves the
	// digits' byte stores time to settle before the next line copies them
	// as a block (a load right after narrower stores to the same bytes
	// stalls).
	at struct {
		ok       bool
		index    int64
		idx, off decimal
	}
	line *line // made on first use
}

// seek sets v.at to v.index, unless it is there.
func (v *view) seek() {
	if v.at.ok && v.index == v.at.index {
		return
	}
	v.at.ok, v.at.index = true, v.index
	v.at.idx.set(v.index)
	v.at.off.set(v.index * record.Size)
}

// next moves v.at on to the next index.
func (v *view) next() {
	v.at.index++
	v.at.idx.add(1)
	v.at.off.add(record.Size)
}

// WriteFields hands over the fields of v.e. The fields that vary in a valid
// entry with a time (nearly every entry) go as Plain or Digits: they are the
// holes of its line template.
func (v *view) WriteFields(w output.FieldWriter) {
	e := v.e
	w.Str(v.path)
	v.seek()
	w.Digits(v.at.idx.text())
	w.Digits(v.at.off.text())
	defer v.next()
	v.valid = e.Valid()
	var problem string
	if !v.valid {
		problem = e.Problem()
	}
	if v.valid {
		w.Plain(e.IDBytes()) // 1-15 of [A-Za-z0-9]
	} else {
		w.Str(e.SmsID())
	}
	t := e.Time()
	w.Digits(output.AppendInt(v.num[:0], int64(t)))
	if t == 0 {
		w.OptStr(nil)
		w.OptInt(nil)
	} else {
		w.Plain(v.time(t))
		w.Digits(output.AppendInt(v.num[:0], ageDays(v.now, t)))
	}
	w.Bool(v.valid)
	if v.valid {
		w.OptStr(nil)
	} else {
		w.Str(problem)
	}
	if v.raw {
		w.Plain(hex.AppendEncode(v.buf[:0], e.Extra())) // lower-case hex
	}
}

// append appends the record r (at v.index) formatted by f to dst: a valid
// entry with a time through the line template, any other through
// WriteFields.
func (v *view) append(dst []byte, f *output.Formatter, r *[record.Size]byte) []byte {
	t := binary.LittleEndian.Uint32(r[timeAt:])
	n, ok := validID(r)
	l := v.line
	if l == nil || l.f != f {
		l = v.newLine(f)
	}
	if !ok || t == 0 || l.first == nil {
		v.rec.Raw = *r
		v.e = &v.rec
		return f.Append(dst, v)
	}
	v.valid = true
	v.seek()
	if cap(dst)-len(dst) < l.max {
		dst = slices.Grow(dst, l.max)
	}
	b := dst[:cap(dst)]
	i := len(dst)
	i += copy(b[i:], l.first)
	i = v.at.idx.put(b, i)
	i = l.rest[0].put(b, i)
	i = v.at.off.put(b, i)
	i = l.rest[1].put(b, i)
	*(*[idField]byte)(b[i:]) = [idField]byte(r[:idField]) // the SMSID and its NULs, cut to its length
	i += n
	i = l.rest[2].put(b, i)
	i = putUint32(b, i, t)
	i = l.rest[3].put(b, i)
	c := v.slot(t)
	i = putTime(b, i, t, c)
	i = l.rest[4].put(b, i)
	i = v.putAge(b, i, t, c)
	i = l.rest[5].put(b, i)
	if v.raw {
		i += hex.Encode(b[i:i+2*record.ExtraSize], r[extraAt:])
		i = l.rest[6].put(b, i)
	}
	v.next()
	return b[:i]
}

// A record's layout (package record): the SMSID, NUL-padded, then the
// request time (little-endian), then the extra bytes.
const (
	idField = record.MaxIDLen + 1
	timeAt  = idField
	extraAt = record.Size - record.ExtraSize
)

// line is the template of a valid entry with a time, as one Formatter
// writes it (output.Formatter.Template): the text before Index (the
// separator, the Path and the field names), then the text after each of
// Index, Offset, SmsId, RequestTime, RequestedAt, AgeDays and, with --raw,
// Extra.
type line struct {
	f     *output.Formatter
	first []byte // nil: f's template does not fit; use WriteFields
	rest  [7]piece
	max   int // the most bytes a line can take, with the blocks' slack
}

// piece is a short part of a template, padded so that it is copied as one
// block.
type piece struct {
	b [48]byte
	n int
}

// pieceMax is the longest part a piece takes (a variable so that a test can
// make every template too long for one).
var pieceMax = len(piece{}.b)

// put copies p into b at i as one block (b has room for it) and returns
// the index after p's text.
func (p *piece) put(b []byte, i int) int {
	*(*[len(p.b)]byte)(b[i:]) = p.b
	return i + p.n
}

func (v *view) newLine(f *output.Formatter) *line {
	e := record.Make("A", 1, nil)
	sample := &view{path: v.path, now: v.now, raw: v.raw, e: &e}
	parts := f.Template(sample)
	holes := 6
	if v.raw {
		holes++
	}
	if len(parts) != holes+1 {
		panic("dump: entry template has " + strconv.Itoa(len(parts)) + " parts, want " + strconv.Itoa(holes+1))
	}
	l := &line{f: f}
	v.line = l
	// Slack for the blocks: each piece and decimal may write a whole block
	// past its end; the holes at most 20 digits (an age), 20 time bytes
	// and the hex.
	l.max = len(parts[0]) + holes*len(l.rest[0].b) + 2*len(decimal{}.b) + 16 + 20 + 16 + 20 + 2*record.ExtraSize
	for i, p := range parts[1:] {
		if len(p) > pieceMax {
			return l // parts this long (no format has them) are written field by field
		}
		l.rest[i].n = copy(l.rest[i].b[:], p)
	}
	l.first = slices.Clip(append([]byte{}, parts[0]...))
	return l
}

// validID reports whether e's SMSID is valid (e.Valid) and its length: the
// bytes up to the last non-NUL of the 16 must all be [A-Za-z0-9], and
// there must be 1 to 15 of them.
func validID(r *[record.Size]byte) (int, bool) {
	lo := binary.LittleEndian.Uint64(r[0:8])
	hi := binary.LittleEndian.Uint64(r[8:idField])
	var n int
	if hi != 0 {
		n = 8 + (bits.Len64(hi)+7)/8
	} else {
		n = (bits.Len64(lo) + 7) / 8
	}
	if n == 0 || n == 16 {
		return 0, false
	}
	// Bytes at n and after are NUL; those before must be ID characters.
	if n >= 8 {
		return n, idChars8(lo) == highs && idChars8(hi)|^(uint64(1)<<(8*(n-8))-1)&highs == highs
	}
	return n, idChars8(lo)|^(uint64(1)<<(8*n)-1)&highs == highs
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// idChars8 sets the high bit of each byte of x that is [A-Za-z0-9].
func idChars8(x uint64) uint64 {
	// in sets the high bit of the bytes from lo to hi, for bytes below
	// 0x80 (no carry crosses a byte).
	in := func(lo, hi byte) uint64 {
		return (x + ones*uint64(0x80-lo)) &^ (x + ones*uint64(0x7f-hi))
	}
	ascii := ^x & highs
	x &^= highs // keeps every sum in its byte; the bytes above 0x7F are cut by ascii
	return (in('0', '9') | in('A', 'Z') | in('a', 'z')) & ascii
}

// decimal is a non-negative integer as decimal text that can be added to
// cheaply. The text is left-aligned, so it is copied as one block.
type decimal struct {
	b [24]byte
	n int // the text is b[:n]
}

func (d *decimal) set(v int64) { d.n = len(strconv.AppendInt(d.b[:0], v, 10)) }

func (d *decimal) text() []byte { return d.b[:d.n] }

// put copies the text into b at i as one block and returns the index after
// it.
func (d *decimal) put(b []byte, i int) int {
	*(*[len(d.b)]byte)(b[i:]) = d.b
	return i + d.n
}

// add adds k >= 0: below 100 (the step from one record to the next) with
// the last two digits and a carry, else digit by digit.
func (d *decimal) add(k int) {
	if k < 100 && d.n >= 2 {
		j := d.n - 2
		s := int(d.b[j]-'0')*10 + int(d.b[j+1]-'0') + k
		if s < 100 {
			d.b[j], d.b[j+1] = output.Digits2[2*s], output.Digits2[2*s+1]
			return
		}
		s -= 100
		d.b[j], d.b[j+1] = output.Digits2[2*s], output.Digits2[2*s+1]
		d.carry(j - 1)
		return
	}
	i := d.n - 1
	for ; k > 0; k /= 10 {
		if i < 0 {
			d.grow()
			i = 0
		}
		s := int(d.b[i]-'0') + k%10
		c := s >= 10
		if c {
			s -= 10
		}
		d.b[i] = byte('0' + s)
		if c && d.carry(i-1) {
			i++ // the digits moved right
		}
		i--
	}
}

// carry adds 1 at digit i (a new leading digit when i is -1) and reports
// whether that moved the text right by one.
func (d *decimal) carry(i int) (grew bool) {
	for ; i >= 0 && d.b[i] == '9'; i-- {
		d.b[i] = '0'
	}
	if i < 0 {
		d.grow()
		i, grew = 0, true
	}
	d.b[i]++
	return grew
}

// grow puts a leading 0 before the text.
func (d *decimal) grow() {
	if d.n == len(d.b) {
		panic("dump: decimal overflow")
	}
	copy(d.b[1:], d.b[:d.n])
	d.n++
	d.b[0] = '0'
}

// dayCache holds what recently formatted days share: the date part
// ("2026-11-01T") of their times and their times' AgeDays. A Resync.cfg's
// requests span a few years at most, so nearly every record's day is found
// here. Direct-mapped on the day number: any 2048 days in a row (5.6
// years) have slots of their own.
type dayCache [2048]daySlot

type daySlot struct {
	day  uint32   // day number + 1 (0: empty)
	date [16]byte // 11 bytes, padded for a block copy
	// age[0] is the AgeDays of the day's times up to now's time of day,
	// age[1] that of the later ones (one less).
	age [2]shortText
}

// shortText is a short text padded for a block copy; n is 0 when the text
// is too long for b.
type shortText struct {
	b [8]byte
	n uint8
}

func (s *shortText) set(b []byte) {
	s.n = 0
	if len(b) <= len(s.b) {
		s.n = uint8(copy(s.b[:], b))
	}
}

// slot returns the cache slot of t's day, filled.
func (v *view) slot(t uint32) *daySlot {
	if v.days == nil {
		v.days = new(dayCache)
		v.nowSec = uint32((v.now%86400 + 86400) % 86400)
	}
	day := t / 86400
	c := &v.days[day%uint32(len(v.days))]
	if c.day != day+1 {
		var b [20]byte
		copy(c.date[:], appendTime(b[:0], day*86400))
		age := ageDays(v.now, day*86400) // floor((now - t) / 86400) of the day's first second
		c.age[0].set(strconv.AppendInt(b[:0], age, 10))
		c.age[1].set(strconv.AppendInt(b[:0], age-1, 10))
		c.day = day + 1
	}
	return c
}

// putTime writes t as appendTime does into b at i (with 16 bytes of room
// past the 20 it takes) and returns the index after it.
func putTime(b []byte, i int, t uint32, c *daySlot) int {
	*(*[16]byte)(b[i:]) = c.date
	sec := t % 86400
	h, m, s := sec/3600, sec%3600/60, sec%60
	d := b[i+11 : i+20]
	d[0], d[1], d[2] = output.Digits2[2*h], output.Digits2[2*h+1], ':'
	d[3], d[4], d[5] = output.Digits2[2*m], output.Digits2[2*m+1], ':'
	d[6], d[7], d[8] = output.Digits2[2*s], output.Digits2[2*s+1], 'Z'
	return i + 20
}

// putAge writes ageDays(v.now, t) into b at i (with 8 bytes of room) and
// returns the index after it.
func (v *view) putAge(b []byte, i int, t uint32, c *daySlot) int {
	later := 0
	if t%86400 > v.nowSec {
		later = 1
	}
	a := &c.age[later]
	if a.n == 0 {
		return i + len(output.AppendInt(b[i:i], ageDays(v.now, t)))
	}
	*(*[8]byte)(b[i:]) = a.b
	return i + int(a.n)
}

// putUint32 writes u in decimal into b at i (with 10 bytes of room) and
// returns the index after it: the ten digits of a time since 2001 without
// a loop.
func putUint32(b []byte, i int, u uint32) int {
	if u < 1e9 {
		return i + len(output.AppendInt(b[i:i], int64(u)))
	}
	hi := u / 1e8 // 10-42
	lo := u - hi*1e8
	a := lo / 1e4
	c := lo - a*1e4
	a1, c1 := a/100, c/100
	a2, c2 := a-a1*100, c-c1*100
	d := b[i : i+10]
	d[0], d[1] = output.Digits2[2*hi], output.Digits2[2*hi+1]
	d[2], d[3] = output.Digits2[2*a1], output.Digits2[2*a1+1]
	d[4], d[5] = output.Digits2[2*a2], output.Digits2[2*a2+1]
	d[6], d[7] = output.Digits2[2*c1], output.Digits2[2*c1+1]
	d[8], d[9] = output.Digits2[2*c2], output.Digits2[2*c2+1]
	return i + 10
}

// time formats t as appendTime does, into v.buf.
func (v *view) time(t uint32) []byte {
	var b [36]byte
	n := putTime(b[:], 0, t, v.slot(t))
	return append(v.buf[:0], b[:n]...)
}
