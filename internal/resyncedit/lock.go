package resyncedit

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/gofrs/flock"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/interrupt"
)

// The lock is an OS lock (flock on Unix, LockFileEx on Windows) on
// LockPath(path); the OS drops it when its process dies, so a lock file left
// by a killed run is simply locked again and removed by the next one.
//
// Because the lock file is removed at the end of each edit, a waiter may
// lock a file that has just been removed (Unix: it opened the file before
// the holder unlinked it). So after locking, acquire checks that the path
// still names the file it locked, and starts over if not.
//
// Removal: on Unix the holder removes the file while still holding the lock,
// then unlocks; anyone who opened it meanwhile fails the check above. On
// Windows a file cannot be removed while anyone has it open (Go opens
// without FILE_SHARE_DELETE), including the holder, so the holder unlocks
// and closes first, then removes. If that removal fails because another
// process has the file open, the holder tries to lock it again: if it can,
// nobody else is in, and it retries the removal; if it cannot, another edit
// holds the lock and will remove the file when it ends. A waiter that gives
// up (ErrLocked) only ever had the file open between its tries.
type fileLock struct {
	fl   *flock.Flock
	path string // the lock file
	of   string // the Resync.cfg
}

func acquire(path string, opts Options) (*fileLock, error) {
	lp := LockPath(path)
	deadline := time.Now().Add(opts.LockWait)
	for {
		fl := flock.New(lp, flock.SetPermissions(0o644))
		ok, err := fl.TryLock()
		if err != nil && !atomicfile.InUse(err) {
			return nil, fmt.Errorf("%s: taking the lock %s: %w", path, lp, err)
		}
		if ok {
			held, herr := fl.Stat()
			named, nerr := os.Stat(lp)
			if herr == nil && nerr == nil && os.SameFile(held, named) {
				return &fileLock{fl: fl, path: lp, of: path}, nil
			}
			fl.Unlock()
			continue
		}
		fl.Close()
		if interrupt.Requested(opts.Interrupt) {
			return nil, fmt.Errorf("%s: %w while waiting for another dumpsync (lock file %s)", path, interrupt.ErrInterrupted, lp)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: %w (lock file %s held for more than %v); try again later", path, ErrLocked, lp, opts.LockWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *fileLock) release(opts Options) error {
	ops := opts.Ops
	if runtime.GOOS != "windows" {
		rerr := ops.RemoveFile(l.path)
		uerr := l.fl.Unlock()
		if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			return fmt.Errorf("%s: removing the lock file %s: %w", l.of, l.path, rerr)
		}
		if uerr != nil {
			return fmt.Errorf("%s: releasing the lock %s: %w", l.of, l.path, uerr)
		}
		return nil
	}
	if err := l.fl.Unlock(); err != nil {
		l.fl.Close()
	}
	deadline := time.Now().Add(opts.InUseWait)
	for {
		err := ops.RemoveFile(l.path)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if !atomicfile.InUse(err) {
			return fmt.Errorf("%s: removing the lock file %s: %w", l.of, l.path, err)
		}
		fl := flock.New(l.path)
		ok, _ := fl.TryLock()
		fl.Close()
		if !ok {
			return nil // another edit holds it and removes it when it ends
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: removing the lock file %s: still in use after %v: %w", l.of, l.path, opts.InUseWait, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
