package output

import (
	"bufio"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// tableRows is how many rows are held to size the columns; later rows are
// written as they come (a column widens if it must), so memory stays bounded.
const tableRows = 500

// TableWidth is the width a narrow table aims at: a "middle" column (a
// path) is shortened until the table fits, down to minMiddle.
const TableWidth = 120

const minMiddle = 20

// width measures display columns. The condition is fixed, not taken from
// the locale, so that tables (and their golden files) are the same
// everywhere: East Asian wide characters count two, ambiguous ones one.
var width = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// tableTag is a field's `table` struct tag, a comma-separated list of:
// narrow (shown in the default, narrow table; a record type without any
// narrow field shows every field), middle (shortened in the middle with …
// when the narrow table is too wide) and only (a table-only column: the
// field has json:"-" and is never in JSON or CSV).
type tableTag struct{ narrow, middle, only bool }

func parseTableTag(s string) tableTag {
	var t tableTag
	for _, o := range strings.Split(s, ",") {
		switch o {
		case "narrow":
			t.narrow = true
		case "middle":
			t.middle = true
		case "only":
			t.only = true
		case "":
		default:
			panic("output: unknown table tag option " + o)
		}
	}
	return t
}

// tableColumns chooses the columns of a table: every field and the
// table-only ones when wide, else the narrow fields (all when none is).
func tableColumns(t reflect.Type, wide bool) ([]column, error) {
	all, err := fieldsOf(t, true)
	if err != nil {
		return nil, err
	}
	if wide {
		return all, nil
	}
	var narrow []column
	for _, c := range all {
		if c.table.narrow {
			narrow = append(narrow, c)
		}
	}
	if len(narrow) == 0 {
		return all, nil
	}
	return narrow, nil
}

// tableEncoder writes aligned columns for people. Null is shown as empty.
type tableEncoder struct {
	w       *bufio.Writer
	cols    []column
	width   []int
	limit   []int // > 0: a middle column's width once the header is written
	held    [][]string
	header  bool
	shorten bool // narrow: shorten middle columns to fit TableWidth
	lineBuf []byte
}

func newTableEncoder(w *bufio.Writer, cols []column, wide bool) *tableEncoder {
	e := &tableEncoder{w: w, cols: cols, width: make([]int, len(cols)), limit: make([]int, len(cols)), shorten: !wide}
	for i, c := range cols {
		e.width[i] = width.StringWidth(c.Name)
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
		e.width[i] = max(e.width[i], width.StringWidth(s))
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

// fit shortens the middle columns until the table fits TableWidth, always
// the widest of them by one column (so they end up about as wide as each
// other), none below minMiddle.
func (e *tableEncoder) fit() {
	if !e.shorten {
		return
	}
	total := 2 * (len(e.width) - 1)
	for _, w := range e.width {
		total += w
	}
	for ; total > TableWidth; total-- {
		widest := -1
		for i, c := range e.cols {
			if c.table.middle && e.width[i] > max(minMiddle, width.StringWidth(c.Name)) &&
				(widest < 0 || e.width[i] > e.width[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		e.width[widest]--
		e.limit[widest] = e.width[widest]
	}
}

func (e *tableEncoder) flushHeld() {
	e.fit()
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
		if e.limit[i] > 0 {
			s = ShortenMiddle(s, e.limit[i])
		}
		e.lineBuf = append(e.lineBuf, s...)
		if pad := e.width[i] - width.StringWidth(s); pad > 0 && i < len(row)-1 {
			e.lineBuf = append(e.lineBuf, strings.Repeat(" ", pad)...)
		}
	}
	e.w.Write([]byte(strings.TrimRight(string(e.lineBuf), " ")))
	e.w.WriteByte('\n')
}

func (e *tableEncoder) Close() error {
	if !e.header {
		e.flushHeld()
	}
	return e.w.Flush()
}

// ShortenMiddle shortens s to at most w display columns by replacing its
// middle with "…", keeping a third of the room for the start and the rest
// for the end (of a path, the file name matters most). A wide character is
// never cut in half.
func ShortenMiddle(s string, w int) string {
	if width.StringWidth(s) <= w {
		return s
	}
	if w < 1 {
		return ""
	}
	room := w - 1 // the ellipsis takes one column
	head := width.Truncate(s, room/3, "")
	tailRoom := room - width.StringWidth(head)
	end := len(s)
	for used := 0; end > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:end])
		rw := width.RuneWidth(r)
		if used+rw > tailRoom {
			break
		}
		used += rw
		end -= n
	}
	return head + "…" + s[end:]
}
