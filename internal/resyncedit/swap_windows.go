//go:build windows

package resyncedit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// swap renames tmp over the path and returns the records that reached the
// replaced file beyond srcOff.
//
// On Windows a rename over a file that any handle holds open fails (access
// denied / sharing violation) — our own handle included, so src is closed
// first, and a writer's handle too, so the rename is retried for up to
// opts.InUseWait. Once it succeeds no writer can still hold the old file, so
// nothing can reach it afterwards; but a writer may have appended between
// our last read of src and the rename. To catch that, a second name (hard
// link "<base>.dumpsync-tmp-<n>-old") is made for the old file before src is
// closed; after the rename the old content survives under it, its tail is
// read and the link removed. The next round puts that tail right after the
// content we wrote.
//
// Residual window: where hard links are not supported (FAT, some network
// shares) records appended between our last read and the rename — a few
// microseconds — are lost. A crash after the rename and before the link is
// read leaves the link; the next run removes it as a temporary file (its
// tail, if any, is lost).
func (e *editor) swap(src *os.File, tmp string, srcOff int64) (tail []byte, renamed bool, err error) {
	ops := e.opts.Ops
	link := tempName(e.path, strconv.FormatInt(time.Now().UnixNano(), 36)+"-old")
	linkErr := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return ops.HardLink(e.path, link) })
	src.Close()
	if err := atomicfile.Rename(ops, tmp, e.path, e.opts.InUseWait); err != nil {
		if linkErr == nil {
			ops.RemoveFile(link)
		}
		return nil, false, err
	}
	var late error
	if err := ops.SyncFolder(filepath.Dir(e.path)); err != nil {
		late = err
	}
	if linkErr != nil {
		return nil, true, late
	}
	var old *os.File
	err = atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		old, err = os.Open(link)
		return err
	})
	if err == nil {
		tail, err = e.readTail(old, srcOff)
		old.Close()
	}
	if err != nil {
		late = errors.Join(late, fmt.Errorf("%s: reading records appended during the rename from %s: %w", e.path, link, err))
	}
	if rerr := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return ops.RemoveFile(link) }); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		late = errors.Join(late, fmt.Errorf("%s: removing %s: %w", e.path, link, rerr))
	}
	return tail, true, late
}
