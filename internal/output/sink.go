package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/paths"
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

// Sink is where records go: stdout, or the --out file, which appears
// atomically on Commit and is never half-written (package atomicfile; a
// device such as /dev/null or NUL is written to directly).
type Sink struct {
	io.Writer
	enc  io.WriteCloser // the encoding transformer, if any
	file *atomicfile.Pending
}

// OpenSink opens stdout (outPath == "") or the pending --out file outPath.
// A folder, or a file that cannot be created, is an error here, before
// anything is written.
func OpenSink(stdout io.Writer, outPath string, e Encoding) (*Sink, error) {
	s := &Sink{}
	var base io.Writer = stdout
	if outPath != "" {
		abs, err := filepath.Abs(outPath)
		if err != nil {
			return nil, err
		}
		p, err := atomicfile.CreateOutput(abs, atomicfile.Options{})
		if errors.Is(err, atomicfile.ErrIsDir) {
			return nil, fmt.Errorf("cannot write %s: it is a folder", abs)
		}
		if err != nil {
			if why := noFolder(abs); why != "" {
				return nil, fmt.Errorf("cannot write %s: %s", abs, why)
			}
			return nil, fmt.Errorf("cannot write %s: %w", abs, err)
		}
		s.file = p
		base = p
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

// noFolder says why path's folder cannot hold it: "F is not a folder" when
// a file stands where a folder of the path should be, "folder D does not
// exist" when it is missing; "" when the folder is there, or anything else
// is in the way (the caller reports its own error then).
func noFolder(path string) string {
	dir := filepath.Dir(path)
	if f := paths.FileInTheWay(dir); f != "" {
		return f + " is not a folder"
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return "folder " + dir + " does not exist"
	}
	return ""
}

// Commit finishes the output: flushes the encoder and, for a file, makes it
// durable and puts it in place.
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
	if err := f.Commit(); err != nil {
		return fmt.Errorf("cannot write %s: %w", f.Path(), err)
	}
	return nil
}

// Abort discards a file that was not committed; the destination is untouched.
func (s *Sink) Abort() {
	if s.file != nil {
		s.file.Abort()
		s.file = nil
	}
}
