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

// moveFile moves src to dest, which must not exist; across volumes it copies
// (synced) and then removes src.
func moveFile(src, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup %s already exists; nothing moved", dest)
	}
	err := os.Rename(src, dest)
	if err == nil {
		syncDirs(filepath.Dir(dest), filepath.Dir(src))
		return nil
	}
	if isLocked(err) {
		return err
	}
	var le *os.LinkError
	if !errors.As(err, &le) {
		return err
	}
	content, rerr := readAll(src)
	if rerr != nil {
		return rerr
	}
	if werr := writeNew(dest, content); werr != nil {
		return fmt.Errorf("%v; copying instead: %w", err, werr)
	}
	if err := os.Remove(src); err != nil {
		return err
	}
	syncDirs(filepath.Dir(src))
	return nil
}

// syncDirs makes new or removed names in these folders durable where the
// platform allows it (not on Windows). A failure is not fatal: the data
// itself was synced.
func syncDirs(dirs ...string) {
	for _, d := range dirs {
		atomicfile.SyncDir(d)
	}
}

// writeNew writes a file that must not exist yet, completely or not at all:
// a temp file beside it (named as atomicfile names them, so that the
// leftover of a killed run is recognised and removed here next time),
// synced, renamed into place.
func writeNew(path string, content []byte) error {
	var ops atomicfile.Ops
	atomicfile.RemoveTemps(ops, path)
	f, err := atomicfile.CreateTemp(ops, path, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("%s: writing %s: %w", path, f.Name(), err)
	}
	if err := atomicfile.SyncClose(ops, f, path); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s appeared meanwhile; not overwritten", path)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	syncDirs(filepath.Dir(path))
	return nil
}
