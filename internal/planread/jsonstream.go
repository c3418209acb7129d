package planread

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads the JSON shapes of a plan (see the package comment), one
// row per call of jsonStep, by hand: a row is scanned once, its fields are
// stored as they are met, and nothing is built per row but the Row itself.
// The syntax is exactly JSON's (RFC 8259), errors are worded as
// encoding/json words them, and a differential fuzz test holds the two to
// the same verdict.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// jsonErr is a syntax error at buf[at].
type jsonErr struct {
	at  int
	msg string
}

func (e *jsonErr) Error() string { return e.msg }

// errWrapper says that the first object is the {"value":[...]} wrapper and
// its array starts at rd.wrapAt.
var errWrapper = errors.New("wrapper")

// quoteChar formats c as encoding/json does in its error messages.
func quoteChar(s []byte, i int) string {
	r, _ := utf8.DecodeRune(s[i:])
	if r == '\'' {
		return `'\''`
	}
	if r == '"' {
		return `'"'`
	}
	q := strconv.Quote(string(r))
	return "'" + q[1:len(q)-1] + "'"
}

func synErr(s []byte, i int, context string) error {
	return &jsonErr{i, "invalid character " + quoteChar(s, i) + " " + context}
}

// end is what a scanner returns when it reaches the end of the buffer
// inside a unit: errMore while there is input left, errCut at its end.
func (rd *Reader) end() error {
	if rd.eof {
		return errCut
	}
	return errMore
}

// jsonStep advances by one unit in the JSON states: it returns a row (ok),
// or nothing when it only moved on (a null, a closing bracket).
func (rd *Reader) jsonStep(r *Row) (ok bool, err error) {
	s := rd.buf
	i := skipSpace(s, rd.pos)
	switch rd.state {
	case stArray, stWrapArray, stArrayNext, stWrapNext:
		next := rd.state == stArrayNext || rd.state == stWrapNext
		if i == len(s) {
			return false, rd.cutArray(rd.end())
		}
		if s[i] == ']' {
			rd.pos = i + 1
			if rd.state == stArray || rd.state == stArrayNext {
				rd.state = stArrayAfter
			} else {
				rd.state = stWrapRest
			}
			return false, nil
		}
		if next {
			if s[i] != ',' {
				return false, rd.syntax(synErr(s, i, "after array element"))
			}
			i = skipSpace(s, i+1)
			if i == len(s) {
				return false, rd.cutArray(rd.end())
			}
		}
		depth := 1
		if rd.state == stWrapArray || rd.state == stWrapNext {
			depth = 2
		}
		ok, err = rd.value(r, i, "element %d of the array", false, depth)
		if err != nil {
			return false, rd.cutArray(err)
		}
		if rd.state == stArray {
			rd.state = stArrayNext
		} else if rd.state == stWrapArray {
			rd.state = stWrapNext
		}
		return ok, nil
	case stArrayAfter, stWrapAfter:
		if i < len(s) {
			what := "the end of the array"
			if rd.state == stWrapAfter {
				what = `the {"value":...} wrapper`
			}
			return false, rd.errorf(i, "unexpected %s after %s", describeByte(s[i]), what)
		}
		rd.pos = i
		if !rd.eof {
			return false, errMore
		}
		rd.state = stDone
		return false, nil
	case stLines:
		if i == len(s) {
			rd.pos = i
			if !rd.eof {
				return false, errMore
			}
			rd.state = stDone
			return false, nil
		}
		first := rd.elem == 0
		ok, err = rd.value(r, i, "value %d", first, 0)
		switch {
		case err == errWrapper:
			rd.wrapped = true
			return false, nil
		case err == errCut:
			return false, rd.errorf(len(s), "the input ends inside the object that starts on line %d", rd.lineAt(i))
		case err != nil:
			return false, rd.syntax(err)
		}
		if first && ok && rd.pendingValue != nil {
			// The first object has a value key and neither Action nor
			// Path: the wrapper if nothing follows it, else a row.
			rd.pendingRow = *r
			rd.state = stLinesSecond
			return false, nil
		}
		return ok, nil
	case stLinesSecond:
		rd.pos = i
		if i == len(s) && !rd.eof {
			return false, errMore
		}
		rd.state = stLines
		if i < len(s) {
			rd.pendingValue = nil
			*r = rd.pendingRow
			return true, rd.pendingDup
		}
		return rd.unwrapPending(r)
	case stWrapRest:
		return false, rd.wrapRest(i)
	}
	panic("planread: bad state")
}

// cutArray turns the end of the input inside the top-level array into a
// truncated plan; inside the wrapper's array it is an error.
func (rd *Reader) cutArray(err error) error {
	if err != errCut {
		return rd.syntax(err)
	}
	if rd.state == stArray || rd.state == stArrayNext {
		rd.truncated = true
		rd.state = stDone
		return nil
	}
	return rd.errorf(len(rd.buf), "the input ends inside the object that starts on line %d", rd.wrapLine)
}

// syntax turns a jsonErr into an error naming the place.
func (rd *Reader) syntax(err error) error {
	if je, ok := err.(*jsonErr); ok {
		return rd.errorf(je.at, "invalid JSON: %s", je.msg)
	}
	return err
}

// value reads the array element or top-level value at buf[i]: a row for an
// object, nothing for null, an error for anything else. what names it in
// errors. wrap is set for the first top-level value, which may be the
// {"value":[...],"Count":N} wrapper. rd.pos moves past the value when it was
// read whole. what is a format with the value's number.
//
// depth is the number of arrays and objects the value is in, for
// encoding/json's nesting limit.
func (rd *Reader) value(r *Row, i int, what string, wrap bool, depth int) (ok bool, err error) {
	s := rd.buf
	switch s[i] {
	case '{':
		line := rd.lineAt(i)
		*r = Row{} // an earlier try may have set some fields
		next, err := rd.object(i, r, wrap, depth+1)
		if err == errWrapper {
			rd.wrapLine, rd.wrapWhere = line, rd.where(i)
			rd.state = stWrapArray
			return false, err
		}
		if err == errDup && rd.pendingValue == nil {
			return false, rd.dupError(rd.n+1, line)
		}
		if rd.pendingValue != nil {
			rd.wrapWhere = rd.where(i)
		}
		if err != nil && err != errDup {
			return false, err
		}
		rd.elem++
		rd.pos = next
		r.Line = line
		if err == errDup {
			rd.pendingDup = rd.dupError(rd.n+1, line)
		} else {
			rd.pendingDup = nil
		}
		return true, nil
	case 'n':
		next, err := literal(s, i, "null", rd.eof)
		if err != nil {
			return false, err
		}
		rd.elem++
		rd.pos = next
		return false, nil
	}
	if _, err := rd.skip(s, i, depth, false); err != nil {
		return false, err
	}
	return false, rd.errorf(i, "%s is %s, want an object (one plan row)", fmt.Sprintf(what, rd.elem+1), jsonType(s[i]))
}

func jsonType(c byte) string {
	switch c {
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

// errDup says that the object just read gives a key twice: see rd.dup*.
var errDup = errors.New("duplicate key")

func (rd *Reader) dupError(n, line int) error {
	return fmt.Errorf("%s: %w", rd.name, RowError{N: n, Line: line, Field: rd.dupField, Msg: givenTwice(rd.dupFirst, rd.dupSec)})
}

// givenTwice is the message for the names a and b of one field.
func givenTwice(a, b string) string {
	if a == b {
		if a == "" {
			return `the empty key "" given twice`
		}
		return "given twice"
	}
	return fmt.Sprintf("given twice, as %q and %q", a, b)
}

// object reads the object at buf[i] into r and returns the index after it.
// A key given twice (in any case: PowerShell's property names are
// case-insensitive and ConvertFrom-Json refuses such an object) makes it
// return errDup once the object was read whole: which value was meant
// cannot be known. With wrap set, the object may be the wrapper: a value key
// holding an array, met before any Action or Path key, returns errWrapper
// with rd.wrapAt set; one holding anything else is kept in rd.pendingValue.
func (rd *Reader) object(i int, r *Row, wrap bool, depth int) (int, error) {
	s := rd.buf
	var seen uint32
	var spell [fContent + 1][]byte
	rd.keys = rd.keys[:0]
	rd.dup, rd.dupField = false, ""
	firstRow := rd.n == 0
	if firstRow {
		rd.first = rd.first[:0]
	}
	actionPath := false
	rd.pendingValue = nil
	hint := 0
	i = skipSpace(s, i+1)
	if i == len(s) {
		return 0, rd.end()
	}
	if s[i] == '}' {
		return i + 1, nil
	}
	for {
		// The name.
		if s[i] != '"' {
			return 0, synErr(s, i, "looking for beginning of object key string")
		}
		j := i + 1
		esc := false
		for ; j < len(s) && s[j] != '"'; j++ {
			if c := s[j]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				esc = true
				break
			}
		}
		var key []byte
		if !esc {
			if j == len(s) {
				return 0, rd.end()
			}
			key = s[i+1 : j]
			j++
		} else {
			v, next, err := rd.str(s, i)
			if err != nil {
				return 0, err
			}
			key, j = append([]byte(nil), v...), next
		}
		fi := -1
		if !esc {
			fi = lookupFieldASCII(key, hint)
		} else if f, ok := lookupField(string(key)); ok {
			fi = f
		}
		if firstRow {
			rd.first = append(rd.first, string(key))
		}
		if fi >= 0 {
			if seen&(1<<fi) != 0 {
				rd.noteDup(fields[fi].name, string(spell[fi]), string(key))
			} else {
				seen |= 1 << fi
				spell[fi] = key
			}
			hint = fi + 1
			if fi == fAction || fi == fPath {
				actionPath = true
			}
		} else {
			rd.unknownKey(key)
		}
		// The separator.
		i = skipSpace(s, j)
		if i == len(s) {
			return 0, rd.end()
		}
		if s[i] != ':' {
			return 0, synErr(s, i, "after object key")
		}
		i = skipSpace(s, i+1)
		if i == len(s) {
			return 0, rd.end()
		}
		// The value.
		if wrap && fi < 0 && !actionPath && asciiEqualFold(key, "value") {
			if s[i] == '[' {
				rd.wrapAt = i + 1
				rd.wrapKeys = append(rd.wrapKeys[:0], rd.keys...)
				for f := range fields {
					if spell[f] != nil {
						rd.wrapKeys = append(rd.wrapKeys, keySpelling{strings.ToLower(fields[f].name), string(spell[f])})
					}
				}
				rd.wrapDup, rd.wrapHasDup = [2]string{}, rd.dup
				if rd.dup {
					rd.wrapDup = [2]string{rd.dupFirst, rd.dupSec}
				}
				rd.pos = i + 1
				return 0, errWrapper
			}
			rd.cbuf = rd.cbuf[:0]
			next, err := rd.skip(s, i, depth, true)
			if err != nil {
				return 0, err
			}
			rd.pendingValue = append(rd.pendingValue[:0], rd.cbuf...)
			rd.pendingLine, rd.pendingWhere = rd.lineAt(i), rd.where(i)
			i = next
		} else {
			next, err := rd.member(s, i, r, fi, depth)
			if err != nil {
				return 0, err
			}
			i = next
		}
		// The next member, or the end.
		i = skipSpace(s, i)
		if i == len(s) {
			return 0, rd.end()
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
			if i == len(s) {
				return 0, rd.end()
			}
		case '}':
			if actionPath {
				rd.pendingValue = nil
			}
			if rd.dup {
				return i + 1, errDup
			}
			return i + 1, nil
		default:
			return 0, synErr(s, i, "after object key:value pair")
		}
	}
}

// member reads the value at s[i] and stores it into field fi of r (none
// when fi < 0); it returns the index after it.
func (rd *Reader) member(s []byte, i int, r *Row, fi, depth int) (int, error) {
	switch c := s[i]; {
	case c == '"':
		v, next, err := rd.str(s, i)
		if err == nil && fi >= 0 {
			rd.b.setString(r, fi, v)
		}
		return next, err
	case c == '-' || '0' <= c && c <= '9':
		next, err := number(s, i, rd.eof)
		if err == nil && fi >= 0 {
			rd.b.setJSON(r, fi, "number", s[i:next])
		}
		return next, err
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		next, err := literal(s, i, lit, rd.eof)
		if err == nil && fi >= 0 {
			rd.b.setJSON(r, fi, "bool", s[i:next])
		}
		return next, err
	case c == 'n':
		return literal(s, i, "null", rd.eof)
	case c == '{' || c == '[':
		capture := fi >= 0
		rd.cbuf = rd.cbuf[:0]
		next, err := rd.skip(s, i, depth, capture)
		if err == nil && capture {
			typ := "object"
			if c == '[' {
				typ = "array"
			}
			rd.b.setJSON(r, fi, typ, rd.cbuf)
		}
		return next, err
	}
	return 0, synErr(s, i, "looking for beginning of value")
}

// noteDup records the first key given twice.
func (rd *Reader) noteDup(field, first, second string) {
	if !rd.dup {
		rd.dup, rd.dupField, rd.dupFirst, rd.dupSec = true, field, first, second
	}
}

// unknownKey checks a name that is no field against the others of the
// object; PowerShell adds none, so there are few.
func (rd *Reader) unknownKey(key []byte) {
	lower := strings.ToLower(string(key))
	for _, k := range rd.keys {
		if k.lower == lower {
			rd.noteDup(k.name, k.name, string(key))
			return
		}
	}
	rd.keys = append(rd.keys, keySpelling{lower, string(key)})
}

// str reads the string at s[i] (a quote) and returns its content and the
// index after it. Without escapes the content is a part of s; with escapes
// it is rd.sbuf, valid until the next call. Escapes are decoded as
// encoding/json decodes them: an unpaired surrogate becomes U+FFFD.
func (rd *Reader) str(s []byte, i int) (v []byte, next int, err error) {
	j := i + 1
	for j < len(s) {
		// Eight plain bytes at a time, while there are eight.
		for j+8 <= len(s) && !strSpecial8(binary.LittleEndian.Uint64(s[j:])) {
			j += 8
		}
		if j >= len(s) {
			break
		}
		c := s[j]
		if c == '"' {
			return s[i+1 : j], j + 1, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, 0, synErr(s, j, "in string literal")
		}
		j++
	}
	if j >= len(s) {
		return nil, 0, rd.end()
	}
	b := append(rd.sbuf[:0], s[i+1:j]...)
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			rd.sbuf = b
			return b, j + 1, nil
		case c < 0x20:
			return nil, 0, synErr(s, j, "in string literal")
		case c != '\\':
			b = append(b, c)
			j++
			continue
		}
		if j+1 >= len(s) {
			return nil, 0, rd.end()
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
			r, err := rd.u4(s, j)
			if err != nil {
				return nil, 0, err
			}
			j += 6
			if utf16.IsSurrogate(r) {
				// A pair takes the next escape, if it is one and completes it.
				if j+1 < len(s) && s[j] == '\\' && s[j+1] == 'u' || j+1 >= len(s) && !rd.eof {
					r2, err := rd.u4(s, j)
					if err != nil {
						return nil, 0, err
					}
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						j += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return nil, 0, synErr(s, j+1, "in string escape code")
		}
		j += 2
	}
	return nil, 0, rd.end()
}

// u4 reads the \uXXXX escape at s[j].
func (rd *Reader) u4(s []byte, j int) (rune, error) {
	if j+1 >= len(s) {
		return 0, rd.end()
	}
	var r rune
	for k := j + 2; k < j+6; k++ {
		if k >= len(s) {
			return 0, rd.end()
		}
		h := s[k]
		switch {
		case '0' <= h && h <= '9':
			h -= '0'
		case 'a' <= h && h <= 'f':
			h -= 'a' - 10
		case 'A' <= h && h <= 'F':
			h -= 'A' - 10
		default:
			return 0, synErr(s, k, "in \\u hexadecimal character escape")
		}
		r = r<<4 | rune(h)
	}
	return r, nil
}

// number returns the index after the JSON number at s[i]. At the end of the
// buffer a number may go on: errMore, unless eof (then it ends there, if it
// is complete).
func number(s []byte, i int, eof bool) (int, error) {
	endOr := func(i int, complete bool) (int, error) {
		switch {
		case !eof:
			return 0, errMore
		case complete:
			return i, nil
		}
		return 0, errCut
	}
	if s[i] == '-' {
		i++
		if i == len(s) {
			return endOr(i, false)
		}
	}
	switch {
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	default:
		return 0, synErr(s, i, "in numeric literal")
	}
	if i == len(s) {
		return endOr(i, true)
	}
	if s[i] == '.' {
		i++
		if i == len(s) {
			return endOr(i, false)
		}
		if s[i] < '0' || s[i] > '9' {
			return 0, synErr(s, i, "after decimal point in numeric literal")
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
		if i == len(s) {
			return endOr(i, true)
		}
	}
	if s[i] == 'e' || s[i] == 'E' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) {
			return endOr(i, false)
		}
		if s[i] < '0' || s[i] > '9' {
			return 0, synErr(s, i, "in exponent of numeric literal")
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
		if i == len(s) {
			return endOr(i, true)
		}
	}
	return i, nil
}

// literal returns the index after the literal lit (true, false, null) at s[i].
func literal(s []byte, i int, lit string, eof bool) (int, error) {
	for k := 1; k < len(lit); k++ {
		if i+k >= len(s) {
			if eof {
				return 0, errCut
			}
			return 0, errMore
		}
		if s[i+k] != lit[k] {
			return 0, synErr(s, i+k, fmt.Sprintf("in literal %s (expecting %s)", lit, quoteChar([]byte{lit[k]}, 0)))
		}
	}
	return i + len(lit), nil
}

// skip reads the value at s[i] and returns the index after it; with
// capture, its compact text (white space outside strings removed, as
// json.Compact does) is appended to rd.cbuf.
func (rd *Reader) skip(s []byte, i, depth int, capture bool) (int, error) {
	put := func(b []byte) {
		if capture {
			rd.cbuf = append(rd.cbuf, b...)
		}
	}
	switch c := s[i]; {
	case c == '"':
		j := i + 1
		for ; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' || s[j] < 0x20 {
				break
			}
		}
		if j < len(s) && s[j] == '"' {
			put(s[i : j+1])
			return j + 1, nil
		}
		_, next, err := rd.str(s, i)
		if err != nil {
			return 0, err
		}
		put(s[i:next])
		return next, nil
	case c == '-' || '0' <= c && c <= '9':
		next, err := number(s, i, rd.eof)
		if err != nil {
			return 0, err
		}
		put(s[i:next])
		return next, nil
	case c == 't' || c == 'f' || c == 'n':
		lit := "null"
		switch c {
		case 't':
			lit = "true"
		case 'f':
			lit = "false"
		}
		next, err := literal(s, i, lit, rd.eof)
		if err != nil {
			return 0, err
		}
		put(s[i:next])
		return next, nil
	case c == '{' || c == '[':
		if depth+1 > maxDepth {
			return 0, synErr(s, i, "exceeded max depth")
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		put(s[i : i+1])
		i = skipSpace(s, i+1)
		if i == len(s) {
			return 0, rd.end()
		}
		if s[i] == closer {
			put(s[i : i+1])
			return i + 1, nil
		}
		for {
			if c == '{' {
				if s[i] != '"' {
					return 0, synErr(s, i, "looking for beginning of object key string")
				}
				next, err := rd.skip(s, i, depth+1, capture)
				if err != nil {
					return 0, err
				}
				i = skipSpace(s, next)
				if i == len(s) {
					return 0, rd.end()
				}
				if s[i] != ':' {
					return 0, synErr(s, i, "after object key")
				}
				put(s[i : i+1])
				i = skipSpace(s, i+1)
				if i == len(s) {
					return 0, rd.end()
				}
			}
			next, err := rd.skip(s, i, depth+1, capture)
			if err != nil {
				return 0, err
			}
			i = skipSpace(s, next)
			if i == len(s) {
				return 0, rd.end()
			}
			switch {
			case s[i] == ',':
				put(s[i : i+1])
				i = skipSpace(s, i+1)
				if i == len(s) {
					return 0, rd.end()
				}
			case s[i] == closer:
				put(s[i : i+1])
				return i + 1, nil
			case c == '{':
				return 0, synErr(s, i, "after object key:value pair")
			default:
				return 0, synErr(s, i, "after array element")
			}
		}
	}
	return 0, synErr(s, i, "looking for beginning of value")
}

// wrapRest reads the members of the wrapper after its array, one per call.
func (rd *Reader) wrapRest(i int) error {
	s := rd.buf
	if i == len(s) {
		return rd.wrapEnd()
	}
	switch s[i] {
	case '}':
		rd.pos = i + 1
		rd.state = stWrapAfter
		return rd.wrapDupError()
	case ',':
	default:
		return rd.syntax(synErr(s, i, "after object key:value pair"))
	}
	i = skipSpace(s, i+1)
	if i == len(s) {
		return rd.wrapEnd()
	}
	if s[i] != '"' {
		return rd.syntax(synErr(s, i, "looking for beginning of object key string"))
	}
	v, next, err := rd.str(s, i)
	if err == errCut {
		return rd.wrapEnd()
	}
	if err != nil {
		return rd.syntax(err)
	}
	key := string(v)
	i = skipSpace(s, next)
	if i == len(s) {
		return rd.wrapEnd()
	}
	if s[i] != ':' {
		return rd.syntax(synErr(s, i, "after object key"))
	}
	i = skipSpace(s, i+1)
	if i == len(s) {
		return rd.wrapEnd()
	}
	next, err = rd.skip(s, i, 1, false)
	if err == errCut {
		return rd.wrapEnd()
	}
	if err != nil {
		return rd.syntax(err)
	}
	lower := strings.ToLower(key)
	if lower == "action" || lower == "path" {
		return rd.errorf(i, `an object with both a value key and %s is neither a plan row nor the {"value":...} wrapper`, key)
	}
	rd.wrapKeys = append(rd.wrapKeys, keySpelling{lower, key})
	rd.pos = next
	return nil
}

// wrapEnd is the end of the buffer inside the wrapper.
func (rd *Reader) wrapEnd() error {
	if !rd.eof {
		return errMore
	}
	return rd.errorf(len(rd.buf), "the input ends inside the object that starts on line %d", rd.wrapLine)
}

// wrapDupError reports a key the wrapper gives twice.
func (rd *Reader) wrapDupError() error {
	if rd.wrapHasDup {
		return rd.wrapTwice(rd.wrapDup[0], rd.wrapDup[1])
	}
	seen := map[string]string{}
	for _, k := range rd.wrapKeys {
		if prev, dup := seen[k.lower]; dup {
			return rd.wrapTwice(prev, k.name)
		}
		seen[k.lower] = k.name
	}
	return nil
}

func (rd *Reader) wrapTwice(a, b string) error {
	return fmt.Errorf(`%s: %s: the {"value":...} wrapper has its %s key twice (as %q and %q)`, rd.name, rd.wrapWhere, a, a, b)
}

// unwrapPending handles a first object that is the only value and has a
// value key holding no array: the wrapper of one object, of null, or of
// something that is no plan.
func (rd *Reader) unwrapPending(r *Row) (bool, error) {
	v := rd.pendingValue
	rd.pendingValue = nil
	rd.state = stDone
	if rd.pendingDup != nil {
		return false, rd.wrapTwice(rd.dupFirst, rd.dupSec)
	}
	switch v[0] {
	case 'n':
		rd.wrapped = true
		return false, nil
	case '{':
		rd.wrapped = true
		sub := &Reader{name: rd.name, buf: v, eof: true, n: rd.n}
		_, err := sub.object(0, r, false, 2)
		if err == errDup {
			return false, sub.dupError(rd.n+1, rd.pendingLine)
		}
		if err != nil {
			return false, err // cannot be: v was read whole before
		}
		r.Line = rd.pendingLine
		if rd.n == 0 {
			rd.first = sub.first
		}
		return true, nil
	}
	return false, fmt.Errorf("%s: %s: the value of the {\"value\":...} wrapper is %s, want an array", rd.name, rd.pendingWhere, jsonType(v[0]))
}

// strSpecial8 reports whether any of the 8 bytes of x is one that ends or
// interrupts a plain run in a JSON string: '"', '\\' or a control character
// (below 0x20). (The borrow of the zero-byte test can only flag a byte
// above one that is really special: the answer for the 8 is exact.)
func strSpecial8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(lo*'"'), x^(lo*'\\')
	return ((q-lo)&^q|(bs-lo)&^bs|(x-lo*0x20)&^x)&hi != 0
}
