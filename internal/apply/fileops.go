package apply

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// isLocked reports a file held open by another process (a Windows sharing
// or lock violation); never on POSIX systems.
var isLocked = atomicfile.InUse

// retryLocked runs fn until it succeeds, fails for another reason than a
// file locked by another process, or d has passed.
func retryLocked(d time.Duration, fn func() error) error {
	err := atomicfile.RetryInUse(d, fn)
	if err != nil && isLocked(err) {
		return fmt.Errorf("%w (still locked by another process after %s)", err, d)
	}
	return err
}

// moveFile moves src to dest, which must not exist (atomicfile.Move: a
// rename, or a copy and a removal only across volumes), creating dest's
// folder.
func moveFile(ops atomicfile.Ops, src, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o777); err != nil {
		return err
	}
	err := atomicfile.Move(ops, src, dest)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup %s already exists; nothing moved", dest)
	}
	return err
}

// writeNew writes a file that must not exist yet, completely or not at all.
// The leftover temporary file of a killed run is removed first.
func writeNew(ops atomicfile.Ops, path string, content []byte) error {
	atomicfile.RemoveTemps(ops, path)
	err := atomicfile.WriteFile(path, content, atomicfile.Options{Ops: ops, New: true})
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s appeared meanwhile; not overwritten", path)
	}
	return err
}
