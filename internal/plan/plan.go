// Package plan decides what is stale across SMS domain folders and logon
// servers and describes each intended change as a Row. It reads files and
// never changes one; carrying a plan out is package apply's job.
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
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

	mu        sync.Mutex
	summary   Summary
	siteNames map[string]bool // upper-cased .cfg names present at the site
	siteDel   map[string]bool // upper-cased .cfg names planned for deletion at the site
	haveSite  bool            // site domains are part of this plan
	// siteIncomplete is set when a site domain's Invencfg.box could not be
	// listed: then no logon .cfg is "not present at the site".
	siteIncomplete bool
}

// folderPlan is the result of planning one folder, held until its turn to be
// emitted. RemoveEntry rows are held as compact hits (no pointers, 56 bytes
// each) and made into Rows only as they are emitted: a Resync.cfg of a
// million stale entries costs tens of MB, not a GB of rows.
type folderPlan struct {
	resync resyncPlan
	dels   []Row         // DeleteFile rows, set before done is closed
	done   chan struct{} // closed when dels are known
}

// resyncPlan is what one scan of a Resync.cfg decided.
type resyncPlan struct {
	path    string
	size    int64
	modTime int64
	sha256  string
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

// maxHeldHits bounds the hits one folder holds (14 MiB): a Resync.cfg with
// more entries to remove (5 GB of invalid ones with --include-invalid) is
// read a second time as its rows are emitted, so that memory stays bounded
// whatever the file holds.
var maxHeldHits = 1 << 18 // a variable for tests

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
func (fp *folderPlan) emit(p *Planner, fn func(*Row) error) error {
	rp := &fp.resync
	cutoff := p.Opt.Cutoff()
	if rp.hits.rescan() {
		if err := p.emitRescan(rp, cutoff, fn); err != nil {
			return err
		}
	}
	for _, block := range rp.hits.blocks {
		for i := range block {
			if err := p.emitHit(rp, &block[i], cutoff, fn); err != nil {
				return err
			}
		}
	}
	<-fp.done // the .cfg files may still be being fingerprinted
	for j := range fp.dels {
		if err := fn(&fp.dels[j]); err != nil {
			return err
		}
	}
	return nil
}

// emitRescan reads the bytes the plan of rp was made from again and emits
// the RemoveEntry row of each hit as it is read. If the bytes changed
// meanwhile, the rows are still emitted (apply refuses each one whose guard
// or record no longer matches) and a warning says to plan again.
func (p *Planner) emitRescan(rp *resyncPlan, cutoff int64, fn func(*Row) error) error {
	f, err := os.Open(rp.path)
	if err != nil {
		p.warn(fmt.Errorf("%s: reading it again for its rows: %w", rp.path, err))
		return nil
	}
	defer f.Close()
	info := resync.Info{Path: rp.path}
	var emitErr error
	err = resync.ScanReader(io.LimitReader(f, rp.size), &info, func(i int64, e *record.Entry) error {
		valid := e.Problem() == ""
		if !p.hitOf(valid, e.Time(), cutoff) {
			return nil
		}
		h := hit{i * record.Size, *e}
		emitErr = p.emitHit(rp, &h, cutoff, fn)
		return emitErr
	})
	if emitErr != nil {
		return emitErr
	}
	if err != nil && !resync.IsPartial(err) {
		p.warn(fmt.Errorf("%s: reading it again for its rows: %w", rp.path, err))
	} else if hex.EncodeToString(info.Sha256[:]) != rp.sha256 {
		p.warn(fmt.Errorf("%s: changed while it was planned; apply will skip the rows that no longer match: plan again", rp.path))
	}
	return nil
}

// emitHit makes the RemoveEntry row of one hit and hands it to fn.
func (p *Planner) emitHit(rp *resyncPlan, h *hit, cutoff int64, fn func(*Row) error) error {
	// One allocation holds what the row's pointers point at, so that a
	// row copied by fn stays valid after the call.
	v := &rowValues{off: h.off, rec: h.e.Hex()}
	r := Row{
		Action: RemoveEntry, Path: rp.path, SmsId: h.e.SmsID(), Cutoff: cutoff,
		Offset: &v.off, Record: &v.rec,
		Size: rp.size, ModTime: rp.modTime, Sha256: rp.sha256,
	}
	t := h.e.Time()
	r.setTimeIn(v, t, p.Opt.Now)
	if problem := h.e.Problem(); problem != "" {
		r.Reason = "invalid entry (" + problem + "); its time cannot be trusted"
	} else {
		r.Reason = p.staleReason(v.age)
	}
	return fn(&r)
}

// rowValues backs the pointer fields of one Row.
type rowValues struct {
	rt, age, off int64
	at, rec      string
}

// staleReason is the Reason of a stale entry: "request A days old (> N)".
func (p *Planner) staleReason(age int64) string {
	var b [64]byte
	s := append(b[:0], "request "...)
	s = strconv.AppendInt(s, age, 10)
	s = append(s, " days old (> "...)
	s = strconv.AppendInt(s, p.Opt.Days, 10)
	s = append(s, ')')
	return string(s)
}

// Run plans domains, then logon servers (they are judged against the site's
// Invencfg.box files), calling emit for each row in the deterministic order.
func (p *Planner) Run(domains, logons []string, emit func(*Row) error) (Summary, error) {
	p.siteNames, p.siteDel = map[string]bool{}, map[string]bool{}
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
func (p *Planner) runOrdered(dirs []string, logon bool, emit func(*Row) error) error {
	n := max(p.Opt.Parallel, 1)
	slots := make(chan struct{}, n)
	results := make([]chan *folderPlan, len(dirs))
	for i := range results {
		results[i] = make(chan *folderPlan, 1)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i, d := range dirs {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			go func(i int, d string) {
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
	p.mu.Lock()
	p.summary.Attention = true
	p.mu.Unlock()
	p.warnMu.Lock()
	defer p.warnMu.Unlock()
	p.Warn(err)
}

// idState is what one Resync.cfg says about one SMSID.
type idState struct {
	newest  uint32 // newest valid request time
	hasTime bool
	valid   int // valid entries
	keeps   int // entries that keep the .cfg file (KeepsCfg); the other valid ones are stale
}

// allStale reports whether the SMSID has requests and every one is stale.
func (s *idState) allStale() bool { return s.valid > 0 && s.keeps == 0 }

// idStates holds one Resync.cfg's idState per upper-cased SMSID
// (strings.ToUpper of record.Entry.SmsID or of the .cfg name). A file may
// name a million clients, so keys of up to 16 ASCII bytes, which is every
// valid SMSID, are held as arrays in a map without pointers, pointing into
// one slice of states: nothing for the garbage collector to scan and no
// allocation per entry. Other keys go to a second, ordinary map.
type idStates struct {
	short  map[[16]byte]int32
	long   map[string]int32
	states []idState
}

func newIDStates(records int64) *idStates {
	return &idStates{short: make(map[[16]byte]int32, min(records/2, 1<<20)), long: map[string]int32{}}
}

// shortKey returns key as an array when it is ASCII and fits.
func shortKey(key string) (k [16]byte, ok bool) {
	if len(key) > len(k) {
		return k, false
	}
	for i := 0; i < len(key); i++ {
		if key[i] >= 0x80 {
			return k, false
		}
		k[i] = key[i]
	}
	return k, true
}

// get returns the state of an upper-cased key, nil if there is none.
func (s *idStates) get(key string) *idState {
	var (
		i  int32
		ok bool
	)
	if k, short := shortKey(key); short {
		i, ok = s.short[k]
	} else {
		i, ok = s.long[key]
	}
	if !ok {
		return nil
	}
	return &s.states[i]
}

// of returns the index of the state of the entry's SMSID, made on first use.
func (s *idStates) of(e *record.Entry) int32 {
	id := e.IDBytes()
	var k [16]byte
	for i, c := range id {
		if c >= 0x80 {
			return s.ofLong(strings.ToUpper(e.SmsID()))
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		k[i] = c
	}
	return s.ofShort(k)
}

// ofShort is of for an ASCII key of at most 16 bytes, upper-cased.
func (s *idStates) ofShort(k [16]byte) int32 {
	if i, ok := s.short[k]; ok {
		return i
	}
	i := int32(len(s.states))
	s.states = append(s.states, idState{})
	s.short[k] = i
	return i
}

func (s *idStates) ofLong(key string) int32 {
	if k, short := shortKey(key); short {
		return s.ofShort(k)
	}
	if i, ok := s.long[key]; ok {
		return i
	}
	i := int32(len(s.states))
	s.states = append(s.states, idState{})
	s.long[key] = i
	return i
}

// planFolder plans one folder into fp, calling ready (at least once) when
// fp.resync is final and closing fp.done when fp.dels is. Everything it
// reports goes to Warn.
func (p *Planner) planFolder(f Folder, fp *folderPlan, ready func()) {
	defer close(fp.done)
	defer ready()
	var ids *idStates
	blind := false // a domain whose Resync.cfg could not be read: plan no DeleteFile

	resyncPath, err := site.Resync(f.Dir)
	switch {
	case err == nil:
		p.leftovers(resyncPath)
		ids, err = p.scanResync(resyncPath, &fp.resync)
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
			// Without the requests, no .cfg file of a domain can be judged;
			// its Invencfg.box is still listed below, for the logon servers.
			blind = !f.Logon
		}
	case errors.Is(err, site.ErrNotFound) && f.Logon:
		// A logon server without a Resync.cfg copy: only its .cfg files are planned.
	default:
		p.warn(err)
		blind = !f.Logon
	}
	ready()

	inv, err := site.Invencfg(f.Dir)
	if err == nil {
		var files []site.Cfg
		var irregular []string
		if files, irregular, err = site.CfgFiles(inv); err == nil {
			p.planFiles(f, fp, files, irregular, ids, blind)
		}
	}
	if err != nil && !errors.Is(err, site.ErrNotFound) {
		p.warn(err)
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

// planFiles plans the DeleteFile rows of one folder's Invencfg.box into fp.
// A blind domain (its requests unknown) only registers its file names.
func (p *Planner) planFiles(f Folder, fp *folderPlan, files []site.Cfg, irregular []string, ids *idStates, blind bool) {
	for _, x := range irregular {
		p.warn(fmt.Errorf("%s: skipped: not a regular file", x))
	}
	if !f.Logon {
		p.mu.Lock()
		for _, c := range files {
			p.siteNames[strings.ToUpper(c.SmsID)] = true
		}
		p.mu.Unlock()
	}
	if blind {
		return
	}
	var cands []candidate
	for _, c := range files {
		key := strings.ToUpper(c.SmsID)
		var st *idState
		if ids != nil {
			st = ids.get(key)
		}
		reason := p.deleteReason(f, c, key, st)
		if reason == "" {
			continue
		}
		if !record.ValidSMSID(c.SmsID) {
			p.warn(fmt.Errorf("%s: not planned: %q is not a valid SMSID", c.Path, c.SmsID))
			continue
		}
		cands = append(cands, candidate{cfg: c, st: st, reason: reason})
	}
	fp.dels = p.deleteRows(cands, p.Opt.Cutoff())
	if !f.Logon {
		p.mu.Lock()
		for _, c := range cands {
			p.siteDel[strings.ToUpper(c.cfg.SmsID)] = true
		}
		p.mu.Unlock()
	}
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

// deleteReason says why a .cfg file is to be deleted, or "" to keep it.
func (p *Planner) deleteReason(f Folder, c site.Cfg, key string, st *idState) string {
	days := p.Opt.Days
	if f.Logon {
		p.mu.Lock()
		atSite, delAtSite := p.siteNames[key], p.siteDel[key]
		incomplete := p.siteIncomplete
		p.mu.Unlock()
		switch {
		case st != nil && st.keeps > 0:
			// The logon server's own copy of Resync.cfg holds a request
			// that keeps the file: apply would refuse to delete it.
			return ""
		case p.Opt.LogonAllCfg:
			return "--logon-all-cfg: every .cfg on a logon server is deleted; Maintenance Manager copies back what is still needed"
		case delAtSite:
			return ReasonDeletedAtSite
		case !atSite && p.haveSite && !incomplete:
			return "not present at the site"
		}
		return ""
	}
	// Only valid entries are requests (KeepsCfg): a .cfg whose SMSID has
	// only invalid entries is an orphan.
	if st != nil && st.valid > 0 {
		if st.allStale() {
			return fmt.Sprintf("newest request of %s is stale (%d days old > %d)", c.SmsID, dump.AgeDays(p.Opt.Now, st.newest), days)
		}
		return ""
	}
	if p.Opt.Orphans {
		info, err := c.Info()
		if err != nil {
			p.warn(err)
			return ""
		}
		age := p.Opt.Now.Unix() - info.ModTime().Unix()
		if OlderThan(age, days) {
			return fmt.Sprintf("orphan: no request in Resync.cfg, file %d days old (> %d)", age/86400, days)
		}
	}
	return ""
}

// scanResync reads one Resync.cfg, filling ids and rp: the entries to remove
// and the guard of exactly the bytes read. A partial record is returned as
// its error, with rp filled.
func (p *Planner) scanResync(path string, rp *resyncPlan) (*idStates, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: skipped: not a regular file", path)
	}
	ids := newIDStates(st.Size() / record.Size)
	cutoff := p.Opt.Cutoff()
	var hits hitList
	var lastBytes int64
	info, serr := resync.Scan(path, func(i int64, e *record.Entry) error {
		off := i * record.Size
		if p.Progress != nil && off-lastBytes >= 1<<20 {
			p.Progress.Scanned(path, off-lastBytes)
			lastBytes = off
		}
		// Only valid entries are requests (KeepsCfg): an invalid one gets
		// no state, so a file of garbage costs no memory.
		if e.Problem() != "" {
			if p.hitOf(false, 0, cutoff) {
				hits.add(off, e)
			}
			return nil
		}
		s := &ids.states[ids.of(e)]
		t := e.Time()
		s.valid++
		if !s.hasTime || t > s.newest {
			s.newest, s.hasTime = t, true
		}
		if keepsCfg(true, t, cutoff) {
			s.keeps++
		}
		if p.hitOf(true, t, cutoff) {
			hits.add(off, e) // stale: dated and before cutoff (so not after now)
		}
		return nil
	})
	if p.Progress != nil {
		p.Progress.Scanned(path, info.Size-lastBytes)
	}
	if serr != nil && !resync.IsPartial(serr) {
		return nil, serr
	}
	*rp = resyncPlan{
		path: path, size: info.Size, modTime: info.ModTime.Unix(),
		sha256: hex.EncodeToString(info.Sha256[:]), hits: hits,
	}
	return ids, serr
}

// setTimeIn fills RequestTime, RequestedAt and AgeDays, backed by v.
func (r *Row) setTimeIn(v *rowValues, t uint32, now time.Time) {
	v.rt = int64(t)
	r.RequestTime = &v.rt
	if t != 0 {
		v.at = dump.FormatTime(t)
		v.age = dump.AgeDays(now, t)
		r.RequestedAt, r.AgeDays = &v.at, &v.age
	}
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

type candidate struct {
	cfg    site.Cfg
	st     *idState
	reason string
}

// deleteRows fingerprints the candidate files (concurrently: a domain may
// hold 100 000 of them) and returns their rows in candidate order.
func (p *Planner) deleteRows(cands []candidate, cutoff int64) []Row {
	rows := make([]Row, len(cands))
	ok := make([]bool, len(cands))
	workers := min(max(p.Opt.Parallel, 1), 8)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64<<10)
			for i := range next {
				c := cands[i]
				size, mod, sum, err := fingerprint(c.cfg.Path, buf)
				if err != nil {
					p.warn(err)
					continue
				}
				r := Row{
					Action: DeleteFile, Path: c.cfg.Path, SmsId: c.cfg.SmsID, Cutoff: cutoff,
					Size: size, ModTime: mod, Sha256: sum, Reason: c.reason,
				}
				if c.st != nil && c.st.hasTime {
					r.setTime(c.st.newest, p.Opt.Now)
				}
				rows[i], ok[i] = r, true
			}
		}()
	}
	for i := range cands {
		next <- i
	}
	close(next)
	wg.Wait()
	out := rows[:0]
	for i := range rows {
		if ok[i] {
			out = append(out, rows[i])
		}
	}
	return out
}

// fingerprint returns size, modification time and SHA-256 of a regular file,
// all from the same open handle.
func fingerprint(path string, buf []byte) (int64, int64, string, error) {
	// Never opened if it became a FIFO or device since the folder was
	// listed: reading one would block or never end.
	f, err := safefs.Open(path)
	if err != nil {
		return 0, 0, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, "", err
	}
	if !st.Mode().IsRegular() {
		return 0, 0, "", fmt.Errorf("%s: skipped: not a regular file", path)
	}
	// Read exactly the size fstat gave: a small file then takes one read
	// call, not a second one to find the end. A file that shrank meanwhile
	// is fingerprinted as read.
	h := sha256.New()
	n, err := io.CopyBuffer(h, io.LimitReader(f, st.Size()), buf)
	if err != nil {
		return 0, 0, "", fmt.Errorf("%s: %w", path, err)
	}
	return n, st.ModTime().Unix(), hex.EncodeToString(h.Sum(nil)), nil
}
