package planread

import (
	"bytes"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/dumpsync/dumpsync/internal/hugepages"
)

// fastJSON is a fast path for the common JSON layouts: an array of flat
// objects (dumpsync plan -f json, ConvertTo-Json) or two or more flat objects
// one after another (JSON Lines), whose values are strings, numbers, null or
// bools. It scans t.s once and fills the rows directly, without a map per
// object. It returns ok false, having changed nothing, on anything it does
// not handle exactly as the general, goccy-based path does: invalid JSON, a
// truncated array, nested values, escapes or non-ASCII in field names, a
// field given twice, a value that would be a problem for Validate, a single
// top-level object (maybe the {"value":...} wrapper). The general path then
// reads the input again and gives the rows or the error it always gave.
//
// Strings without escapes are not copied: they point into t.s, which Read
// allocated and never changes.
func fastJSON(t *text) (plan *Plan, ok bool) {
	if !fastPath {
		return nil, false
	}
	defer func() {
		// The scanner checks every index; a slip is a bug, never a reason to
		// fail a read that the general path can do.
		if recover() != nil {
			plan, ok = nil, false
		}
	}()
	f := fastReader{s: t.s, line: 1}
	s := t.s
	i := skipSpace(s, 0)
	if i >= len(s) {
		return nil, false
	}
	switch s[i] {
	case '[':
		if !f.array(i) {
			return nil, false
		}
	case '{':
		if !f.lines(i) {
			return nil, false
		}
	default:
		return nil, false
	}
	if err := notAPlan(t.name, f.keys); err != nil {
		return nil, false // the general path finds the same keys
	}
	return &Plan{Rows: f.rows, Format: "json"}, true
}

// fastPath can be turned off by tests, to compare the two paths.
var fastPath = true

type fastReader struct {
	s    []byte
	rows []Row

	// line is the 1-based line of offset lineOff.
	line, lineOff int

	ints []int64  // slab for the *int64 fields
	strs []string // slab for the *string fields
	buf  []byte   // scratch for strings with escapes

	lastPath string
	paths    map[string]string

	keys []string // the field names of the first row, for notAPlan
}

// slab is the size of the first slab of each kind; each next one is twice
// the size of the one before, up to maxSlab, so that a large plan takes few
// large slabs (which hugepages can back) instead of many small ones.
const (
	slab    = 4096
	maxSlab = 1 << 20
)

func (f *fastReader) newInt(n int64) *int64 {
	if len(f.ints) == cap(f.ints) {
		f.ints = make([]int64, 0, nextSlab(cap(f.ints), slab))
		hugepages.Slice(f.ints)
	}
	f.ints = append(f.ints, n)
	return &f.ints[len(f.ints)-1]
}

func (f *fastReader) newStr(v string) *string {
	if len(f.strs) == cap(f.strs) {
		f.strs = make([]string, 0, nextSlab(cap(f.strs), slab/4))
		hugepages.Slice(f.strs)
	}
	f.strs = append(f.strs, v)
	return &f.strs[len(f.strs)-1]
}

// nextSlab is the size of the slab after one of size prev (0: none yet).
func nextSlab(prev, first int) int {
	if prev == 0 {
		return first
	}
	return min(2*prev, maxSlab)
}

// lineAt returns the line of offset off, which is never before the offset of
// the previous call.
func (f *fastReader) lineAt(off int) int {
	f.line += bytes.Count(f.s[f.lineOff:off], []byte{'\n'})
	f.lineOff = off
	return f.line
}

// array reads the array that starts at offset i and what follows it.
func (f *fastReader) array(i int) bool {
	s := f.s
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return skipSpace(s, i+1) == len(s)
	}
	start := i
	for {
		if i >= len(s) {
			return false
		}
		var ok bool
		if i, ok = f.element(i); !ok {
			return false
		}
		if len(f.rows) == 256 {
			f.reserve(start, i)
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case ']':
			return skipSpace(s, i+1) == len(s)
		default:
			return false
		}
	}
}

// lines reads two or more top-level values one after another.
func (f *fastReader) lines(i int) bool {
	s := f.s
	values := 0
	start := i
	for i < len(s) {
		var ok bool
		if i, ok = f.element(i); !ok {
			return false
		}
		values++
		if len(f.rows) == 256 {
			f.reserve(start, i)
		}
		i = skipSpace(s, i)
	}
	return values >= 2
}

// reserve grows f.rows once to about the number of rows the input holds,
// judging by the rows read so far, from offset start to offset end.
func (f *fastReader) reserve(start, end int) {
	if end <= start {
		return
	}
	n := int(float64(len(f.s)-start)/float64(end-start)*float64(len(f.rows))*1.02) + 16
	if n > cap(f.rows) {
		rows := make([]Row, len(f.rows), n)
		hugepages.Slice(rows)
		copy(rows, f.rows)
		f.rows = rows
	}
}

// element reads the object or null at offset i and returns the offset after
// it.
func (f *fastReader) element(i int) (int, bool) {
	s := f.s
	switch s[i] {
	case 'n':
		if len(s)-i >= 4 && string(s[i:i+4]) == "null" {
			return i + 4, true
		}
		return 0, false
	case '{':
	default:
		return 0, false
	}
	f.rows = append(f.rows, Row{N: len(f.rows) + 1, Line: f.lineAt(i)})
	r := &f.rows[len(f.rows)-1]
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	var seen uint32
	var unknownBuf [8][]byte
	unknown := unknownBuf[:0]
	hint := 0
	for {
		// The name.
		if i >= len(s) || s[i] != '"' {
			return 0, false
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if c := s[j]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return 0, false
			}
			j++
		}
		if j >= len(s) {
			return 0, false
		}
		if r.N == 1 {
			f.keys = append(f.keys, string(s[i+1:j]))
		}
		fi := lookupFieldASCII(s[i+1:j], hint)
		if fi >= 0 {
			if seen&(1<<fi) != 0 {
				return 0, false // a duplicate key: the general path reports it
			}
			seen |= 1 << fi
			hint = fi + 1
		} else {
			// Unknown names must be unique too; a row with many of them is
			// left to the general path.
			k := s[i+1 : j]
			if len(unknown) == cap(unknown) {
				return 0, false
			}
			for _, u := range unknown {
				if asciiEqualFold(k, view(u)) {
					return 0, false
				}
			}
			unknown = append(unknown, k)
		}
		i = skipSpace(s, j+1)
		if i >= len(s) || s[i] != ':' {
			return 0, false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) {
			return 0, false
		}
		// The value.
		switch c := s[i]; {
		case c == '"':
			v, esc, ni, ok := f.str(i)
			if !ok {
				return 0, false
			}
			i = ni
			if fi >= 0 && len(v) > 0 && !f.setString(r, fi, v, esc) {
				return 0, false
			}
		case c == '-' || c >= '0' && c <= '9':
			ni, ok := scanNumber(s, i)
			if !ok {
				return 0, false
			}
			if fi >= 0 && !f.setNumber(r, fi, s[i:ni]) {
				return 0, false
			}
			i = ni
		case c == 'n':
			if len(s)-i < 4 || string(s[i:i+4]) != "null" {
				return 0, false
			}
			i += 4
		case c == 't' || c == 'f':
			lit := "false"
			if c == 't' {
				lit = "true"
			}
			if len(s)-i < len(lit) || string(s[i:i+len(lit)]) != lit {
				return 0, false
			}
			if fi >= 0 {
				switch fields[fi].kind {
				case kText:
					f.setText(r, fi, lit)
				case kInfoInt:
				default:
					return 0, false // a problem
				}
			}
			i += len(lit)
		default:
			return 0, false // nested, or invalid
		}
		i = skipSpace(s, i)
		if i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// lookupFieldASCII returns the index in fields of the ASCII name k, matched
// without case, or -1; fields[hint] is tried first.
func lookupFieldASCII(k []byte, hint int) int {
	if hint < len(fields) && asciiEqualFold(k, fields[hint].name) {
		return hint
	}
	for i := range fields {
		if asciiEqualFold(k, fields[i].name) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// str reads the string at offset i (s[i] is its opening quote) and returns
// its content and the offset after it. Without escapes v is a part of f.s;
// with escapes (esc) it is f.buf, valid until the next call.
func (f *fastReader) str(i int) (v []byte, esc bool, next int, ok bool) {
	s := f.s
	j := i + 1
	for j < len(s) {
		c := s[j]
		if c == '"' {
			return s[i+1 : j], false, j + 1, true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, false, 0, false
		}
		j++
	}
	if j >= len(s) {
		return nil, false, 0, false
	}
	b := append(f.buf[:0], s[i+1:j]...)
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			f.buf = b
			return b, true, j + 1, true
		case c < 0x20:
			return nil, false, 0, false
		case c != '\\':
			b = append(b, c)
			j++
			continue
		}
		if j+1 >= len(s) {
			return nil, false, 0, false
		}
		switch s[j+1] {
		case '"', '\\', '/':
			b = append(b, s[j+1])
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			if len(s)-j < 6 {
				return nil, false, 0, false
			}
			var r rune
			for _, h := range s[j+2 : j+6] {
				switch {
				case '0' <= h && h <= '9':
					h -= '0'
				case 'a' <= h && h <= 'f':
					h -= 'a' - 10
				case 'A' <= h && h <= 'F':
					h -= 'A' - 10
				default:
					return nil, false, 0, false
				}
				r = r<<4 | rune(h)
			}
			if 0xD800 <= r && r <= 0xDFFF {
				return nil, false, 0, false // surrogates: leave them to the general path
			}
			b = utf8.AppendRune(b, r)
			j += 6
			continue
		default:
			return nil, false, 0, false
		}
		j += 2
	}
	return nil, false, 0, false
}

// scanNumber returns the offset after the JSON number at offset i.
func scanNumber(s []byte, i int) (int, bool) {
	digits := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s):
		return 0, false
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		i = digits(i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// view returns b as a string without copying it; b must never change.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// setString stores the non-empty string v into field fi of r as Row.set
// would, and returns false when Row.set would record a problem. esc says v
// is scratch space, to be copied.
func (f *fastReader) setString(r *Row, fi int, v []byte, esc bool) bool {
	str := func() string {
		if esc {
			return string(v)
		}
		return view(v)
	}
	switch fi {
	case fAction:
		for _, a := range actions {
			if len(v) == len(a) && strings.EqualFold(view(v), a) {
				r.Action = a
				return true
			}
		}
		r.Action = str()
	case fPath:
		if string(v) == f.lastPath {
			r.Path = f.lastPath
			return true
		}
		p, ok := f.paths[string(v)]
		if !ok {
			if f.paths == nil || len(f.paths) >= 1024 {
				f.paths = make(map[string]string)
			}
			p = str()
			f.paths[p] = p
		}
		f.lastPath, r.Path = p, p
	case fRecord, fSha256, fContent, fRequestedAt, fReason, fSmsId:
		t := str()
		switch fi {
		case fRecord:
			r.Record = f.newStr(hexLower(t))
		case fSha256:
			r.Sha256 = f.newStr(hexLower(t))
		default:
			f.setText(r, fi, t)
		}
	default: // the integer fields
		n, err := parseInt(value{text: view(v)})
		if err != nil {
			return fields[fi].kind == kInfoInt
		}
		f.setInt(r, fi, n)
	}
	return true
}

// hexLower is lowerHex for a string: s lower-cased when it is all hex
// digits, else s itself.
func hexLower(s string) string {
	var classes uint8
	for i := 0; i < len(s); i++ {
		c := hexClass[s[i]]
		if c == 0 {
			return s
		}
		classes |= c
	}
	if classes&2 == 0 {
		return s
	}
	return strings.ToLower(s)
}

// setNumber stores the JSON number v into field fi of r as Row.set would,
// and returns false when Row.set would record a problem.
func (f *fastReader) setNumber(r *Row, fi int, v []byte) bool {
	switch fields[fi].kind {
	case kString:
		return false
	case kText:
		f.setText(r, fi, view(v))
		return true
	}
	n, err := parseInt(value{text: view(v), json: "number"})
	if err != nil {
		return fields[fi].kind == kInfoInt
	}
	f.setInt(r, fi, n)
	return true
}

// setText stores t into the kText or Content field fi.
func (f *fastReader) setText(r *Row, fi int, t string) {
	switch fi {
	case fSmsId:
		r.SmsId = t
	case fRequestedAt:
		r.RequestedAt = f.newStr(t)
	case fReason:
		r.Reason = f.newStr(t)
	case fContent:
		r.Content = f.newStr(t)
	}
}

func (f *fastReader) setInt(r *Row, fi int, n int64) {
	p := f.newInt(n)
	switch fi {
	case fRequestTime:
		r.RequestTime = p
	case fAgeDays:
		r.AgeDays = p
	case fCutoff:
		r.Cutoff = p
	case fOffset:
		r.Offset = p
	case fSize:
		r.Size = p
	case fModTime:
		r.ModTime = p
	}
}

// Indexes in fields.
const (
	fAction = iota
	fPath
	fSmsId
	fRequestTime
	fRequestedAt
	fAgeDays
	fCutoff
	fOffset
	fRecord
	fSize
	fModTime
	fSha256
	fReason
	fContent
)
