//go:build windows

package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// SyncDir does nothing: Windows cannot fsync a folder; NTFS journals the
// rename itself.
func SyncDir(dir string) error { return nil }

// InUse reports whether err means another process holds the file open in a
// way that forbids the operation: a sharing or lock violation. An access
// denied is not: outside a rename it is a permission denial (see
// RenameInUse).
func InUse(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// RenameInUse is InUse for a rename over a file: MoveFileEx reports a target
// that another process holds open without FILE_SHARE_DELETE (or that is
// pending deletion) as access denied. A read-only target, the other cause,
// is handled by the rename itself (see replace), so what is left is
// transient.
func RenameInUse(err error) bool {
	return InUse(err) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

// CrossDevice reports whether err is a rename's "not on the same volume".
func CrossDevice(err error) bool { return errors.Is(err, windows.ERROR_NOT_SAME_DEVICE) }

// keptAttributes are the attributes a replacement takes over from the file
// it replaces. FILE_ATTRIBUTE_READONLY is handled apart: it blocks the
// rename itself.
const keptAttributes = windows.FILE_ATTRIBUTE_HIDDEN | windows.FILE_ATTRIBUTE_SYSTEM |
	windows.FILE_ATTRIBUTE_ARCHIVE | windows.FILE_ATTRIBUTE_NOT_CONTENT_INDEXED

// replace renames oldpath over newpath and gives it newpath's attributes.
// They are read and set right before the rename, after the last write to
// oldpath (a write sets the archive bit). A read-only newpath is made
// writable for the rename and the new file read-only after it; a failed
// rename restores the attribute. A crash in between leaves the old or the
// new content with the read-only bit cleared, nothing worse.
func replace(oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	const flags = windows.MOVEFILE_REPLACE_EXISTING | windows.MOVEFILE_WRITE_THROUGH
	attrs, aerr := windows.GetFileAttributes(to)
	if aerr == nil && attrs&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		// MoveFileEx says access denied, which RenameInUse would retry.
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: ErrIsDir}
	}
	if aerr != nil {
		// A new name: a plain rename.
		if err := windows.MoveFileEx(from, to, flags); err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
		return nil
	}
	if cur, err := windows.GetFileAttributes(from); err == nil && cur&keptAttributes != attrs&keptAttributes {
		if err := setAttributes(from, cur&^keptAttributes|attrs&keptAttributes); err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
	}
	readOnly := attrs&windows.FILE_ATTRIBUTE_READONLY != 0
	if readOnly {
		if err := setAttributes(to, attrs&^windows.FILE_ATTRIBUTE_READONLY); err != nil {
			return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
		}
	}
	if err := windows.MoveFileEx(from, to, flags); err != nil {
		if readOnly {
			windows.SetFileAttributes(to, attrs)
		}
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	if readOnly {
		if cur, err := windows.GetFileAttributes(to); err == nil {
			windows.SetFileAttributes(to, cur|windows.FILE_ATTRIBUTE_READONLY)
		}
	}
	return nil
}

// setAttributes sets a file's attributes; none at all is spelled
// FILE_ATTRIBUTE_NORMAL.
func setAttributes(name *uint16, attrs uint32) error {
	if attrs == 0 {
		attrs = windows.FILE_ATTRIBUTE_NORMAL
	}
	return windows.SetFileAttributes(name, attrs)
}

// renameNew is MoveFileEx without MOVEFILE_REPLACE_EXISTING: it fails if
// newpath exists, atomically.
func renameNew(_ Ops, oldpath, newpath string) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err == nil {
		var to *uint16
		if to, err = windows.UTF16PtrFromString(newpath); err == nil {
			err = windows.MoveFileEx(from, to, windows.MOVEFILE_WRITE_THROUGH)
		}
	}
	if err != nil { // ERROR_ALREADY_EXISTS matches os.ErrExist
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}
