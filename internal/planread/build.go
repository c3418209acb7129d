package planread

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dumpsync/dumpsync/internal/hugepages"
)

// builder stores field values into rows. A plan has millions of small values,
// so they are not allocated one by one: strings are copied into shared
// arenas, and the *int64 and *string fields point into slabs.
type builder struct {
	ints  []int64  // slab for the *int64 fields
	strs  []string // slab for the *string fields
	arena strings.Builder

	lastPath string
	paths    map[string]string // recent Path values, so that rows share one string
	// The last Sha256 as given and as stored: the rows of one file share it.
	lastShaIn, lastSha string
	scratch            []byte
	// The last raw hex value a spool record held and its text (decodeRow).
	lastRaw, lastHex string
	// small keeps every slab at its first size: the rows are dropped one
	// by one (streamed), so a large slab would only be held by a few.
	small bool
}

// Slab and arena sizes: the first slab of each kind is small, each next one
// twice the size of the one before up to maxSlab, so that a large plan takes
// few large slabs (which hugepages can back) and a small one little memory.
const (
	slab      = 4096
	maxSlab   = 1 << 20
	arenaSize = 64 << 10
)

// nextSlab is the size of the slab after one of size prev (0: none yet).
func (b *builder) nextSlab(prev, first int) int {
	if prev == 0 || b.small {
		return first
	}
	return min(2*prev, maxSlab)
}

func (b *builder) newInt(n int64) *int64 {
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int64, 0, b.nextSlab(cap(b.ints), slab))
		hugepages.Slice(b.ints)
	}
	b.ints = append(b.ints, n)
	return &b.ints[len(b.ints)-1]
}

func (b *builder) newStr(v string) *string {
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, b.nextSlab(cap(b.strs), slab/4))
		hugepages.Slice(b.strs)
	}
	b.strs = append(b.strs, v)
	return &b.strs[len(b.strs)-1]
}

// str returns v as a string. The bytes are appended to an arena that only
// ever grows (a strings.Builder never changes what it holds), and the string
// is a slice of it: no allocation per value, and nothing refers to the input
// buffer, which is reused.
func (b *builder) str(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if b.arena.Cap()-b.arena.Len() < len(v) {
		b.arena = strings.Builder{}
		b.arena.Grow(max(arenaSize, len(v)))
	}
	n := b.arena.Len()
	b.arena.Write(v)
	return b.arena.String()[n:]
}

// path returns the string for a Path value: plans hold many rows per file.
func (b *builder) path(v []byte) string {
	if string(v) == b.lastPath {
		return b.lastPath
	}
	p, ok := b.paths[string(v)]
	if !ok {
		if b.paths == nil || len(b.paths) >= 1024 {
			b.paths = make(map[string]string)
		}
		if b.small {
			p = string(v) // not in the arena: the cache would keep it all
		} else {
			p = b.str(v)
		}
		b.paths[p] = p
	}
	b.lastPath = p
	return p
}

// setString stores the JSON string or CSV cell v (unescaped) into field fi
// of r: an empty one is null; an integer field takes a decimal integer,
// optionally surrounded by spaces or tabs.
func (b *builder) setString(r *Row, fi int, v []byte) {
	if len(v) == 0 {
		return
	}
	switch fi {
	case fAction:
		r.Action = canonicalAction(v, b)
	case fPath:
		r.Path = b.path(v)
	case fSmsId:
		r.SmsId = b.str(v)
	case fRecord:
		r.Record = b.newStr(b.hex(v))
	case fSha256:
		if string(v) != b.lastShaIn || b.lastShaIn == "" {
			b.lastSha = b.hex(v)
			b.lastShaIn = b.lastSha
			if !bytes.Equal(v, []byte(b.lastSha)) {
				b.lastShaIn = string(v)
			}
		}
		r.Sha256 = b.newStr(b.lastSha)
	case fRequestedAt:
		r.RequestedAt = b.newStr(b.str(v))
	case fReason:
		r.Reason = b.newStr(b.str(v))
	case fContent:
		r.Content = b.newStr(b.str(v))
	default:
		n, ok := quickInt(v)
		if !ok {
			var err error
			if n, err = parseInt(value{text: string(v)}); err != nil {
				if fields[fi].kind == kInt {
					r.problem(fields[fi].name, err.Error())
				}
				return
			}
		}
		b.setInt(r, fi, n)
	}
}

// setJSON stores a JSON value other than a string or null into field fi of
// r: text is the number, true or false, or the compact text of an object
// or array, and typ its type.
func (b *builder) setJSON(r *Row, fi int, typ string, text []byte) {
	f := fields[fi]
	switch f.kind {
	case kString:
		r.problem(f.name, fmt.Sprintf("must be a string, got the %s %s", typ, clip(string(text))))
	case kText:
		s := b.str(text)
		switch fi {
		case fSmsId:
			r.SmsId = s
		case fRequestedAt:
			r.RequestedAt = b.newStr(s)
		case fReason:
			r.Reason = b.newStr(s)
		}
	default:
		n, ok := int64(0), false
		if typ == "number" {
			n, ok = quickInt(text)
		}
		if !ok {
			var err error
			if n, err = parseInt(value{text: string(text), json: typ}); err != nil {
				if f.kind == kInt {
					r.problem(f.name, err.Error())
				}
				return
			}
		}
		b.setInt(r, fi, n)
	}
}

func (b *builder) setInt(r *Row, fi int, n int64) {
	p := b.newInt(n)
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

// quickInt parses the common case of an integer field, at most 18 decimal
// digits with an optional -, without allocating; ok is false for anything
// else, which parseInt then judges.
func quickInt(v []byte) (n int64, ok bool) {
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 {
		return 0, false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if len(d) < len(v) {
		n = -n
	}
	return n, true
}

// canonicalAction returns the canonical spelling of an action name given in
// any case, or v itself.
func canonicalAction(v []byte, b *builder) string {
	ascii := true
	for _, c := range v {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for _, a := range actions {
		if ascii && asciiEqualFold(v, a) || !ascii && strings.EqualFold(string(v), a) {
			return a
		}
	}
	return b.str(v)
}

// hex returns v lower-cased when it is all hex digits, else v as it is, so
// that an error message shows what the user wrote.
func (b *builder) hex(v []byte) string {
	if allLowerHex(v) {
		return b.str(v) // as every Record and Sha256 dumpsync writes
	}
	var classes uint8
	for _, c := range v {
		k := hexClass[c]
		if k == 0 {
			return b.str(v)
		}
		classes |= k
	}
	if classes&2 == 0 {
		return b.str(v)
	}
	b.scratch = append(b.scratch[:0], v...)
	for i, c := range b.scratch {
		if 'A' <= c && c <= 'F' {
			b.scratch[i] = c + 'a' - 'A'
		}
	}
	return b.str(b.scratch)
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

// lookupFieldASCII returns the index in fields of the ASCII name k, matched
// without case, or -1; fields[hint] is tried first (rows usually list their
// fields in the same order).
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
