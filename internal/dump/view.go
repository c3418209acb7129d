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
	e     *record.Entry
	now   int64
	raw   bool
	valid bool // set by WriteFields and append
	buf   [2 * record.ExtraSize]byte
	num   [20]byte // RequestTime or AgeDays as text
	days  *dayCache
	// at is the last index formatted, with its Index and Offset as text:
	// a dump's indexes count up, so each is the last one plus 1 (and 48).
	at struct {
		ok       bool
		index    int64
		idx, off decimal
	}
	line *line // made on first use
}

// advance sets v.at to v.index.
func (v *view) advance() {
	if v.at.ok && v.index == v.at.index+1 {
		v.at.index++
		v.at.idx.add(1)
		v.at.off.add(record.Size)
		return
	}
	v.at.ok, v.at.index = true, v.index
	v.at.idx.set(v.index)
	v.at.off.set(v.index * record.Size)
}

// WriteFields hands over the fields of v.e. The fields that vary in a valid
// entry with a time (nearly every entry) go as Plain or Digits: they are the
// holes of its line template.
func (v *view) WriteFields(w output.FieldWriter) {
	e := v.e
	w.Str(v.path)
	v.advance()
	w.Digits(v.at.idx.text())
	w.Digits(v.at.off.text())
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

// append appends v.e formatted by f to dst: a valid entry with a time
// through the line template, any other through WriteFields.
func (v *view) append(dst []byte, f *output.Formatter) []byte {
	e := v.e
	t := e.Time()
	n, ok := validID(e)
	if !ok || t == 0 {
		return f.Append(dst, v)
	}
	v.valid = true
	l := v.line
	if l == nil || l.f != f {
		l = v.newLine(f)
	}
	if l.first == nil {
		return f.Append(dst, v)
	}
	v.advance()
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
	*(*[16]byte)(b[i:]) = [16]byte(e.Raw[:16]) // the SMSID and its NULs, cut to its length
	i += n
	i = l.rest[2].put(b, i)
	i += len(output.AppendInt(b[i:i], int64(t)))
	i = l.rest[3].put(b, i)
	i = v.putTime(b, i, t)
	i = l.rest[4].put(b, i)
	i += len(output.AppendInt(b[i:i], ageDays(v.now, t)))
	i = l.rest[5].put(b, i)
	if v.raw {
		i += hex.Encode(b[i:i+2*record.ExtraSize], e.Extra())
		i = l.rest[6].put(b, i)
	}
	return b[:i]
}

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
		if len(p) > len(l.rest[i].b) {
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
func validID(e *record.Entry) (int, bool) {
	lo := binary.LittleEndian.Uint64(e.Raw[0:8])
	hi := binary.LittleEndian.Uint64(e.Raw[8:16])
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

// add adds k >= 0, digit by digit with carry.
func (d *decimal) add(k int) {
	i := d.n - 1
	for k > 0 {
		if i < 0 { // a new leading digit
			if d.n == len(d.b) {
				panic("dump: decimal overflow")
			}
			copy(d.b[1:], d.b[:d.n])
			d.n++
			d.b[0] = '0'
			i = 0
		}
		s := int(d.b[i]-'0') + k%10
		k /= 10
		if s >= 10 {
			s -= 10
			k++
		}
		d.b[i] = byte('0' + s)
		i--
	}
}

// dayCache holds the date part ("2026-11-01T") of recently formatted days:
// a Resync.cfg's requests span a few years at most, so nearly every record's
// date is found here. Direct-mapped on the day number.
type dayCache [1024]struct {
	day  uint32   // day number + 1 (0: empty)
	text [16]byte // 11 bytes, padded for a block copy
}

// date returns the cache slot of t's day, filled.
func (v *view) date(t uint32) *[16]byte {
	if v.days == nil {
		v.days = new(dayCache)
	}
	day := t / 86400
	c := &v.days[day%uint32(len(v.days))]
	if c.day != day+1 {
		var full [20]byte
		copy(c.text[:], appendTime(full[:0], day*86400))
		c.day = day + 1
	}
	return &c.text
}

// putTime writes t as appendTime does into b at i (with 16 bytes of room
// past the 20 it takes) and returns the index after it.
func (v *view) putTime(b []byte, i int, t uint32) int {
	*(*[16]byte)(b[i:]) = *v.date(t)
	sec := t % 86400
	h, m, s := sec/3600, sec%3600/60, sec%60
	d := b[i+11 : i+20]
	d[0], d[1], d[2] = output.Digits2[2*h], output.Digits2[2*h+1], ':'
	d[3], d[4], d[5] = output.Digits2[2*m], output.Digits2[2*m+1], ':'
	d[6], d[7], d[8] = output.Digits2[2*s], output.Digits2[2*s+1], 'Z'
	return i + 20
}

// time formats t as appendTime does, into v.buf.
func (v *view) time(t uint32) []byte {
	var b [36]byte
	n := v.putTime(b[:], 0, t)
	return append(v.buf[:0], b[:n]...)
}
