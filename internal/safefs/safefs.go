// Package safefs opens a file, or checks a path, under a root folder without
// ever going through a link: every folder from the root down to the file must
// be a plain folder (no symbolic link, junction, mount point or other reparse
// point), and the file must be a regular file. Each step is checked on the
// open handle, not on the path string, and nothing is opened before it is
// known not to be a FIFO or device, so a check can neither be fooled by a link
// in the middle nor hang on a FIFO. The root itself is trusted: the user named
// it. It does not decide which root applies to a path (package apply does),
// and it never writes.
package safefs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dumpsync/dumpsync/internal/paths"
)

// RefusedError says why a path may not be used: Path is the entry at fault
// (a folder on the way, or the file itself) and What says what it is.
type RefusedError struct {
	Path string
	What string // e.g. "a symbolic link", "a FIFO", "not a folder"
}

func (e *RefusedError) Error() string { return e.Path + " is " + e.What }

// IsRefused reports whether err is (or wraps) a *RefusedError.
func IsRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}

// Open opens the regular file at path for reading. A link (any reparse point
// on Windows), a folder, a FIFO, a device or a socket is refused with a
// *RefusedError, after checking and without waiting on it. Only the last
// element is checked; the folders above it are not (see OpenUnder).
func Open(path string) (*os.File, error) {
	return openFile(filepath.Dir(path), filepath.Base(path), path)
}

// Dir is an open folder whose files are read by name, each checked as Open
// checks it, without looking the folder up again for each file: for
// reading many files of one folder (a plan fingerprints 100 000 .cfg
// files of one Invencfg.box).
type Dir struct{ d *dir }

// OpenDir opens the folder at path. As with Open, the folder itself is
// trusted (followed if it is a link): only the files in it are checked.
func OpenDir(path string) (*Dir, error) {
	d, err := openRoot(path)
	if err != nil {
		return nil, err
	}
	return &Dir{d}, nil
}

// Close closes the folder.
func (d *Dir) Close() { d.d.close() }

// Stat is what ReadFile read.
type Stat struct {
	Size    int64 // bytes copied: the size at open, or less if the file shrank meanwhile
	ModTime time.Time
}

// ReadFile copies the regular file name in d to w, refusing what Open
// refuses. It copies as many bytes as the size its handle had when opened
// (bytes appended meanwhile are not read), through buf, and takes no more
// system calls than it must: on Unix an open, an fstat, a read per len(buf)
// bytes and a close.
//
// It is for a name that a listing of d has just given as a regular file
// (site.CfgFiles lists only those): that listing is the look before the
// open, which Open makes with a stat of its own (the one system call in
// five that a plan of 100 000 files can save). If the name became
// something else since, it is still opened only without following a link
// and without blocking, and its handle refused unread: a FIFO or a device
// put there meanwhile is at worst opened and closed.
func (d *Dir) ReadFile(name string, w io.Writer, buf []byte) (Stat, error) {
	return d.d.readFile(name, filepath.Join(d.d.path, name), w, buf)
}

// OpenUnder is Open for a path under root that also refuses any folder from
// root (excluded) down to path's folder that is not a plain folder.
func OpenUnder(root, path string) (*os.File, error) {
	d, name, err := walk(root, path)
	if err != nil {
		return nil, err
	}
	defer d.close()
	return d.openFile(name, path)
}

// Check returns nil when every folder from root (excluded) down to path's
// folder is a plain folder and path is a regular file or does not exist. A
// folder on the way that does not exist is an error (os.ErrNotExist).
func Check(root, path string) error {
	d, name, err := walk(root, path)
	if err != nil {
		return err
	}
	defer d.close()
	return d.check(name, path)
}

// walk opens root and then each folder below it on the way to path, refusing
// links; it returns the handle of path's folder and path's last element.
func walk(root, path string) (*dir, string, error) {
	rest, ok := paths.Under(path, root)
	if !ok || len(rest) == 0 {
		return nil, "", fmt.Errorf("%s is not under %s", path, root)
	}
	d, err := openRoot(paths.StripPrefix(filepath.Clean(root)))
	if err != nil {
		return nil, "", err
	}
	for _, name := range rest[:len(rest)-1] {
		next, err := d.openDir(name)
		d.close()
		if err != nil {
			return nil, "", err
		}
		d = next
	}
	return d, rest[len(rest)-1], nil
}

// Resolve returns p (made absolute) with every link in it resolved: the
// nearest folder of p that exists, resolved by filepath.EvalSymlinks, joined
// with the elements below it that do not exist yet. It is where a file
// created at p would land.
func Resolve(p string) (string, error) {
	abs, err := paths.Abs(p)
	if err != nil {
		return "", err
	}
	var missing []string
	for cur := abs; ; {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{real}, missing...)...), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		missing = append([]string{filepath.Base(cur)}, missing...)
		cur = parent
	}
}
