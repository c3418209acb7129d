// Package apply carries out a validated plan (or an undo file) on the files:
// it removes Resync.cfg records through package resyncedit, deletes or
// restores .cfg files, journals every change for undo before committing it,
// and reports one Result per row. It never decides what is stale (package
// plan) and never parses plan files (package planread).
package apply

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/dumpsync/dumpsync/internal/output"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"github.com/dumpsync/dumpsync/internal/safefs"
	"github.com/dumpsync/dumpsync/internal/site"
)

// Plan actions, as planread normalises them.
const (
	RemoveEntryAction = plan.RemoveEntry
	DeleteFileAction  = plan.DeleteFile
)

// Options say how to carry the plan out.
type Options struct {
	WhatIf    bool
	BackupDir string   // move deleted files under BackupDir/<timestamp>/ instead of deleting them
	Undo      *Journal // nil: no undo file
	Now       time.Time
	Warn      func(error)
	// LockedRetry is how long a file locked by another process is retried.
	LockedRetry time.Duration
	// Within are the --within folders (absolute). Every folder from the
	// one holding a row's Path down to the file must be a plain folder (no
	// link, junction or mount point) and the file a regular one; without
	// them the check starts above the row's domain or Logon.srv folder.
	Within []string
	// FileOps are the steps of moving, restoring and backing up .cfg files;
	// tests make them fail.
	FileOps atomicfile.Ops
	// Interrupt, when closed, stops the run before the next Resync.cfg
	// rewrite or file change (one in progress is completed); nil: never.
	Interrupt <-chan struct{}
	// PartialWaits is the schedule of re-reads of a Resync.cfg that ends in
	// a partial record (nil: resyncedit's default, about 1 s in all).
	PartialWaits []time.Duration
	// Progress, when set, is told how many rows each folder held once it is
	// done (a progress bar on a terminal).
	Progress func(rows int)

	editOps   atomicfile.Ops      // the rewrites' file operations; tests make them fail
	editSleep func(time.Duration) // the rewrites' grace-period wait; tests count them
}

// DetailInterrupted is the Detail of the rows an interrupted run did not
// reach (Status Skipped): they were not looked at, and applying the same
// plan again carries them out.
const DetailInterrupted = "not reached: apply was interrupted; apply the plan again to carry it out"

// Summary counts results by status.
type Summary struct {
	Applied, Skipped, Failed, WhatIf int
	Warnings                         int // reported on Warn: a change made, but not everything after it worked
	NotReached                       int // Skipped because the run was interrupted first (counted in Skipped too)
}

// Attention reports whether any row was not applied, or a warning was given.
func (s Summary) Attention() bool { return s.Skipped+s.Failed+s.Warnings > 0 }

// group is the rows of one SMS folder: its Resync.cfg edits, then its
// files, by their index in rows.
type group struct {
	folder string
	rows   *groupRows
	edits  []*edit
	files  []int
}

// edit is one rewrite of a Resync.cfg: its ops, whose IDs are the rows'
// indexes in the folder's groupRows (which keeps of these rows only what
// the results and the undo file need besides the op).
type edit struct {
	path  string
	guard resyncedit.Guard
	ops   []resyncedit.Op
}

// editKey groups a folder's record rows into rewrites: one per Resync.cfg
// and guard.
type editKey struct {
	path  string // sameKey
	guard resyncedit.Guard
}

// Run applies rows (validated, duplicates removed) and emits one Result per
// row, in plan order: RunPlan on a Plan in memory.
func Run(rows []planread.Row, opt Options, emit func(*Result) error) (Summary, error) {
	p, err := spoolRows(planread.NewMemSpool(), rows)
	if err != nil {
		return Summary{}, err
	}
	return RunPlan(p, opt, func(_ *planread.Row, r *Result) error { return emit(r) })
}

// spoolRows appends rows (validated, duplicates removed) to sp and returns
// the Plan of them.
func spoolRows(sp *planread.Spool, rows []planread.Row) (*Plan, error) {
	p := NewPlan(sp)
	for i := range rows {
		ref, err := sp.Append(&rows[i], 0)
		if err != nil {
			return nil, err
		}
		p.Add(ref, sp.Size(), &rows[i])
	}
	return p, nil
}

// RunPlan carries out the rows of p and emits one Result per row, in plan
// order, with the row it is for (valid during the call; the Result may be
// kept). Folders are processed in the order they
// first appear (those that depend on the site last), one at a time: only
// that folder's rows are in memory.
//
// When opt.Interrupt is closed, RunPlan stops between files, emits every
// row all the same (those not reached as Skipped, DetailInterrupted: one
// Result per plan row, so the results can be filtered and applied again)
// and returns interrupt.ErrInterrupted.
func RunPlan(p *Plan, opt Options, emit func(*planread.Row, *Result) error) (Summary, error) {
	rp, err := execute(p, opt)
	if err != nil {
		return Summary{}, err
	}
	defer rp.outs.close()
	// Each Result is made anew from the spool.
	var chunk []Result
	err = p.spool.Scan(0, p.spool.Size(), func(_ planread.Ref, row *planread.Row, mark byte) error {
		if mark == planread.MarkInvalid {
			return nil // not added to p
		}
		status, detail, err := rp.next()
		if err != nil {
			return err
		}
		// The Results are made in chunks, a new one each time, so that emit
		// may keep them (a table waits for all its rows).
		if len(chunk) == 0 {
			chunk = make([]Result, min(p.rows-rp.global+1, resultChunk))
		}
		res := &chunk[0]
		chunk = chunk[1:]
		*res = newResult(row)
		if row.SmsId != "" {
			id := row.SmsId // not &row.SmsId: the spool reuses row
			res.SmsId = &id
		}
		res.Status, res.Detail = status, detail
		if err := emit(row, res); err != nil {
			return emitError{err}
		}
		return nil
	})
	return rp.end(err)
}

// RunPlanChunked is RunPlan for an output that formats records apart from
// the stream (JSON, JSON Lines, CSV): each Result is formatted straight
// from the spool into c, with no Result, string or pointer made per row,
// and tally is told its Status and Detail. The bytes are those RunPlan's
// Results would encode to.
func RunPlanChunked(p *Plan, opt Options, c output.Chunked, tally func(status, detail string)) (Summary, error) {
	rp, err := execute(p, opt)
	if err != nil {
		return Summary{}, err
	}
	defer rp.outs.close()
	return rp.end(writeResults(p.spool, rp, c, tally, resultWorkers()))
}

// bigFolder is how many rows a folder holds from which execute collects
// its garbage once the folder is done: a collection costs far less than
// carrying out that many rows.
const bigFolder = 64 << 10

// execute carries out the rows of p, folder by folder, and returns the
// outcomes for the results pass.
func execute(p *Plan, opt Options) (*resultsPass, error) {
	if opt.LockedRetry == 0 {
		opt.LockedRetry = 5 * time.Second
	}
	outs, err := newOutcomes(p.rows, p.spool.InFile())
	if err != nil {
		return nil, err
	}
	r := &runner{opt: opt, heldAtSite: map[idKey]string{}}
	fail := func(err error) (*resultsPass, error) {
		r.waitAll()
		outs.close()
		p.dropSpares()
		return nil, err
	}
	for _, fg := range dependentsLast(p.groups) {
		if r.stopped() {
			break
		}
		g, err := p.load(fg)
		if err != nil {
			return fail(err)
		}
		r.rows, r.res = g.rows, newFolderOutcomes(g.rows.len())
		r.folder(g)
		// The folder's outcomes are final: its rows go back to the spool's
		// order, span by span.
		k := 0
		for _, s := range fg.spans {
			if err := outs.put(s.global, s.n, r.res.span(k, s.n)); err != nil {
				p.recycle(g)
				return fail(err)
			}
			k += s.n
		}
		r.rows, r.res = nil, nil
		p.recycle(g)
		if fg.rows >= bigFolder {
			// The folder's rows and ops are garbage now: collect them
			// before the next folder's are made, so that its heap does not
			// grow on top of them (the collector's pacing would let the
			// heap reach twice what was live at its last run).
			runtime.GC()
		}
		if opt.Progress != nil {
			opt.Progress(fg.rows)
		}
	}
	// The spare buffers are of no use to the results pass: let them go.
	p.dropSpares()
	// The rewrites under way (their grace periods, carry-over rounds)
	// change no row's outcome: they end while the results are written, and
	// end is what waits for them (interrupted too).
	return &resultsPass{outs: outs, or: outs.reader(), rows: p.rows, interrupted: r.interrupted, run: r}, nil
}

// resultsPass gives the outcome of each row of the plan in turn, in plan
// order, and counts them.
type resultsPass struct {
	run         *runner // its rewrites under way, waited for by end
	outs        *outcomes
	or          *outcomeReader
	global      int // rows given so far
	rows        int
	interrupted bool
	sum         Summary
}

// next is the Status and Detail of the plan's next row: those not reached
// by an interrupted run are Skipped, DetailInterrupted.
func (rp *resultsPass) next() (status, detail string, err error) {
	if rp.global == rp.rows {
		return "", "", errors.New("the plan's temporary file holds more rows than were added")
	}
	rp.global++
	out, err := rp.or.next()
	if err != nil {
		return "", "", err
	}
	status, detail = out.status, out.text()
	if status == "" && rp.interrupted {
		status, detail = Skipped, DetailInterrupted
		rp.sum.NotReached++
	}
	switch status {
	case Applied:
		rp.sum.Applied++
	case Skipped:
		rp.sum.Skipped++
	case Failed:
		rp.sum.Failed++
	case WhatIf:
		rp.sum.WhatIf++
	}
	return status, detail, nil
}

// end waits for the rewrites still under way, then is RunPlan's return:
// the summary (with their warnings), and the error of the results pass
// (an emit error as it is) joined to ErrInterrupted when the run was
// interrupted.
func (rp *resultsPass) end(err error) (Summary, error) {
	rp.run.waitAll()
	rp.sum.Warnings = rp.run.warnings
	var stopErr error
	if rp.interrupted {
		stopErr = interrupt.ErrInterrupted
	}
	var ee emitError
	if errors.As(err, &ee) {
		return rp.sum, errors.Join(stopErr, ee.err)
	}
	if err != nil {
		return rp.sum, errors.Join(stopErr, err)
	}
	return rp.sum, stopErr
}

// emitError is an error of emit, returned as it is.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

// resultChunk is how many Results RunPlan allocates at a time.
const resultChunk = 1024

// guardOfRaw is a validated row's guard (a row without one cannot pass
// Validate).
func guardOfRaw(r *planread.RawRow) resyncedit.Guard {
	var g resyncedit.Guard
	if r.Has(planread.FieldSize) && r.Has(planread.FieldSha256) {
		g.Size = r.Int(planread.FieldSize)
		if raw, ok := r.ShaRaw(); ok {
			copy(g.Sha256[:], raw)
		} else {
			hex.Decode(g.Sha256[:], []byte(r.Sha256()))
		}
	}
	return g
}

// outcome is a row's Status and Detail. A numbered one (n > 0: an undo
// file's rows each have their own offset) keeps the Detail's text before
// the number in detail and 1 + the number in n: text makes the Detail.
type outcome struct {
	status, detail string
	n              int64
}

// text is the outcome's Detail.
func (o outcome) text() string {
	if o.n <= 0 {
		return o.detail
	}
	return o.detail + strconv.FormatInt(o.n-1, 10)
}

type runner struct {
	rows     *groupRows      // the folder's under way
	res      *folderOutcomes // their outcomes
	opt      Options
	warnings int    // problems after a change was made
	undoBuf  []byte // reused by the undo rows of each rewrite
	// heldAtSite says, per SMSID, why a site domain still holds a request
	// that this apply was to remove: a logon server's copy of its .cfg,
	// deleted only because the site's is, is then kept too.
	heldAtSite map[idKey]string
	// interrupted is set when the run stopped early (opt.Interrupt); the
	// rows not reached have no outcome.
	interrupted bool
	// inflight are the rewrites whose file is replaced and whose commit
	// (the grace period and carry-over rounds) goes on in the background,
	// oldest first.
	inflight []inflight
}

// stopped reports whether the run must stop before its next change.
func (r *runner) stopped() bool {
	if !r.interrupted && interrupt.Requested(r.opt.Interrupt) {
		r.interrupted = true
	}
	return r.interrupted
}

// row decodes row i of the folder under way.
func (r *runner) row(i int) *planread.Row { return r.rows.row(i) }

func (r *runner) set(i int, status, detail string) {
	r.res.set(i, status, detail)
}

func (r *runner) folder(g *group) {
	if why := r.recoverFolder(g); why != "" {
		r.failGroup(g, Failed, why)
		return
	}
	if r.interrupted {
		return
	}
	// What-if: the offsets that would be removed, for the check beside the
	// folder's .cfg files (none without them).
	removed := &offsetSet{on: len(g.files) > 0}
	for _, e := range g.edits {
		if r.stopped() {
			return
		}
		r.edit(e, removed)
	}
	if r.stopped() {
		return
	}
	sib := r.sibling(g, removed)
	if sib != nil && !isLogonFolder(g.folder) {
		for k, why := range sib.held {
			if _, ok := r.heldAtSite[k]; !ok {
				r.heldAtSite[k] = why
			}
		}
	}
	for _, i := range g.files {
		if r.stopped() {
			return
		}
		r.file(i, sib)
	}
}

// undoChunk is how much of the undo file a rewrite formats before it hands
// it to the journal.
const undoChunk = 256 << 10

// isLogonFolder reports whether an SMS folder is a logon server's Logon.srv
// (the others are site domains).
func isLogonFolder(folder string) bool {
	return strings.EqualFold(filepath.Base(folder), site.LogonSrvName)
}

// edit removes or restores the records of one Resync.cfg in one rewrite.
func (r *runner) edit(e *edit, removed *offsetSet) {
	if why := r.notPlain(e.path); why != "" {
		for _, op := range e.ops {
			r.set(op.ID, Skipped, why)
		}
		return
	}
	req := resyncedit.Request{Path: e.path, Guard: e.guard, DryRun: r.opt.WhatIf, Ops: e.ops}
	if !r.opt.WhatIf && r.opt.Undo != nil {
		req.BeforeCommit = func(results resyncedit.Results, newGuard resyncedit.Guard) error {
			return r.writeUndo(e.ops, results, newGuard)
		}
	}
	// A second rewrite of the same file (rows of two guards) starts from
	// the first one's end.
	r.waitFor(e.path)
	r.makeRoom(e.guard.Size)
	out, pend, err := resyncedit.Start(req, resyncedit.Options{InUseWait: r.opt.LockedRetry, Interrupt: r.opt.Interrupt,
		PartialWaits: r.opt.PartialWaits, Ops: r.opt.editOps, Sleep: r.opt.editSleep})
	if pend != nil {
		// The rows' outcomes are known once the file is replaced; what the
		// commit does after the rename only adds a warning (r.reap).
		r.inflight = append(r.inflight, inflight{path: e.path, p: pend, size: e.guard.Size})
	}
	if err != nil && !out.Rewritten && errors.Is(err, interrupt.ErrInterrupted) {
		r.interrupted = true // the rows stay "not reached"
		return
	}
	if err != nil && !out.Rewritten {
		for _, op := range e.ops {
			r.set(op.ID, Failed, err.Error())
		}
		return
	}
	if err != nil {
		r.warnLate(e.path, err)
	}
	for _, res := range out.Results.All() {
		status, detail := res.Status.String(), res.Detail
		restored := false
		if res.Status == resyncedit.Applied && detail == "" {
			detail = "removed"
			if r.rows.action(res.ID) == RestoreEntry {
				detail, restored = "restored at offset ", true
				if res.NewOffset < 0 { // never: kept as it is
					detail, restored = fmt.Sprintf("restored at offset %d", res.NewOffset), false
				}
			}
		}
		if r.opt.WhatIf && res.Status == resyncedit.Applied {
			status, detail = WhatIf, "would be "+detail
			removed.add(res.OldOffset)
		}
		if restored {
			// Each row its own offset: kept as a number.
			r.res.setNumbered(res.ID, status, detail, res.NewOffset)
			continue
		}
		r.set(res.ID, status, detail)
	}
}

// writeUndo writes the undo rows of one rewrite, whose ops and results are
// given, durably: it is the rewrite's BeforeCommit. The rows go into the
// journal in chunks formatted from a line template, with one sync for the
// whole rewrite: every row is durable before the file is replaced.
func (r *runner) writeUndo(ops []resyncedit.Op, results resyncedit.Results, newGuard resyncedit.Guard) error {
	sum := hex.EncodeToString(newGuard.Sha256[:])
	j := r.opt.Undo
	var lines *undoLines
	buf, n := r.undoBuf[:0], 0
	flush := func() error {
		err := j.WriteChunk(buf, n)
		buf, n = buf[:0], 0
		return err
	}
	v := undoEntry{size: newGuard.Size, sum: sum} // formatted at once, so reused
	for k, res := range results.All() {
		if res.Status != resyncedit.Applied || r.rows.action(res.ID) != RemoveEntryAction {
			continue
		}
		path, id, rec := r.rows.undoFields(res.ID)
		if rec != nil {
			// A Record that was not valid hex (never in a row
			// apply carries out), as the row gave it.
			off, text := res.OldOffset, strings.ToLower(string(rec))
			u := UndoRow{Action: RestoreEntry, Path: path, SmsId: string(id), Offset: &off, Record: &text,
				Size: newGuard.Size, Sha256: sum}
			if err := flush(); err != nil {
				return err
			}
			if err := j.Write(&u); err != nil {
				return err
			}
			continue
		}
		if lines == nil {
			f, err := j.Formatter()
			if err != nil {
				return err
			}
			lines = newUndoLines(f, path, newGuard.Size, sum)
		}
		// The op's Record: results are in the order of the ops.
		v.path, v.smsID, v.offset = path, id, res.OldOffset
		hex.Encode(v.record[:], ops[k].Record[:])
		buf = lines.append(buf, &v)
		if n++; len(buf) >= undoChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	err := flush()
	r.undoBuf = buf
	if err != nil {
		return err
	}
	return j.Sync()
}

// warnLate reports that the Resync.cfg at path was replaced, so its rows
// were applied, but a later step (syncing the folder, carrying over) failed:
// say so, and let the exit code say it.
func (r *runner) warnLate(path string, err error) {
	r.warnings++
	if r.opt.Warn != nil {
		r.opt.Warn(fmt.Errorf("%s: rewritten, but: %w", path, err))
	}
}

// idKey is an upper-cased SMSID of at most 16 ASCII bytes, which every
// valid one is: a map key without an allocation per record.
type idKey [16]byte

// keyOf returns the key of an SMSID, false if it cannot be valid.
func keyOf(id []byte) (k idKey, ok bool) {
	if len(id) > len(k) {
		return k, false
	}
	for i, c := range id {
		if c >= 0x80 {
			return k, false
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		k[i] = c
	}
	return k, true
}

// siblingState is what the Resync.cfg beside an Invencfg.box says now, after
// this apply's removals, about the SMSIDs of the folder's rows.
type siblingState struct {
	path string
	// keeps holds, per SMSID and cutoff of a DeleteFile row, the time of a
	// request that keeps the file (plan.KeepsCfg): plan's own rule, so a
	// plan made a moment ago passes.
	keeps map[keepKey]uint32
	// held says, per SMSID, why a request this apply was to remove is still
	// there (its RemoveEntry row Failed): its .cfg is kept.
	held    map[idKey]string
	partial error
	err     error
}

type keepKey struct {
	id     idKey
	cutoff int64
}

// sibling reads the Resync.cfg of g's folder, after g's edits, for what its
// DeleteFile rows (and the logon servers' rows that depend on them) must
// know. It returns nil when nothing needs it.
func (r *runner) sibling(g *group, removed *offsetSet) *siblingState {
	s := &siblingState{keeps: map[keepKey]uint32{}, held: map[idKey]string{}}
	cutoffs := map[idKey][]int64{}
	for _, i := range g.files {
		row := r.row(i)
		if row.Action != DeleteFileAction || row.Cutoff == nil {
			continue
		}
		if k, ok := keyOf([]byte(row.SmsId)); ok && !slices.Contains(cutoffs[k], *row.Cutoff) {
			cutoffs[k] = append(cutoffs[k], *row.Cutoff)
		}
	}
	// The records of RemoveEntry rows whose rewrite failed (disk full, held
	// open, access denied), with why: deleting their .cfg would leave the
	// state check reports as MissingCfg. (A row Skipped because the file
	// changed since the plan is not one: the plan no longer describes the
	// file, and its DeleteFile rows are judged on what the file holds now.)
	left := map[[record.Size]byte]string{}
	for _, e := range g.edits {
		if !r.res.failed {
			break // no row Failed: none to look for among half a million
		}
		for _, op := range e.ops {
			out := r.res.get(op.ID)
			if out.status != Failed || r.rows.action(op.ID) != RemoveEntryAction {
				continue
			}
			if rec := record.Parse(op.Record[:]); rec.Valid() {
				left[rec.Raw] = fmt.Sprintf("its RemoveEntry row (offset %d) was %s: %s", op.Offset, out.status, out.text())
			}
		}
	}
	if len(cutoffs) == 0 && len(left) == 0 {
		return nil
	}
	p, err := site.Resync(g.folder)
	if err != nil {
		if !errors.Is(err, site.ErrNotFound) {
			s.err = err
		}
		s.holdAll(left)
		return s
	}
	s.path = p
	if why := r.notPlain(p); why != "" {
		s.err = errors.New(why)
		return s
	}
	removed.sort()
	err = r.scanWhole(p, func(i int64, e *record.Entry) error {
		if removed.next(i * record.Size) {
			return nil
		}
		k, ok := keyOf(e.IDBytes())
		if !ok || !e.Valid() {
			return nil // not a request (plan.KeepsCfg): an invalid entry keeps and holds nothing
		}
		for _, c := range cutoffs[k] {
			if _, seen := s.keeps[keepKey{k, c}]; !seen && plan.KeepsCfg(e, c) {
				s.keeps[keepKey{k, c}] = e.Time()
			}
		}
		if why, ok := left[e.Raw]; ok {
			if _, seen := s.held[k]; !seen {
				s.held[k] = fmt.Sprintf("%s still holds a request of %s to remove (%s)", p, e.SmsID(), why)
			}
		}
		return nil
	})
	if resync.IsPartial(err) {
		s.partial = err
	} else if err != nil {
		s.err = err
	}
	if err != nil {
		s.holdAll(left)
	}
	return s
}

// holdAll marks every SMSID of left as held: the file could not be read, so
// its records may all still be there.
func (s *siblingState) holdAll(left map[[record.Size]byte]string) {
	for raw, why := range left {
		e := record.Entry{Raw: raw}
		if k, ok := keyOf(e.IDBytes()); ok {
			if _, seen := s.held[k]; !seen {
				s.held[k] = fmt.Sprintf("the request of %s to remove may still be there (%s)", e.SmsID(), why)
			}
		}
	}
}

// scanWhole scans the Resync.cfg at p up to the last whole record, once its
// size is a multiple of 48: a partial record at the end means a request is
// being written, so it is re-read as resyncedit re-reads before a rewrite
// (resyncedit.WholeSize) rather than judged at once.
//
// While this apply's rewrite of p is still watching the file it replaced
// (resyncedit.Pending), the records that reached that file and are not
// carried over yet are scanned too, after the file's own: the check sees
// every record that reached the Resync.cfg, as it would after the rewrite's
// end, without waiting for its grace period.
func (r *runner) scanWhole(p string, fn resync.Func) error {
	scan := func(uncarried []byte) error {
		// Never a FIFO or device: reading one would block or never end.
		f, err := safefs.OpenUnder(r.rootOf(p), p)
		if err != nil {
			return err
		}
		defer f.Close()
		size, err := resyncedit.WholeSize(f, p, resyncedit.Options{PartialWaits: r.opt.PartialWaits})
		if err != nil {
			return err
		}
		info := resync.Info{Path: p}
		return resync.ScanReader(io.MultiReader(io.LimitReader(f, size), bytes.NewReader(uncarried)), &info, fn)
	}
	if pend := r.pending(p); pend != nil {
		return pend.Snapshot(scan)
	}
	return scan(nil)
}

// file deletes (or restores) one .cfg file.
func (r *runner) file(i int, sib *siblingState) {
	row := r.row(i)
	if row.Action == RestoreFile {
		r.restoreFile(i)
		return
	}
	if why := r.notPlain(row.Path); why != "" {
		r.set(i, Skipped, why)
		return
	}
	// Size and content come from one handle, opened through plain folders
	// only and never on a link, FIFO or device (reading a FIFO would block
	// for ever, /dev/zero would never end).
	var f *os.File
	err := retryLocked(r.opt.LockedRetry, func() (err error) {
		f, err = safefs.OpenUnder(r.rootOf(row.Path), row.Path)
		return err
	})
	switch {
	case errors.Is(err, os.ErrNotExist):
		r.set(i, Skipped, "file no longer exists")
		return
	case safefs.IsRefused(err):
		r.set(i, Skipped, refusal(row.Path, err))
		return
	case err != nil:
		r.set(i, Failed, err.Error())
		return
	}
	content, err := readFile(f, *row.Size)
	if errors.Is(err, errSizeChanged) {
		r.set(i, Skipped, fmt.Sprintf("file changed since the plan (%v); make a new plan", err))
		return
	}
	if err != nil {
		r.set(i, Failed, err.Error())
		return
	}
	sum := sha256.Sum256(content)
	if int64(len(content)) != *row.Size || !strings.EqualFold(hex.EncodeToString(sum[:]), *row.Sha256) {
		r.set(i, Skipped, "file changed since the plan (content differs); make a new plan")
		return
	}
	if why := r.keptBy(row, sib); why != "" {
		r.set(i, Skipped, why)
		return
	}
	if r.opt.WhatIf {
		r.set(i, WhatIf, r.deleteVerb(row.Path))
		return
	}
	if r.opt.Undo != nil {
		c := base64.StdEncoding.EncodeToString(content)
		if err := r.opt.Undo.Add(&UndoRow{Action: RestoreFile, Path: row.Path, SmsId: row.SmsId,
			Size: *row.Size, Sha256: strings.ToLower(*row.Sha256), Content: &c}); err != nil {
			r.set(i, Failed, err.Error())
			return
		}
	}
	if r.opt.BackupDir != "" {
		dest := BackupPath(r.opt.BackupDir, row.Path)
		if err := retryLocked(r.opt.LockedRetry, func() error { return moveFile(r.opt.FileOps, row.Path, dest) }); err != nil {
			r.set(i, Failed, err.Error())
			return
		}
		r.set(i, Applied, "moved to "+dest)
		return
	}
	if err := retryLocked(r.opt.LockedRetry, func() error { return os.Remove(row.Path) }); err != nil {
		r.set(i, Failed, err.Error())
		return
	}
	r.set(i, Applied, "deleted")
}

// keptBy says why the .cfg file of a DeleteFile row must be kept, or "".
func (r *runner) keptBy(row *planread.Row, sib *siblingState) string {
	k, _ := keyOf([]byte(row.SmsId))
	switch {
	case sib == nil:
	case sib.err != nil:
		return fmt.Sprintf("cannot read the Resync.cfg beside it: %v", sib.err)
	case sib.partial != nil:
		return fmt.Sprintf("the Resync.cfg beside it ends in a partial record (a request may be being written): %v", sib.partial)
	}
	if sib != nil {
		if why, ok := sib.held[k]; ok {
			return "kept, or a request would be left without its .cfg: " + why
		}
		if t, ok := sib.keeps[keepKey{k, deref(row.Cutoff)}]; ok {
			if t == 0 {
				return fmt.Sprintf("the Resync.cfg beside it holds an undated request for %s", row.SmsId)
			}
			return fmt.Sprintf("a fresh request for %s arrived since the plan (%s)", row.SmsId, time.Unix(int64(t), 0).UTC().Format(time.RFC3339))
		}
	}
	if why, ok := r.heldAtSite[k]; ok && dependsOnSite(row) {
		return "kept: it was to be deleted because the site deletes its copy, but the site keeps it: " + why
	}
	return ""
}

func (r *runner) deleteVerb(path string) string {
	if r.opt.BackupDir != "" {
		return "would be moved to " + BackupPath(r.opt.BackupDir, path)
	}
	return "would be deleted"
}

// restoreFile re-creates a deleted .cfg file, only if it is absent.
func (r *runner) restoreFile(i int) {
	row := r.row(i)
	if why := r.notPlain(row.Path); why != "" {
		r.set(i, Skipped, why)
		return
	}
	if !r.opt.WhatIf {
		// A run killed after it linked its temporary file to the path, and
		// before it removed it, left that file beside the restored one:
		// remove it, whatever this row's outcome.
		atomicfile.RemoveTemps(r.opt.FileOps, row.Path)
	}
	if _, err := os.Lstat(row.Path); err == nil {
		r.set(i, Skipped, "file exists; not overwritten")
		return
	}
	content, err := base64.StdEncoding.DecodeString(*row.Content)
	if err != nil {
		r.set(i, Failed, "Content is not base64: "+err.Error())
		return
	}
	if r.opt.WhatIf {
		r.set(i, WhatIf, "would be restored")
		return
	}
	if err := writeNew(r.opt.FileOps, row.Path, content); err != nil {
		r.set(i, Failed, err.Error())
		return
	}
	r.set(i, Applied, "restored")
}

// readAll reads the regular file p whole; a link, FIFO or device is refused
// without being read (safefs.Open). An open refused because another process
// holds the file (a Windows sharing violation: SMS copying it) is retried
// for up to wait, like every other open of a file SMS uses.
func readAll(p string, wait time.Duration) ([]byte, error) {
	var f *os.File
	err := retryLocked(wait, func() (err error) {
		f, err = safefs.Open(p)
		return err
	})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

var errSizeChanged = errors.New("size changed")

// readFile reads and closes f, a regular file that should be size bytes
// long: another size is errSizeChanged, found before reading.
func readFile(f *os.File, size int64) ([]byte, error) {
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() != size {
		return nil, fmt.Errorf("%w: size %d, planned %d", errSizeChanged, st.Size(), size)
	}
	return io.ReadAll(f)
}

func newResult(r *planread.Row) Result {
	res := Result{
		Action: r.Action, Path: r.Path, RequestTime: r.RequestTime, RequestedAt: r.RequestedAt,
		AgeDays: r.AgeDays, Cutoff: r.Cutoff, Offset: r.Offset, Record: r.Record, Size: r.Size,
		ModTime: r.ModTime, Sha256: r.Sha256, Reason: r.Reason,
	}
	if r.SmsId != "" {
		res.SmsId = &r.SmsId // rows outlive the results and are not changed
	}
	return res
}

// FromPlan turns rows planned in this process into plan input, as if they
// had been written and read back (the original syntax plans and applies in
// one run).
func FromPlan(rows []plan.Row) *planread.Plan {
	p := &planread.Plan{Format: "json"}
	for i := range rows {
		p.Rows = append(p.Rows, fromPlanRow(i+1, &rows[i]))
	}
	return p
}

// fromPlanRow is row n of plan input, made from r (which it shares).
func fromPlanRow(n int, r *plan.Row) planread.Row {
	size, mod, cutoff := r.Size, r.ModTime, r.Cutoff
	sum, reason := r.Sha256, r.Reason
	return planread.Row{
		N: n, Action: r.Action, Path: r.Path, SmsId: r.SmsId,
		RequestTime: r.RequestTime, RequestedAt: r.RequestedAt, AgeDays: r.AgeDays,
		Cutoff: &cutoff, Offset: r.Offset, Record: r.Record, Size: &size, ModTime: &mod,
		Sha256: &sum, Reason: &reason,
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// offsetSet is a set of record offsets, added in any order, then (after
// sort) asked in ascending order: 8 bytes an offset, where a map took
// about 40. Unless on, it holds nothing and has nothing.
type offsetSet struct {
	on   bool
	offs []int64
	at   int // next asks from here
}

func (s *offsetSet) add(off int64) {
	if s.on {
		s.offs = append(s.offs, off)
	}
}

// sort readies s for next.
func (s *offsetSet) sort() {
	if !slices.IsSorted(s.offs) {
		slices.Sort(s.offs)
	}
	s.at = 0
}

// next reports whether off is in s; off must not be below the one asked
// before.
func (s *offsetSet) next(off int64) bool {
	for s.at < len(s.offs) && s.offs[s.at] < off {
		s.at++
	}
	return s.at < len(s.offs) && s.offs[s.at] == off
}
