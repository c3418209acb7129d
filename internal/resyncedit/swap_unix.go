//go:build !windows

package resyncedit

import (
	"os"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// On Unix the rename succeeds even while writers hold the old file open, and
// a writer that opened it before the rename keeps writing to the old inode.
// So commit watches it for opts.Grace after the rename.
//
// Residual window: a writer that keeps the old file open longer than the
// grace period and writes after it loses those records (they go to an
// unlinked inode). SMS opens, appends one record and closes, so for it the
// window is the microseconds between its open and its write, and the grace
// covers it many times over.
const watchAfterRename = true

// replacedFile gives access to the file the rename replaced.
type replacedFile struct {
	f   *os.File
	err error
}

func (r *replacedFile) close(*editor) error { return r.f.Close() }

// swap renames tmp over the path. src (the file at the path, open) is kept
// open: after the rename it is the replaced file.
func (e *editor) swap(src *os.File, tmp string) (*replacedFile, error) {
	if err := atomicfile.Rename(e.opts.Ops, tmp, e.path, e.opts.InUseWait); err != nil {
		src.Close()
		return nil, err
	}
	return &replacedFile{f: src}, nil
}
