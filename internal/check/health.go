package check

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/report"
	"github.com/dumpsync/dumpsync/internal/resync"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
	"github.com/dumpsync/dumpsync/internal/site"
)

// Options are the choices of the health mode. Each Limit is off unless set.
type Options struct {
	Now        time.Time
	MaxAgeDays Limit // TooOld: a valid, dated entry more than N days old
	MaxEntries Limit // TooManyEntries: a file of more than N whole records
	MaxBytes   Limit // TooLarge: a file of more than N bytes
}

// Health checks each Resync.cfg in files (in that order) and the
// Invencfg.box beside it, passing each finding to emit: within a file in the
// order of sortFindings. A file or folder that cannot be read is passed to
// warn and counted as Unreadable; an emit error stops the check.
func Health(files []string, opt Options, emit func(*Finding) error, warn func(error)) (Summary, error) {
	var sum Summary
	for _, path := range files {
		sum.Inputs++
		var emitErr error
		err := healthOf(path, opt, func(f *Finding) bool {
			sum.count(f)
			emitErr = emit(f)
			return emitErr == nil
		})
		if emitErr != nil {
			return sum, emitErr
		}
		if err != nil {
			warn(err)
			sum.Unreadable++
		}
	}
	return sum, nil
}

// request is what one file says about one SMSID (keyed case-insensitively).
type request struct {
	smsID  string // as first spelled
	first  int64  // offset of the first entry
	second int64  // offset of the second entry, when count > 1
	count  int    // entries
	valid  bool   // at least one entry is valid
}

// healthOf passes the findings of one Resync.cfg to emit, in the order of
// sortFindings, until emit returns false. With an error the findings are
// those of the part that could be read.
//
// Memory does not grow with the file: a 5 GB Resync.cfg is read twice,
// streaming. The first pass gathers what findings about several entries need
// (one request per SMSID that could be valid, and per .cfg name; SMS gives a
// site at most a million SMSIDs); the findings about the whole file, which
// come first, are then known. The second pass emits the findings about each
// entry as it reads them, merged in offset order with the others.
func healthOf(path string, opt Options, emit func(*Finding) bool) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: cannot be checked: not a regular file (%s)", path, st.Mode().Type())
	}
	var early, late []Finding // findings about the whole file; findings from pass 1 with an offset
	add := func(to *[]Finding, sev, code string, smsID *string, off *int64, format string, args ...any) {
		*to = append(*to, Finding{Severity: sev, Code: code, Path: &path, SmsId: smsID, Offset: off,
			Message: fmt.Sprintf(format, args...)})
	}

	// The .cfg files beside it, listed first: an invalid entry is looked
	// for only when its SMSID names one of them (OrphanCfg).
	box, cfgs, cfgErr := cfgList(path)
	cfgNames := make(map[string]bool, len(cfgs))
	for _, c := range cfgs {
		cfgNames[strings.ToUpper(c.SmsID)] = true
	}

	// Pass 1: the requests per SMSID, in order of first appearance. Keys
	// that no valid entry can have (they are not 1-15 letters and digits)
	// are kept only for a .cfg name: a file of garbage costs nothing.
	reqs := map[string]*request{}
	var order []string
	info, serr := resync.Scan(path, func(i int64, e *record.Entry) error {
		id := e.IDBytes()
		valid := e.Valid()
		if !valid && !record.ValidSMSID(string(id)) && !cfgNames[strings.ToUpper(string(id))] {
			return nil
		}
		key := strings.ToUpper(string(id))
		r := reqs[key]
		if r == nil {
			r = &request{smsID: e.SmsID(), first: i * record.Size}
			reqs[key] = r
			order = append(order, key)
		}
		r.count++
		if r.count == 2 {
			r.second = i * record.Size
		}
		r.valid = r.valid || valid
		return nil
	})
	var partial *resync.PartialError
	if errors.As(serr, &partial) {
		add(&late, Error, PartialRecord, nil, ptr(partial.Offset),
			"partial record at byte offset %d: %d bytes after the last whole record (size %d is not a multiple of %d); %s",
			partial.Offset, partial.Size-partial.Offset, partial.Size, record.Size, RepairPartial(path, partial.Offset))
	}
	if opt.MaxEntries.Exceeded(info.Records) {
		add(&early, Error, TooManyEntries, nil, nil, "%s (more than --max-entries %d)", report.Count(info.Records, "entry", "entries"), opt.MaxEntries.N)
	}
	if opt.MaxBytes.Exceeded(info.Size) {
		add(&early, Error, TooLarge, nil, nil, "%d bytes (more than --max-bytes %d)", info.Size, opt.MaxBytes.N)
	}
	// A recovery file is about the Resync.cfg (Path), and names itself.
	los, lerr := resyncedit.Leftovers(path)
	for _, lo := range los {
		add(&early, Error, Leftover, nil, nil, "%s", lo.Problem(path))
	}
	for _, key := range order {
		if r := reqs[key]; r.valid && r.count > 1 {
			add(&late, Info, DuplicateEntry, ptr(r.smsID), ptr(r.second), "SMSID %s has %d entries (first at byte offset %d)", r.smsID, r.count, r.first)
		}
	}
	if box != "" {
		for _, c := range cfgs {
			// Only valid entries are requests (plan.KeepsCfg): a .cfg whose
			// SMSID has only invalid entries is an orphan to plan too.
			msg := fmt.Sprintf("no request for %s in the %s beside %s", c.SmsID, filepath.Base(path), filepath.Base(box))
			switch r := reqs[strings.ToUpper(c.SmsID)]; {
			case r == nil:
			case !r.valid:
				msg += fmt.Sprintf(" (only invalid entries: %d, which plan does not count as requests)", r.count)
			default:
				continue
			}
			early = append(early, Finding{Severity: Info, Code: OrphanCfg, Path: ptr(c.Path), SmsId: ptr(c.SmsID), Message: msg})
		}
		for _, key := range order {
			if r := reqs[key]; r.valid && !cfgNames[key] {
				add(&late, Info, MissingCfg, ptr(r.smsID), ptr(r.first), "no %s%s in %s", r.smsID, site.CfgExt, filepath.Base(box))
			}
		}
	}
	reqs, order = nil, nil
	sortFindings(early)
	for i := range early {
		if !emit(&early[i]) {
			return nil
		}
	}

	// Pass 2: the findings about each entry, merged with late by offset.
	sortFindings(late)
	stopped := errors.New("stopped")
	var at []Finding // the findings at one offset
	flushBefore := func(off int64) bool {
		for len(late) > 0 && *late[0].Offset < off {
			if !emit(&late[0]) {
				return false
			}
			late = late[1:]
		}
		return true
	}
	now := opt.Now.Unix()
	err = scanBytes(path, info, func(i int64, e *record.Entry) error {
		off := i * record.Size
		if !flushBefore(off) {
			return stopped
		}
		at = at[:0]
		for len(late) > 0 && *late[0].Offset == off {
			at = append(at, late[0])
			late = late[1:]
		}
		if f, ok := entryFinding(e, off, path, now, opt); ok {
			at = append(at, f)
		}
		if len(at) > 1 {
			sortFindings(at)
		}
		for j := range at {
			if !emit(&at[j]) {
				return stopped
			}
		}
		return nil
	})
	if err == stopped || !flushBefore(math.MaxInt64) {
		return nil
	}
	return errors.Join(readErr(serr), err, lerr, cfgErr)
}

// readErr is a pass's error other than a partial record (a finding).
func readErr(err error) error {
	if resync.IsPartial(err) {
		return nil
	}
	return err
}

// scanBytes scans again the bytes a first Scan of path read (info), and
// fails if they changed meanwhile: the findings would not agree.
func scanBytes(path string, info resync.Info, fn resync.Func) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	again := resync.Info{Path: path}
	err = resync.ScanReader(io.LimitReader(f, info.Size), &again, fn)
	if err = readErr(err); err != nil {
		return err
	}
	if again.Size != info.Size || again.Sha256 != info.Sha256 {
		return fmt.Errorf("%s: changed while it was being checked; its findings may not agree: check it again", path)
	}
	return nil
}

// entryFinding is the finding about one entry on its own, if any: an
// invalid entry, or a valid one with an odd or too old time.
func entryFinding(e *record.Entry, off int64, path string, now int64, opt Options) (Finding, bool) {
	f := Finding{Path: &path, Offset: &off}
	id := e.SmsID()
	f.SmsId = &id
	if p := e.Problem(); p != "" {
		// The time of an invalid entry cannot be trusted, so it gets no
		// time findings: one finding says all there is to say.
		f.Severity, f.Code, f.Message = Warning, InvalidSmsId, "invalid entry: "+p
		return f, true
	}
	t := e.Time()
	switch {
	case t == 0:
		f.Severity, f.Code, f.Message = Warning, ZeroTime, "request time is 0 (unknown): plan never finds this entry stale"
	case int64(t) > now:
		f.Severity, f.Code = Warning, FutureTime
		f.Message = fmt.Sprintf("request time %s is in the future (now is %s)", dump.FormatTime(t), opt.Now.UTC().Format(time.RFC3339))
	default:
		// The rule plan uses for --days: more than N*86400 seconds old.
		if !opt.MaxAgeDays.Set || !plan.OlderThan(now-int64(t), opt.MaxAgeDays.N) {
			return f, false
		}
		f.Severity, f.Code = Error, TooOld
		f.Message = fmt.Sprintf("request is %d days old (more than --max-age-days %d)", dump.AgeDays(opt.Now, t), opt.MaxAgeDays.N)
	}
	return f, true
}

// cfgList lists the .cfg files of the Invencfg.box beside the Resync.cfg at
// path; box is "" when there is none.
func cfgList(path string) (box string, cfgs []site.Cfg, err error) {
	box, err = site.Invencfg(filepath.Dir(path))
	if errors.Is(err, site.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	list, _, err := site.CfgFiles(box)
	if err != nil {
		return "", nil, err
	}
	for i := range list.Len() {
		cfgs = append(cfgs, list.At(i))
	}
	return box, cfgs, nil
}
