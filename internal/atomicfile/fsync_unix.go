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

func chmod(f *os.File, perm os.FileMode) error { return f.Chmod(perm) }
