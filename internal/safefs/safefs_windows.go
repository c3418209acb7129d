package safefs

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

// dir is a folder checked on its handle. Windows opens by path, so only the
// path is kept: each folder below the root is opened with
// FILE_FLAG_OPEN_REPARSE_POINT (the link itself, never its target) and
// refused when its handle says it is a reparse point (symbolic link,
// junction, mount point) or not a folder.
type dir struct{ path string }

const shareAll = windows.FILE_SHARE_READ | windows.FILE_SHARE_WRITE | windows.FILE_SHARE_DELETE

func openRoot(root string) (*dir, error) {
	// The root is followed: the user named it.
	h, err := create(root, 0, windows.FILE_FLAG_BACKUP_SEMANTICS)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	defer windows.CloseHandle(h)
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return nil, &os.PathError{Op: "stat", Path: root, Err: err}
	}
	if fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY == 0 {
		return nil, &RefusedError{Path: root, What: "not a folder"}
	}
	return &dir{path: root}, nil
}

func (d *dir) close() {}

func (d *dir) openDir(name string) (*dir, error) {
	p := filepath.Join(d.path, name)
	h, err := create(p, 0, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer windows.CloseHandle(h)
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return nil, &os.PathError{Op: "stat", Path: p, Err: err}
	}
	switch {
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return nil, &RefusedError{Path: p, What: "a link, junction or mount point (a reparse point)"}
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY == 0:
		return nil, &RefusedError{Path: p, What: "not a folder"}
	}
	return &dir{path: p}, nil
}

// check opens name (the entry itself, never a link's target) for its
// attributes only: nil for a regular file or nothing at all.
func (d *dir) check(name, path string) error {
	h, err := create(filepath.Join(d.path, name), 0, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	return refuseIrregular(h, path)
}

// openFile opens name for reading, sharing it with every other reader and
// writer (SMS appends while we read), and keeps the handle only when it is a
// regular file on a disk.
func (d *dir) openFile(name, path string) (*os.File, error) {
	h, err := create(filepath.Join(d.path, name), windows.GENERIC_READ, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := refuseIrregular(h, path); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}

// readFile opens name in d as openFile does and copies its first bytes, as
// many as its handle said at open, to w, on the handle itself.
func (d *dir) readFile(name, path string, w io.Writer, buf []byte) (Stat, error) {
	h, err := create(filepath.Join(d.path, name), windows.GENERIC_READ, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT)
	if err != nil {
		return Stat{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer windows.CloseHandle(h)
	fi, err := regularInfo(h, path)
	if err != nil {
		return Stat{}, err
	}
	size := int64(fi.FileSizeHigh)<<32 | int64(fi.FileSizeLow)
	var n int64
	for n < size {
		var m uint32
		err := windows.ReadFile(h, buf[:min(int64(len(buf)), size-n)], &m, nil)
		if err == windows.ERROR_HANDLE_EOF || err == nil && m == 0 {
			break // it shrank: read as it is
		}
		if err != nil {
			return Stat{}, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if _, err := w.Write(buf[:m]); err != nil {
			return Stat{}, err
		}
		n += int64(m)
	}
	return Stat{Size: n, ModTime: time.Unix(0, fi.LastWriteTime.Nanoseconds())}, nil
}

func refuseIrregular(h windows.Handle, path string) error {
	_, err := regularInfo(h, path)
	return err
}

// regularInfo returns the information of a handle to a regular file, and
// refuses any other.
func regularInfo(h windows.Handle, path string) (windows.ByHandleFileInformation, error) {
	var fi windows.ByHandleFileInformation
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_DISK {
		return fi, &RefusedError{Path: path, What: "a device or pipe, not a regular file"}
	}
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return fi, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch {
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return fi, &RefusedError{Path: path, What: "a link or other reparse point, not a regular file"}
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		return fi, &RefusedError{Path: path, What: "a folder, not a file"}
	}
	return fi, nil
}

func openFile(dirPath, name, path string) (*os.File, error) {
	return (&dir{path: dirPath}).openFile(name, path)
}

// create opens p with CreateFile, existing only. An absolute path is given
// the \\?\ prefix, so that it may be longer than 260 characters and that no
// element (CON, NUL, a name ending in a dot) is rewritten by Win32 into
// another file or a device.
func create(p string, access, flags uint32) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(LongPath(p))
	if err != nil {
		return windows.InvalidHandle, err
	}
	return windows.CreateFile(name, access, shareAll, nil, windows.OPEN_EXISTING, flags, 0)
}

// LongPath gives an absolute path the \\?\ prefix (\\?\UNC\ for a share), as
// create does: past 260 characters, and with no element rewritten by Win32.
// A path with a prefix already, or a relative one, is returned as it is.
func LongPath(p string) string {
	switch {
	case strings.HasPrefix(p, `\\?\`) || strings.HasPrefix(p, `\\.\`):
		return p
	case strings.HasPrefix(p, `\\`):
		return `\\?\UNC\` + p[2:]
	case len(p) >= 3 && p[1] == ':' && p[2] == '\\':
		return `\\?\` + p
	}
	return p
}
