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
// way that forbids the operation: a sharing or lock violation, or the access
// denied that MoveFileEx and DeleteFile report for a file that is open
// without FILE_SHARE_DELETE (or is pending deletion).
func InUse(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED)
}

// chmod does nothing: the new file inherits the folder's ACL, as any file
// created there would.
func chmod(f *os.File, perm os.FileMode) error { return nil }
