package planread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	json "github.com/goccy/go-json"
)

// jsonDecoder is the part of a streaming JSON decoder that readJSON uses;
// goccy/go-json's Decoder, and encoding/json's in a test that checks both
// libraries read every fixture the same way.
type jsonDecoder interface {
	Token() (json.Token, error)
	More() bool
	Decode(v any) error
	InputOffset() int64
}

var (
	newDecoder = func(r io.Reader) jsonDecoder { return json.NewDecoder(r) }
	unmarshal  = json.Unmarshal
	// syntaxOffset returns the Offset of a syntax error of unmarshal.
	syntaxOffset = func(err error) (int64, bool) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return se.Offset, true
		}
		return 0, false
	}
)

// rawValue keeps one JSON value's text, whatever its type.
type rawValue []byte

func (r *rawValue) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// jsonReader reads the rows of one JSON input.
type jsonReader struct {
	t    *text
	plan *Plan
	end  int      // offset just after the closing ] of the top-level array
	keys []string // the field names of the first row, for notAPlan
}

func readJSON(t *text) (*Plan, error) {
	if p, ok := fastJSON(t); ok {
		return p, nil
	}
	jr := &jsonReader{t: t, plan: &Plan{Format: "json"}}
	start := skipSpace(t.s, 0)
	var err error
	if t.s[start] == '[' {
		err = jr.array(start)
		if err == nil {
			// Only white space may follow the array.
			if end := skipSpace(t.s, jr.end); end < len(t.s) && !jr.plan.Truncated {
				err = t.errorf(end, "unexpected %s after the end of the array", describeByte(t.s[end]))
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

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

// syntaxError turns an error of the decoder, met when reading the value that
// starts at offset at, into an error naming the input and the place.
func (jr *jsonReader) syntaxError(at int, err error, what string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return jr.t.errorf(len(jr.t.s), "the input ends inside %s", what)
	}
	if _, ok := syntaxOffset(err); ok {
		return jr.t.errorf(jr.locate(at), "invalid JSON: %v", err)
	}
	return jr.t.errorf(at, "invalid JSON: %v", err)
}

// locate finds the byte of a syntax error met when reading the value at
// offset at. A stream decoder's offsets count from where it last compacted
// its buffer, so the value is parsed again on its own: the error is inside
// it, or, when the value is fine, at its first byte (a missing comma, a
// trailing comma, a stray character).
func (jr *jsonReader) locate(at int) int {
	var raw rawValue
	err := unmarshal(jr.t.s[at:], &raw)
	if off, ok := syntaxOffset(err); ok && !strings.Contains(err.Error(), "after top-level value") && off > 0 {
		return at + int(off) - 1
	}
	return at
}

// array reads the array that starts at offset base of the input, element by
// element. jr.end is set to the offset just after its closing ]. A missing ]
// (end of input after a complete element, after a comma, or inside the last
// element) ends the plan with Truncated set; anything that cannot begin,
// continue or end a JSON value is an error.
func (jr *jsonReader) array(base int) error {
	s := jr.t.s
	d := newDecoder(bytes.NewReader(s[base:]))
	if _, err := d.Token(); err != nil { // the [
		return jr.syntaxError(base, err, "the array")
	}
	after := base + 1 // just after the [ or the last element
	for n := 1; ; n++ {
		if !d.More() {
			break
		}
		at := elementStart(s, after)
		var raw rawValue
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
	at := skipSpace(s, after)
	tok, err := d.Token() // the ]
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		jr.plan.Truncated = true
		return nil
	}
	if err != nil {
		return jr.syntaxError(at, err, "the array")
	}
	if delim, ok := tok.(json.Delim); !ok || delim != ']' || at >= len(s) || s[at] != ']' {
		return jr.t.errorf(at, "invalid JSON: expected ] at the end of the array")
	}
	jr.end = at + 1
	return nil
}

// elementStart returns the offset of the first byte of the next value at or
// after off: the decoder's offset may still be before a comma.
func elementStart(s []byte, off int) int {
	off = skipSpace(s, off)
	if off < len(s) && s[off] == ',' {
		off = skipSpace(s, off+1)
	}
	return off
}

// objects reads JSON values one after another (JSON Lines, or a single
// object). A single object that is the 5.1 {"value":[...],"Count":N} wrapper
// stands for its value.
func (jr *jsonReader) objects() error {
	d := newDecoder(bytes.NewReader(jr.t.s))
	type obj struct {
		raw rawValue
		at  int
	}
	var objs []obj
	after := 0
	for {
		at := skipSpace(jr.t.s, after)
		var raw rawValue
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

// member is one name and value of a JSON object, in input order.
type member struct {
	key string
	val rawValue
}

// members returns the members of the object raw in input order, duplicates
// included: a map would keep only the last of two equal names.
func (jr *jsonReader) members(raw rawValue, at int, what string) ([]member, error) {
	d := newDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil { // the {
		return nil, jr.syntaxError(at, err, what)
	}
	var ms []member
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, jr.syntaxError(at, err, what)
		}
		k, ok := tok.(string)
		if !ok {
			return nil, jr.t.errorf(at, "invalid JSON in %s: object key is not a string", what)
		}
		var v rawValue
		if err := d.Decode(&v); err != nil {
			return nil, jr.syntaxError(at, err, what)
		}
		ms = append(ms, member{k, v})
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
func twice(ms []member) (first, second int) {
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

// givenTwice is the message for the names a and b of one field.
func givenTwice(a, b string) string {
	if a == b {
		return "given twice"
	}
	return fmt.Sprintf("given twice, as %q and %q", a, b)
}

// unwrap handles the {"value":...,"Count":N} wrapper: an object with a
// "value" key (any case) and neither Action nor Path. ok reports whether raw
// was the wrapper.
func (jr *jsonReader) unwrap(raw rawValue, at int) (bool, error) {
	ms, err := jr.members(raw, at, "the object")
	if err != nil {
		return false, err
	}
	var val rawValue
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
	if i, j := twice(ms); i >= 0 {
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
	return true, jr.t.errorf(off, `the value of the {"value":...} wrapper is %s, want an array`, jsonType(val))
}

func jsonType(raw []byte) string {
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
func (jr *jsonReader) element(raw rawValue, at int, what string) error {
	switch raw[0] {
	case 'n':
		return nil
	case '{':
	default:
		return jr.t.errorf(at, "%s is %s, want an object (one plan row)", what, jsonType(raw))
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
	if i, j := twice(ms); i >= 0 {
		name := ms[i].key
		if f, ok := lookupField(name); ok {
			name = fields[f].name
		}
		e := RowError{N: row.N, Line: row.Line, Field: name, Msg: givenTwice(ms[i].key, ms[j].key)}
		return fmt.Errorf("%s: %w", jr.t.name, e)
	}
	for _, m := range ms {
		i, ok := lookupField(m.key)
		if !ok {
			continue
		}
		v, err := jsonValue(m.val)
		if err != nil {
			return jr.t.errorf(at, "%s, field %q: %v", what, m.key, err)
		}
		row.set(i, v)
	}
	jr.plan.Rows = append(jr.plan.Rows, row)
	return nil
}

func jsonValue(raw rawValue) (value, error) {
	switch raw[0] {
	case 'n':
		return value{null: true}, nil
	case '"':
		var s string
		if err := unmarshal(raw, &s); err != nil {
			return value{}, err
		}
		return value{text: s}, nil
	case 't', 'f':
		return value{text: string(raw), json: "bool"}, nil
	case '{':
		return value{text: compact(raw), json: "object"}, nil
	case '[':
		return value{text: compact(raw), json: "array"}, nil
	}
	return value{text: string(raw), json: "number"}, nil
}

func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
