package output

import "slices"

// Chunked is implemented by the encoders whose records can be formatted apart
// from the stream and written later, in order: JSON, JSON Lines and CSV of
// Fielder records. dump formats chunks of records on several goroutines and
// writes them through WriteChunk; the bytes are the same as Encode's.
type Chunked interface {
	// NewFormatter returns a formatter for one goroutine.
	NewFormatter() *Formatter
	// WriteChunk writes n records that a Formatter appended to b.
	WriteChunk(b []byte, n int) error
}

// AsChunked returns enc as a Chunked encoder, if it can be one for its
// records.
func AsChunked(enc Encoder) (Chunked, bool) {
	switch e := enc.(type) {
	case *jsonEncoder:
		if e.fast != nil {
			return e, true
		}
	case *csvEncoder:
		if e.fast != nil {
			return e, true
		}
	}
	return nil, false
}

// Formatter formats records for WriteChunk. It is not safe for concurrent
// use; each goroutine has its own.
type Formatter struct {
	json *jsonFields
	csv  *csvFields
	sep  string // before each JSON record: ",\n" in an array, "" in JSON Lines
	end  string // after each JSON record: "\n" in JSON Lines
}

// Append appends rec, formatted, to dst.
func (f *Formatter) Append(dst []byte, rec Fielder) []byte {
	if f.csv != nil {
		f.csv.buf = dst
		f.csv.record(rec)
		dst, f.csv.buf = f.csv.buf, nil
		return dst
	}
	// Room for a typical record, so that the field names can be copied
	// in fixed-size blocks (jsonFields.name).
	dst = slices.Grow(dst, 512)
	f.json.buf = append(dst, f.sep...)
	f.json.record(rec)
	dst = append(f.json.buf, f.end...)
	f.json.buf = nil
	return dst
}

func (e *jsonEncoder) NewFormatter() *Formatter {
	f := &Formatter{json: &jsonFields{names: e.fast.names}}
	if e.array {
		f.sep = ",\n"
	} else {
		f.end = "\n"
	}
	return f
}

// WriteChunk writes a chunk; in an array the very first record's ",\n"
// becomes the opening "[\n".
func (e *jsonEncoder) WriteChunk(b []byte, n int) error {
	if n == 0 {
		return nil
	}
	if e.array && e.n == 0 {
		e.w.WriteString("[\n")
		b = b[2:]
	}
	e.n += n
	_, err := e.w.Write(b)
	return err
}

func (e *csvEncoder) NewFormatter() *Formatter {
	return &Formatter{csv: &csvFields{n: len(e.cols)}}
}

func (e *csvEncoder) WriteChunk(b []byte, n int) error {
	if err := e.header(); err != nil {
		return err
	}
	_, err := e.w.Write(b)
	return err
}
