package output

import (
	"bufio"
	"encoding/csv"
)

// csvEncoder writes RFC 4180 CSV: a header row, CRLF line ends, fields quoted
// only when needed, null as an empty field.
type csvEncoder struct {
	w    *bufio.Writer
	cw   *csv.Writer
	cols []column
	row  []string
	head bool
}

func newCSVEncoder(w *bufio.Writer, cols []column) *csvEncoder {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvEncoder{w: w, cw: cw, cols: cols, row: make([]string, len(cols))}
}

func (e *csvEncoder) header() error {
	if e.head {
		return nil
	}
	e.head = true
	for i, c := range e.cols {
		e.row[i] = c.name
	}
	return e.cw.Write(e.row)
}

func (e *csvEncoder) Encode(rec any) error {
	if err := e.header(); err != nil {
		return err
	}
	v := valueOf(rec)
	for i, c := range e.cols {
		e.row[i], _ = text(v.FieldByIndex(c.index))
	}
	return e.cw.Write(e.row)
}

func (e *csvEncoder) Close() error {
	if err := e.header(); err != nil {
		return err
	}
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	return e.w.Flush()
}
