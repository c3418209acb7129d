//go:build windows

package resyncedit

import (
	"fmt"
	"os"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// On Windows a rename over a file that any handle holds open without
// FILE_SHARE_DELETE fails (access denied / sharing violation) — our own
// handle included, so src is closed first, and a writer's handle too, so
// carry.swap retries the rename for up to opts.InUseWait. A writer may have
// appended between our last read of src and the rename, and one that opened
// the file with FILE_SHARE_DELETE may still write to it after the rename, as
// on Unix; so commit reads the old file's tail after the rename and after
// opts.Grace, through its recovery link (recover.go), its second name.
//
// Residual window: where hard links are not supported (FAT, some network
// shares) records appended between our last read and the rename — a few
// microseconds — are lost. If the link cannot be removed at the end (a
// writer still holds the old file), it stays as a recovery file and the next
// run carries over whatever reached it.
const watchAfterRename = true

// replacedFile gives access to the file the rename replaced; f is nil when
// there is no link to it.
type replacedFile struct {
	f   *os.File
	err error // why f is nil after a successful rename
}

func (r *replacedFile) close() error {
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}

// swapOnce closes src, renames tmp over the path and opens the replaced
// file through its recovery link ("" with linkErr saying why there is none).
func (e *editor) swapOnce(src *os.File, tmp, link string, linkErr error) (*replacedFile, error) {
	src.Close()
	if err := e.opts.Ops.RenameFile(tmp, e.path); err != nil {
		return nil, err
	}
	if link == "" {
		return &replacedFile{err: fmt.Errorf("%s: no hard link to the old file (%w): records appended during the rename were not checked", e.path, linkErr)}, nil
	}
	r := &replacedFile{}
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		r.f, err = os.Open(link)
		return err
	})
	if err != nil {
		return &replacedFile{err: fmt.Errorf("%s: opening %s to read records appended during the rename (kept for the next run): %w", e.path, link, err)}, nil
	}
	return r, nil
}
