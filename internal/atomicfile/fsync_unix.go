//go:build !windows

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// SyncDir fsyncs the folder dir, so that a rename in it survives a power
// loss. File systems that cannot fsync a folder are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// InUse reports whether err means another process holds the file in a way
// that forbids the operation; on Unix nothing does.
func InUse(err error) bool { return false }

// RenameInUse is InUse for a rename over a file; on Unix nothing blocks one.
func RenameInUse(err error) bool { return false }

// CrossDevice reports whether err is a rename's "not on the same volume".
func CrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

func replace(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// renameNew links newpath to oldpath, which fails if newpath exists, then
// removes oldpath. A crash between the two leaves both names, oldpath being
// a temporary file that the next run removes. On a file system without hard
// links it falls back to a check and a rename, which cannot be atomic.
func renameNew(ops Ops, oldpath, newpath string) error {
	err := ops.HardLink(oldpath, newpath)
	if err == nil {
		return ops.RemoveFile(oldpath)
	}
	if errors.Is(err, os.ErrExist) || errors.Is(err, syscall.EXDEV) {
		return err
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !(errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EMLINK)) {
		return err
	}
	if _, err := os.Lstat(newpath); err == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: os.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}
