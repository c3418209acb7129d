//go:build windows

package resyncedit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
)

// On Windows a rename over a file that any handle holds open fails (access
// denied / sharing violation) — our own handle included, so src is closed
// first, and a writer's handle too, so carry.swap retries the rename for up
// to opts.InUseWait, copying what was appended meanwhile into the temporary
// file before each retry. Once it succeeds no writer can still hold the old file, so
// nothing can reach it afterwards and no grace period is needed; but a
// writer may have appended between our last read of src and the rename. To
// catch that, a second name (hard link "<base>.dumpsync-tmp-<n>-old") is
// made for the old file before src is closed; after the rename the old
// content survives under it, commit reads its tail, and close removes it.
//
// Residual window: where hard links are not supported (FAT, some network
// shares) records appended between our last read and the rename — a few
// microseconds — are lost. A crash after the rename and before the link is
// read leaves the link; the next run removes it as a temporary file (any
// tail in it is lost).
const watchAfterRename = false

// replacedFile gives access to the file the rename replaced; f is nil when
// no hard link could be made.
type replacedFile struct {
	f    *os.File
	link string
	err  error // why f is nil after a successful rename
}

func (r *replacedFile) close(e *editor) error {
	if r.link == "" {
		return nil
	}
	if r.f != nil {
		r.f.Close()
	}
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.RemoveFile(r.link) })
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: removing %s: %w", e.path, r.link, err)
	}
	return nil
}

// linkOld makes the second name of the file at the path.
func (e *editor) linkOld() (string, error) {
	link := tempName(e.path, strconv.FormatInt(time.Now().UnixNano(), 36)+"-old")
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.HardLink(e.path, link) })
	if err != nil {
		return "", err
	}
	return link, nil
}

func (e *editor) unlinkOld(link string) {
	if link != "" {
		atomicfile.RetryInUse(e.opts.InUseWait, func() error { return e.opts.Ops.RemoveFile(link) })
	}
}

// swapOnce renames tmp over the path; src is the file at the path, open,
// and is closed first. link is the second name linkOld made, or "" with
// linkErr saying why not.
func (e *editor) swapOnce(src *os.File, tmp, link string, linkErr error) (*replacedFile, error) {
	src.Close()
	if err := e.opts.Ops.RenameFile(tmp, e.path); err != nil {
		return nil, err
	}
	if link == "" {
		return &replacedFile{err: fmt.Errorf("%s: no hard link to the old file (%w): records appended during the rename were not checked", e.path, linkErr)}, nil
	}
	r := &replacedFile{link: link}
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		r.f, err = os.Open(link)
		return err
	})
	if err != nil {
		r.close(e)
		return &replacedFile{err: fmt.Errorf("%s: opening %s to read records appended during the rename: %w", e.path, link, err)}, nil
	}
	return r, nil
}
