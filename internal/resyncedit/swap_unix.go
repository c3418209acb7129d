//go:build !windows

package resyncedit

import "os"

// On Unix the rename succeeds even while writers hold the old file open, and
// a writer that opened it before the rename keeps writing to the old inode.
// So commit watches it for opts.Grace after the rename, through our own
// handle; its recovery link keeps it reachable until the rounds are over.
//
// Residual window: a writer that keeps the old file open longer than the
// grace period and writes after it loses those records (they go to an
// unlinked inode, once the recovery link is removed). SMS opens, appends one
// record and closes, so for it the window is the microseconds between its
// open and its write, and the grace covers it many times over.
const watchAfterRename = true

// replacedFile gives access to the file the rename replaced.
type replacedFile struct {
	f   *os.File
	err error
}

func (r *replacedFile) close() error { return r.f.Close() }

// swapOnce renames tmp over the path. src (the file at the path, open) is
// kept open: after the rename it is the replaced file. On error src is closed.
func (e *editor) swapOnce(src *os.File, tmp, _ string, _ error) (*replacedFile, error) {
	if err := e.opts.Ops.RenameFile(tmp, e.path); err != nil {
		src.Close()
		return nil, err
	}
	return &replacedFile{f: src}, nil
}
