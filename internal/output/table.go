package output

import (
	"bufio"
	"bytes"
	"strings"
	"unicode/utf8"
)

// tableRows is how many rows are held to size the columns; later rows are
// written as they come (a column widens if it must), so memory stays bounded.
const tableRows = 500

// tableEncoder writes aligned columns for people. Null is shown as empty.
type tableEncoder struct {
	w       *bufio.Writer
	cols    []column
	width   []int
	held    [][]string
	header  bool
	lineBuf []byte
}

func newTableEncoder(w *bufio.Writer, cols []column) *tableEncoder {
	e := &tableEncoder{w: w, cols: cols, width: make([]int, len(cols))}
	for i, c := range cols {
		e.width[i] = utf8.RuneCountInString(c.Name)
	}
	return e
}

func (e *tableEncoder) Encode(rec any) error {
	v := valueOf(rec)
	row := make([]string, len(e.cols))
	for i, c := range e.cols {
		s, _ := text(v.FieldByIndex(c.Index))
		row[i] = strings.Map(printable, s)
	}
	if e.header {
		e.line(row)
		return nil
	}
	e.held = append(e.held, row)
	for i, s := range row {
		e.width[i] = max(e.width[i], utf8.RuneCountInString(s))
	}
	if len(e.held) >= tableRows {
		e.flushHeld()
	}
	return nil
}

// printable keeps control characters of invalid data from garbling a terminal.
func printable(r rune) rune {
	if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
		return '.'
	}
	return r
}

func (e *tableEncoder) flushHeld() {
	names := make([]string, len(e.cols))
	rules := make([]string, len(e.cols))
	for i, c := range e.cols {
		names[i] = c.Name
		rules[i] = strings.Repeat("-", e.width[i])
	}
	e.line(names)
	e.line(rules)
	for _, r := range e.held {
		e.line(r)
	}
	e.held = nil
	e.header = true
}

func (e *tableEncoder) line(row []string) {
	e.lineBuf = e.lineBuf[:0]
	for i, s := range row {
		if i > 0 {
			e.lineBuf = append(e.lineBuf, "  "...)
		}
		e.lineBuf = append(e.lineBuf, s...)
		if pad := e.width[i] - utf8.RuneCountInString(s); pad > 0 && i < len(row)-1 {
			e.lineBuf = append(e.lineBuf, strings.Repeat(" ", pad)...)
		}
	}
	e.w.Write(bytes.TrimRight(e.lineBuf, " "))
	e.w.WriteByte('\n')
}

func (e *tableEncoder) Close() error {
	if !e.header {
		e.flushHeld()
	}
	return e.w.Flush()
}
