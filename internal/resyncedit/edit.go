// Package resyncedit is the only code in dumpsync that rewrites a Resync.cfg:
// it removes planned records from one file, or puts removed records back
// (undo), in a single atomic replacement per call.
//
// What it guarantees, and how:
//
//   - A crash at any instant leaves the complete old or the complete new file
//     (package atomicfile: temp file in the same folder, fsync, rename over),
//     and loses no appended record: the replaced file stays reachable under
//     a recovery link until everything in it is carried over.
//   - SMS may append 48-byte records at any time; none is lost. Records
//     appended before the rename are copied into the temporary file; those a
//     writer puts into the replaced file after the rename are carried over by
//     another round (see commit and the per-OS swap for the residual window).
//   - Two edits of the same file never overlap: an OS lock on
//     "Resync.cfg.dumpsync-lock" beside it, removed when the edit ends.
//   - Nothing of ours stays in the folder: the lock file and temporary files
//     are removed, and leftovers of a killed run are removed by the next one.
//     A killed run may leave a recovery file (recover.go): the next edit
//     first appends the records it holds, then removes it.
//
// It does not decide what to remove (package plan does), does not search for
// a record that moved (a changed file means a new plan), and does not
// interpret records beyond comparing their 48 bytes.
package resyncedit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/record"
)

// Guard pins the content a request was decided from: the file's first Size
// bytes must hash to Sha256. Records appended later do not break it.
type Guard struct {
	Size   int64
	Sha256 [32]byte
}

// GuardOf returns the Guard of data.
func GuardOf(data []byte) Guard {
	return Guard{Size: int64(len(data)), Sha256: sha256.Sum256(data)}
}

// matches reports whether data starts with the guarded content.
func (g Guard) matches(data []byte) bool {
	return g.Size >= 0 && int64(len(data)) >= g.Size && sha256.Sum256(data[:g.Size]) == g.Sha256
}

// OpKind says what an Op does.
type OpKind int

const (
	Remove OpKind = iota + 1 // remove the record at Offset
	Insert                   // put a removed record back at Offset (undo)
)

func (k OpKind) String() string {
	switch k {
	case Remove:
		return "Remove"
	case Insert:
		return "Insert"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one change to a Resync.cfg.
type Op struct {
	ID     int    // the caller's row id, echoed in OpResult
	Kind   OpKind // Remove or Insert
	Offset int64  // Remove: the record's offset as planned; Insert: the offset it had before it was removed
	Record [record.Size]byte
}

// Status is the outcome of one Op.
type Status int

const (
	Applied Status = iota + 1 // the change is (or, in a dry run, would be) made
	Skipped                   // the change is not made, for the reason in Detail; not an error of the tool
	Failed                    // the op itself is invalid (bad offset or kind)
)

func (s Status) String() string {
	switch s {
	case Applied:
		return "Applied"
	case Skipped:
		return "Skipped"
	case Failed:
		return "Failed"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Details of skipped ops; callers may show them as they are.
const (
	DetailChanged         = "Resync.cfg changed since the plan; make a new plan"
	DetailRecordDiffers   = "the record at this offset differs from the plan; Resync.cfg changed since the plan; make a new plan"
	DetailBeyondGuard     = "the offset is beyond the size the plan was made from; make a new plan"
	DetailDuplicate       = "another op of this request removes the same offset"
	DetailAlreadyRestored = "already restored"
	DetailAppended        = "Resync.cfg changed since apply; the record was appended at the end"
)

// OpResult is the outcome of one Op, in the order of Request.Ops.
type OpResult struct {
	ID     int
	Status Status
	Detail string
	// OldOffset is, for Remove, the offset the record had before the edit;
	// -1 for Insert.
	OldOffset int64
	// NewOffset is, for an applied or already restored Insert, the offset
	// of the record in the file as left; -1 for Remove.
	NewOffset int64
}

// Request is one edit of one Resync.cfg. All its ops are Remove ops, or all
// are Insert ops.
type Request struct {
	Path string
	// Guard: for Remove, the guard every op was planned against; for Insert
	// (undo), the guard of the file as apply left it (see BeforeCommit).
	Guard Guard
	Ops   []Op
	// DryRun checks everything against the file as it is now and reports
	// the statuses the real run would give; it takes no lock and writes
	// nothing.
	DryRun bool
	// BeforeCommit, if set, is called when the file is going to be
	// rewritten, after all checks and before the file is replaced: with the
	// outcome of each op and the guard of the new content (the guard an undo
	// of this edit needs; records appended by others later do not break it).
	// The caller writes its undo rows durably there. It runs on its own
	// goroutine while the edit finishes and syncs its temporary file; the
	// rename waits for it. An error aborts the edit with nothing changed and
	// is returned as is.
	BeforeCommit func(results Results, newGuard Guard) error
}

// Outcome is what an edit did.
type Outcome struct {
	Results Results
	// Rewritten reports whether the file was (in a dry run: would be)
	// replaced.
	Rewritten bool
	// Final is the guard of the whole file as the edit left it (in a dry run:
	// would leave it); SMS may have appended to it since.
	Final Guard
	// CarriedOver counts the records that others appended during the edit
	// and that were copied into the new file.
	CarriedOver int
	// Recovered lists the recovery files of interrupted edits that the edit
	// carried into the file before anything else (see Recover).
	Recovered []Recovered
}

// Options tune the waits of an edit. The zero value means the defaults.
type Options struct {
	// LockWait bounds the wait for another dumpsync editing the same file
	// (default 5 s).
	LockWait time.Duration
	// InUseWait bounds the retries of an open, rename or remove that fails
	// because another process holds the file (Windows sharing violation;
	// default 5 s).
	InUseWait time.Duration
	// PartialWaits is the schedule of re-reads while the file ends in a
	// partial record (a writer may be mid-record); default about 1 s in all.
	PartialWaits []time.Duration
	// Grace is how long the replaced file is watched after the rename for
	// records written by a writer that opened it before (default 200 ms).
	// On Windows only a writer that shares delete access can do that; others
	// block the rename.
	Grace time.Duration
	// MaxRounds bounds the carry-over rounds (default 20).
	MaxRounds int
	// Sleep waits out the grace period (default time.Sleep); tests count
	// the waits.
	Sleep func(time.Duration)
	// Ops are the file operations; tests make them fail.
	Ops atomicfile.Ops
	// Interrupt, when closed, ends the wait for another dumpsync's lock
	// (the error wraps interrupt.ErrInterrupted; nothing changed). An edit
	// that holds the lock is always completed.
	Interrupt <-chan struct{}
}

var defaultPartialWaits = []time.Duration{
	50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond,
	200 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond,
}

func (o Options) withDefaults() Options {
	if o.LockWait == 0 {
		o.LockWait = 5 * time.Second
	}
	if o.InUseWait == 0 {
		o.InUseWait = 5 * time.Second
	}
	if o.PartialWaits == nil {
		o.PartialWaits = defaultPartialWaits
	}
	if o.Grace == 0 {
		o.Grace = 200 * time.Millisecond
	}
	if o.MaxRounds == 0 {
		o.MaxRounds = 20
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	return o
}

// LockPath is the lock file of the Resync.cfg at path.
func LockPath(path string) string { return path + ".dumpsync-lock" }

// ErrLocked is wrapped by the error of an edit that gave up waiting for
// another dumpsync editing the same file.
var ErrLocked = errors.New("another dumpsync is editing it")

// PartialError is the error for a file that still ends in a partial record
// after the re-reads; it is never rewritten.
type PartialError struct {
	Path   string
	Size   int64
	Offset int64 // offset of the partial record
	Waited time.Duration
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%s: size %d is not a multiple of %d: partial record at offset %d (still partial after %v); not rewritten",
		e.Path, e.Size, record.Size, e.Offset, e.Waited.Round(time.Millisecond))
}

// Edit carries out req on the Resync.cfg at req.Path; see the package
// comment for the guarantees. The error is nil when every op got a status;
// Skipped ops are not errors. If the error is not nil and Outcome.Rewritten
// is true, the file was replaced but something after the rename failed (for
// example syncing the folder); the Outcome is complete.
func Edit(req Request, opts Options) (Outcome, error) {
	out, p, err := Start(req, opts)
	if p != nil {
		full, err := p.Wait()
		full.Results = out.Results
		return full, err
	}
	return out, err
}

// Start is Edit that returns as soon as the file is replaced, so that a
// caller editing many files overlaps their grace periods (Options.Grace):
// the rest of the commit — watching the replaced file, the carry-over
// rounds, removing the recovery links, releasing the lock — goes on in the
// background, and the returned Pending (nil when the file was not replaced)
// must be waited for. The Outcome then holds Results, Recovered and
// Rewritten (true), which no later step changes; Pending.Wait gives the
// rest of the Outcome (all but Results, which the Pending does not keep:
// a caller editing many files holds one file's at a time) and the error of
// the steps after the rename. Without a Pending, the Outcome and error are
// Edit's.
//
// Until Wait returns, the lock stays held: another edit of the same file
// waits for it (or gives up, ErrLocked), so a caller that edits the same
// file again waits first. A caller that reads the file meanwhile and must
// see every record that reached it uses Pending.Snapshot.
func Start(req Request, opts Options) (Outcome, *Pending, error) {
	opts = opts.withDefaults()
	if err := validate(req); err != nil {
		return Outcome{}, nil, err
	}
	e := &editor{path: req.Path, opts: opts}
	if req.DryRun {
		src, err := e.open()
		if err != nil {
			return Outcome{}, nil, err
		}
		defer src.Close()
		d, err := e.decide(src, &req, nil)
		if err != nil {
			return Outcome{}, nil, err
		}
		final := d.final
		if d.changed {
			final = d.newGuard
		}
		return Outcome{Results: d.results, Rewritten: d.changed, Final: final}, nil, nil
	}

	lk, err := acquire(req.Path, opts)
	if err != nil {
		return Outcome{}, nil, err
	}
	e.lock = lk
	out, p, err := e.edit(req)
	if p != nil {
		return out, p, err // the commit releases the lock when it ends
	}
	if rerr := lk.release(opts); rerr != nil && err == nil {
		err = rerr
	}
	return out, nil, err
}

// Pending is a commit whose rename happened and whose remaining steps run
// in the background (see Start).
type Pending struct {
	e       *editor
	done    chan struct{}
	renamed bool // set before Start returns
	out     Outcome
	err     error
	// panicked is the value of a panic in the commit, raised again by Wait.
	panicked any

	// mu is held while the file at the path changes (a later round's
	// rename, an append) together with the fields below, and by Snapshot:
	// the file at the path, held and f's bytes from offset from on are,
	// together, every record that reached the Resync.cfg.
	mu   sync.Mutex
	held []byte   // records of replaced files read by the commit and not in the file at the path yet
	f    *os.File // the replaced file still watched, or nil
	from int64    // f's bytes from here on are not in the file at the path
}

// Wait waits for the commit to end and returns its Outcome — Edit's, but
// for Results, which Start gave — and error. It may be called more than
// once.
func (p *Pending) Wait() (Outcome, error) {
	<-p.done
	if p.panicked != nil {
		panic(p.panicked)
	}
	return p.out, p.err
}

// Done is closed when the commit has ended.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Snapshot calls fn with the whole records that reached the files this
// commit replaced and that the file at the path does not hold yet (it
// carries them over later, or has just done so), while holding the commit
// still: what fn reads of the file at the path, plus uncarried, is every
// record that reached the Resync.cfg before fn was called — what a reader
// after the end of the commit would find, bar records written later. A
// record still partial after the usual waits is left out, as the commit
// leaves it out.
func (p *Pending) Snapshot(fn func(uncarried []byte) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	uncarried := slices.Clone(p.held)
	if p.f != nil {
		tail, err := p.e.readTail(p.f, p.from)
		var pe *PartialError
		if err != nil && !errors.As(err, &pe) {
			return err
		}
		uncarried = append(uncarried, tail...)
	}
	return fn(uncarried)
}

// watch records, under mu, that the file at the path holds everything
// before offset from of the replaced file f (nil: none to watch) and
// nothing of held.
func (p *Pending) watch(f *os.File, from int64) {
	p.held, p.f, p.from = nil, f, from
}

// unwatch closes the watched file, whose records from offset from on that
// the file at the path lacks are now held (in memory).
func (p *Pending) unwatch(closeF func() error, held []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := closeF()
	p.held, p.f = held, nil
	return err
}

// Clean removes the leftovers of killed runs beside the Resync.cfg at path
// (temporary files and the lock file), after carrying what recovery files
// hold into it (see Recover), which it returns. It takes the lock, waiting
// up to opts.LockWait, so it never disturbs a running edit.
func Clean(path string, opts Options) ([]Recovered, error) {
	opts = opts.withDefaults()
	lk, err := acquire(path, opts)
	if err != nil {
		return nil, err
	}
	rec, err := (&editor{path: path, opts: opts}).recover()
	if err == nil {
		_, err = atomicfile.RemoveTemps(opts.Ops, path)
	}
	if rerr := lk.release(opts); err == nil {
		err = rerr
	}
	return rec, err
}

func validate(req Request) error {
	if req.Path == "" {
		return errors.New("resyncedit: no path")
	}
	var kinds [3]bool
	for _, op := range req.Ops {
		if op.Kind == Remove || op.Kind == Insert {
			kinds[op.Kind] = true
		}
	}
	if kinds[Remove] && kinds[Insert] {
		return fmt.Errorf("%s: a request cannot mix Remove and Insert ops", req.Path)
	}
	return nil
}

type editor struct {
	path string
	opts Options
	lock *fileLock // held by the edit; a Pending commit releases it
	pend *Pending  // the commit's state for Snapshot; nil outside a commit
}

// edit is Start under the lock. With a Pending, the commit goes on in the
// background and releases the lock when it ends.
func (e *editor) edit(req Request) (Outcome, *Pending, error) {
	recovered, err := e.recover()
	if err != nil {
		return Outcome{Recovered: recovered}, nil, err
	}
	if _, err := atomicfile.RemoveTemps(e.opts.Ops, e.path); err != nil {
		return Outcome{Recovered: recovered}, nil, err
	}
	src, err := e.open()
	if err != nil {
		return Outcome{Recovered: recovered}, nil, err
	}
	// The new file keeps the old one's mode and owner (Unix) or security
	// descriptor (Windows): SMS must append to it exactly as before.
	meta, err := atomicfile.MetadataOf(src)
	if err != nil {
		src.Close()
		return Outcome{Recovered: recovered}, nil, err
	}
	d, err := e.decide(src, &req, meta)
	if err != nil {
		src.Close()
		return Outcome{Recovered: recovered}, nil, err
	}
	results := d.results
	if !d.changed {
		src.Close()
		return Outcome{Results: results, Final: d.final, Recovered: recovered}, nil, nil
	}
	// The commit keeps nothing of the request or the results past the
	// rename (job.gate is dropped after round 1): a caller editing many
	// files holds only one file's ops and results.
	job := &commitJob{srcOff: d.srcOff, tmp: d.tmp, kept: d.kept, size: d.newGuard.Size}
	if before, newGuard := req.BeforeCommit, d.newGuard; before != nil {
		job.gate = func() error { return before(results, newGuard) }
	}
	d = nil
	// The commit runs on its own goroutine from the start; this one waits
	// only until the first rename (or the commit's end, without one).
	p := &Pending{e: e, done: make(chan struct{})}
	e.pend = p
	started := make(chan struct{})
	var once sync.Once
	begin := func() { once.Do(func() { close(started) }) }
	go func() {
		defer close(p.done)
		defer func() {
			// A panic (a test's simulated crash) is raised again in
			// whoever waits, as if the commit had run on its goroutine.
			if v := recover(); v != nil {
				p.panicked = v
				begin()
			}
		}()
		final, carried, err := e.commit(src, job, meta, func() {
			p.renamed = true
			begin()
		})
		out := Outcome{Rewritten: final != nil, CarriedOver: carried, Recovered: recovered}
		if final != nil {
			out.Final = *final
		}
		if p.renamed && e.lock != nil {
			// Start has returned: the lock is ours to release.
			if rerr := e.lock.release(e.opts); rerr != nil && err == nil {
				err = rerr
			}
		}
		p.out, p.err = out, err
		begin()
	}()
	<-started
	if !p.renamed {
		out, err := p.Wait()
		out.Results = results
		return out, nil, err
	}
	return Outcome{Results: results, Rewritten: true, Recovered: recovered}, p, nil
}

// commitJob is what a commit starts from: the new content, standing for
// the first srcOff bytes of the file — in memory (content), or in tmp with
// kept its running hash and size its length — and gate, the caller's
// BeforeCommit, if any.
type commitJob struct {
	srcOff  int64
	content []byte
	tmp     atomicfile.File
	kept    hash.Hash
	size    int64
	gate    func() error
}

// commit writes job's new content — standing for the first job.srcOff
// bytes of src — over the path and carries over everything appended to
// src, then to each replaced file. It returns the guard of the content as
// left (nil if the file was not replaced) and how many records it carried
// over.
//
// Each round writes the temporary file (in round 1, job's temporary file
// may already hold the content) and copies src's tail into it until
// src stops growing, across the fsync (which takes milliseconds, long enough
// for a busy writer to append again), gives the file at the path a recovery
// link (recover.go) and renames the temporary file over the path. Records
// that reached the replaced file after our last read are read from it right
// after the rename and again after opts.Grace (for writers that opened it
// before the rename and still hold it). They belong right after what we wrote,
// before anything appended to the new file since, so another round rewrites
// the new file with them in that place: a writer's records stay in the
// order it wrote them. (Appending them would race with writers of the new
// file: there is no atomic "append if the size is still N".) Rounds are rare
// with a writer like SMS; with a very busy one each round has the same small
// chance of a tail as the first, so they end quickly.
//
// Until the last round is over, the replaced files stay reachable under
// their recovery links, whose names say how much of each the Resync.cfg
// holds, so a crash at any instant loses no record and duplicates none: the
// next edit carries over the rest (recover).
//
// renamed is called once, right after the first rename (the rest may run in
// the background: see Start). Each rename and append that changes what the
// file at the path holds is made under e.pend.mu, together with the record
// of what the replaced files hold beyond it (Pending.Snapshot).
func (e *editor) commit(src *os.File, job *commitJob, meta *atomicfile.Metadata, renamed func()) (final *Guard, carried int, err error) {
	ops := e.opts.Ops
	c := &carry{e: e, src: src, srcOff: job.srcOff, content: job.content}
	first := job.tmp // round 1's temporary file, already holding the content
	if first != nil {
		c.onDisk, c.size = job.kept, job.size
	}
	gate := job.gate
	*job = commitJob{}
	ch := newChain(e)
	var late error // errors after a successful rename
	replaced := false
	fail := func(err error) (*Guard, int, error) {
		if c.src != nil {
			c.src.Close()
		}
		if replaced {
			return c.guard(), c.carried, errors.Join(late, err)
		}
		return nil, 0, errors.Join(late, err)
	}
	// pending is the tail of the previous round's file that this round's
	// content ends with (before fill): its bytes [prevStart, prevEnd).
	var pending []byte
	prevStart, prevEnd := int64(-1), int64(-1)
	for round := 1; ; round++ {
		prevLen, carriedBefore := len(c.content)-len(pending), c.carried
		tmp := first
		first = nil
		if tmp == nil {
			if tmp, err = atomicfile.CreateTemp(ops, e.path, meta); err != nil {
				return fail(err)
			}
			if _, err := tmp.Write(c.content); err != nil {
				tmp.Close()
				ops.RemoveFile(tmp.Name())
				return fail(fmt.Errorf("%s: writing temporary file %s: %w", e.path, tmp.Name(), err))
			}
		}
		if round == 1 && gate != nil {
			gateErr, err := c.fillGated(tmp, gate)
			gate = nil
			if gateErr != nil {
				c.src.Close()
				return nil, 0, gateErr // as is: the caller's own error
			}
			if err != nil {
				return fail(err)
			}
		} else if err := c.fill(tmp); err != nil {
			return fail(err)
		}
		e.pend.mu.Lock()
		old, link, err := c.swap(tmp.Name(), ch, round, prevEnd)
		if err == nil {
			e.pend.watch(old.f, c.srcOff)
		}
		e.pend.mu.Unlock()
		var nl *noLinkError
		if errors.As(err, &nl) {
			// Without this round's link, the previous one would still say
			// its tail is not carried over once the rename commits it: append
			// the tail instead, as when the rounds are exhausted.
			ops.RemoveFile(tmp.Name())
			c.content, c.carried = c.content[:prevLen], carriedBefore
			return e.appendRest(ch, c, prevStart, pending, errors.Join(late, nl.err))
		}
		if err != nil {
			ops.RemoveFile(tmp.Name())
			ch.void()
			if replaced {
				// The previous round's tail is only in its replaced file:
				// append it rather than leave it for the next run.
				c.content, c.carried = c.content[:prevLen], carriedBefore
				return e.appendRest(ch, c, prevStart, pending, errors.Join(late, err))
			}
			return fail(err)
		}
		if !replaced {
			renamed()
		}
		replaced = true
		late = errors.Join(late, old.err)
		if err := ops.SyncFolder(filepath.Dir(e.path)); err != nil {
			late = errors.Join(late, fmt.Errorf("%s: replaced, but syncing its folder failed: %w", e.path, err))
		}
		late = errors.Join(late, ch.renamed())

		// Carry over what reached the replaced file.
		start := c.srcOff
		pending = nil
		for check := 0; check < 2 && old.f != nil; check++ {
			if check == 1 {
				if !watchAfterRename {
					break
				}
				e.opts.Sleep(e.opts.Grace)
			}
			tail, err := e.readTail(old.f, c.srcOff)
			late = errors.Join(late, err) // a record still partial: the whole ones are kept
			if len(tail) == 0 {
				continue
			}
			c.srcOff += int64(len(tail))
			c.carried += len(tail) / record.Size
			pending = append(pending, tail...)
		}
		late = errors.Join(late, e.pend.unwatch(old.close, pending))
		if old.f == nil && link != "" {
			// The replaced file could not be read: its link keeps it, and
			// what reached it, for the next run.
			return c.guard(), c.carried, late
		}
		if len(pending) == 0 {
			return c.guard(), c.carried, errors.Join(late, ch.finish())
		}
		if round >= e.opts.MaxRounds {
			// Out of rounds: append what is left; nothing is lost, but
			// records appended to the new file meanwhile now precede it.
			return e.appendRest(ch, c, start, pending, late)
		}
		c.src, err = e.open()
		if err == nil && c.onDisk != nil {
			if err = c.load(); err != nil {
				c.src.Close()
				c.src = nil
			}
		}
		if err != nil {
			return e.appendRest(ch, c, start, pending, errors.Join(late, err))
		}
		prevStart, prevEnd = start, c.srcOff
		c.srcOff = int64(len(c.content))
		c.content = append(c.content, pending...)
	}
}

// appendRest ends a commit by appending pending — the bytes of the last
// replaced file from offset from — to the file at the path.
func (e *editor) appendRest(ch *chain, c *carry, from int64, pending []byte, late error) (*Guard, int, error) {
	e.pend.mu.Lock()
	err := ch.appendPending(from, pending)
	if err == nil {
		e.pend.held = nil
	}
	e.pend.mu.Unlock()
	if err != nil {
		// Not appended: the recovery link keeps them for the next run.
		return c.guard(), c.carried, errors.Join(late, err)
	}
	c.add(pending)
	return c.guard(), c.carried, errors.Join(late, ch.finish())
}

// carry is the state of one commit: the file being replaced (src), how much
// of it content stands for (srcOff), and the new content.
type carry struct {
	e       *editor
	src     *os.File // nil while closed
	srcOff  int64
	content []byte // the new content, when in memory
	// onDisk, when not nil, is the running hash of the new content, which
	// is then not in memory (content is nil) but in round 1's temporary
	// file, then the file at the path; size is its length.
	onDisk  hash.Hash
	size    int64
	carried int
}

// add appends b to the new content.
func (c *carry) add(b []byte) {
	if c.onDisk != nil {
		c.onDisk.Write(b)
		c.size += int64(len(b))
		return
	}
	c.content = append(c.content, b...)
}

// guard returns the guard of the new content.
func (c *carry) guard() *Guard {
	if c.onDisk != nil {
		g := guardOfHash(c.size, c.onDisk)
		return &g
	}
	g := GuardOf(c.content)
	return &g
}

// load reads the new content, which is on disk, into memory from src, the
// file at the path after round 1 (a round rewrites it from memory), and
// checks it is what round 1 wrote: the file's first bytes are, unless a
// program other than one appending records changed them.
func (c *carry) load() error {
	buf := make([]byte, c.size, c.size+int64(2*record.Size))
	if _, err := c.src.ReadAt(buf, 0); err != nil {
		return fmt.Errorf("%s: reading it back for another round: %w", c.e.path, err)
	}
	if g := GuardOf(buf); g != *c.guard() {
		return fmt.Errorf("%s: its first %d bytes changed since this edit wrote them, by another program; not rewritten again", c.e.path, c.size)
	}
	c.content, c.onDisk = buf, nil
	return nil
}

// fill copies src's tail into tmp until src stops growing, across fsyncs,
// then closes tmp. On error tmp is closed and removed.
func (c *carry) fill(tmp atomicfile.File) error {
	e, ops := c.e, c.e.opts.Ops
	abort := func(err error) error {
		tmp.Close()
		ops.RemoveFile(tmp.Name())
		return err
	}
	for pass := 0; ; pass++ {
		n := 0
		for {
			tail, err := e.readTail(c.src, c.srcOff)
			if err != nil {
				return abort(err)
			}
			if len(tail) == 0 {
				break
			}
			if _, err := tmp.Write(tail); err != nil {
				return abort(fmt.Errorf("%s: writing temporary file %s: %w", e.path, tmp.Name(), err))
			}
			c.add(tail)
			c.srcOff += int64(len(tail))
			c.carried += len(tail) / record.Size
			n += len(tail)
		}
		if pass > 0 && n == 0 || pass == 3 {
			break
		}
		if err := tmp.Sync(); err != nil {
			return abort(fmt.Errorf("%s: syncing temporary file %s: %w", e.path, tmp.Name(), err))
		}
	}
	if err := tmp.Close(); err != nil {
		ops.RemoveFile(tmp.Name())
		return fmt.Errorf("%s: closing temporary file %s: %w", e.path, tmp.Name(), err)
	}
	return nil
}

// fillGated is fill while gate (the caller's BeforeCommit) runs on another
// goroutine: the temporary file's last writes and fsync overlap the
// caller's, and nothing is renamed before gate returns nil. If gate fails,
// tmp is removed and gate's error returned first; fill's is second. A panic
// in gate is raised again here, on the commit's goroutine.
func (c *carry) fillGated(tmp atomicfile.File, gate func() error) (gateErr, err error) {
	type result struct {
		err      error
		panicked any
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.panicked = recover()
			done <- r
		}()
		r.err = gate()
	}()
	err = c.fill(tmp) // on error, tmp is removed
	g := <-done
	if g.panicked != nil {
		if err == nil {
			c.e.opts.Ops.RemoveFile(tmp.Name())
		}
		panic(g.panicked)
	}
	if g.err != nil && err == nil {
		c.e.opts.Ops.RemoveFile(tmp.Name())
	}
	return g.err, err
}

// noLinkError: no recovery link could be made for a round after the first.
type noLinkError struct{ err error }

func (e *noLinkError) Error() string { return e.err.Error() }

// swap gives the file at the path its recovery link for round (see
// chain.link) and renames the temporary file tmp over the path. When
// another process holds the path open (Windows), it retries for up to
// opts.InUseWait, and before each retry copies what was appended meanwhile
// into tmp and links the file again under the larger offset, so that the
// rename, when it succeeds, follows our last read as closely as possible.
// It returns the replaced file and its link ("" if none could be made). src
// is closed, or kept as the replaced file; on error tmp is left for the
// caller to remove.
func (c *carry) swap(tmp string, ch *chain, round int, prevEnd int64) (*replacedFile, string, error) {
	e := c.e
	deadline := time.Now().Add(e.opts.InUseWait)
	delay := 2 * time.Millisecond
	for {
		// The link comes after the last read of src, so that its name says
		// exactly how much of the file the temporary file holds.
		link, linkErr := ch.link(round, c.srcOff, prevEnd)
		if linkErr != nil && ch.before(round) {
			c.src.Close()
			c.src = nil
			return nil, "", &noLinkError{linkErr}
		}
		old, err := e.swapOnce(c.src, tmp, link, linkErr)
		c.src = nil
		if err == nil {
			return old, link, nil
		}
		if !atomicfile.RenameInUse(err) || time.Now().After(deadline) {
			if atomicfile.RenameInUse(err) {
				err = fmt.Errorf("still in use by another process after %v: %w", e.opts.InUseWait, err)
			}
			return nil, "", fmt.Errorf("%s: replacing it with %s: %w", e.path, filepath.Base(tmp), err)
		}
		// This attempt's link names the file still at the path; if it
		// cannot be removed now, the next one supersedes it (recover.go).
		ch.void()
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
		if c.src, err = e.open(); err != nil {
			return nil, "", err
		}
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			c.src.Close()
			c.src = nil
			return nil, "", fmt.Errorf("%s: reopening temporary file %s: %w", e.path, tmp, err)
		}
		if err := c.fill(f); err != nil {
			c.src.Close()
			c.src = nil
			return nil, "", err
		}
	}
}

// appendTo appends records to the file at the path: the last resort when
// the carry-over rounds are exhausted.
func (e *editor) appendTo(recs []byte) error {
	var f *os.File
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		f, err = os.OpenFile(e.path, os.O_WRONLY|os.O_APPEND, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: carrying over %d appended records: %w", e.path, len(recs)/record.Size, err)
	}
	_, err = f.Write(recs)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: carrying over %d appended records: %w", e.path, len(recs)/record.Size, err)
	}
	return nil
}

func (e *editor) open() (*os.File, error) {
	var f *os.File
	err := atomicfile.RetryInUse(e.opts.InUseWait, func() (err error) {
		f, err = os.Open(e.path)
		return err
	})
	if err != nil {
		if atomicfile.InUse(err) {
			return nil, fmt.Errorf("%s: still in use by another process after %v: %w", e.path, e.opts.InUseWait, err)
		}
		return nil, err // *PathError names the file
	}
	return f, nil
}

// readTail returns the whole records of f from offset from to its end.
func (e *editor) readTail(f *os.File, from int64) ([]byte, error) {
	return e.readRecords(f, nil, from)
}

// readRecords appends f's bytes from offset from to its end to buf; while
// they end in a partial record it re-reads along opts.PartialWaits. If the
// record stays partial it returns a *PartialError, with buf holding the
// whole records read.
func (e *editor) readRecords(f *os.File, buf []byte, from int64) ([]byte, error) {
	start := len(buf)
	n, waited, err := settle(e.opts.PartialWaits, func() (int64, error) {
		var err error
		buf, err = readFrom(f, buf, from+int64(len(buf)-start))
		return int64(len(buf) - start), err
	})
	if err != nil {
		return buf[:start], fmt.Errorf("%s: reading: %w", e.path, err)
	}
	if n%record.Size != 0 {
		whole := n - n%record.Size
		pe := &PartialError{Path: e.path, Size: from + n, Offset: from + whole, Waited: waited}
		return buf[:start+int(whole)], pe
	}
	return buf, nil
}

// readFrom appends f's content from off to EOF to buf, in large reads.
func readFrom(f *os.File, buf []byte, off int64) ([]byte, error) {
	for {
		if cap(buf)-len(buf) < 64*1024 {
			buf = slices.Grow(buf, max(64*1024, len(buf)/4))
		}
		n, err := f.ReadAt(buf[len(buf):cap(buf)], off)
		buf = buf[:len(buf)+n]
		off += int64(n)
		if err == io.EOF || (err == nil && n == 0) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// inserts reports whether the valid ops of a request are Insert ops.
func inserts(req *Request, valid []int) bool {
	return len(valid) > 0 && req.Ops[valid[0]].Kind == Insert
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
