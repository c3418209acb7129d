//go:build unix

package safefs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// dir is an open folder: its descriptor, its path (for messages) and its
// device (a folder on another device than its parent is a mount point).
type dir struct {
	fd   int
	path string
	dev  uint64
}

func openRoot(root string) (*dir, error) {
	fd, err := unix.Open(root, dirFlags|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: root, Err: err}
	}
	return &dir{fd: fd, path: root, dev: uint64(st.Dev)}, nil
}

func (d *dir) close() { unix.Close(d.fd) }

// openDir opens the folder name in d without following a link.
func (d *dir) openDir(name string) (*dir, error) {
	p := filepath.Join(d.path, name)
	fd, err := unix.Openat(d.fd, name, dirFlags|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, d.refusal(name, err, "not a folder")
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: p, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		unix.Close(fd)
		return nil, &RefusedError{Path: p, What: "not a folder"}
	}
	if uint64(st.Dev) != d.dev {
		unix.Close(fd)
		return nil, &RefusedError{Path: p, What: "a mount point"}
	}
	return &dir{fd: fd, path: p, dev: uint64(st.Dev)}, nil
}

// refusal turns an open error into a RefusedError when the entry is there
// but of the wrong kind (looked up again without following it).
func (d *dir) refusal(name string, err error, wrongKind string) error {
	p := filepath.Join(d.path, name)
	var st unix.Stat_t
	if serr := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr == nil {
		if what := kind(uint32(st.Mode)); what != "" {
			return &RefusedError{Path: p, What: what}
		}
		if errors.Is(err, unix.ENOTDIR) {
			return &RefusedError{Path: p, What: wrongKind}
		}
	}
	return &os.PathError{Op: "open", Path: p, Err: err}
}

// check stats name in d without following it: nil for a regular file or
// nothing at all.
func (d *dir) check(name, path string) error {
	var st unix.Stat_t
	err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil
	case err != nil:
		return &os.PathError{Op: "lstat", Path: path, Err: err}
	}
	if what := kind(uint32(st.Mode)); what != "" {
		return &RefusedError{Path: path, What: what}
	}
	return nil
}

// openFile opens name in d for reading: stat first (a FIFO, device or link
// is never opened), then open without following a link and without blocking,
// and check again on the handle, which is what is read.
func (d *dir) openFile(name, path string) (*os.File, error) {
	fd, _, err := d.openRegular(name, path)
	if err != nil {
		return nil, err
	}
	// A regular file never blocks; reads go through the os.File as usual.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// openRegular is openFile's checks: it returns the descriptor, still
// non-blocking, and its fstat.
func (d *dir) openRegular(name, path string) (int, unix.Stat_t, error) {
	if err := d.check(name, path); err != nil {
		return -1, unix.Stat_t{}, err
	}
	return d.openChecked(name, path)
}

// openChecked is openRegular without the stat before the open: it opens
// name without following a link and without blocking, and refuses what
// its handle is if not a regular file.
func (d *dir) openChecked(name, path string) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, st, d.refusal(name, err, "not a regular file")
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	if what := kind(uint32(st.Mode)); what != "" {
		unix.Close(fd)
		return -1, st, &RefusedError{Path: path, What: what}
	}
	return fd, st, nil
}

// readFile opens name in d as openChecked does (see Dir.ReadFile) and
// copies its first st.Size bytes to w, on the descriptor itself (no
// os.File, whose setup costs three more system calls per file).
func (d *dir) readFile(name, path string, w io.Writer, buf []byte) (Stat, error) {
	fd, st, err := d.openChecked(name, path)
	if err != nil {
		return Stat{}, err
	}
	defer unix.Close(fd)
	// O_NONBLOCK stays set: a regular file never blocks.
	var n int64
	for n < st.Size {
		m, err := unix.Read(fd, buf[:min(int64(len(buf)), st.Size-n)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Stat{}, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break // it shrank: read as it is
		}
		if _, err := w.Write(buf[:m]); err != nil {
			return Stat{}, err
		}
		n += int64(m)
	}
	return Stat{Size: n, ModTime: time.Unix(st.Mtim.Unix())}, nil
}

// kind names what a mode is when it is not a regular file ("" when it is).
func kind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return ""
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFDIR:
		return "a folder, not a file"
	case unix.S_IFIFO:
		return "a FIFO, not a regular file"
	case unix.S_IFSOCK:
		return "a socket, not a regular file"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device, not a regular file"
	}
	return fmt.Sprintf("not a regular file (type %#o)", mode&unix.S_IFMT)
}

func openFile(dirPath, name, path string) (*os.File, error) {
	d, err := openRoot(dirPath)
	if err != nil {
		return nil, err
	}
	defer d.close()
	return d.openFile(name, path)
}
