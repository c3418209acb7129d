package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

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

func refuseIrregular(h windows.Handle, path string) error {
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_DISK {
		return &RefusedError{Path: path, What: "a device or pipe, not a regular file"}
	}
	var fi windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &fi); err != nil {
		return &os.PathError{Op: "stat", Path: path, Err: err}
	}
	switch {
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0:
		return &RefusedError{Path: path, What: "a link or other reparse point, not a regular file"}
	case fi.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0:
		return &RefusedError{Path: path, What: "a folder, not a file"}
	}
	return nil
}

func openFile(dirPath, name, path string) (*os.File, error) {
	return (&dir{path: dirPath}).openFile(name, path)
}

// create opens p with CreateFile, existing only. An absolute path is given
// the \\?\ prefix, so that it may be longer than 260 characters and that no
// element (CON, NUL, a name ending in a dot) is rewritten by Win32 into
// another file or a device.
func create(p string, access, flags uint32) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(long(p))
	if err != nil {
		return windows.InvalidHandle, err
	}
	return windows.CreateFile(name, access, shareAll, nil, windows.OPEN_EXISTING, flags, 0)
}

func long(p string) string {
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
