package output

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding is the character encoding of what is written.
type Encoding string

// The encodings --encoding accepts.
const (
	UTF8    Encoding = "utf8"
	UTF8BOM Encoding = "utf8bom"
	UTF16LE Encoding = "utf16le"
)

// Encodings lists the accepted --encoding values.
var Encodings = []string{string(UTF8), string(UTF8BOM), string(UTF16LE)}

// ParseEncoding validates an --encoding value (case-insensitive).
func ParseEncoding(s string) (Encoding, error) {
	for _, e := range Encodings {
		if strings.EqualFold(s, e) {
			return Encoding(e), nil
		}
	}
	return "", fmt.Errorf("unknown encoding %q (want one of %s)", s, strings.Join(Encodings, ", "))
}

// Sink is where records go: stdout, or a file that appears atomically (a temp
// file beside it, renamed over it on Commit; never half-written).
type Sink struct {
	io.Writer
	enc   io.WriteCloser // the encoding transformer, if any
	file  *os.File
	dest  string
	stdio io.Writer
}

// OpenSink opens stdout (outPath == "") or a temp file for outPath.
func OpenSink(stdout io.Writer, outPath string, e Encoding) (*Sink, error) {
	s := &Sink{stdio: stdout, dest: outPath}
	var base io.Writer = stdout
	if outPath != "" {
		abs, err := filepath.Abs(outPath)
		if err != nil {
			return nil, err
		}
		s.dest = abs
		f, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".dumpsync-tmp-*")
		if err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", abs, err)
		}
		s.file = f
		base = f
	}
	switch e {
	case UTF8BOM:
		if _, err := base.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
			s.Abort()
			return nil, err
		}
		s.Writer = base
	case UTF16LE:
		s.enc = transform.NewWriter(base, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder())
		s.Writer = s.enc
	default:
		s.Writer = base
	}
	return s, nil
}

// Commit finishes the output: flushes the encoder and, for a file, syncs it
// and renames it into place.
func (s *Sink) Commit() error {
	if s.enc != nil {
		if err := s.enc.Close(); err != nil {
			s.Abort()
			return err
		}
	}
	if s.file == nil {
		return nil
	}
	f := s.file
	s.file = nil
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", s.dest, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", s.dest, err)
	}
	if err := os.Rename(f.Name(), s.dest); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", s.dest, err)
	}
	return nil
}

// Abort discards a file that was not committed; the destination is untouched.
func (s *Sink) Abort() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
		s.file = nil
	}
}
