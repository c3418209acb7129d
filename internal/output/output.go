// Package output writes streams of flat records as JSON, JSON Lines, CSV or
// an aligned table. It is the only package that encodes JSON, and the only
// one that knows the formats; commands hand it Go structs whose json tags
// name the columns. It does not decide what a record holds.
package output

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
)

// Format is an output format.
type Format string

// The formats; Auto resolves to Table on a terminal and JSON otherwise.
const (
	Auto  Format = "auto"
	JSON  Format = "json"
	JSONL Format = "jsonl"
	CSV   Format = "csv"
	Table Format = "table"
)

// Formats lists the accepted --format values.
var Formats = []string{string(Auto), string(JSON), string(JSONL), string(CSV), string(Table)}

// ParseFormat validates a --format value (case-insensitive).
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, f) {
			return Format(f), nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(Formats, ", "))
}

// Resolve turns Auto into a concrete format: from the --out file's extension
// when there is one, else Table on a terminal and JSON otherwise.
func (f Format) Resolve(outPath string, terminal bool) (Format, error) {
	if f != Auto && f != "" {
		return f, nil
	}
	if outPath != "" {
		switch strings.ToLower(filepath.Ext(outPath)) {
		case ".json":
			return JSON, nil
		case ".jsonl":
			return JSONL, nil
		case ".csv":
			return CSV, nil
		case ".txt":
			return Table, nil
		}
		return "", fmt.Errorf("cannot tell the format from the extension of %s (use .json, .jsonl, .csv or .txt, or --format)", outPath)
	}
	if terminal {
		return Table, nil
	}
	return JSON, nil
}

// Encoder writes records of one type. Close writes what ends the stream (the
// closing bracket of a JSON array, a table's buffered rows) and flushes.
type Encoder interface {
	Encode(rec any) error
	Close() error
}

// Option changes how an encoder writes.
type Option func(*options)

type options struct{ wide bool }

// Wide makes a table show every field (and its table-only columns) at full
// width, instead of the narrow view of the fields tagged table:"narrow".
// The other formats always carry every field.
func Wide(on bool) Option { return func(o *options) { o.wide = on } }

// NewEncoder returns an encoder for records shaped like proto (a struct or a
// pointer to one). Every record passed to Encode must have proto's type.
func NewEncoder(w io.Writer, f Format, proto any, opts ...Option) (Encoder, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t := reflect.TypeOf(proto)
	cols, err := columnsOf(t)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	fast := fastEnabled && isFielder(t)
	var jf *jsonFields
	if fast {
		jf = newJSONFields(cols)
	}
	switch f {
	case JSON:
		return newJSONEncoder(bw, true, jf), nil
	case JSONL:
		return newJSONEncoder(bw, false, jf), nil
	case CSV:
		return newCSVEncoder(bw, cols, fast), nil
	case Table:
		tcols, err := tableColumns(t, o.wide)
		if err != nil {
			return nil, err
		}
		return newTableEncoder(bw, tcols, o.wide), nil
	}
	return nil, fmt.Errorf("output: no encoder for format %q", f)
}

var fielderType = reflect.TypeFor[Fielder]()

// fastEnabled is false only in the tests that hold the fast path to the
// reference path.
var fastEnabled = true

// isFielder reports whether records of type t (or pointers to them) are
// Fielders.
func isFielder(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Implements(fielderType) || reflect.PointerTo(t).Implements(fielderType)
}

func valueOf(rec any) reflect.Value {
	v := reflect.ValueOf(rec)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	return v
}
