package output

import (
	"bufio"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvEncoder writes RFC 4180 CSV: a header row, CRLF line ends, fields quoted
// only when needed, null as an empty field. Field bytes are written as they
// are: encoding/csv with UseCRLF drops a lone CR and turns LF into CRLF
// inside quoted fields, which would change data (an invalid SMSID may hold
// any byte).
type csvEncoder struct {
	w    *bufio.Writer
	cols []column
	row  []string
	head bool
	fast *csvFields // nil: the records are not Fielders
}

func newCSVEncoder(w *bufio.Writer, cols []column, fast bool) *csvEncoder {
	e := &csvEncoder{w: w, cols: cols, row: make([]string, len(cols))}
	if fast {
		e.fast = &csvFields{n: len(cols)}
	}
	return e
}

func (e *csvEncoder) header() error {
	if e.head {
		return nil
	}
	e.head = true
	for i, c := range e.cols {
		e.row[i] = c.Name
	}
	return e.writeRow()
}

func (e *csvEncoder) Encode(rec any) error {
	if err := e.header(); err != nil {
		return err
	}
	if e.fast != nil {
		if f, ok := rec.(Fielder); ok {
			e.fast.buf = e.fast.buf[:0]
			e.fast.record(f)
			_, err := e.w.Write(e.fast.buf)
			return err
		}
	}
	v := valueOf(rec)
	for i, c := range e.cols {
		e.row[i], _ = text(v.FieldByIndex(c.Index))
	}
	return e.writeRow()
}

func (e *csvEncoder) writeRow() error {
	for i, f := range e.row {
		if i > 0 {
			e.w.WriteByte(',')
		}
		if !csvNeedsQuotes(f) {
			e.w.WriteString(f)
			continue
		}
		e.w.WriteByte('"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				break
			}
			e.w.WriteString(f[:j+1])
			e.w.WriteByte('"')
			f = f[j+1:]
		}
		e.w.WriteString(f)
		e.w.WriteByte('"')
	}
	_, err := e.w.WriteString("\r\n")
	return err
}

// csvNeedsQuotes decides as encoding/csv does: fields holding a comma, a
// quote, CR or LF, fields starting with a space, and `\.` are quoted.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` || strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

func (e *csvEncoder) Close() error {
	if err := e.header(); err != nil {
		return err
	}
	return e.w.Flush()
}
