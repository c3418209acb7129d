package planread

import (
	"bytes"
	"fmt"
	"strings"
)

// A CSV plan: optional lines starting with # (the #TYPE line of Windows
// PowerShell's Export-Csv) and blank lines, a header line whose names are
// matched case-insensitively, then one record per row. The delimiter, , or
// ;, is the one that makes more header names known fields. Fields may be
// quoted (RFC 4180, "" for a quote, line breaks allowed inside) or not; every
// value is a string and an empty one is null.

type csvHeader struct {
	delim byte
	cols  []int // field index of each column, -1 if unknown
	line  int
	rec   [][]byte // the current record's fields
}

// csvHeader reads the lines before the header and the header itself.
func (rd *Reader) csvHeader() error {
	s := rd.buf
	for {
		i := rd.pos
		e := bytes.IndexByte(s[i:], '\n')
		if e < 0 {
			if !rd.eof {
				return errMore
			}
			e = len(s) - i
		}
		if l := strings.TrimSpace(string(s[i : i+e])); l != "" && l[0] != '#' {
			break
		}
		if i+e == len(s) {
			rd.pos = len(s)
			rd.state = stDone
			return nil
		}
		rd.pos = i + e + 1
	}
	h := &rd.header
	h.line = rd.lineAt(rd.pos)
	best, np := -1, 0
	var header []string
	var firstErr error
	for _, d := range []byte{',', ';'} {
		rec, next, err := rd.csvRecord(rd.pos, d, nil)
		if err == errMore {
			return err
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n := 0
		for _, name := range rec {
			if _, ok := lookupField(string(name)); ok {
				n++
			}
		}
		if n > best {
			best, h.delim, np = n, d, next
			header = header[:0]
			for _, name := range rec {
				header = append(header, string(name))
			}
		}
	}
	if best < 0 {
		return firstErr
	}
	h.cols = make([]int, len(header))
	seen := map[string]string{} // lower-case name -> name as written
	known := 0
	for i, name := range header {
		h.cols[i] = -1
		if name != "" {
			// Import-Csv refuses a header with a name twice (any case), and
			// which column was meant cannot be known.
			k := strings.ToLower(name)
			if prev, dup := seen[k]; dup {
				field := prev
				if f, ok := lookupField(name); ok {
					field = fields[f].name
				}
				return fmt.Errorf("%s: line %d: column %s appears twice in the header (as %q and %q)", rd.name, h.line, field, prev, name)
			}
			seen[k] = name
		}
		if f, ok := lookupField(name); ok {
			h.cols[i] = f
			known++
		}
	}
	if err := notAPlan(rd.name, header); err != nil {
		return err
	}
	if known == 0 {
		return fmt.Errorf("%s: line %d: not a plan: the first line is neither JSON nor a CSV header naming any of the columns %s", rd.name, h.line, fieldNames())
	}
	rd.pos = np
	rd.state = stCSV
	return nil
}

// csvRow reads the next record as a row; blank lines are skipped.
func (rd *Reader) csvRow(r *Row) (bool, error) {
	s := rd.buf
	h := &rd.header
	i := rd.pos
	e := bytes.IndexByte(s[i:], '\n')
	if e < 0 {
		if !rd.eof {
			return false, errMore
		}
		e = len(s) - i
	}
	if len(bytes.TrimRight(s[i:i+e], "\r")) == 0 {
		if i+e >= len(s) {
			rd.pos = len(s)
			rd.state = stDone
		} else {
			rd.pos = i + e + 1
		}
		return false, nil
	}
	line := rd.lineAt(i)
	rec, next, err := rd.csvRecord(i, h.delim, h.rec[:0])
	if err != nil {
		return false, err
	}
	h.rec = rec
	if len(rec) != len(h.cols) {
		return false, fmt.Errorf("%s: line %d: the record has %d fields, the header (line %d) has %d", rd.name, line, len(rec), h.line, len(h.cols))
	}
	*r = Row{Line: line}
	for k, v := range rec {
		if f := h.cols[k]; f >= 0 {
			rd.b.setString(r, f, v)
		}
	}
	rd.pos = next
	return true, nil
}

func fieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// csvRecord reads the record at buf[i], appending its fields to rec, and
// returns them and the index of the next record. A field is a part of buf,
// or a copy when it held "" for a quote.
func (rd *Reader) csvRecord(i int, delim byte, rec [][]byte) ([][]byte, int, error) {
	s := rd.buf
	for {
		if i < len(s) && s[i] == '"' {
			open := i
			var field []byte
			copied := false
			j := i + 1
			for {
				k := bytes.IndexByte(s[j:], '"')
				if k < 0 {
					if !rd.eof {
						return nil, 0, errMore
					}
					return nil, 0, fmt.Errorf("%s: line %d: the quoted field that starts there is not closed before the end of the input", rd.name, rd.lineAt(open))
				}
				k += j
				if k+1 == len(s) && !rd.eof {
					return nil, 0, errMore
				}
				if k+1 < len(s) && s[k+1] == '"' {
					field = append(field, s[j:k+1]...)
					copied = true
					j = k + 2
					continue
				}
				if copied {
					field = append(field, s[j:k]...)
				} else {
					field = s[j:k]
				}
				i = k + 1
				break
			}
			rec = append(rec, field)
			switch {
			case i == len(s):
				return rec, i, nil // eof: checked above
			case s[i] == delim:
				i++
				if i == len(s) && !rd.eof {
					return nil, 0, errMore
				}
				continue
			case s[i] == '\n':
				return rec, i + 1, nil
			case s[i] == '\r' && i+1 == len(s):
				if !rd.eof {
					return nil, 0, errMore
				}
				return rec, i + 1, nil
			case s[i] == '\r' && s[i+1] == '\n':
				return rec, i + 2, nil
			}
			return nil, 0, fmt.Errorf("%s: line %d: unexpected %s after the closing quote of a field (want %q or the end of the line)", rd.name, rd.lineAt(i), describeByte(s[i]), delim)
		}
		j := i
		for j < len(s) && s[j] != delim && s[j] != '\n' {
			j++
		}
		if j == len(s) && !rd.eof {
			return nil, 0, errMore
		}
		if j == len(s) || s[j] == '\n' {
			rec = append(rec, bytes.TrimSuffix(s[i:j], []byte{'\r'}))
			if j == len(s) {
				return rec, j, nil
			}
			return rec, j + 1, nil
		}
		rec = append(rec, s[i:j])
		i = j + 1
	}
}
