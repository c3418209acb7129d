//go:build !windows

package resyncedit

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// swap renames tmp over the path and returns the records that reached src
// (the replaced file, still open) beyond srcOff.
//
// On Unix the rename succeeds even while writers hold the old file open; a
// writer that opened it before the rename keeps writing to the old inode. We
// keep src open across the rename and read it again after opts.Grace, so
// such records are carried over by the next round.
//
// Residual window: a writer that keeps the old file open longer than the
// grace period and writes after it loses those records (they go to an
// unlinked inode). SMS opens, appends one record and closes, so its
// window is the few microseconds between its open and its write.
func (e *editor) swap(src *os.File, tmp string, srcOff int64) (tail []byte, renamed bool, err error) {
	defer src.Close()
	ops := e.opts.Ops
	if err := atomicfile.Rename(ops, tmp, e.path, e.opts.InUseWait); err != nil {
		return nil, false, err
	}
	var late error
	if err := ops.SyncFolder(filepath.Dir(e.path)); err != nil {
		late = err
	}
	time.Sleep(e.opts.Grace)
	tail, err = e.readTail(src, srcOff)
	return tail, true, errors.Join(late, err)
}
