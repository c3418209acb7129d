// Package resync reads Resync.cfg files: it streams their records and
// fingerprints exactly the bytes it read (size, SHA-256), so that decisions
// made from a read can be guarded against later changes. It never writes;
// rewriting is package resyncedit's job.
package resync

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/safefs"
)

// FileName is the canonical name of the file; lookups are case-insensitive.
const FileName = "Resync.cfg"

// Info describes the bytes one Scan read.
type Info struct {
	Path    string
	Size    int64    // bytes read, including a partial trailing record
	Sha256  [32]byte // of those bytes
	ModTime time.Time
	Records int64 // whole records read
}

// PartialError reports a file whose size is not a multiple of record.Size.
// The whole records before Offset were still delivered.
type PartialError struct {
	Path   string
	Offset int64 // where the partial record starts
	Size   int64 // file size as read
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%s: partial record at byte offset %d (size %d is not a multiple of %d)",
		e.Path, e.Offset, e.Size, record.Size)
}

// IsPartial reports whether err is (or wraps) a *PartialError.
func IsPartial(err error) bool {
	var p *PartialError
	return errors.As(err, &p)
}

// bufRecords is how many records one read fetches; 1 MiB-ish reads keep the
// per-record cost at a copy of 48 bytes.
const bufRecords = 21845

// Func is called for each whole record, in file order. The entry is only
// valid during the call. Returning an error stops the scan.
type Func func(index int64, e *record.Entry) error

// Scan reads the file at path to its end, calling fn for every whole record.
// If the size is not a multiple of record.Size it still delivers every whole
// record and then returns a *PartialError along with the Info.
//
// A link, FIFO, device or socket is refused (a *safefs.RefusedError) without
// being read: it is checked before it is opened, and again on the handle, so
// a FIFO in place of a Resync.cfg is reported, not waited on.
func Scan(path string, fn Func) (Info, error) {
	return scan(path, fn, true)
}

// Read is Scan without the fingerprint (Info.Sha256 stays zero): for readers
// that list records and decide nothing, such as dump.
func Read(path string, fn Func) (Info, error) {
	return scan(path, fn, false)
}

func scan(path string, fn Func, hash bool) (Info, error) {
	f, err := safefs.Open(path)
	if err != nil {
		return Info{Path: path}, err
	}
	defer f.Close()
	info := Info{Path: path}
	if st, err := f.Stat(); err == nil {
		info.ModTime = st.ModTime()
	}
	err = scanReader(f, &info, fn, hash)
	return info, err
}

// ScanReader is Scan on an open reader; info.Path names it in errors.
func ScanReader(r io.Reader, info *Info, fn Func) error {
	return scanReader(r, info, fn, true)
}

func scanReader(r io.Reader, info *Info, fn Func, fingerprint bool) error {
	rr := &Records{r: r, info: info}
	if fingerprint {
		rr.hash = sha256.New()
	}
	buf := make([]byte, bufRecords*record.Size)
	var e record.Entry
	for {
		n, err := rr.Next(buf)
		for off := 0; off < n; off += record.Size {
			copy(e.Raw[:], buf[off:off+record.Size])
			if fn != nil {
				if ferr := fn(info.Records, &e); ferr != nil {
					return ferr
				}
			}
			info.Records++
		}
		if err == nil {
			continue
		}
		if err != io.EOF && !IsPartial(err) {
			return err
		}
		if rr.hash != nil {
			copy(info.Sha256[:], rr.hash.Sum(nil))
		}
		if err == io.EOF {
			return nil
		}
		return err
	}
}

// Records reads a Resync.cfg's whole records a block at a time into
// buffers the caller owns: for readers that take many records at once
// (dump reads each block straight into the buffer it formats from). Scan
// and Read are built on it.
type Records struct {
	r    io.Reader
	f    *os.File // when opened by OpenRecords
	info *Info
	hash hash.Hash // nil: no fingerprint
	part [record.Size]byte
	np   int   // part[:np] is the start of a record split across reads
	done error // io.EOF, a *PartialError or a read error, once met
}

// OpenRecords opens path as Read does (a link, FIFO, device or socket is
// refused without being read) for reading with Next. No fingerprint is
// made.
func OpenRecords(path string) (*Records, error) {
	f, err := safefs.Open(path)
	if err != nil {
		return nil, err
	}
	return &Records{r: f, f: f, info: &Info{Path: path}}, nil
}

// Close closes the file OpenRecords opened.
func (r *Records) Close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}

// Next reads whole records into buf, which must hold at least one, and
// returns how many bytes of buf it filled (a multiple of record.Size). At
// the end it returns 0 and io.EOF, or a *PartialError when the size is not
// a multiple of record.Size; a read error is returned (naming the file)
// once the whole records read before it were returned.
func (r *Records) Next(buf []byte) (int, error) {
	if len(buf) < record.Size {
		panic("resync: Records.Next needs room for a record")
	}
	if r.done != nil {
		return 0, r.done
	}
	have := copy(buf, r.part[:r.np])
	for {
		n, err := io.ReadAtLeast(r.r, buf[have:], 1)
		if n > 0 {
			if r.hash != nil {
				r.hash.Write(buf[have : have+n])
			}
			r.info.Size += int64(n)
			have += n
		}
		whole := have / record.Size * record.Size
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			r.done = io.EOF
			if have != whole {
				r.done = &PartialError{Path: r.info.Path, Offset: r.info.Size - int64(have-whole), Size: r.info.Size}
			}
		case err != nil:
			r.done = fmt.Errorf("%s: %w", r.info.Path, err)
		}
		if whole > 0 {
			r.np = copy(r.part[:], buf[whole:have])
			return whole, nil
		}
		if r.done != nil {
			return 0, r.done
		}
	}
}
