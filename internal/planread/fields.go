package planread

import (
	"fmt"
	"strconv"
	"strings"
)

// kind says how a field's value is read.
type kind int

const (
	kString  kind = iota // must be a string: Action, Path, Record, Sha256, Content
	kText                // informational text: numbers and bools are kept as their JSON text
	kInt                 // integer used for decisions: anything else is a problem
	kInfoInt             // informational integer: anything else is nil
)

type field struct {
	name string
	kind kind
}

// fields lists the columns of a row in export order.
var fields = []field{
	{"Action", kString},
	{"Path", kString},
	{"SmsId", kText},
	{"RequestTime", kInfoInt},
	{"RequestedAt", kText},
	{"AgeDays", kInfoInt},
	{"Cutoff", kInt},
	{"Offset", kInt},
	{"Record", kString},
	{"Size", kInt},
	{"ModTime", kInfoInt},
	{"Sha256", kString},
	{"Reason", kText},
	{"Content", kString},
}

// fieldIndex maps a lower-case field name to its index in fields.
var fieldIndex = func() map[string]int {
	m := make(map[string]int, len(fields))
	for i, f := range fields {
		m[strings.ToLower(f.name)] = i
	}
	return m
}()

func lookupField(name string) (int, bool) {
	i, ok := fieldIndex[strings.ToLower(name)]
	return i, ok
}

// value is one field's value as found in the input.
type value struct {
	null bool
	text string // the string's content, or the JSON text of a non-string
	// json is the JSON type of a non-string value: "number", "bool",
	// "object" or "array"; "" for strings and CSV cells.
	json string
}

// set stores v into field i of r, or records why it cannot.
func (r *Row) set(i int, v value) {
	f := fields[i]
	if v.null || v.json == "" && v.text == "" {
		return // null, and an empty string is null too
	}
	switch f.kind {
	case kString:
		if v.json != "" {
			r.problem(f.name, fmt.Sprintf("must be a string, got the %s %s", v.json, clip(v.text)))
			return
		}
		r.setString(f.name, v.text)
	case kText:
		r.setString(f.name, v.text)
	case kInt, kInfoInt:
		n, err := parseInt(v)
		if err != nil {
			if f.kind == kInt {
				r.problem(f.name, err.Error())
			}
			return
		}
		r.setInt(f.name, n)
	}
}

func (r *Row) problem(field, msg string) {
	r.bad = append(r.bad, fieldProblem{field, msg})
}

func (r *Row) setString(name, s string) {
	p := &s
	switch name {
	case "Action":
		r.Action = s
		for _, a := range actions {
			if strings.EqualFold(s, a) {
				r.Action = a
			}
		}
	case "Path":
		r.Path = s
	case "SmsId":
		r.SmsId = s
	case "RequestedAt":
		r.RequestedAt = p
	case "Record":
		r.Record = lowerHex(p)
	case "Sha256":
		r.Sha256 = lowerHex(p)
	case "Reason":
		r.Reason = p
	case "Content":
		r.Content = p
	}
}

func (r *Row) setInt(name string, n int64) {
	p := &n
	switch name {
	case "RequestTime":
		r.RequestTime = p
	case "AgeDays":
		r.AgeDays = p
	case "Cutoff":
		r.Cutoff = p
	case "Offset":
		r.Offset = p
	case "Size":
		r.Size = p
	case "ModTime":
		r.ModTime = p
	}
}

// lowerHex lower-cases s when it is all hex digits, and leaves anything else
// as it is so that an error message shows what the user wrote.
func lowerHex(p *string) *string {
	s := *p
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return p
		}
	}
	l := strings.ToLower(s)
	return &l
}

// parseInt reads a decimal integer: a JSON number without fraction or
// exponent, or a string holding one (as Import-Csv gives every value),
// optionally surrounded by spaces or tabs. A leading + is not accepted.
func parseInt(v value) (int64, error) {
	s := v.text
	switch v.json {
	case "":
		s = strings.Trim(s, " \t")
	case "number":
	default:
		return 0, fmt.Errorf("must be an integer, got the %s %s", v.json, clip(v.text))
	}
	if s == "" {
		return 0, fmt.Errorf("must be an integer, got %q", v.text)
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.IndexFunc(digits, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
		return 0, fmt.Errorf("not an integer: %s", quoteIf(v))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("integer out of range: %s", quoteIf(v))
	}
	return n, nil
}

func quoteIf(v value) string {
	if v.json == "" {
		return strconv.Quote(clip(v.text))
	}
	return clip(v.text)
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
