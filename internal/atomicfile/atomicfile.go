// Package atomicfile is the one place where dumpsync writes a file that must
// survive a crash: the --out file, the undo journal, the rewritten
// Resync.cfg, restored .cfg files and backups. A crash at any instant leaves
// either the complete old file or the complete new one at its path, never a
// missing or partial file.
//
// It follows restic: the new content goes to a temporary file in the same
// folder (named "<base>.dumpsync-tmp-<random>", so a leftover is
// recognisable), which is written, fsynced, closed and renamed over the
// target; then the folder is fsynced where the platform allows it. Every
// step goes through Ops, so tests can make any of them fail.
//
//	p, err := atomicfile.Create(path, atomicfile.Options{})
//	... p.Write(...) ...
//	err = p.Commit() // or p.Abort()
//
// A replacement keeps what the old file's users rely on (Metadata): its mode,
// and owner and group where the process may set them, on Unix; its security
// descriptor and attributes on Windows. A new file gets what a shell
// redirect would give it (0666 minus the umask; the folder's inherited ACL).
//
// It is not a lock: callers that may race each other must serialise
// themselves (package resyncedit uses a lock file).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// TempMarker is the part of a temporary file's name that follows the target's
// base name: "Resync.cfg" is written as "Resync.cfg.dumpsync-tmp-123456".
const TempMarker = ".dumpsync-tmp-"

// DefaultInUseWait is how long a rename over a file that another process
// holds open is retried when Options.InUseWait is zero.
const DefaultInUseWait = 5 * time.Second

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
	// "*" replaced by a random string, created with permissions perm (the
	// umask applies; on Windows only the read-only bit means anything).
	CreateTemp func(dir, pattern string, perm os.FileMode) (File, error)
	// Rename renames oldpath over newpath, replacing it (on Windows keeping
	// the replaced file's attributes, see Ops.RenameFile).
	Rename func(oldpath, newpath string) error
	// RenameNew renames oldpath to newpath only if newpath does not exist,
	// atomically where the platform can (a hard link then an unlink on Unix,
	// MoveFileEx without MOVEFILE_REPLACE_EXISTING on Windows).
	RenameNew func(oldpath, newpath string) error
	Remove    func(name string) error
	SyncDir   func(dir string) error
	Link      func(oldname, newname string) error
}

func (o Ops) createTemp(dir, pattern string, perm os.FileMode) (File, error) {
	if o.CreateTemp != nil {
		return o.CreateTemp(dir, pattern, perm)
	}
	return OSCreateTemp(dir, pattern, perm)
}

// RenameFile renames oldpath over newpath. On Windows it is MoveFileEx with
// MOVEFILE_REPLACE_EXISTING, and the new file gets the replaced file's
// attributes (read-only, hidden, system, archive): a read-only target is
// made writable for the instant of the rename only.
func (o Ops) RenameFile(oldpath, newpath string) error {
	if o.Rename != nil {
		return o.Rename(oldpath, newpath)
	}
	return replace(oldpath, newpath)
}

// RenameNewFile renames oldpath to newpath, failing with an error that
// matches os.ErrExist if newpath exists.
func (o Ops) RenameNewFile(oldpath, newpath string) error {
	if o.RenameNew != nil {
		return o.RenameNew(oldpath, newpath)
	}
	return renameNew(o, oldpath, newpath)
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

var tempSeq atomic.Uint64

// OSCreateTemp is the real CreateTemp. Unlike os.CreateTemp (always 0600) it
// creates the file with perm, so that the umask and a folder's default ACL
// apply exactly as to any other new file.
func OSCreateTemp(dir, pattern string, perm os.FileMode) (File, error) {
	f, err := Unique(dir, pattern, func(name string) (*os.File, error) {
		return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Unique calls create with new names in dir made from pattern, whose last
// "*" is replaced by a number (as os.CreateTemp does), until one is not
// taken (create fails with an error os.IsExist reports), and returns what
// create returned.
func Unique[F any](dir, pattern string, create func(name string) (F, error)) (F, error) {
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for try := 0; ; try++ {
		n := uint64(time.Now().UnixNano()) + tempSeq.Add(1)*7919
		f, err := create(filepath.Join(dir, prefix+strconv.FormatUint(n%1e10, 10)+suffix))
		if os.IsExist(err) && try < 10000 {
			continue
		}
		return f, err
	}
}

// TempPattern is the CreateTemp pattern of path's temporary files.
func TempPattern(path string) string { return filepath.Base(path) + TempMarker + "*" }

// IsTemp reports whether name (a base name) is one of path's temporary files.
func IsTemp(path, name string) bool {
	return strings.HasPrefix(name, filepath.Base(path)+TempMarker)
}

// CreateTemp creates a temporary file for path in path's folder. With keep
// (the metadata of the file it will replace) it gets that file's metadata;
// with nil, what a new file gets. A large file is synced as it is written
// (EarlySync), so that the Sync before its commit is short.
func CreateTemp(ops Ops, path string, keep *Metadata) (File, error) {
	perm := os.FileMode(0o666)
	if keep != nil {
		perm = 0o600 // until keep is applied: never more open than the old file
	}
	f, err := ops.createTemp(filepath.Dir(path), TempPattern(path), perm)
	if err != nil {
		return nil, fmt.Errorf("%s: creating a temporary file beside it: %w", path, err)
	}
	if keep != nil {
		if err := keep.applyTo(f); err != nil {
			f.Close()
			ops.RemoveFile(f.Name())
			return nil, fmt.Errorf("%s: giving the temporary file %s the old file's %w", path, f.Name(), err)
		}
	}
	return NewEarlySync(f), nil
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

// Rename renames oldpath over newpath, retrying for up to inUseWait while
// another process holds newpath open (see RenameInUse).
func Rename(ops Ops, oldpath, newpath string, inUseWait time.Duration) error {
	err := RetryRenameInUse(inUseWait, func() error { return ops.RenameFile(oldpath, newpath) })
	if err != nil {
		if RenameInUse(err) {
			return fmt.Errorf("%s: replacing it with %s: still in use by another process after %v: %w", newpath, filepath.Base(oldpath), inUseWait, err)
		}
		return fmt.Errorf("%s: replacing it with %s: %w", newpath, filepath.Base(oldpath), err)
	}
	return nil
}

// RetryInUse calls fn until it succeeds, fails with an error that is not
// InUse (a sharing or lock violation), or wait has passed. Use it for
// opens, removes and links; a permission denial is returned at once.
func RetryInUse(wait time.Duration, fn func() error) error {
	return retry(wait, InUse, fn)
}

// RetryRenameInUse is RetryInUse for a rename over a file, where Windows
// also reports another process's open handle as access denied.
func RetryRenameInUse(wait time.Duration, fn func() error) error {
	return retry(wait, RenameInUse, fn)
}

func retry(wait time.Duration, transient func(error) bool, fn func() error) error {
	deadline := time.Now().Add(wait)
	delay := 5 * time.Millisecond
	for {
		err := fn()
		if err == nil || !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// Options say how Create writes a file.
type Options struct {
	Ops Ops
	// Keep is the metadata the new file gets. Nil: the metadata of the file
	// at the path if there is one (a replacement keeps its mode), else what a
	// new file gets.
	Keep *Metadata
	// New: the path must not exist; Commit fails (and changes nothing) if it
	// does by then.
	New bool
	// InUseWait bounds the retries of a rename over a file that another
	// process holds open (Windows); zero means DefaultInUseWait.
	InUseWait time.Duration
}

// Pending is a file being written: nothing is at its path until Commit.
type Pending struct {
	f      File
	path   string
	opts   Options
	direct bool // f is the target itself (a device, see CreateOutput)
	done   bool
}

// Create starts writing a file that will appear at path, complete, on Commit.
func Create(path string, o Options) (*Pending, error) {
	keep := o.Keep
	if keep == nil && !o.New {
		var err error
		if keep, err = metadataOfPath(path); err != nil {
			return nil, err
		}
	}
	f, err := CreateTemp(o.Ops, path, keep)
	if err != nil {
		return nil, err
	}
	return &Pending{f: f, path: path, opts: o}, nil
}

// Path is where the file will appear.
func (p *Pending) Path() string { return p.path }

// Write writes to the temporary file (or, for a device, to the device).
func (p *Pending) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	if err != nil && !p.direct {
		err = fmt.Errorf("%s: writing temporary file %s: %w", p.path, p.f.Name(), err)
	}
	return n, err
}

// Commit makes the written file durable and puts it at its path: fsync,
// close, rename (retried while another process holds the path open on
// Windows), fsync the folder. If any step before the rename fails, the
// temporary file is removed and the path is untouched. An error after the
// rename (syncing the folder) says so: the path has the new content, which
// may not yet be durable.
func (p *Pending) Commit() error {
	if p.done {
		return errors.New("atomicfile: Commit after Commit or Abort")
	}
	p.done = true
	ops, f := p.opts.Ops, p.f
	if p.direct {
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
		return nil
	}
	if err := syncClose(ops, f, p.path); err != nil {
		return err
	}
	wait := p.opts.InUseWait
	if wait == 0 {
		wait = DefaultInUseWait
	}
	var err error
	if p.opts.New {
		err = ops.RenameNewFile(f.Name(), p.path)
		if err != nil {
			err = fmt.Errorf("%s: putting %s in its place: %w", p.path, filepath.Base(f.Name()), err)
		}
	} else {
		err = Rename(ops, f.Name(), p.path, wait)
	}
	if err != nil {
		ops.RemoveFile(f.Name())
		return err
	}
	if err := ops.SyncFolder(filepath.Dir(p.path)); err != nil {
		return fmt.Errorf("%s: written, but syncing its folder failed: %w", p.path, err)
	}
	return nil
}

// Abort discards what was written; the path is untouched. It is harmless
// after Commit and when called twice.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
	p.f.Close()
	if !p.direct {
		p.opts.Ops.RemoveFile(p.f.Name())
	}
}

// syncClose fsyncs and closes f, removing it if either fails.
func syncClose(ops Ops, f File, path string) error {
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

// WriteFile puts data at path atomically (see Create).
func WriteFile(path string, data []byte, o Options) error {
	p, err := Create(path, o)
	if err != nil {
		return err
	}
	if _, err := p.Write(data); err != nil {
		p.Abort()
		return err
	}
	return p.Commit()
}

// CreateLog creates the file path, which must not exist, for a log that
// grows by appends (the undo journal): the caller writes and calls Sync
// after each entry. The new name is made durable (the folder is fsynced)
// before CreateLog returns, so an entry synced later cannot be lost with it.
func CreateLog(ops Ops, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return nil, err
	}
	if err := ops.SyncFolder(filepath.Dir(path)); err != nil {
		f.Close()
		ops.RemoveFile(path)
		return nil, fmt.Errorf("%s: created, but syncing its folder failed: %w", path, err)
	}
	return f, nil
}

// Move moves the file src to dest, which must not exist: a rename, or
// across volumes (and only there) a durable copy followed by the removal of
// src. Any other failure leaves src where it was and nothing at dest. Both
// folders are fsynced.
func Move(ops Ops, src, dest string) error {
	err := ops.RenameNewFile(src, dest)
	if err == nil {
		if err := errors.Join(ops.SyncFolder(filepath.Dir(dest)), ops.SyncFolder(filepath.Dir(src))); err != nil {
			return fmt.Errorf("%s: moved to %s, but syncing the folders failed: %w", src, dest, err)
		}
		return nil
	}
	if !CrossDevice(err) {
		return fmt.Errorf("moving %s to %s: %w", src, dest, err)
	}
	content, rerr := os.ReadFile(src)
	if rerr != nil {
		return fmt.Errorf("moving %s to %s (another volume): %w", src, dest, rerr)
	}
	if werr := WriteFile(dest, content, Options{Ops: ops, New: true}); werr != nil {
		return fmt.Errorf("moving %s to %s (another volume), copying: %w", src, dest, werr)
	}
	if err := ops.RemoveFile(src); err != nil {
		// src is still there, whole: take the copy back, so that a failed
		// move leaves nothing behind (and a retry finds dest free).
		ops.RemoveFile(dest)
		return fmt.Errorf("moving %s to %s (another volume): removing it after the copy: %w", src, dest, err)
	}
	if err := ops.SyncFolder(filepath.Dir(src)); err != nil {
		return fmt.Errorf("%s: moved to %s, but syncing its folder failed: %w", src, dest, err)
	}
	return nil
}
