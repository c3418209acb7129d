package planread

import (
	"fmt"
	"strings"
)

// readCSV reads a CSV plan: optional lines starting with # (the #TYPE line
// of Windows PowerShell's Export-Csv) and blank lines, a header line whose
// names are matched case-insensitively, then one record per row. The
// delimiter, , or ;, is the one that makes more header names known fields.
// Fields may be quoted (RFC 4180, "" for a quote, line breaks allowed inside)
// or not; every value is a string and an empty one is null.
func readCSV(t *text) (*Plan, error) {
	s := t.s
	plan := &Plan{Format: "csv"}
	pos := 0
	for pos < len(s) {
		end := lineEnd(s, pos)
		if l := strings.TrimSpace(string(s[pos:end])); l != "" && l[0] != '#' {
			break
		}
		pos = next(s, end)
	}
	if pos >= len(s) {
		return plan, nil
	}
	headerLine := t.line(pos)
	delim, header, pos, err := readHeader(t, pos)
	if err != nil {
		return nil, err
	}
	cols := make([]int, len(header)) // field index of each column, -1 if unknown
	seen := map[string]string{}      // lower-case name -> name as written
	known := 0
	for i, h := range header {
		cols[i] = -1
		if h != "" {
			// Import-Csv refuses a header with a name twice (any case), and
			// which column was meant cannot be known.
			k := strings.ToLower(h)
			if prev, dup := seen[k]; dup {
				name := prev
				if f, ok := lookupField(h); ok {
					name = fields[f].name
				}
				return nil, fmt.Errorf("%s: line %d: column %s appears twice in the header (as %q and %q)", t.name, headerLine, name, prev, h)
			}
			seen[k] = h
		}
		f, ok := lookupField(h)
		if !ok {
			continue
		}
		cols[i] = f
		known++
	}
	if err := notAPlan(t.name, header); err != nil {
		return nil, err
	}
	if known == 0 {
		return nil, fmt.Errorf("%s: line %d: not a plan: the first line is neither JSON nor a CSV header naming any of the columns %s", t.name, headerLine, fieldNames())
	}
	for pos < len(s) {
		end := lineEnd(s, pos)
		if strings.TrimRight(string(s[pos:end]), "\r") == "" {
			pos = next(s, end)
			continue
		}
		line := t.line(pos)
		rec, np, err := readRecord(t, pos, delim)
		if err != nil {
			return nil, err
		}
		pos = np
		if len(rec) != len(header) {
			return nil, fmt.Errorf("%s: line %d: the record has %d fields, the header (line %d) has %d", t.name, line, len(rec), headerLine, len(header))
		}
		row := Row{N: len(plan.Rows) + 1, Line: line}
		for i, v := range rec {
			if cols[i] >= 0 {
				row.set(cols[i], value{text: v})
			}
		}
		plan.Rows = append(plan.Rows, row)
	}
	return plan, nil
}

func fieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// lineEnd returns the offset of the \n ending the line at pos, or len(s).
func lineEnd(s []byte, pos int) int {
	for i := pos; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
	}
	return len(s)
}

func next(s []byte, end int) int {
	if end < len(s) {
		return end + 1
	}
	return end
}

// readHeader reads the header record at pos with each delimiter and keeps the
// one that yields more known column names (, on a tie).
func readHeader(t *text, pos int) (delim byte, header []string, np int, err error) {
	best := -1
	var firstErr error
	for _, d := range []byte{',', ';'} {
		h, p, err := readRecord(t, pos, d)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n := 0
		for _, name := range h {
			if _, ok := lookupField(name); ok {
				n++
			}
		}
		if n > best {
			best, delim, header, np = n, d, h, p
		}
	}
	if best < 0 {
		return 0, nil, 0, firstErr
	}
	return delim, header, np, nil
}

// readRecord reads one record starting at pos and returns its fields and the
// offset of the next record.
func readRecord(t *text, pos int, delim byte) ([]string, int, error) {
	s := t.s
	var rec []string
	for {
		if pos < len(s) && s[pos] == '"' {
			open := pos
			var b strings.Builder
			pos++
			for {
				i := pos
				for i < len(s) && s[i] != '"' {
					i++
				}
				b.Write(s[pos:i])
				if i >= len(s) {
					return nil, 0, fmt.Errorf("%s: line %d: the quoted field that starts there is not closed before the end of the input", t.name, t.line(open))
				}
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					pos = i + 2
					continue
				}
				pos = i + 1
				break
			}
			rec = append(rec, b.String())
			switch {
			case pos == len(s):
				return rec, pos, nil
			case s[pos] == delim:
				pos++
				continue
			case s[pos] == '\n':
				return rec, pos + 1, nil
			case s[pos] == '\r' && pos+1 < len(s) && s[pos+1] == '\n':
				return rec, pos + 2, nil
			case s[pos] == '\r' && pos+1 == len(s):
				return rec, pos + 1, nil
			}
			return nil, 0, fmt.Errorf("%s: line %d: unexpected %s after the closing quote of a field (want %q or the end of the line)", t.name, t.line(pos), describeByte(s[pos]), delim)
		}
		i := pos
		for i < len(s) && s[i] != delim && s[i] != '\n' {
			i++
		}
		f := string(s[pos:i])
		if i == len(s) || s[i] == '\n' {
			rec = append(rec, strings.TrimSuffix(f, "\r"))
			return rec, next(s, i), nil
		}
		rec = append(rec, f)
		pos = i + 1
	}
}
