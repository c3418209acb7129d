package planread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"strings"
	"unicode/utf8"
)

// Reader reads a plan one row at a time, in any shape and encoding Read
// accepts, holding only a small window of the input: Row.N and Row.Line are
// set as Read sets them. Create one with Stream.
type Reader struct {
	name string
	src  source
	// sizeHint is the input's size when r tells it (a file, a bytes.Reader),
	// else -1; Read uses it to size its row slice once.
	sizeHint int64

	buf    []byte // decoded text; buf[pos:] is not yet consumed
	pos    int
	base   int64 // offset in the decoded text of buf[0]
	eof    bool  // src has nothing more
	bomLen int
	utf16  bool // offsets in the decoded text are not offsets in the input

	// Lines: lineBase is the 1-based line of buf[0], colBase the number of
	// characters between the start of that line and buf[0]; curIdx/curLine a
	// cursor that makes the line of each next row cheap to find.
	lineBase, colBase int
	curIdx, curLine   int

	started   bool
	state     int
	format    string
	truncated bool
	wrapped   bool  // the input was the 5.1 {"value":[...],"Count":N} wrapper
	err       error // sticky: returned by every Next after the first

	n      int // rows returned so far
	elem   int // values met in the current array or sequence, nulls included
	b      builder
	header csvHeader

	// dup* is the first key given twice in the object being read.
	keys     []keySpelling // spellings of the fields of the current object
	dupFirst string
	dupSec   string
	dupField string
	dup      bool     // a key was given twice (its name may be "")
	first    []string // field names of the first row, for notAPlan

	sbuf []byte // a string with escapes
	cbuf []byte // the compact text of a nested value

	// The {"value":[...],"Count":N} wrapper, while its array is read: the
	// keys of its members, the first key it gives twice before the array,
	// where it starts.
	wrapAt     int
	wrapKeys   []keySpelling
	wrapDup    [2]string
	wrapHasDup bool
	wrapLine   int
	wrapWhere  string
	// A first object whose value key holds something other than an array,
	// kept until it is known whether the object is the only value.
	pendingValue []byte
	pendingLine  int
	pendingWhere string
	pendingRow   Row
	pendingDup   error
}

type keySpelling struct {
	lower string // strings.ToLower of the name
	name  string // as written
}

// Reader states.
const (
	stStart       = iota
	stArray       // before the first element of the top-level array, or ']'
	stArrayNext   // after an element: ',' or ']'
	stArrayAfter  // after the closing ]: only white space may follow
	stLines       // JSON values one after another
	stWrapArray   // in the wrapper's array, before the first element or ']'
	stWrapNext    // in the wrapper's array, after an element
	stWrapRest    // after the wrapper's array: its remaining members
	stWrapAfter   // after the wrapper: only white space may follow
	stWrapSingle  // the wrapper of one object: return it
	stCSV         // CSV records
	stDone        // io.EOF
	stNullOnly    // the input is the JSON null
	stCSVStart    // CSV: the header is next
	stLinesSecond // JSON values after a first object that held a value key
)

// errMore says that a unit of the input (a value, an object, a CSV record)
// goes on past the end of the buffer; the caller reads more and starts the
// unit again. errCut says the input ends inside it.
var (
	errMore = errors.New("more input needed")
	errCut  = errors.New("input ends")
)

// Stream returns a Reader of the plan in r. name names the input in error
// messages.
func Stream(r io.Reader, name string) *Reader {
	rd := &Reader{name: name, src: source{r: r}, sizeHint: -1, lineBase: 1, curLine: 1}
	switch v := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			rd.sizeHint = fi.Size()
		}
	case interface{ Len() int }:
		rd.sizeHint = int64(v.Len())
	}
	return rd
}

// consumed is the offset in the decoded text up to which rows were read.
func (rd *Reader) consumed() int64 { return rd.base + int64(rd.pos) }

// Format is "json" or "csv" once the first row (or the end) was read, ""
// for an input that holds nothing at all.
func (rd *Reader) Format() string { return rd.format }

// Truncated reports, at the end, whether a JSON array ended without its
// closing ] (a crash cut an undo file short): the rows returned are the
// complete ones before the cut.
func (rd *Reader) Truncated() bool { return rd.truncated }

// Wrapped reports whether the input was Windows PowerShell 5.1's
// {"value":[...],"Count":N} wrapper (see Plan.Wrapped).
func (rd *Reader) Wrapped() bool { return rd.wrapped }

// Next returns the next row, or io.EOF after the last one. Any other error
// means the input cannot be read as a plan; it names the input and the
// place, and every later call returns it again.
func (rd *Reader) Next() (Row, error) {
	var r Row
	err := rd.nextInto(&r)
	return r, err
}

// nextInto is Next storing the row into *r, which Read gives in place.
func (rd *Reader) nextInto(r *Row) error {
	if rd.err != nil {
		return rd.err
	}
	err := rd.next(r)
	if err != nil {
		if err != io.EOF {
			if !strings.HasPrefix(err.Error(), rd.name+": ") {
				err = fmt.Errorf("%s: %w", rd.name, err)
			}
		}
		rd.err = err
		return err
	}
	rd.n++
	r.N = rd.n
	if rd.n == 1 {
		if err := notAPlan(rd.name, rd.first); err != nil {
			rd.err = err
			return err
		}
	}
	return nil
}

func (rd *Reader) next(r *Row) error {
	if !rd.started {
		rd.started = true
		bom, err := rd.src.start()
		if err != nil {
			return err
		}
		rd.bomLen, rd.utf16 = bom, rd.src.enc != encUTF8
		if err := rd.begin(); err != nil {
			return err
		}
	}
	for {
		var ok bool
		var err error
		switch rd.state {
		case stDone, stNullOnly:
			return io.EOF
		case stCSVStart:
			err = rd.csvHeader()
		case stCSV:
			ok, err = rd.csvRow(r)
		default:
			ok, err = rd.jsonStep(r)
		}
		if err == errMore {
			if err = rd.fill(); err == nil {
				continue
			}
		}
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
}

// begin reads up to the first character that is not white space and
// decides the format from it.
func (rd *Reader) begin() error {
	for {
		i := skipSpace(rd.buf, rd.pos)
		if i == len(rd.buf) && !rd.eof {
			rd.pos = i
			if err := rd.fill(); err != nil {
				return err
			}
			continue
		}
		switch {
		case i == len(rd.buf):
			rd.state = stDone
			return nil
		case rd.buf[i] == '[':
			rd.format, rd.state, rd.pos = "json", stArray, i+1
		case rd.buf[i] == '{':
			rd.format, rd.state, rd.pos = "json", stLines, i
		default:
			null, err := rd.onlyNull(i)
			if err != nil {
				return err
			}
			if null {
				rd.format, rd.state = "json", stNullOnly
			} else {
				rd.format, rd.state = "csv", stCSVStart
			}
		}
		return nil
	}
}

// onlyNull reports whether the input from buf[i] on is null and white space
// (ConvertTo-Json -InputObject $null: nothing to do), reading as far as
// needed; rd.pos stays at i.
func (rd *Reader) onlyNull(i int) (bool, error) {
	rd.pos = i
	for {
		j := rd.pos
		s := rd.buf
		if len(s)-j >= 4 && string(s[j:j+4]) != "null" || len(s)-j < 4 && rd.eof {
			return false, nil
		}
		if len(s)-j >= 4 {
			k := skipSpace(s, j+4)
			if k < len(s) {
				return false, nil
			}
			if rd.eof {
				return true, nil
			}
		}
		if err := rd.fill(); err != nil {
			return false, err
		}
	}
}

// fill reads more input into buf, keeping buf[pos:]; pos becomes 0 when
// the consumed part is dropped. It returns errCut at the end of the input.
func (rd *Reader) fill() error {
	if rd.eof {
		return errCut
	}
	if rd.pos > 0 && (rd.pos >= len(rd.buf)/2 || cap(rd.buf)-len(rd.buf) < chunk/4) {
		rd.drop(rd.pos)
	}
	if cap(rd.buf)-len(rd.buf) < chunk/4 {
		nb := make([]byte, len(rd.buf), max(2*cap(rd.buf), chunk))
		copy(nb, rd.buf)
		rd.buf = nb
	}
	for {
		b, err := rd.src.read(rd.buf)
		grew := len(b) > len(rd.buf)
		rd.buf = b
		if err == io.EOF {
			rd.eof = true
			return nil
		}
		if err != nil {
			return err
		}
		if grew {
			return nil
		}
	}
}

// drop removes buf[:k], keeping the line accounting right.
func (rd *Reader) drop(k int) {
	gone := rd.buf[:k]
	line := rd.lineBase
	from := 0
	if rd.curIdx <= k {
		line, from = rd.curLine, rd.curIdx
	}
	line += bytes.Count(gone[from:], []byte{'\n'})
	if line > rd.lineBase {
		// gone ends a line: count from its last newline, near its end
		// in a plan of a row per line.
		rd.colBase = runeCount(gone[bytes.LastIndexByte(gone, '\n')+1:])
	} else {
		// Not a newline in gone (a plan on one line): no need to look
		// for one.
		rd.colBase += runeCount(gone)
	}
	rd.lineBase = line
	if rd.curIdx <= k {
		rd.curIdx, rd.curLine = 0, line
	} else {
		rd.curIdx -= k
	}
	n := copy(rd.buf, rd.buf[k:])
	rd.buf = rd.buf[:n]
	rd.base += int64(k)
	rd.pos -= k
}

// runeCount is utf8.RuneCount of b, text the reader has decoded or
// checked, so valid UTF-8: its bytes that are not continuation bytes
// (10xxxxxx), counted eight at a time. (Of invalid UTF-8 it would not
// count a stray continuation byte, where utf8.RuneCount counts one.)
func runeCount(b []byte) int {
	cont := 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		cont += bits.OnesCount64(w &^ (w << 1) & 0x8080808080808080)
	}
	for _, c := range b[i:] {
		if c&0xC0 == 0x80 {
			cont++
		}
	}
	return len(b) - cont
}

// lineAt returns the 1-based line of buf[i].
func (rd *Reader) lineAt(i int) int {
	if i < rd.curIdx {
		rd.curIdx, rd.curLine = 0, rd.lineBase
	}
	rd.curLine += bytes.Count(rd.buf[rd.curIdx:i], []byte{'\n'})
	rd.curIdx = i
	return rd.curLine
}

// where names buf[i] for an error message: line and column (in
// characters), plus the byte offset in the input when the input is UTF-8.
func (rd *Reader) where(i int) string {
	i = min(max(i, 0), len(rd.buf))
	l := rd.lineAt(i)
	col := 0
	if nl := bytes.LastIndexByte(rd.buf[:i], '\n'); nl >= 0 {
		col = utf8.RuneCount(rd.buf[nl+1:i]) + 1
	} else {
		col = rd.colBase + utf8.RuneCount(rd.buf[:i]) + 1
	}
	if !rd.utf16 {
		return fmt.Sprintf("line %d, column %d (byte offset %d)", l, col, rd.base+int64(i)+int64(rd.bomLen))
	}
	return fmt.Sprintf("line %d, column %d", l, col)
}

func (rd *Reader) errorf(i int, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", rd.name, rd.where(i), fmt.Sprintf(format, args...))
}

func skipSpace(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02X", c)
}
