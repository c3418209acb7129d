package planread

// The reader planread had before the streaming one (its general path, with
// encoding/json in place of goccy/go-json, which a test proved equal), kept
// as the reference the differential tests hold Read to.

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
)

func refNewDecoder(r io.Reader) *stdjson.Decoder { return stdjson.NewDecoder(r) }

var refUnmarshal = stdjson.Unmarshal

// refSyntaxOffset returns the Offset of a syntax error of refUnmarshal.
func refSyntaxOffset(err error) (int64, bool) {
	var se *stdjson.SyntaxError
	if errors.As(err, &se) {
		return se.Offset, true
	}
	return 0, false
}

// refRaw keeps one JSON value's text, whatever its type.
type refRaw []byte

func (r *refRaw) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// refJSONReader reads the rows of one JSON input.
type refJSONReader struct {
	t    *refText
	plan *Plan
	end  int      // offset just after the closing ] of the top-level array
	keys []string // the field names of the first row, for notAPlan
}

func refReadJSON(t *refText) (*Plan, error) {
	jr := &refJSONReader{t: t, plan: &Plan{Format: "json"}}
	start := refSkipSpace(t.s, 0)
	var err error
	if t.s[start] == '[' {
		err = jr.array(start)
		if err == nil {
			// Only white space may follow the array.
			if end := refSkipSpace(t.s, jr.end); end < len(t.s) && !jr.plan.Truncated {
				err = t.errorf(end, "unexpected %s after the end of the array", refDescribeByte(t.s[end]))
			}
		}
	} else {
		err = jr.objects()
	}
	if err == nil {
		err = notAPlan(t.name, jr.keys)
	}
	if err != nil {
		return nil, err
	}
	return jr.plan, nil
}

func refDescribeByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

// syntaxError turns an error of the decoder, met when reading the value that
// starts at offset at, into an error naming the input and the place.
func (jr *refJSONReader) syntaxError(at int, err error, what string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return jr.t.errorf(len(jr.t.s), "the input ends inside %s", what)
	}
	if _, ok := refSyntaxOffset(err); ok {
		return jr.t.errorf(jr.locate(at), "invalid JSON: %v", err)
	}
	return jr.t.errorf(at, "invalid JSON: %v", err)
}

// locate finds the byte of a syntax error met when reading the value at
// offset at. A stream decoder's offsets count from where it last compacted
// its buffer, so the value is parsed again on its own: the error is inside
// it, or, when the value is fine, at its first byte (a missing comma, a
// trailing comma, a stray character).
func (jr *refJSONReader) locate(at int) int {
	var raw refRaw
	err := refUnmarshal(jr.t.s[at:], &raw)
	if off, ok := refSyntaxOffset(err); ok && !strings.Contains(err.Error(), "after top-level value") && off > 0 {
		return at + int(off) - 1
	}
	return at
}

// array reads the array that starts at offset base of the input, element by
// element. jr.end is set to the offset just after its closing ]. A missing ]
// (end of input after a complete element, after a comma, or inside the last
// element) ends the plan with Truncated set; anything that cannot begin,
// continue or end a JSON value is an error.
func (jr *refJSONReader) array(base int) error {
	s := jr.t.s
	d := refNewDecoder(bytes.NewReader(s[base:]))
	if _, err := d.Token(); err != nil { // the [
		return jr.syntaxError(base, err, "the array")
	}
	after := base + 1 // just after the [ or the last element
	for n := 1; ; n++ {
		if !d.More() {
			break
		}
		at := refElementStart(s, after)
		var raw refRaw
		if err := d.Decode(&raw); err != nil {
			if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				jr.plan.Truncated = true
				return nil
			}
			return jr.syntaxError(at, err, fmt.Sprintf("element %d of the array", n))
		}
		if err := jr.element(raw, at, fmt.Sprintf("element %d of the array", n)); err != nil {
			return err
		}
		after = at + len(raw)
	}
	at := refSkipSpace(s, after)
	tok, err := d.Token() // the ]
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		jr.plan.Truncated = true
		return nil
	}
	if err != nil {
		return jr.syntaxError(at, err, "the array")
	}
	if delim, ok := tok.(stdjson.Delim); !ok || delim != ']' || at >= len(s) || s[at] != ']' {
		return jr.t.errorf(at, "invalid JSON: expected ] at the end of the array")
	}
	jr.end = at + 1
	return nil
}

// refElementStart returns the offset of the first byte of the next value at or
// after off: the decoder's offset may still be before a comma.
func refElementStart(s []byte, off int) int {
	off = refSkipSpace(s, off)
	if off < len(s) && s[off] == ',' {
		off = refSkipSpace(s, off+1)
	}
	return off
}

// objects reads JSON values one after another (JSON Lines, or a single
// object). A single object that is the 5.1 {"value":[...],"Count":N} wrapper
// stands for its value.
func (jr *refJSONReader) objects() error {
	d := refNewDecoder(bytes.NewReader(jr.t.s))
	type obj struct {
		raw refRaw
		at  int
	}
	var objs []obj
	after := 0
	for {
		at := refSkipSpace(jr.t.s, after)
		var raw refRaw
		err := d.Decode(&raw)
		if err == io.EOF {
			break
		}
		if err != nil {
			return jr.syntaxError(at, err, fmt.Sprintf("the object that starts on line %d", jr.t.line(at)))
		}
		objs = append(objs, obj{raw, at})
		after = at + len(raw)
	}
	if len(objs) == 1 && objs[0].raw[0] == '{' {
		if ok, err := jr.unwrap(objs[0].raw, objs[0].at); ok || err != nil {
			return err
		}
	}
	for i, o := range objs {
		if err := jr.element(o.raw, o.at, fmt.Sprintf("value %d", i+1)); err != nil {
			return err
		}
	}
	return nil
}

// refMember is one name and value of a JSON object, in input order.
type refMember struct {
	key string
	val refRaw
}

// members returns the members of the object raw in input order, duplicates
// included: a map would keep only the last of two equal names.
func (jr *refJSONReader) members(raw refRaw, at int, what string) ([]refMember, error) {
	d := refNewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil { // the {
		return nil, jr.syntaxError(at, err, what)
	}
	var ms []refMember
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, jr.syntaxError(at, err, what)
		}
		k, ok := tok.(string)
		if !ok {
			return nil, jr.t.errorf(at, "invalid JSON in %s: object key is not a string", what)
		}
		var v refRaw
		if err := d.Decode(&v); err != nil {
			return nil, jr.syntaxError(at, err, what)
		}
		ms = append(ms, refMember{k, v})
	}
	if _, err := d.Token(); err != nil { // the }
		return nil, jr.syntaxError(at, err, what)
	}
	return ms, nil
}

// twice returns the indexes of the first two members whose names are equal
// without case, or -1, -1. PowerShell's property names are case-insensitive
// (ConvertFrom-Json refuses such an object), and which of two values was
// meant cannot be known, so neither is ever picked.
func refTwice(ms []refMember) (first, second int) {
	seen := make(map[string]int, len(ms))
	for i, m := range ms {
		k := strings.ToLower(m.key)
		if j, dup := seen[k]; dup {
			return j, i
		}
		seen[k] = i
	}
	return -1, -1
}

// refGivenTwice is the message for the names a and b of one field.
func refGivenTwice(a, b string) string {
	if a == b {
		if a == "" {
			return `the empty key "" given twice`
		}
		return "given twice"
	}
	return fmt.Sprintf("given twice, as %q and %q", a, b)
}

// unwrap handles the {"value":...,"Count":N} wrapper: an object with a
// "value" key (any case) and neither Action nor Path. ok reports whether raw
// was the wrapper.
func (jr *refJSONReader) unwrap(raw refRaw, at int) (bool, error) {
	ms, err := jr.members(raw, at, "the object")
	if err != nil {
		return false, err
	}
	var val refRaw
	found := false
	for _, m := range ms {
		switch strings.ToLower(m.key) {
		case "value":
			val, found = m.val, true
		case "action", "path":
			return false, nil
		}
	}
	if !found {
		return false, nil
	}
	if i, j := refTwice(ms); i >= 0 {
		return false, jr.t.errorf(at, `the {"value":...} wrapper has its %s key twice (as %q and %q)`, ms[i].key, ms[i].key, ms[j].key)
	}
	jr.plan.Wrapped = true
	// The value's text is a part of the input; find where, for line numbers.
	off := at
	if i := bytes.Index(jr.t.s[at:], val); i >= 0 {
		off = at + i
	}
	switch val[0] {
	case '[':
		return true, jr.array(off)
	case 'n':
		return true, nil
	case '{':
		return true, jr.element(val, off, `the value of the {"value":...} wrapper`)
	}
	return true, jr.t.errorf(off, `the value of the {"value":...} wrapper is %s, want an array`, refJSONType(val))
}

func refJSONType(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a bool"
	case 'n':
		return "null"
	}
	return "a number"
}

// element turns one array element or top-level value into a row. null is
// skipped (PowerShell writes it for a blank line); anything but an object is
// an error.
func (jr *refJSONReader) element(raw refRaw, at int, what string) error {
	switch raw[0] {
	case 'n':
		return nil
	case '{':
	default:
		return jr.t.errorf(at, "%s is %s, want an object (one plan row)", what, refJSONType(raw))
	}
	ms, err := jr.members(raw, at, what)
	if err != nil {
		return err
	}
	row := Row{N: len(jr.plan.Rows) + 1, Line: jr.t.line(at)}
	if row.N == 1 {
		for _, m := range ms {
			jr.keys = append(jr.keys, m.key)
		}
	}
	if i, j := refTwice(ms); i >= 0 {
		name := ms[i].key
		if f, ok := lookupField(name); ok {
			name = fields[f].name
		}
		e := RowError{N: row.N, Line: row.Line, Field: name, Msg: refGivenTwice(ms[i].key, ms[j].key)}
		return fmt.Errorf("%s: %w", jr.t.name, e)
	}
	for _, m := range ms {
		i, ok := lookupField(m.key)
		if !ok {
			continue
		}
		v, err := refJSONValue(m.val)
		if err != nil {
			return jr.t.errorf(at, "%s, field %q: %v", what, m.key, err)
		}
		row.refSet(i, v)
	}
	jr.plan.Rows = append(jr.plan.Rows, row)
	return nil
}

func refJSONValue(raw refRaw) (value, error) {
	switch raw[0] {
	case 'n':
		return value{null: true}, nil
	case '"':
		var s string
		if err := refUnmarshal(raw, &s); err != nil {
			return value{}, err
		}
		return value{text: s}, nil
	case 't', 'f':
		return value{text: string(raw), json: "bool"}, nil
	case '{':
		return value{text: refCompact(raw), json: "object"}, nil
	case '[':
		return value{text: refCompact(raw), json: "array"}, nil
	}
	return value{text: string(raw), json: "number"}, nil
}

func refCompact(raw []byte) string {
	var b bytes.Buffer
	if err := stdjson.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// ReadCSV reads a CSV plan: optional lines starting with # (the #TYPE line
// of Windows PowerShell's Export-Csv) and blank lines, a header line whose
// names are matched case-insensitively, then one record per row. The
// delimiter, , or ;, is the one that makes more header names known fields.
// Fields may be quoted (RFC 4180, "" for a quote, line breaks allowed inside)
// or not; every value is a string and an empty one is null.
func refReadCSV(t *refText) (*Plan, error) {
	s := t.s
	plan := &Plan{Format: "csv"}
	// White space before the first character of the input is not part of
	// the header (Import-Csv trims a field's leading white space too): the
	// reader decides the format at that character and reads from there.
	pos := refSkipSpace(s, 0)
	for pos < len(s) {
		end := refLineEnd(s, pos)
		if l := strings.TrimSpace(string(s[pos:end])); l != "" && l[0] != '#' {
			break
		}
		pos = refNext(s, end)
	}
	if pos >= len(s) {
		return plan, nil
	}
	headerLine := t.line(pos)
	delim, header, pos, err := refReadHeader(t, pos)
	if err != nil {
		return nil, err
	}
	cols := make([]int, len(header)) // field index of each column, -1 if unknown
	seen := map[string]string{}      // lower-case name -> name as written
	known := 0
	for i, h := range header {
		cols[i] = -1
		if h != "" {
			// Import-Csv refuses a header with a name twice (any case), and
			// which column was meant cannot be known.
			k := strings.ToLower(h)
			if prev, dup := seen[k]; dup {
				name := prev
				if f, ok := lookupField(h); ok {
					name = fields[f].name
				}
				return nil, fmt.Errorf("%s: line %d: column %s appears twice in the header (as %q and %q)", t.name, headerLine, name, prev, h)
			}
			seen[k] = h
		}
		f, ok := lookupField(h)
		if !ok {
			continue
		}
		cols[i] = f
		known++
	}
	if err := notAPlan(t.name, header); err != nil {
		return nil, err
	}
	if known == 0 {
		return nil, fmt.Errorf("%s: line %d: not a plan: the first line is neither JSON nor a CSV header naming any of the columns %s", t.name, headerLine, refFieldNames())
	}
	for pos < len(s) {
		end := refLineEnd(s, pos)
		if strings.TrimRight(string(s[pos:end]), "\r") == "" {
			pos = refNext(s, end)
			continue
		}
		line := t.line(pos)
		rec, np, err := refReadRecord(t, pos, delim)
		if err != nil {
			return nil, err
		}
		pos = np
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s: line %d: the record has %d fields, the header (line %d) has %d", t.name, line, len(rec), headerLine, len(header))
		}
		row := Row{N: len(plan.Rows) + 1, Line: line}
		for i, v := range rec {
			if cols[i] >= 0 {
				row.refSet(cols[i], value{text: v})
			}
		}
		plan.Rows = append(plan.Rows, row)
	}
	return plan, nil
}

func refFieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// refLineEnd returns the offset of the \n ending the line at pos, or len(s).
func refLineEnd(s []byte, pos int) int {
	for i := pos; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
	}
	return len(s)
}

func refNext(s []byte, end int) int {
	if end < len(s) {
		return end + 1
	}
	return end
}

// ReadHeader reads the header record at pos with each delimiter and keeps the
// one that yields more known column names (, on a tie).
func refReadHeader(t *refText, pos int) (delim byte, header []string, np int, err error) {
	best := -1
	var firstErr error
	for _, d := range []byte{',', ';'} {
		h, p, err := refReadRecord(t, pos, d)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n := 0
		for _, name := range h {
			if _, ok := lookupField(name); ok {
				n++
			}
		}
		if n > best {
			best, delim, header, np = n, d, h, p
		}
	}
	if best < 0 {
		return 0, nil, 0, firstErr
	}
	return delim, header, np, nil
}

// ReadRecord reads one record starting at pos and returns its fields and the
// offset of the next record.
func refReadRecord(t *refText, pos int, delim byte) ([]string, int, error) {
	s := t.s
	var rec []string
	for {
		if pos < len(s) && s[pos] == '"' {
			open := pos
			var b strings.Builder
			pos++
			for {
				i := pos
				for i < len(s) && s[i] != '"' {
					i++
				}
				b.Write(s[pos:i])
				if i >= len(s) {
					return nil, 0, fmt.Errorf("%s: line %d: the quoted field that starts there is not closed before the end of the input", t.name, t.line(open))
				}
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					pos = i + 2
					continue
				}
				pos = i + 1
				break
			}
			rec = append(rec, b.String())
			switch {
			case pos == len(s):
				return rec, pos, nil
			case s[pos] == delim:
				pos++
				continue
			case s[pos] == '\n':
				return rec, pos + 1, nil
			case s[pos] == '\r' && pos+1 < len(s) && s[pos+1] == '\n':
				return rec, pos + 2, nil
			case s[pos] == '\r' && pos+1 == len(s):
				return rec, pos + 1, nil
			}
			return nil, 0, fmt.Errorf("%s: line %d: unexpected %s after the closing quote of a field (want %q or the end of the line)", t.name, t.line(pos), refDescribeByte(s[pos]), delim)
		}
		i := pos
		for i < len(s) && s[i] != delim && s[i] != '\n' {
			i++
		}
		f := string(s[pos:i])
		if i == len(s) || s[i] == '\n' {
			rec = append(rec, strings.TrimSuffix(f, "\r"))
			return rec, refNext(s, i), nil
		}
		rec = append(rec, f)
		pos = i + 1
	}
}

// Read reads a whole plan from r. name names the input in error messages.
// It returns an error only when the input cannot be read as a plan at all:
// bad encoding (with the byte offset in the input), bad JSON or CSV syntax
// (with the line, and the byte offset for UTF-8 input).
func refRead(r io.Reader, name string) (*Plan, error) {
	b, err := refReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	in, err := refDecodeText(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &refText{name: name, s: in.s, bomLen: in.bomLen, utf8: in.utf8}
	i := refSkipSpace(t.s, 0)
	switch {
	case i == len(t.s):
		return &Plan{}, nil
	case t.s[i] == '[' || t.s[i] == '{':
		return refReadJSON(t)
	case bytes.Equal(bytes.TrimRight(t.s[i:], " \t\r\n"), []byte("null")):
		// ConvertTo-Json -InputObject $null: nothing to do.
		return &Plan{Format: "json"}, nil
	default:
		return refReadCSV(t)
	}
}

// ReadAll is io.ReadAll with the buffer sized at once when r tells its size
// (a regular file, a bytes.Reader), instead of grown and copied many times.
func refReadAll(r io.Reader) ([]byte, error) {
	size := int64(-1)
	switch v := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	case interface{ Len() int }:
		size = int64(v.Len())
	}
	if size < 0 || size > 1<<40 {
		return io.ReadAll(r)
	}
	// One byte more, so that the EOF is seen without growing the buffer.
	b := make([]byte, 0, size+1)
	// (no huge pages in the reference)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the file grew: let append find room
		}
	}
}

// refDecoded is the input as UTF-8 without its byte-order mark.
type refDecoded struct {
	s      []byte
	bomLen int  // bytes of BOM removed from the start of a UTF-8 input
	utf8   bool // whether offsets in s plus bomLen are offsets in the input
}

func refDecodeText(b []byte) (refDecoded, error) {
	switch {
	case utf32BOM(b):
		return refDecoded{}, errors.New(errUTF32)
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return refCheckUTF8(b[3:], 3)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return refDecodeUTF16(b, false)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return refDecodeUTF16(b, true)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if m := binaryLookalike(b); m != "" {
			return refDecoded{}, errors.New(m)
		}
		return refDecoded{}, fmt.Errorf("byte offset %d: NUL byte; the input looks like UTF-16 without a byte-order mark (save it as UTF-8, or as UTF-16 with a BOM)", i)
	}
	return refCheckUTF8(b, 0)
}

func refCheckUTF8(b []byte, base int) (refDecoded, error) {
	if utf8.Valid(b) {
		return refDecoded{s: b, bomLen: base, utf8: true}, nil
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return refDecoded{}, fmt.Errorf("byte offset %d: invalid UTF-8 (byte 0x%02X); save the plan as UTF-8 or UTF-16 (an ANSI code page is not supported)", base+i, b[i])
		}
		i += n
	}
	return refDecoded{s: b, bomLen: base, utf8: true}, nil
}

// refDecodeUTF16 checks b, which starts with a BOM, for an odd length and
// unpaired surrogates, which the x/text decoder would silently replace, and
// then decodes it.
func refDecodeUTF16(b []byte, bigEndian bool) (refDecoded, error) {
	if len(b)%2 != 0 {
		return refDecoded{}, fmt.Errorf("byte offset %d: UTF-16 input has an odd number of bytes (%d)", len(b)-1, len(b))
	}
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(b[i])<<8 | uint16(b[i+1])
		}
		return uint16(b[i+1])<<8 | uint16(b[i])
	}
	for i := 2; i < len(b); i += 2 {
		u := unit(i)
		switch {
		case utf16.IsSurrogate(rune(u)) && u < 0xDC00:
			if i+2 >= len(b) || unit(i+2) < 0xDC00 || unit(i+2) > 0xDFFF {
				return refDecoded{}, fmt.Errorf("byte offset %d: invalid UTF-16: high surrogate 0x%04X not followed by a low surrogate", i, u)
			}
			i += 2
		case utf16.IsSurrogate(rune(u)):
			return refDecoded{}, fmt.Errorf("byte offset %d: invalid UTF-16: low surrogate 0x%04X without a high surrogate", i, u)
		}
	}
	order := xunicode.LittleEndian
	if bigEndian {
		order = xunicode.BigEndian
	}
	s, err := xunicode.UTF16(order, xunicode.ExpectBOM).NewDecoder().Bytes(b)
	if err != nil {
		return refDecoded{}, fmt.Errorf("invalid UTF-16: %v", err)
	}
	return refDecoded{s: s}, nil
}

// text is the refDecoded input with what error messages need to locate a byte.
type refText struct {
	name   string
	s      []byte
	bomLen int
	utf8   bool
	lines  []int // offsets where lines start, built on first use
}

// line returns the 1-based line of offset off in t.s.
func (t *refText) line(off int) int {
	if t.lines == nil {
		t.lines = []int{0}
		for i, c := range t.s {
			if c == '\n' {
				t.lines = append(t.lines, i+1)
			}
		}
	}
	return sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off })
}

// where names offset off for an error message: line and column (in
// characters), plus the byte offset in the input when the input is UTF-8.
func (t *refText) where(off int) string {
	if off > len(t.s) {
		off = len(t.s)
	}
	if off < 0 {
		off = 0
	}
	l := t.line(off)
	col := utf8.RuneCount(t.s[t.lines[l-1]:off]) + 1
	if t.utf8 {
		return fmt.Sprintf("line %d, column %d (byte offset %d)", l, col, off+t.bomLen)
	}
	return fmt.Sprintf("line %d, column %d", l, col)
}

func (t *refText) errorf(off int, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", t.name, t.where(off), fmt.Sprintf(format, args...))
}

func refSkipSpace(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// set stores v into field i of r, or records why it cannot.
func (r *Row) refSet(i int, v value) {
	f := fields[i]
	if v.null || v.json == "" && v.text == "" {
		return // null, and an empty string is null too
	}
	switch f.kind {
	case kString:
		if v.json != "" {
			r.problem(f.name, fmt.Sprintf("must be a string, got the %s %s", v.json, clip(v.text)))
			return
		}
		r.refSetString(f.name, v.text)
	case kText:
		r.refSetString(f.name, v.text)
	case kInt, kInfoInt:
		n, err := parseInt(v)
		if err != nil {
			if f.kind == kInt {
				r.problem(f.name, err.Error())
			}
			return
		}
		r.refSetInt(f.name, n)
	}
}

func (r *Row) refSetString(name, s string) {
	p := &s
	switch name {
	case "Action":
		r.Action = s
		for _, a := range actions {
			if strings.EqualFold(s, a) {
				r.Action = a
			}
		}
	case "Path":
		r.Path = s
	case "SmsId":
		r.SmsId = s
	case "RequestedAt":
		r.RequestedAt = p
	case "Record":
		r.Record = refLowerHex(p)
	case "Sha256":
		r.Sha256 = refLowerHex(p)
	case "Reason":
		r.Reason = p
	case "Content":
		r.Content = p
	}
}

func (r *Row) refSetInt(name string, n int64) {
	p := &n
	switch name {
	case "RequestTime":
		r.RequestTime = p
	case "AgeDays":
		r.AgeDays = p
	case "Cutoff":
		r.Cutoff = p
	case "Offset":
		r.Offset = p
	case "Size":
		r.Size = p
	case "ModTime":
		r.ModTime = p
	}
}

// refLowerHex lower-cases s when it is all hex digits, and leaves anything else
// as it is so that an error message shows what the user wrote.
func refLowerHex(p *string) *string {
	s := *p
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return p
		}
	}
	l := strings.ToLower(s)
	return &l
}
