// Package plan decides what is stale across SMS domain folders and logon
// servers and describes each intended change as a Row. It reads files and
// never changes one; carrying a plan out is package apply's job.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resync"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"github.com/dumpsync/dumpsync/internal/safefs"
	"github.com/dumpsync/dumpsync/internal/site"
)

// Options are the decision rules.
type Options struct {
	Days           int64
	Now            time.Time
	Orphans        bool // delete domain .cfg files with no request at all, older than Days
	LogonAllCfg    bool // delete every .cfg on logon servers (the KB's advice)
	IncludeInvalid bool // remove every invalid entry, whatever its time
	Parallel       int  // folders scanned at once
	// Interrupt, when closed, stops Run with interrupt.ErrInterrupted,
	// before the next folder's rows (also while one is still being
	// scanned); nil: never.
	Interrupt <-chan struct{}
}

// Cutoff is the Unix time before which a request is stale: now - Days*86400,
// clamped so that a huge --days cannot overflow into "everything is stale".
func (o Options) Cutoff() int64 {
	now := o.Now.Unix()
	// now - MinInt64 does not fit an int64; as uint64 it is exact.
	if o.Days < 0 || uint64(o.Days) > (uint64(now)+1<<63)/86400 {
		return math.MinInt64
	}
	return now - o.Days*86400
}

// OlderThan reports whether an age in seconds is more than days days,
// without overflowing for any days.
func OlderThan(age, days int64) bool { return age > 0 && (age-1)/86400 >= days }

// Stale reports whether an entry is stale: valid, dated, not in the future,
// and older than Days: now - t > Days*86400.
func (o Options) Stale(e *record.Entry) bool {
	return staleTime(int64(e.Time()), o.Now.Unix(), o.Cutoff()) && e.Valid()
}

// staleTime is the time part of Stale.
func staleTime(t, now, cutoff int64) bool { return t != 0 && t <= now && t < cutoff }

// KeepsCfg reports whether entry e, in the Resync.cfg beside an
// Invencfg.box, keeps its SMSID's .cfg file from being deleted: it is a
// request (only a valid entry is one: the SMSID and time of an invalid entry
// cannot be trusted, so it neither keeps nor condemns a file) that is not
// stale at cutoff: undated, or dated at or after cutoff.
//
// plan plans a DeleteFile only when no entry beside the file keeps it (after
// the planned removals), and apply deletes only while that is still so: both
// decide with this one function, so that a plan made a moment ago is never
// refused by apply's guard. (A time in the future is at or after cutoff:
// cutoff is never after now.)
func KeepsCfg(e *record.Entry, cutoff int64) bool {
	return keepsCfg(e.Valid(), e.Time(), cutoff)
}

// keepsCfg is KeepsCfg for an entry whose validity is known. Its time part
// (undated, or at or after cutoff) is the negation of staleTime for every
// cutoff plan makes (cutoff <= now).
func keepsCfg(valid bool, t uint32, cutoff int64) bool {
	return valid && (t == 0 || int64(t) >= cutoff)
}

// ReasonDeletedAtSite is the Reason of a logon server's DeleteFile row for a
// .cfg that the plan deletes at the site too; apply keeps the logon copy
// when the site's deletion does not happen for want of its removals.
const ReasonDeletedAtSite = "planned for deletion at the site"

// Folder is one place to plan: a domain folder or a logon server's Logon.srv.
type Folder struct {
	Dir   string // absolute
	Logon bool
}

// Progress receives what was scanned; it may be called from many goroutines.
type Progress interface {
	Scanned(folder string, bytes int64)
	FolderDone(folder string)
}

// Summary counts what was planned.
type Summary struct {
	Entries     int64 // RemoveEntry rows
	ResyncFiles int   // Resync.cfg files with at least one RemoveEntry row
	Files       int64 // DeleteFile rows
	Attention   bool  // something was reported (exit 1)
}

// Planner plans folders in order, scanning up to Parallel at once.
type Planner struct {
	Opt Options
	// Warn gets one line per problem; the rest is still planned. It is
	// called from the scanning goroutines, but never by two at once.
	Warn     func(error)
	Progress Progress // may be nil

	warnMu sync.Mutex // serialises Warn

	mu      sync.Mutex
	summary Summary
	// siteCfg holds, per upper-cased .cfg name present at the site, whether
	// it is planned for deletion there; it is filled only when logon
	// servers are planned (needSite), the only ones to look at it.
	siteCfg  map[string]bool
	needSite bool
	haveSite bool // site domains are part of this plan
	// siteIncomplete is set when a site domain's Invencfg.box could not be
	// listed: then no logon .cfg is "not present at the site".
	siteIncomplete bool
	// halt is the current run's (runOrdered's), closed when it returns:
	// if it stopped early (Ctrl-C, an emit error), the folders still being
	// planned cut their work short and warn no more, as nothing of theirs
	// will be emitted. It is nil between runs.
	halt chan struct{}
}

// errHalted stops the read of a Resync.cfg when the run stopped early.
var errHalted = errors.New("stopped")

// halted reports whether the run stopped early.
func (p *Planner) halted() bool {
	select {
	case <-p.halt:
		return true
	default:
		return false
	}
}

// folderPlan is the result of planning one folder, held until its turn to be
// emitted. Rows are made only as they are emitted: RemoveEntry rows from at
// most maxHeldHits compact hits (no pointers, 56 bytes each), or else from a
// second read of the Resync.cfg; DeleteFile rows from compact dels (an index
// into the folder's .cfg list and the file's fingerprint, 72 bytes each).
// So a Resync.cfg of millions of entries costs the same as a small one.
type folderPlan struct {
	resync resyncPlan
	files  *site.CfgList // the folder's .cfg files, which dels name
	dels   []del         // DeleteFile rows to be, set before done is closed
	done   chan struct{} // closed when dels are known
}

// del is one DeleteFile row to be: which file, why, and its fingerprint.
type del struct {
	file    int32 // in folderPlan.files
	why     why
	hasTime bool   // the SMSID has requests beside the file: newest is the newest
	newest  uint32 //
	ageDays int64  // whyOrphan: the file's age
	size    int64
	modTime int64
	sum     [32]byte
}

// why is the reason of a DeleteFile row.
type why uint8

const (
	whyStale why = iota // every request of the SMSID is stale
	whyOrphan
	whyLogonAll
	whyDeletedAtSite
	whyNotAtSite
)

// resyncPlan is what one scan of a Resync.cfg decided.
type resyncPlan struct {
	path    string
	size    int64
	modTime int64
	sha256  string
	quick   uint64  // of the same bytes, for reread
	hits    hitList // entries to remove, in file order
}

// hitList is a list of hits in blocks, so that it grows without copying.
type hitList struct {
	blocks [][]hit
	n      int
}

const hitBlock = 8192

func (l *hitList) add(off int64, e *record.Entry) {
	l.n++
	if l.n > maxHeldHits {
		// Too many to hold: emit reads the file again instead (rescan).
		l.blocks = nil
		return
	}
	if k := len(l.blocks); k == 0 || len(l.blocks[k-1]) == hitBlock {
		l.blocks = append(l.blocks, make([]hit, 0, hitBlock))
	}
	b := &l.blocks[len(l.blocks)-1]
	*b = append(*b, hit{off, *e})
}

// maxHeldHits bounds the hits one folder holds (896 KiB; at most Parallel
// folders are held at once): a Resync.cfg with more entries to remove is
// read a second time, from the page cache, as its rows are emitted, so that
// memory does not grow with the entries a file holds.
var maxHeldHits = 1 << 14 // a variable for tests

// rescan reports whether the hits were too many to hold.
func (l *hitList) rescan() bool { return l.n > maxHeldHits }

// hitOf is the RemoveEntry rule: a valid entry that keeps no .cfg file (it
// is stale), or with IncludeInvalid any invalid one.
func (p *Planner) hitOf(valid bool, t uint32, cutoff int64) bool {
	if !valid {
		return p.Opt.IncludeInvalid
	}
	return !keepsCfg(true, t, cutoff)
}

// hit is one entry to remove. Its Reason follows from the entry itself.
type hit struct {
	off int64
	e   record.Entry
}

// emit hands the folder's rows to fn in order: RemoveEntry by offset, then
// DeleteFile by upper-cased name.
func (fp *folderPlan) emit(p *Planner, fn func(Record) error) error {
	rp := &fp.resync
	rec := &hitRecord{rp: rp, now: p.Opt.Now, days: p.Opt.Days, cutoff: p.Opt.Cutoff()}
	if rp.hits.rescan() {
		if err := p.emitRescan(rec, fn); err != nil {
			return err
		}
	}
	for _, block := range rp.hits.blocks {
		for i := range block {
			rec.h = block[i]
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	<-fp.done // the .cfg files may still be being fingerprinted
	dr := &delRecord{p: p, files: fp.files, cutoff: rec.cutoff}
	for j := range fp.dels {
		dr.d = &fp.dels[j]
		if err := fn(dr); err != nil {
			return err
		}
	}
	return nil
}

// emitRescan reads the bytes the plan of rec.rp was made from again and
// emits the RemoveEntry row of each hit as it is read. If the bytes changed
// meanwhile, the rows are still emitted (apply refuses each one whose guard
// or record no longer matches) and a warning says to plan again.
func (p *Planner) emitRescan(rec *hitRecord, fn func(Record) error) error {
	rp := rec.rp
	var emitErr error
	err := reread(rp, func(off int64, e *record.Entry) error {
		if !p.hitOf(e.Valid(), e.Time(), rec.cutoff) {
			return nil
		}
		rec.h = hit{off, *e}
		emitErr = fn(rec)
		return emitErr
	})
	switch {
	case emitErr != nil:
		return emitErr
	case errors.Is(err, errChanged):
		p.warn(fmt.Errorf("%s: changed while it was planned; apply will skip the rows that no longer match: plan again", rp.path))
	case err != nil:
		p.warn(fmt.Errorf("%s: reading it again for its rows: %w", rp.path, err))
	}
	return nil
}

// errChanged says that a Resync.cfg read again is not the bytes its plan
// was made from.
var errChanged = errors.New("changed while it was planned")

// reread reads the bytes the plan of rp was made from again (the file's
// first rp.size bytes), handing fn each whole record and its offset, and
// returns errChanged when they are not those bytes (once fn has had the
// records read). Telling a second read apart from the first needs no
// SHA-256: their quick hashes (rp.quick) do that at a fraction of its cost.
func reread(rp *resyncPlan, fn func(off int64, e *record.Entry) error) error {
	f, err := safefs.Open(rp.path)
	if err != nil {
		return err
	}
	defer f.Close()
	var quick maphash.Hash
	quick.SetSeed(quickSeed)
	buf := make([]byte, rereadRecords*record.Size)
	var e record.Entry
	for pos := int64(0); pos < rp.size; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), rp.size-pos)])
		quick.Write(buf[:n])
		for i := 0; i+record.Size <= n; i += record.Size {
			e.Raw = [record.Size]byte(buf[i:])
			if err := fn(pos+int64(i), &e); err != nil {
				return err
			}
		}
		pos += int64(n)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return errChanged // shorter
		case err != nil:
			return err
		}
	}
	if quick.Sum64() != rp.quick {
		return errChanged
	}
	return nil
}

// rereadRecords is how many records reread reads at once (about 1 MiB).
const rereadRecords = 21845

// quickSeed seeds the quick hashes of the process's reads: random, so that
// no file can be made to hash as another.
var quickSeed = maphash.MakeSeed()

// Run plans domains, then logon servers (they are judged against the site's
// Invencfg.box files), calling emit for each row in the deterministic order.
// The row is emit's to keep.
func (p *Planner) Run(domains, logons []string, emit func(*Row) error) (Summary, error) {
	return p.Stream(domains, logons, func(r Record) error {
		row := r.Row()
		return emit(&row)
	})
}

// Stream is Run for a caller that writes the rows out (dumpsync plan): it
// hands emit each row as a Record, which writes itself without the Row
// being made.
func (p *Planner) Stream(domains, logons []string, emit func(Record) error) (Summary, error) {
	p.siteCfg = map[string]bool{}
	p.needSite = len(logons) > 0
	p.haveSite = len(domains) > 0
	if err := p.runOrdered(domains, false, emit); err != nil {
		return p.summary, err
	}
	if err := p.runOrdered(logons, true, emit); err != nil {
		return p.summary, err
	}
	return p.summary, nil
}

// runOrdered scans folders concurrently and emits their rows in order. A
// folder's slot is freed only once its rows were emitted, so at most
// Parallel folders' rows are held at once.
func (p *Planner) runOrdered(dirs []string, logon bool, emit func(Record) error) error {
	n := max(p.Opt.Parallel, 1)
	slots := make(chan struct{}, n)
	results := make([]chan *folderPlan, len(dirs))
	for i := range results {
		results[i] = make(chan *folderPlan, 1)
	}
	// On any return the launcher and the folders' goroutines are stopped
	// and waited for: nothing of this run goes on once it returned.
	stop := make(chan struct{})
	p.halt = stop
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
		p.halt = nil // no goroutine of the run reads it any more
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, d := range dirs {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			wg.Add(1)
			go func(i int, d string) {
				defer wg.Done()
				// The folder's turn may come as soon as its Resync.cfg is
				// decided: its RemoveEntry rows are written while its .cfg
				// files are still being fingerprinted.
				fp := &folderPlan{done: make(chan struct{})}
				var once sync.Once
				p.planFolder(Folder{Dir: d, Logon: logon}, fp, func() { once.Do(func() { results[i] <- fp }) })
			}(i, d)
		}
	}()
	for i := range dirs {
		if interrupt.Requested(p.Opt.Interrupt) {
			return interrupt.ErrInterrupted
		}
		var fp *folderPlan
		select {
		case fp = <-results[i]:
		case <-p.Opt.Interrupt:
			return interrupt.ErrInterrupted
		}
		if err := fp.emit(p, emit); err != nil {
			return err
		}
		<-slots
		if p.Progress != nil {
			p.Progress.FolderDone(dirs[i])
		}
	}
	return nil
}

// leftovers warns about recovery files beside a Resync.cfg: records an
// interrupted apply left there are requests the plan does not see.
func (p *Planner) leftovers(path string) {
	los, err := resyncedit.Leftovers(path)
	for _, lo := range los {
		p.warn(fmt.Errorf("%s: %s", path, lo.Problem(path)))
	}
	if err != nil {
		p.warn(err)
	}
}

func (p *Planner) warn(err error) {
	if p.halted() {
		return
	}
	p.mu.Lock()
	p.summary.Attention = true
	p.mu.Unlock()
	p.warnMu.Lock()
	defer p.warnMu.Unlock()
	p.Warn(err)
}

// planFolder plans one folder into fp, calling ready (at least once) when
// fp.resync is final and closing fp.done when fp.dels is. Everything it
// reports goes to Warn.
func (p *Planner) planFolder(f Folder, fp *folderPlan, ready func()) {
	defer close(fp.done)
	defer ready()
	blind := false // a domain whose Resync.cfg could not be read: plan no DeleteFile

	// The .cfg files are listed while the Resync.cfg is read: only their
	// SMSIDs are judged, so only theirs get a state. When the listing is
	// done before the read starts, the read fills the states; else they
	// are filled by a second read of the same bytes (from the page cache),
	// while the first one's RemoveEntry rows are being written.
	listed := make(chan cfgListing, 1)
	go func() { listed <- listCfgs(f.Dir) }()
	var list cfgListing
	haveList := false
	var ids *idTable // nil: the requests are not known
	scanned := false // the Resync.cfg was read (its requests are known)
	resyncPath, err := site.Resync(f.Dir)
	switch {
	case err == nil:
		p.leftovers(resyncPath)
		switch statesBy {
		case statesByScan:
			list, haveList = <-listed, true
		case statesByEither:
			select {
			case list = <-listed:
				haveList = true
			default:
			}
		}
		if haveList {
			ids = list.ids
		}
		err = p.scanResync(resyncPath, &fp.resync, ids)
		var partial *resync.PartialError
		switch {
		case errors.As(err, &partial):
			// apply never rewrites a file that ends in a partial record,
			// nor deletes a .cfg beside one (a request may be being
			// written), so nothing is planned in this folder: a plan made
			// a moment ago is never refused. Its .cfg names still count as
			// present at the site, for the logon servers.
			fp.resync.hits = hitList{}
			blind = true
			p.warn(fmt.Errorf("%s: ends in a partial record at byte offset %d (size %d is not a multiple of %d): nothing planned in its folder; dumpsync check on it says how to repair it",
				partial.Path, partial.Offset, partial.Size, record.Size))
		case err != nil:
			p.warn(err)
			ids = nil
			// Without the requests, no .cfg file of a domain can be judged;
			// its Invencfg.box is still listed, for the logon servers.
			blind = !f.Logon
		default:
			scanned = true
		}
	case errors.Is(err, site.ErrNotFound) && f.Logon:
		// A logon server without a Resync.cfg copy: only its .cfg files are planned.
	default:
		p.warn(err)
		blind = !f.Logon
	}
	ready()

	if !haveList {
		list = <-listed
	}
	fp.files = list.files
	if scanned && ids == nil && list.files.Len() > 0 {
		// The Resync.cfg was read before the listing was done.
		if err := p.fillStates(&fp.resync, list.ids); err != nil {
			p.warn(err)
			blind = !f.Logon
		} else {
			ids = list.ids
		}
	}
	if list.err == nil {
		p.planFiles(f, fp, list.irregular, ids, blind)
	} else if !errors.Is(list.err, site.ErrNotFound) {
		p.warn(list.err)
		if !f.Logon {
			// The site's list of .cfg files is incomplete: no logon .cfg
			// may be judged "not present at the site".
			p.mu.Lock()
			p.siteIncomplete = true
			p.mu.Unlock()
		}
	}
	p.count(fp)
}

// statesBy says which read of a Resync.cfg fills the states of its .cfg
// files' SMSIDs: the first (waiting for the listing), the second, or
// whichever the listing is ready for. Tests hold each to the others.
var statesBy = statesByEither

const (
	statesByEither = iota
	statesByScan
	statesBySecondRead
)

// cfgListing is a folder's .cfg files and the table of their SMSIDs.
type cfgListing struct {
	files     *site.CfgList
	irregular []string
	err       error
	ids       *idTable
}

func listCfgs(dir string) cfgListing {
	var l cfgListing
	inv, err := site.Invencfg(dir)
	if err == nil {
		l.files, l.irregular, err = site.CfgFiles(inv)
	}
	l.err = err
	l.ids = newIDTable(l.files)
	return l
}

// fillStates reads the bytes the plan of rp was made from again, filling
// the states of ids. If they changed meanwhile, the states are not those
// of the bytes the plan was made from: an error says so.
func (p *Planner) fillStates(rp *resyncPlan, ids *idTable) error {
	cutoff := p.Opt.Cutoff()
	err := reread(rp, func(_ int64, e *record.Entry) error {
		if e.Valid() {
			if s := ids.lookup(keyOfEntry(e)); s != nil {
				t := e.Time()
				s.add(t, keepsCfg(true, t, cutoff))
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errChanged):
		return fmt.Errorf("%s: changed while it was planned; its .cfg files are not judged: plan again", rp.path)
	case err != nil:
		return fmt.Errorf("%s: reading it again for its requests: %w", rp.path, err)
	}
	return nil
}

// planFiles plans the DeleteFile rows of one folder's Invencfg.box into fp.
// A blind domain (its requests unknown) only registers its file names.
func (p *Planner) planFiles(f Folder, fp *folderPlan, irregular []string, ids *idTable, blind bool) {
	for _, x := range irregular {
		p.warn(fmt.Errorf("%s: skipped: not a regular file", x))
	}
	files := fp.files
	if !f.Logon && p.needSite {
		p.mu.Lock()
		for i := range files.Len() {
			key := strings.ToUpper(files.SmsID(i))
			p.siteCfg[key] = p.siteCfg[key] // present; deletion is set below
		}
		p.mu.Unlock()
	}
	if blind {
		return
	}
	// Room for every file: only the dels made are ever touched (a fresh
	// allocation is zero already), and none is copied as dels grows.
	dels := make([]del, 0, files.Len())
	for i := range files.Len() {
		id := files.SmsID(i)
		st := ids.requests(id)
		d, ok := p.deleteReason(f, files, i, st)
		if !ok {
			continue
		}
		if !record.ValidSMSID(id) {
			p.warn(fmt.Errorf("%s: not planned: %q is not a valid SMSID", files.Path(i), id))
			continue
		}
		d.file = int32(i)
		if st != nil {
			d.hasTime, d.newest = true, st.newest
		}
		dels = append(dels, d)
	}
	if !f.Logon && p.needSite {
		p.mu.Lock()
		for _, d := range dels {
			p.siteCfg[strings.ToUpper(files.SmsID(int(d.file)))] = true
		}
		p.mu.Unlock()
	}
	fp.dels = p.fingerprintAll(files, dels)
}

func (p *Planner) count(fp *folderPlan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := fp.resync.hits.n; n > 0 {
		p.summary.Entries += int64(n)
		p.summary.ResyncFiles++
	}
	p.summary.Files += int64(len(fp.dels))
}

// deleteReason says why .cfg file i is to be deleted, or false to keep it.
// st is the state of its SMSID when the folder's Resync.cfg requests it.
func (p *Planner) deleteReason(f Folder, files *site.CfgList, i int, st *idState) (del, bool) {
	if f.Logon {
		key := strings.ToUpper(files.SmsID(i))
		p.mu.Lock()
		delAtSite, atSite := p.siteCfg[key]
		incomplete := p.siteIncomplete
		p.mu.Unlock()
		switch {
		case st != nil && st.flags&kept != 0:
			// The logon server's own copy of Resync.cfg holds a request
			// that keeps the file: apply would refuse to delete it.
			return del{}, false
		case p.Opt.LogonAllCfg:
			return del{why: whyLogonAll}, true
		case delAtSite:
			return del{why: whyDeletedAtSite}, true
		case !atSite && p.haveSite && !incomplete:
			return del{why: whyNotAtSite}, true
		}
		return del{}, false
	}
	// Only valid entries are requests (KeepsCfg): a .cfg whose SMSID has
	// only invalid entries is an orphan.
	if st != nil {
		return del{why: whyStale}, st.allStale()
	}
	if p.Opt.Orphans {
		info, err := files.At(i).Info()
		if err != nil {
			p.warn(err)
			return del{}, false
		}
		age := p.Opt.Now.Unix() - info.ModTime().Unix()
		if OlderThan(age, p.Opt.Days) {
			return del{why: whyOrphan, ageDays: age / 86400}, true
		}
	}
	return del{}, false
}

// appendReason appends the Reason of d's DeleteFile row, of a file of
// SMSID smsID.
func (p *Planner) appendReason(b []byte, d *del, smsID string) []byte {
	switch d.why {
	case whyStale:
		b = append(b, "newest request of "...)
		b = append(b, smsID...)
		b = append(b, " is stale ("...)
		b = strconv.AppendInt(b, dump.AgeDays(p.Opt.Now, d.newest), 10)
		b = append(b, " days old > "...)
		b = strconv.AppendInt(b, p.Opt.Days, 10)
		return append(b, ')')
	case whyOrphan:
		b = append(b, "orphan: no request in Resync.cfg, file "...)
		b = strconv.AppendInt(b, d.ageDays, 10)
		b = append(b, " days old (> "...)
		b = strconv.AppendInt(b, p.Opt.Days, 10)
		return append(b, ')')
	case whyLogonAll:
		return append(b, "--logon-all-cfg: every .cfg on a logon server is deleted; Maintenance Manager copies back what is still needed"...)
	case whyDeletedAtSite:
		return append(b, ReasonDeletedAtSite...)
	}
	return append(b, "not present at the site"...)
}

// scanResync reads one Resync.cfg, filling the states of ids (if not nil)
// and rp: the entries to remove and the guard of exactly the bytes read. A partial
// record is returned as its error, with rp filled.
func (p *Planner) scanResync(path string, rp *resyncPlan, ids *idTable) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: skipped: not a regular file", path)
	}
	// As resync.Scan reads it, and with the quick hash of the bytes read
	// (for reread).
	f, err := safefs.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info := resync.Info{Path: path}
	if st, err := f.Stat(); err == nil {
		info.ModTime = st.ModTime()
	}
	var quick maphash.Hash
	quick.SetSeed(quickSeed)
	cutoff := p.Opt.Cutoff()
	var hits hitList
	var lastBytes int64
	serr := resync.ScanReader(io.TeeReader(f, &quick), &info, func(i int64, e *record.Entry) error {
		off := i * record.Size
		if i&(1<<15-1) == 0 && p.halted() { // every 1.5 MB
			return errHalted
		}
		if p.Progress != nil && off-lastBytes >= 1<<20 {
			p.Progress.Scanned(path, off-lastBytes)
			lastBytes = off
		}
		// Only valid entries are requests (KeepsCfg): an invalid one gets
		// no state.
		if !e.Valid() {
			if p.hitOf(false, 0, cutoff) {
				hits.add(off, e)
			}
			return nil
		}
		t := e.Time()
		keeps := keepsCfg(true, t, cutoff)
		if ids != nil {
			if s := ids.lookup(keyOfEntry(e)); s != nil {
				s.add(t, keeps)
			}
		}
		if !keeps {
			hits.add(off, e) // stale: dated and before cutoff (so not after now)
		}
		return nil
	})
	if p.Progress != nil {
		p.Progress.Scanned(path, info.Size-lastBytes)
	}
	if serr != nil && !resync.IsPartial(serr) {
		return serr
	}
	*rp = resyncPlan{
		path: path, size: info.Size, modTime: info.ModTime.Unix(),
		sha256: hex.EncodeToString(info.Sha256[:]), quick: quick.Sum64(), hits: hits,
	}
	return serr
}

// setTime fills RequestTime, RequestedAt and AgeDays.
func (r *Row) setTime(t uint32, now time.Time) {
	rt := int64(t)
	r.RequestTime = &rt
	if t != 0 {
		at := dump.FormatTime(t)
		age := dump.AgeDays(now, t)
		r.RequestedAt, r.AgeDays = &at, &age
	}
}

// fingerprintAll fingerprints the files of dels (concurrently: a domain
// may hold 100 000 of them) and returns the dels whose file could be read,
// in order.
func (p *Planner) fingerprintAll(files *site.CfgList, dels []del) []del {
	if len(dels) == 0 {
		return dels
	}
	// The folder is opened once for all its files. If it cannot be, each
	// file tries again and reports why, as if it were opened alone.
	dir, _ := safefs.OpenDir(files.Dir)
	if dir != nil {
		defer dir.Close()
	}
	ok := make([]bool, len(dels))
	workers := min(max(p.Opt.Parallel, 1), 8, len(dels))
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fp := fingerprinter{h: sha256.New(), buf: make([]byte, 64<<10)}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(dels) || p.halted() {
					return
				}
				d := &dels[i]
				size, mod, err := fp.file(dir, files, int(d.file), &d.sum)
				if err != nil {
					p.warn(err)
					continue
				}
				d.size, d.modTime, ok[i] = size, mod, true
			}
		}()
	}
	wg.Wait()
	out := dels[:0]
	for i := range dels {
		if ok[i] {
			out = append(out, dels[i])
		}
	}
	return out
}

// deleteRow makes the DeleteFile row of d.
func (p *Planner) deleteRow(files *site.CfgList, d *del, cutoff int64) Row {
	i := int(d.file)
	id := files.SmsID(i)
	r := Row{
		Action: DeleteFile, Path: files.Path(i), SmsId: id, Cutoff: cutoff,
		Size: d.size, ModTime: d.modTime, Sha256: hex.EncodeToString(d.sum[:]), Reason: string(p.appendReason(nil, d, id)),
	}
	if d.hasTime {
		r.setTime(d.newest, p.Opt.Now)
	}
	return r
}

// fingerprinter fingerprints files one after another.
type fingerprinter struct {
	h   hash.Hash
	buf []byte
}

// file puts the SHA-256 of .cfg file i of files into sum and returns its
// size and modification time, all from the same open handle, opened in dir
// (nil: open the folder again). The file is never read if it became a
// FIFO or device since the folder was listed: reading one would block or
// never end. Exactly the size fstat gave is read: a small file then takes
// one read call, not a second one to find the end. A file that shrank
// meanwhile is fingerprinted as read.
func (fp *fingerprinter) file(dir *safefs.Dir, files *site.CfgList, i int, sum *[32]byte) (size, modTime int64, err error) {
	if dir == nil {
		if dir, err = safefs.OpenDir(files.Dir); err != nil {
			return 0, 0, err
		}
		defer dir.Close()
	}
	fp.h.Reset()
	st, err := dir.ReadFile(files.Name(i), fp.h, fp.buf)
	if pe := (*os.PathError)(nil); errors.As(err, &pe) && pe.Op == "read" {
		err = fmt.Errorf("%s: %w", files.Path(i), err)
	}
	if err != nil {
		return 0, 0, err
	}
	fp.h.Sum(sum[:0])
	return st.Size, st.ModTime.Unix(), nil
}
