// Package atomicfile replaces a file so that a crash at any instant leaves
// either the complete old file or the complete new one at its path, never a
// missing or partial file.
//
// It follows restic: the new content goes to a temporary file in the same
// folder (named "<base>.dumpsync-tmp-<random>", so a leftover is
// recognisable), which is written, fsynced, closed and renamed over the
// target; then the folder is fsynced where the platform allows it. Every
// step goes through Ops, so tests can make any of them fail.
//
// It is not a lock: callers that may race each other must serialise
// themselves (package resyncedit uses a lock file). It does not preserve
// anything of the old file but its bytes and, on Unix, its permission bits.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempMarker is the part of a temporary file's name that follows the target's
// base name: "Resync.cfg" is written as "Resync.cfg.dumpsync-tmp-123456".
const TempMarker = ".dumpsync-tmp-"

// File is the part of *os.File that writing a temporary file needs.
type File interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

// Ops are the file-system steps of a replacement. A nil field means the real
// operation; tests set fields to make one step fail.
type Ops struct {
	// CreateTemp creates a new file whose name is dir/pattern with the last
	// "*" replaced by a random string, with permissions perm where the
	// platform has them.
	CreateTemp func(dir, pattern string, perm os.FileMode) (File, error)
	Rename     func(oldpath, newpath string) error
	Remove     func(name string) error
	SyncDir    func(dir string) error
	Link       func(oldname, newname string) error
}

func (o Ops) createTemp(dir, pattern string, perm os.FileMode) (File, error) {
	if o.CreateTemp != nil {
		return o.CreateTemp(dir, pattern, perm)
	}
	return OSCreateTemp(dir, pattern, perm)
}

// RenameFile renames oldpath to newpath (replacing it; MoveFileEx with
// MOVEFILE_REPLACE_EXISTING on Windows).
func (o Ops) RenameFile(oldpath, newpath string) error {
	if o.Rename != nil {
		return o.Rename(oldpath, newpath)
	}
	return os.Rename(oldpath, newpath)
}

// RemoveFile removes name.
func (o Ops) RemoveFile(name string) error {
	if o.Remove != nil {
		return o.Remove(name)
	}
	return os.Remove(name)
}

// SyncFolder makes the folder's entries durable where the platform can.
func (o Ops) SyncFolder(dir string) error {
	if o.SyncDir != nil {
		return o.SyncDir(dir)
	}
	return SyncDir(dir)
}

// HardLink makes newname a second name of oldname.
func (o Ops) HardLink(oldname, newname string) error {
	if o.Link != nil {
		return o.Link(oldname, newname)
	}
	return os.Link(oldname, newname)
}

// OSCreateTemp is the real CreateTemp.
func OSCreateTemp(dir, pattern string, perm os.FileMode) (File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	if err := chmod(f, perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// TempPattern is the os.CreateTemp pattern of path's temporary files.
func TempPattern(path string) string { return filepath.Base(path) + TempMarker + "*" }

// IsTemp reports whether name (a base name) is one of path's temporary files.
func IsTemp(path, name string) bool {
	return strings.HasPrefix(name, filepath.Base(path)+TempMarker)
}

// CreateTemp creates a temporary file for path in path's folder.
func CreateTemp(ops Ops, path string, perm os.FileMode) (File, error) {
	f, err := ops.createTemp(filepath.Dir(path), TempPattern(path), perm)
	if err != nil {
		return nil, fmt.Errorf("%s: creating a temporary file beside it: %w", path, err)
	}
	return f, nil
}

// RemoveTemps removes every leftover temporary file of path (from a run that
// was killed) and returns the names it removed. Callers must make sure no
// other writer of path is running, for example by holding its lock.
func RemoveTemps(ops Ops, path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: listing the folder for leftover temporary files: %w", path, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !IsTemp(path, e.Name()) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if err := ops.RemoveFile(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing leftover temporary file %s: %w", name, err))
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}

// Commit makes the written temporary file f durable and renames it over path:
// fsync, close, rename (retried for up to inUseWait while another process
// holds path open, see InUse), fsync the folder. If any step before the
// rename fails, f is removed and path is untouched. renamed reports whether
// the rename happened; an error with renamed == true comes from syncing the
// folder: path has the new content, which may not yet be durable.
func Commit(ops Ops, f File, path string, inUseWait time.Duration) (renamed bool, err error) {
	if err := SyncClose(ops, f, path); err != nil {
		return false, err
	}
	if err := Rename(ops, f.Name(), path, inUseWait); err != nil {
		ops.RemoveFile(f.Name())
		return false, err
	}
	if err := ops.SyncFolder(filepath.Dir(path)); err != nil {
		return true, fmt.Errorf("%s: replaced, but syncing its folder failed: %w", path, err)
	}
	return true, nil
}

// SyncClose fsyncs and closes f, removing it if either fails.
func SyncClose(ops Ops, f File, path string) error {
	if err := f.Sync(); err != nil {
		f.Close()
		ops.RemoveFile(f.Name())
		return fmt.Errorf("%s: syncing temporary file %s: %w", path, f.Name(), err)
	}
	if err := f.Close(); err != nil {
		ops.RemoveFile(f.Name())
		return fmt.Errorf("%s: closing temporary file %s: %w", path, f.Name(), err)
	}
	return nil
}

// Rename renames oldpath over newpath, retrying for up to inUseWait while
// the failure is InUse (on Windows another process holding newpath open
// blocks the replacement).
func Rename(ops Ops, oldpath, newpath string, inUseWait time.Duration) error {
	err := RetryInUse(inUseWait, func() error { return ops.RenameFile(oldpath, newpath) })
	if err != nil {
		if InUse(err) {
			return fmt.Errorf("%s: replacing it with %s: still in use by another process after %v: %w", newpath, filepath.Base(oldpath), inUseWait, err)
		}
		return fmt.Errorf("%s: replacing it with %s: %w", newpath, filepath.Base(oldpath), err)
	}
	return nil
}

// RetryInUse calls fn until it succeeds, fails with an error that is not
// InUse, or wait has passed.
func RetryInUse(wait time.Duration, fn func() error) error {
	deadline := time.Now().Add(wait)
	delay := 5 * time.Millisecond
	for {
		err := fn()
		if err == nil || !InUse(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// WriteFile replaces path with data atomically (see the package comment).
func WriteFile(ops Ops, path string, data []byte, perm os.FileMode) error {
	f, err := CreateTemp(ops, path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		ops.RemoveFile(f.Name())
		return fmt.Errorf("%s: writing temporary file %s: %w", path, f.Name(), err)
	}
	_, err = Commit(ops, f, path, 5*time.Second)
	return err
}
