package check

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dumpsync/dumpsync/internal/dump"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/record"
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
		fs, err := healthOf(path, opt)
		if err != nil {
			warn(err)
			sum.Unreadable++
		}
		sortFindings(fs)
		for i := range fs {
			sum.count(&fs[i])
			if err := emit(&fs[i]); err != nil {
				return sum, err
			}
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

// healthOf returns the findings of one Resync.cfg, unsorted. With an error
// the findings are those of the part that could be read.
func healthOf(path string, opt Options) ([]Finding, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: cannot be checked: not a regular file (%s)", path, st.Mode().Type())
	}
	var fs []Finding
	add := func(sev, code string, smsID *string, off *int64, format string, args ...any) {
		fs = append(fs, Finding{Severity: sev, Code: code, Path: &path, SmsId: smsID, Offset: off,
			Message: fmt.Sprintf(format, args...)})
	}
	now := opt.Now.Unix()
	reqs := map[string]*request{}
	var order []string // keys in order of first appearance
	info, serr := resync.Scan(path, func(i int64, e *record.Entry) error {
		off := i * record.Size
		id := e.SmsID()
		key := strings.ToUpper(id)
		r := reqs[key]
		if r == nil {
			r = &request{smsID: id, first: off}
			reqs[key] = r
			order = append(order, key)
		}
		r.count++
		if r.count == 2 {
			r.second = off
		}
		if p := e.Problem(); p != "" {
			// The time of an invalid entry cannot be trusted, so it gets
			// no time findings: one finding says all there is to say.
			add(Warning, InvalidSmsId, ptr(id), ptr(off), "invalid entry: %s", p)
			return nil
		}
		r.valid = true
		t := e.Time()
		switch {
		case t == 0:
			add(Warning, ZeroTime, ptr(id), ptr(off), "request time is 0 (unknown): plan never finds this entry stale")
		case int64(t) > now:
			add(Warning, FutureTime, ptr(id), ptr(off), "request time %s is in the future (now is %s)",
				dump.FormatTime(t), opt.Now.UTC().Format(time.RFC3339))
		default:
			// The rule plan uses for --days: more than N*86400 seconds old.
			if age := dump.AgeDays(opt.Now, t); opt.MaxAgeDays.Set && plan.OlderThan(now-int64(t), opt.MaxAgeDays.N) {
				add(Error, TooOld, ptr(id), ptr(off), "request is %d days old (more than --max-age-days %d)", age, opt.MaxAgeDays.N)
			}
		}
		return nil
	})
	var partial *resync.PartialError
	switch {
	case errors.As(serr, &partial):
		add(Error, PartialRecord, nil, ptr(partial.Offset),
			"partial record at byte offset %d: %d bytes after the last whole record (size %d is not a multiple of %d); %s",
			partial.Offset, partial.Size-partial.Offset, partial.Size, record.Size, RepairPartial(path, partial.Offset))
	case serr != nil:
		return fs, serr
	}
	if opt.MaxEntries.Exceeded(info.Records) {
		add(Error, TooManyEntries, nil, nil, "%d entries (more than --max-entries %d)", info.Records, opt.MaxEntries.N)
	}
	if opt.MaxBytes.Exceeded(info.Size) {
		add(Error, TooLarge, nil, nil, "%d bytes (more than --max-bytes %d)", info.Size, opt.MaxBytes.N)
	}
	// A recovery file is about the Resync.cfg (Path), and names itself.
	los, lerr := resyncedit.Leftovers(path)
	for _, lo := range los {
		add(Error, Leftover, nil, nil, "%s", lo.Problem(path))
	}
	if lerr != nil {
		return fs, lerr
	}
	for _, key := range order {
		if r := reqs[key]; r.valid && r.count > 1 {
			add(Info, DuplicateEntry, ptr(r.smsID), ptr(r.second), "SMSID %s has %d entries (first at byte offset %d)", r.smsID, r.count, r.first)
		}
	}
	return fs, cfgFindings(path, reqs, order, &fs)
}

// cfgFindings compares the requests of a Resync.cfg with the Invencfg.box
// beside it, if there is one.
func cfgFindings(path string, reqs map[string]*request, order []string, fs *[]Finding) error {
	box, err := site.Invencfg(filepath.Dir(path))
	if errors.Is(err, site.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	cfgs, _, err := site.CfgFiles(box)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(cfgs))
	for _, c := range cfgs {
		key := strings.ToUpper(c.SmsID)
		have[key] = true
		if reqs[key] == nil {
			*fs = append(*fs, Finding{Severity: Info, Code: OrphanCfg, Path: ptr(c.Path), SmsId: ptr(c.SmsID),
				Message: fmt.Sprintf("no request for %s in the %s beside %s", c.SmsID, filepath.Base(path), filepath.Base(box))})
		}
	}
	for _, key := range order {
		if r := reqs[key]; r.valid && !have[key] {
			*fs = append(*fs, Finding{Severity: Info, Code: MissingCfg, Path: ptr(path), SmsId: ptr(r.smsID), Offset: ptr(r.first),
				Message: fmt.Sprintf("no %s%s in %s", r.smsID, site.CfgExt, filepath.Base(box))})
		}
	}
	return nil
}
