package output

import (
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// FieldWriter receives the fields of one record, in column order (the order
// FieldsOf gives). A null is OptStr(nil) or OptInt(nil).
type FieldWriter interface {
	Str(s string)
	OptStr(s *string)
	Int(v int64)
	OptInt(v *int64)
	Bool(b bool)
	// Bytes is Str(string(b)) without the string: records formatted
	// straight from their bytes (dump's entries) allocate nothing. b is
	// not kept.
	Bytes(b []byte)
	// Plain is Bytes of text that no format escapes or quotes: b holds
	// only ASCII letters, digits and "-:.+T" (a valid SMSID, an RFC 3339
	// time). The caller guarantees it; it is not checked.
	Plain(b []byte)
	// Digits is Int of the integer whose decimal text d is (as
	// strconv.AppendInt writes it): for counters kept as text.
	Digits(d []byte)
}

// Fielder is implemented by the record kinds written in bulk (entries, plan
// rows, results): WriteFields hands every field to w in column order. The
// JSON, JSON Lines and CSV encoders then write records straight into a
// reused buffer, with no reflection and no allocation per record. Records
// that are not Fielders go through the reference path (goccy/go-json for
// JSON, reflection for CSV), which the tests hold the fast path to, byte
// for byte.
type Fielder interface {
	WriteFields(w FieldWriter)
}

// jsonFields writes one record as a JSON object into buf: names are
// prepared once ("{\"Path\":", ",\"Index\":", ...), strings are escaped as
// goccy/go-json escapes them and non-ASCII as \uXXXX in the same pass.
type jsonFields struct {
	buf   []byte
	names [][]byte
	short []shortName // names, made on first use
	i     int
	cache strCache
	holes *[]int // while Formatter.Template cuts: where Plain and Digits text starts and ends
}

// cacheMin is the length from which Str remembers the last string it escaped.
const cacheMin = 16

// strCache is the last long string a record's field at index i held, and
// its escaped form. (Comparing a string with itself is one pointer check.)
type strCache struct {
	i int
	s string
	b []byte
}

func newJSONFields(cols []column) *jsonFields {
	f := &jsonFields{names: make([][]byte, len(cols))}
	for i, c := range cols {
		var b []byte
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.Name)
		f.names[i] = append(b, ':')
	}
	return f
}

// record appends rec as one JSON object to f.buf.
func (f *jsonFields) record(rec Fielder) {
	f.i = 0
	rec.WriteFields(f)
	if f.i != len(f.names) {
		panic("output: WriteFields wrote " + strconv.Itoa(f.i) + " fields, the record has " + strconv.Itoa(len(f.names)))
	}
	f.buf = append(f.buf, '}')
}

func (f *jsonFields) name() {
	if f.short == nil {
		f.short = make([]shortName, len(f.names))
		for i, n := range f.names {
			f.short[i].n = len(n)
			copy(f.short[i].b[:], n)
		}
	}
	n := &f.short[f.i]
	if l := len(f.buf); n.n <= len(n.b) && cap(f.buf)-l >= len(n.b) {
		// One fixed-size copy of the padded name, then cut to its length:
		// cheaper than a variable-length copy for a few bytes.
		*(*[len(n.b)]byte)(f.buf[l : l+len(n.b)]) = n.b
		f.buf = f.buf[:l+n.n]
	} else {
		f.buf = append(f.buf, f.names[f.i]...)
	}
	f.i++
}

// shortName is a field name as written ({"Name": or ,"Name":), padded.
type shortName struct {
	b [16]byte
	n int
}

func (f *jsonFields) Str(s string) {
	f.name()
	if len(s) >= cacheMin {
		// A long string often repeats from record to record (the Path of
		// every entry of a file): escape it once.
		c := &f.cache
		if c.i != f.i || c.s != s {
			c.i, c.s = f.i, s
			c.b = appendJSONString(c.b[:0], s)
		}
		f.buf = append(f.buf, c.b...)
		return
	}
	f.buf = appendJSONString(f.buf, s)
}

func (f *jsonFields) Bytes(b []byte) {
	f.name()
	f.buf = appendJSONString(f.buf, b)
}

func (f *jsonFields) OptStr(s *string) {
	f.name()
	if s == nil {
		f.buf = append(f.buf, "null"...)
		return
	}
	f.buf = appendJSONString(f.buf, *s)
}

func (f *jsonFields) Int(v int64) {
	f.name()
	f.buf = AppendInt(f.buf, v)
}

func (f *jsonFields) Plain(b []byte) {
	f.name()
	f.buf = append(f.buf, '"')
	f.buf = appendHole(f.buf, b, f.holes)
	f.buf = append(f.buf, '"')
}

func (f *jsonFields) Digits(d []byte) {
	f.name()
	f.buf = appendHole(f.buf, d, f.holes)
}

func (f *jsonFields) OptInt(v *int64) {
	f.name()
	if v == nil {
		f.buf = append(f.buf, "null"...)
		return
	}
	f.buf = AppendInt(f.buf, *v)
}

func (f *jsonFields) Bool(b bool) {
	f.name()
	f.buf = strconv.AppendBool(f.buf, b)
}

// jsonPlain marks the ASCII bytes a JSON string holds as they are.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string: as goccy/go-json writes it
// with SetEscapeHTML(false) (\" \\ \n \r \t \b \f, other control characters as
// \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped), then with
// every non-ASCII character as \uXXXX (a surrogate pair above U+FFFF), so
// the output is pure ASCII.
func appendJSONString[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight plain bytes at a time, while there are eight.
		for i+8 <= len(s) && !special8(load64(s, i)) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r >= 0x10000 {
			r -= 0x10000
			b = appendU(b, 0xD800+(r>>10))
			b = appendU(b, 0xDC00+(r&0x3FF))
		} else {
			b = appendU(b, r) // utf8.RuneError (U+FFFD) for invalid bytes
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendInt is strconv.AppendInt(b, v, 10), writing the digits in place
// rather than through a temporary buffer.
func AppendInt(b []byte, v int64) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u // also right for math.MinInt64
	}
	n := (bits.Len64(u)*1233)>>12 + 1 // digits of u, or one too many
	if n > 1 && u < pow10[n-1] {
		n--
	}
	b = slices.Grow(b, n)
	i := len(b) + n
	b = b[:i]
	for u >= 100 {
		q := u / 100
		r := (u - q*100) * 2
		i -= 2
		b[i], b[i+1] = Digits2[r], Digits2[r+1]
		u = q
	}
	if u >= 10 {
		b[i-2], b[i-1] = Digits2[2*u], Digits2[2*u+1]
	} else {
		b[i-1] = byte('0' + u)
	}
	return b
}

// pow10[i] is 10^i.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// Digits2 is "00" to "99": the two digits of n are Digits2[2*n : 2*n+2].
const Digits2 = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// load64 is the eight bytes of s from i, little-endian (one load).
func load64[S string | []byte](s S, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special8 reports whether any of the eight bytes in x is not jsonPlain: a
// control character (below 0x20), '"', '\\' or a byte of 0x80 and above.
// (The byte-wise tests are exact as a whole: no false "none".)
func special8(x uint64) bool {
	ctl := (x - ones*0x20) &^ x // a byte below 0x20 sets its high bit
	q := x ^ (ones * '"')
	bs := x ^ (ones * '\\')
	zq := (q - ones) &^ q
	zb := (bs - ones) &^ bs
	return (ctl|zq|zb|x)&highs != 0
}

// csvSpecial8 reports whether any of the eight bytes in x is csvSpecial.
func csvSpecial8(x uint64) bool {
	z := func(v uint64) uint64 { return (v - ones) &^ v }
	return (z(x^(ones*','))|z(x^(ones*'"'))|z(x^(ones*'\r'))|z(x^(ones*'\n')))&highs != 0
}

func decodeRune[S string | []byte](s S) (rune, int) {
	if b, ok := any(s).([]byte); ok {
		return utf8.DecodeRune(b)
	}
	return utf8.DecodeRuneInString(string(s))
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// csvFields writes one record as a CSV line into buf, as csvEncoder.writeRow
// writes the same values.
type csvFields struct {
	buf   []byte
	i     int
	n     int
	holes *[]int // as jsonFields.holes
}

func (f *csvFields) record(rec Fielder) {
	f.i = 0
	rec.WriteFields(f)
	if f.i != f.n {
		panic("output: WriteFields wrote " + strconv.Itoa(f.i) + " fields, the record has " + strconv.Itoa(f.n))
	}
	f.buf = append(f.buf, '\r', '\n')
}

func (f *csvFields) sep() {
	if f.i > 0 {
		f.buf = append(f.buf, ',')
	}
	f.i++
}

func (f *csvFields) Str(s string) {
	f.sep()
	f.buf = appendCSVField(f.buf, s)
}

func (f *csvFields) Bytes(b []byte) {
	f.sep()
	f.buf = appendCSVField(f.buf, b)
}

func (f *csvFields) OptStr(s *string) {
	f.sep()
	if s != nil {
		f.buf = appendCSVField(f.buf, *s)
	}
}

func (f *csvFields) Int(v int64) {
	f.sep()
	f.buf = AppendInt(f.buf, v)
}

func (f *csvFields) Plain(b []byte) {
	f.sep()
	f.buf = appendHole(f.buf, b, f.holes)
}

func (f *csvFields) Digits(d []byte) {
	f.sep()
	f.buf = appendHole(f.buf, d, f.holes)
}

func (f *csvFields) OptInt(v *int64) {
	f.sep()
	if v != nil {
		f.buf = AppendInt(f.buf, *v)
	}
}

func (f *csvFields) Bool(b bool) {
	f.sep()
	f.buf = strconv.AppendBool(f.buf, b)
}

// csvSpecial marks the bytes that may make a field need quotes: a comma, a
// quote, CR, LF, and every byte that can start a space character.
var csvSpecial = func() (t [256]bool) {
	for _, c := range []byte{',', '"', '\r', '\n'} {
		t[c] = true
	}
	return t
}()

// appendCSVField appends f, quoted when csvNeedsQuotes says so.
func appendCSVField[S string | []byte](b []byte, f S) []byte {
	quote := false
	if len(f) > 0 {
		if c := f[0]; c == ' ' || c == '\t' || c == '\v' || c == '\f' || c >= utf8.RuneSelf || (len(f) == 2 && c == '\\' && f[1] == '.') {
			quote = csvNeedsQuotes(string(f))
		} else {
			i := 0
			for i+8 <= len(f) && !csvSpecial8(load64(f, i)) {
				i += 8
			}
			for ; i < len(f); i++ {
				if csvSpecial[f[i]] {
					quote = true
					break
				}
			}
		}
	}
	if !quote {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f[i])
	}
	return append(b, '"')
}
