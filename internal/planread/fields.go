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

func (r *Row) problem(field, msg string) {
	r.bad = append(r.bad, fieldProblem{field, msg})
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
