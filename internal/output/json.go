package output

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// jsonEncoder writes either one JSON array with one record per line, or JSON
// Lines. Non-ASCII characters are escaped as \uXXXX, so the output is pure
// ASCII and survives any console code page PowerShell decodes it with.
type jsonEncoder struct {
	w     *bufio.Writer
	array bool
	n     int
	buf   bytes.Buffer
	enc   *json.Encoder
	fast  *jsonFields // nil: the records are not Fielders
}

func newJSONEncoder(w *bufio.Writer, array bool, fast *jsonFields) *jsonEncoder {
	e := &jsonEncoder{w: w, array: array, fast: fast}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

func (e *jsonEncoder) Encode(rec any) error {
	if e.fast != nil {
		if f, ok := rec.(Fielder); ok {
			return e.encodeFast(f)
		}
	}
	e.buf.Reset()
	if err := e.enc.Encode(rec); err != nil {
		return err
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte{'\n'})
	switch {
	case !e.array:
	case e.n == 0:
		e.w.WriteString("[\n")
	default:
		e.w.WriteString(",\n")
	}
	e.n++
	writeASCII(e.w, b)
	if !e.array {
		e.w.WriteByte('\n')
	}
	return nil
}

// encodeFast writes rec through its WriteFields: the separator and the
// object go into one reused buffer, which is handed to the writer whole.
func (e *jsonEncoder) encodeFast(rec Fielder) error {
	f := e.fast
	f.buf = f.buf[:0]
	switch {
	case !e.array:
	case e.n == 0:
		f.buf = append(f.buf, "[\n"...)
	default:
		f.buf = append(f.buf, ",\n"...)
	}
	e.n++
	f.record(rec)
	if !e.array {
		f.buf = append(f.buf, '\n')
	}
	_, err := e.w.Write(f.buf)
	return err
}

func (e *jsonEncoder) Close() error {
	if e.array {
		if e.n == 0 {
			e.w.WriteString("[]\n")
		} else {
			e.w.WriteString("\n]\n")
		}
	}
	return e.w.Flush()
}

const hexDigits = "0123456789abcdef"

// writeASCII copies JSON text, escaping every non-ASCII character. In valid
// JSON such characters can only be inside strings, where \u escapes are legal.
func writeASCII(w *bufio.Writer, b []byte) {
	for len(b) > 0 {
		i := asciiPrefix(b)
		w.Write(b[:i])
		b = b[i:]
		if len(b) == 0 {
			return
		}
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r >= 0x10000 {
			r -= 0x10000
			writeU(w, 0xD800+(r>>10))
			writeU(w, 0xDC00+(r&0x3FF))
			continue
		}
		writeU(w, r) // includes utf8.RuneError for invalid bytes
	}
}

// asciiPrefix returns the length of the leading run of ASCII bytes, testing
// eight bytes at a time (records are almost always pure ASCII).
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}

func writeU(w *bufio.Writer, r rune) {
	w.Write([]byte{'\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF]})
}

// Flush writes buffered records through to the underlying writer.
func (e *jsonEncoder) Flush() error { return e.w.Flush() }

// Flusher is implemented by encoders that can push buffered records out
// before Close (the JSON formats), for journals that must be durable row by row.
type Flusher interface{ Flush() error }
