package plan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/site"
)

// TestWarnCalledOneAtATime: folders are planned concurrently, but Warn (the
// caller's code, typically a write to stderr) is never called from two
// goroutines at once. The Warn here keeps no lock of its own; run with
// -race, a concurrent call is a reported data race, and the count is wrong.
func TestWarnCalledOneAtATime(t *testing.T) {
	root := t.TempDir()
	const folders = 32
	var domains []string
	for i := range folders {
		dom := filepath.Join(root, fmt.Sprintf("Domain.%03d", i))
		writeDomain(t, dom, nil)
		// Each folder warns: its Resync.cfg ends in a partial record.
		if err := os.WriteFile(filepath.Join(dom, "Resync.cfg"), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		domains = append(domains, dom)
	}
	var warnings []string // no lock: Planner must serialise the calls
	p := &Planner{Opt: Options{Days: 90, Now: now, Parallel: 8},
		Warn: func(err error) { warnings = append(warnings, err.Error()) }}
	if _, err := p.Run(domains, nil, func(*Row) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != folders {
		t.Errorf("%d warnings, want %d:\n%q", len(warnings), folders, warnings)
	}
}

// TestStoppedRunLeavesNothingRunning: a Run stopped by Ctrl-C (or by an
// emit error) returns only once the folders it started are done: none goes
// on reading files, calling Warn or counting into the Summary after Run
// returned (dumpsync's own message would be followed by stray warnings,
// and a test's temporary folder removed under open files). Here the
// interrupt comes from inside a folder's work, from its Warn, which is
// still running when the main loop sees it.
func TestStoppedRunLeavesNothingRunning(t *testing.T) {
	root := t.TempDir()
	dom := filepath.Join(root, "Domain.000")
	writeDomain(t, dom, nil)
	if err := os.WriteFile(filepath.Join(dom, "Resync.cfg"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var once sync.Once
	var began, ended, late atomic.Int32
	var returned atomic.Bool
	p := &Planner{Opt: Options{Days: 90, Now: now, Parallel: 8, Interrupt: stop},
		Warn: func(error) {
			if returned.Load() {
				late.Add(1)
			}
			began.Add(1)
			once.Do(func() { close(stop) })
			time.Sleep(50 * time.Millisecond)
			ended.Add(1)
		}}
	sum, err := p.Run([]string{dom}, nil, func(*Row) error { return nil })
	returned.Store(true)
	if !errors.Is(err, interrupt.ErrInterrupted) {
		t.Fatalf("Run: %v, want interrupted", err)
	}
	if b, e := began.Load(), ended.Load(); b != e || b == 0 {
		t.Errorf("Run returned with %d of %d Warn calls still running", b-e, b)
	}
	time.Sleep(100 * time.Millisecond)
	if n := late.Load(); n > 0 {
		t.Errorf("%d Warn calls after Run returned", n)
	}
	if sum.Entries != 0 {
		t.Errorf("summary of a run stopped before any row: %+v", sum)
	}
}

// TestHaltedFolderStopsEarly: once a run stopped, a folder still being
// planned stops reading its Resync.cfg and fingerprinting its .cfg files
// (on a slow share either can take seconds, and Ctrl-C waits for them).
func TestHaltedFolderStopsEarly(t *testing.T) {
	dom := filepath.Join(t.TempDir(), "Domain.000")
	recs := make([]record.Entry, 3<<15)
	for i := range recs {
		recs[i] = record.Make(fmt.Sprintf("ABC%05d", i), uint32(now.Unix())-200*86400, nil)
	}
	writeDomain(t, dom, recs, "ABC00001.cfg", "ABC00002.cfg")
	for _, halted := range []bool{false, true} {
		p := &Planner{Opt: Options{Days: 90, Now: now, Parallel: 2}, halt: make(chan struct{})}
		if halted {
			close(p.halt)
		}
		var rp resyncPlan
		err := p.scanResync(filepath.Join(dom, "Resync.cfg"), &rp, nil)
		if halted != errors.Is(err, errHalted) {
			t.Errorf("halted %v: scan: %v", halted, err)
		}
		files, _, err := site.CfgFiles(filepath.Join(dom, "Invencfg.box"))
		if err != nil {
			t.Fatal(err)
		}
		dels := p.fingerprintAll(files, []del{{file: 0}, {file: 1}})
		if want := 2; halted {
			if len(dels) != 0 {
				t.Errorf("halted: %d files fingerprinted", len(dels))
			}
		} else if len(dels) != want {
			t.Errorf("%d files fingerprinted, want %d", len(dels), want)
		}
	}
}

// TestWarnAfterRunIsKept: a run that ended normally leaves the Planner as
// it was: a warning after it (or between its domains and logon servers) is
// not dropped as if the run had been stopped.
func TestWarnAfterRunIsKept(t *testing.T) {
	dom := filepath.Join(t.TempDir(), "Domain.000")
	writeDomain(t, dom, nil)
	var warned int
	p := &Planner{Opt: Options{Days: 90, Now: now, Parallel: 2}, Warn: func(error) { warned++ }}
	if _, err := p.Run([]string{dom}, nil, func(*Row) error { return nil }); err != nil {
		t.Fatal(err)
	}
	p.warn(errors.New("after the run"))
	if warned != 1 {
		t.Errorf("%d warnings after the run, want 1", warned)
	}
}
