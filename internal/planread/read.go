package planread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/dumpsync/dumpsync/internal/hugepages"
)

// Action names. RemoveEntry and DeleteFile are plan rows (see package plan);
// RestoreEntry and RestoreFile are the rows of apply's undo files.
const (
	RemoveEntry  = "RemoveEntry"
	DeleteFile   = "DeleteFile"
	RestoreEntry = "RestoreEntry"
	RestoreFile  = "RestoreFile"
)

var actions = []string{RemoveEntry, DeleteFile, RestoreEntry, RestoreFile}

// Row is one row of a plan or undo file as read, before any check. A field
// that is absent, null or an empty string is nil ("" for the string fields).
// Action is given its canonical spelling when it names a known action, and
// Record and Sha256 are lower-cased when they are hex; nothing else is changed.
type Row struct {
	N    int // 1-based position of the row in the plan
	Line int // CSV: line of the row's record; JSON: line where the object starts; 0 if unknown

	Action      string
	Path        string
	SmsId       string  // "" when missing
	RequestTime *int64  // Unix seconds
	RequestedAt *string // informational, verbatim in whatever form it came; never parsed
	AgeDays     *int64  // informational: nil unless it is an integer, never an error
	Cutoff      *int64
	Offset      *int64
	Record      *string
	Size        *int64
	ModTime     *int64
	Sha256      *string
	Reason      *string
	Content     *string // base64, undo RestoreFile rows only

	// bad holds the fields whose value could not be used (a non-integer
	// Size, a Path given as a number); Validate reports them.
	bad []fieldProblem
}

type fieldProblem struct {
	Field, Msg string
}

// Plan is what Read found.
type Plan struct {
	Rows []Row
	// Format is "json" or "csv", or "" when the input held nothing at all.
	Format string
	// Truncated is set when a JSON array ends without its closing ] (a crash
	// cut an undo file short); Rows then holds the complete rows before the cut.
	Truncated bool
	// Wrapped is set when the JSON was Windows PowerShell 5.1's
	// {"value":[...],"Count":N} wrapper: the sign of a pipeline that filtered
	// nothing (see POWERSHELL.md); callers warn about it.
	Wrapped bool
}

// Read reads a whole plan from r. name names the input in error messages.
// It returns an error only when the input cannot be read as a plan at all:
// bad encoding (with the byte offset in the input), bad JSON or CSV syntax
// (with the line, and the byte offset for UTF-8 input).
func Read(r io.Reader, name string) (*Plan, error) {
	b, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	in, err := decodeText(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := &text{name: name, s: in.s, bomLen: in.bomLen, utf8: in.utf8}
	i := skipSpace(t.s, 0)
	switch {
	case i == len(t.s):
		return &Plan{}, nil
	case t.s[i] == '[' || t.s[i] == '{':
		return readJSON(t)
	case bytes.Equal(bytes.TrimRight(t.s[i:], " \t\r\n"), []byte("null")):
		// ConvertTo-Json -InputObject $null: nothing to do.
		return &Plan{Format: "json"}, nil
	default:
		return readCSV(t)
	}
}

// readAll is io.ReadAll with the buffer sized at once when r tells its size
// (a regular file, a bytes.Reader), instead of grown and copied many times.
func readAll(r io.Reader) ([]byte, error) {
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
	hugepages.Slice(b)
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

// decoded is the input as UTF-8 without its byte-order mark.
type decoded struct {
	s      []byte
	bomLen int  // bytes of BOM removed from the start of a UTF-8 input
	utf8   bool // whether offsets in s plus bomLen are offsets in the input
}

func decodeText(b []byte) (decoded, error) {
	switch {
	case utf32BOM(b):
		return decoded{}, errors.New(errUTF32)
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return checkUTF8(b[3:], 3)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decodeUTF16(b, false)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decodeUTF16(b, true)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		if m := binaryLookalike(b); m != "" {
			return decoded{}, errors.New(m)
		}
		return decoded{}, fmt.Errorf("byte offset %d: NUL byte; the input looks like UTF-16 without a byte-order mark (save it as UTF-8, or as UTF-16 with a BOM)", i)
	}
	return checkUTF8(b, 0)
}

func checkUTF8(b []byte, base int) (decoded, error) {
	if utf8.Valid(b) {
		return decoded{s: b, bomLen: base, utf8: true}, nil
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return decoded{}, fmt.Errorf("byte offset %d: invalid UTF-8 (byte 0x%02X); save the plan as UTF-8 or UTF-16 (an ANSI code page is not supported)", base+i, b[i])
		}
		i += n
	}
	return decoded{s: b, bomLen: base, utf8: true}, nil
}

// decodeUTF16 checks b, which starts with a BOM, for an odd length and
// unpaired surrogates, which the x/text decoder would silently replace, and
// then decodes it.
func decodeUTF16(b []byte, bigEndian bool) (decoded, error) {
	if len(b)%2 != 0 {
		return decoded{}, fmt.Errorf("byte offset %d: UTF-16 input has an odd number of bytes (%d)", len(b)-1, len(b))
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
				return decoded{}, fmt.Errorf("byte offset %d: invalid UTF-16: high surrogate 0x%04X not followed by a low surrogate", i, u)
			}
			i += 2
		case utf16.IsSurrogate(rune(u)):
			return decoded{}, fmt.Errorf("byte offset %d: invalid UTF-16: low surrogate 0x%04X without a high surrogate", i, u)
		}
	}
	order := xunicode.LittleEndian
	if bigEndian {
		order = xunicode.BigEndian
	}
	s, err := xunicode.UTF16(order, xunicode.ExpectBOM).NewDecoder().Bytes(b)
	if err != nil {
		return decoded{}, fmt.Errorf("invalid UTF-16: %v", err)
	}
	return decoded{s: s}, nil
}

// text is the decoded input with what error messages need to locate a byte.
type text struct {
	name   string
	s      []byte
	bomLen int
	utf8   bool
	lines  []int // offsets where lines start, built on first use
}

// line returns the 1-based line of offset off in t.s.
func (t *text) line(off int) int {
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
func (t *text) where(off int) string {
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

func (t *text) errorf(off int, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %s", t.name, t.where(off), fmt.Sprintf(format, args...))
}

func skipSpace(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}
