package apply

import "github.com/dumpsync/dumpsync/internal/resyncedit"

// Overlapping the rewrites' waits: after its rename, a Resync.cfg rewrite
// watches the replaced file for a grace period (resyncedit.Options.Grace,
// 200 ms) and may carry records over in further rounds. Nothing of that
// changes its rows' outcomes or the undo file, so Run goes on with the next
// file and folder at once (resyncedit.Start) and waits for the rewrite only
// where its end matters: before the same file is edited again or its
// recovery files are looked at, when too many are under way, and at the
// end of the run (interrupted too). The check beside a .cfg file does not
// wait: it reads what the rewrite has not carried over yet with the file
// (runner.scanWhole). The undo rows are still written, and synced, once per
// rewrite before its rename, in the order of the rows.
const maxInflight = 8 // rewrites under way at once: each holds a lock file, the replaced file and the new content

// maxInflightBytes bounds the content they hold, with the one about to
// start (a rewrite of a larger file runs alone); a variable for tests.
var maxInflightBytes int64 = 64 << 20

// inflight is a rewrite whose file is replaced and whose commit goes on.
type inflight struct {
	path string
	p    *resyncedit.Pending
	size int64 // about the content it holds
}

// pending returns the rewrite of the Resync.cfg at path still under way,
// or nil.
func (r *runner) pending(path string) *resyncedit.Pending {
	k := sameKey(path)
	for i := len(r.inflight) - 1; i >= 0; i-- {
		if sameKey(r.inflight[i].path) == k {
			return r.inflight[i].p
		}
	}
	return nil
}

// waitFor waits for the rewrites of path under way to end (and for the
// older ones, so that their warnings keep their order).
func (r *runner) waitFor(path string) {
	k := sameKey(path)
	for i := len(r.inflight) - 1; i >= 0; i-- {
		if sameKey(r.inflight[i].path) == k {
			r.reap(i + 1)
			return
		}
	}
}

// makeRoom waits for the oldest rewrites until one of a file of about size
// bytes may start.
func (r *runner) makeRoom(size int64) {
	for n := len(r.inflight); n > 0; n = len(r.inflight) {
		held := size
		for _, f := range r.inflight {
			held += f.size
		}
		if n < maxInflight && held <= maxInflightBytes {
			return
		}
		r.reap(1)
	}
}

// waitAll waits for every rewrite under way.
func (r *runner) waitAll() { r.reap(len(r.inflight)) }

// reap waits for the n oldest rewrites, in order, and reports what failed
// after their renames as Run did when it waited for each at once.
func (r *runner) reap(n int) {
	for _, f := range r.inflight[:n] {
		if _, err := f.p.Wait(); err != nil {
			r.warnLate(f.path, err)
		}
	}
	r.inflight = append(r.inflight[:0], r.inflight[n:]...)
}
