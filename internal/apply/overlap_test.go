package apply

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dumpsync/dumpsync/internal/atomicfile"
	"github.com/dumpsync/dumpsync/internal/interrupt"
	"github.com/dumpsync/dumpsync/internal/plan"
	"github.com/dumpsync/dumpsync/internal/planread"
	"github.com/dumpsync/dumpsync/internal/record"
	"github.com/dumpsync/dumpsync/internal/resyncedit"
)

// graceGate is a fake grace-period wait that lets the waits go in batches:
// a batch goes when atOnce waits (or all still to come) are waiting at
// once, or when no other wait has come for gateQuiet (the only real time it
// spends). Waits that overlap are one batch; a run that waits one file after
// another needs one batch per file.
type graceGate struct {
	mu        sync.Mutex
	left      int // waits still to come
	atOnce    int
	waiting   int
	last      time.Time // when the last wait came
	release   chan struct{}
	batches   int
	maxAtOnce int
	total     int
}

func newGraceGate(waits, atOnce int) *graceGate {
	return &graceGate{left: waits, atOnce: atOnce, release: make(chan struct{})}
}

func (g *graceGate) sleep(time.Duration) {
	g.mu.Lock()
	g.total++
	g.waiting++
	g.maxAtOnce = max(g.maxAtOnce, g.waiting)
	g.last = time.Now()
	rel := g.release
	if g.waiting >= min(g.atOnce, g.left) {
		g.open()
	}
	g.mu.Unlock()
	tick := time.NewTicker(gateQuiet / 4)
	defer tick.Stop()
	for {
		select {
		case <-rel:
			return
		case <-tick.C:
			g.mu.Lock()
			if g.release == rel && time.Since(g.last) >= gateQuiet {
				g.open()
			}
			g.mu.Unlock()
		}
	}
}

// gateQuiet is how long a batch waits for another wait to come: longer
// than a rewrite takes up to its rename, under Wine too.
const gateQuiet = time.Second

// open lets the waiting batch go (under mu).
func (g *graceGate) open() {
	close(g.release)
	g.release = make(chan struct{})
	g.batches++
	g.left -= g.waiting
	g.waiting = 0
}

// overlapSite makes n domains like makeFailSite's, with stale requests and
// .cfg files to delete, and returns them with their plan (no logon server).
func overlapSite(t *testing.T, n int) ([]failSite, []planread.Row) {
	t.Helper()
	root := t.TempDir()
	var sites []failSite
	var domains []string
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("S%02d", i))
		s := makeFailSite(t, filepath.Join(dir, "Domain.000"), filepath.Join(dir, "Logon.srv"), 4)
		sites = append(sites, s)
		domains = append(domains, s.domain)
	}
	var rows []plan.Row
	p := &plan.Planner{Opt: plan.Options{Days: 90, Now: agreeNow, Parallel: 2}, Warn: func(err error) { t.Errorf("plan: %v", err) }}
	if _, err := p.Run(domains, nil, func(r *plan.Row) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	valid, errs := planread.Validate(FromPlan(rows), planread.Options{})
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	return sites, valid
}

// leftovers lists the files of dumpsync's (lock, temporary, recovery)
// under root.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".dumpsync-") {
			found = append(found, p)
		}
		return err
	})
	return found
}

// TestGraceOverlapsAcrossFiles (issue 9.5): the rewrites of 25 Resync.cfg
// files wait out their grace periods together, at most maxInflight at
// once, instead of one after another: 4 batches of waits, not 25. Every
// row is still carried out, the undo file holds the rows in the order of
// the run, and nothing of dumpsync's is left.
func TestGraceOverlapsAcrossFiles(t *testing.T) {
	testGraceOverlaps(t, 25, (25+maxInflight-1)/maxInflight)
}

// TestGraceOverlapsWithinTheByteBudget: rewrites whose files together hold
// more than maxInflightBytes do not run at once.
func TestGraceOverlapsWithinTheByteBudget(t *testing.T) {
	defer func(b int64) { maxInflightBytes = b }(maxInflightBytes)
	maxInflightBytes = 3 * 5 * record.Size // each file holds 5 records before the rewrite: 3 at once
	testGraceOverlaps(t, 6, 2)
}

func testGraceOverlaps(t *testing.T, files, batches int) {
	sites, rows := overlapSite(t, files)
	atOnce := min(maxInflight, int(maxInflightBytes/(5*record.Size)))
	gate := newGraceGate(files, atOnce)
	undo := filepath.Join(t.TempDir(), "undo.json")
	j := NewJournal(undo, nil)
	var res []Result
	sum, err := Run(rows, Options{Now: agreeNow, Undo: j, editSleep: gate.sleep}, func(r *Result) error { res = append(res, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if sum.Applied != len(rows) || sum.Attention() {
		t.Fatalf("summary %+v, want all %d rows Applied", sum, len(rows))
	}
	if gate.total != files {
		t.Fatalf("%d grace periods, want one per file (%d)", gate.total, files)
	}
	if gate.batches > batches || gate.maxAtOnce > atOnce {
		t.Errorf("the grace periods of %d files took %d batches (at most %d at once), want at most %d (at most %d at once)",
			files, gate.batches, gate.maxAtOnce, batches, atOnce)
	}
	if l := leftovers(t, filepath.Dir(filepath.Dir(sites[0].domain))); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
	// The undo rows follow the run: per folder, its RemoveEntry rows, then
	// its DeleteFile rows, folders in plan order.
	u, err := os.ReadFile(undo)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range sites {
		for _, r := range res {
			if r.Action == RemoveEntryAction && strings.HasPrefix(r.Path, s.domain+string(filepath.Separator)) {
				want = append(want, "RestoreEntry "+*r.Record)
			}
		}
		for _, r := range res {
			if r.Action == DeleteFileAction && strings.HasPrefix(r.Path, s.domain+string(filepath.Separator)) {
				want = append(want, "RestoreFile "+r.Path)
			}
		}
	}
	var got []string
	for _, line := range strings.Split(string(u), "\n") {
		for _, kind := range []string{"RestoreEntry", "RestoreFile"} {
			if !strings.Contains(line, `"Action":"`+kind+`"`) {
				continue
			}
			key := field(line, "Record")
			if kind == "RestoreFile" {
				key = field(line, "Path")
			}
			got = append(got, kind+" "+key)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("undo rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// field returns the string value of "name" in a JSON line (test use only:
// no escapes but \\ in the values).
func field(line, name string) string {
	_, v, ok := strings.Cut(line, `"`+name+`":"`)
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, `"`)
	return strings.ReplaceAll(v, `\\`, `\`)
}

// TestLateErrorsStillWarn: a step after the rename that fails while the
// commit ends in the background (here syncing the folder) is still
// reported, once per file, in the order of the files, and the rows stay
// Applied.
func TestLateErrorsStillWarn(t *testing.T) {
	sites, rows := overlapSite(t, 5)
	syncErr := errors.New("sync refused")
	var warned []string
	opt := Options{Now: agreeNow, editOps: atomicfile.Ops{SyncDir: func(string) error { return syncErr }},
		Warn: func(err error) { warned = append(warned, err.Error()) }}
	var res []Result
	sum, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Applied != len(rows) || sum.Warnings != len(sites) {
		t.Fatalf("summary %+v, want %d Applied and %d warnings", sum, len(rows), len(sites))
	}
	for i, s := range sites {
		p := filepath.Join(s.domain, "Resync.cfg")
		if i >= len(warned) || !strings.HasPrefix(warned[i], p+": rewritten, but:") || !strings.Contains(warned[i], "sync refused") {
			t.Errorf("warning %d: %q, want %s rewritten, but the sync failed", i, warned, p)
		}
	}
}

// TestNeighbourCheckSeesTheReplacedFile: a fresh request that reaches the
// replaced Resync.cfg during the grace period (written through its recovery
// link, as a writer that opened it before the rename would: a held handle
// stops the rename under Wine) keeps its .cfg file, although the check
// beside the .cfg files runs before the rewrite has carried the record
// over; and the record ends up in the Resync.cfg once.
func TestNeighbourCheckSeesTheReplacedFile(t *testing.T) {
	sites, rows := overlapSite(t, 1)
	rp := filepath.Join(sites[0].domain, "Resync.cfg")
	fresh := record.Make("ABC00001", uint32(agreeNow.Unix()-60), []byte("late"))
	checked := make(chan struct{})
	var once sync.Once
	checkedInGrace, renamed := false, false
	opt := Options{Now: agreeNow, LockedRetry: time.Second,
		Progress: func(int) { close(checked) }, // the folder's rows are done: its check is made
		editOps: atomicfile.Ops{Rename: func(o, n string) error {
			if err := os.Rename(o, n); err != nil {
				return err
			}
			// Right after the first rename, before the check: the record
			// goes to the replaced file.
			if renamed {
				return nil
			}
			renamed = true
			links, err := filepath.Glob(rp + resyncedit.RecoverMarker + "*")
			if err != nil || len(links) != 1 {
				t.Errorf("recovery links %v (%v), want one", links, err)
				return nil
			}
			f, err := os.OpenFile(links[0], os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Error(err)
				return nil
			}
			defer f.Close()
			if _, err := f.Write(fresh.Raw[:]); err != nil {
				t.Error(err)
			}
			return nil
		}},
		editSleep: func(time.Duration) {
			once.Do(func() {
				select {
				case <-checked:
					checkedInGrace = true
				case <-time.After(5 * time.Second): // waiting for the grace period: the check comes after it
				}
			})
		}}
	var res []Result
	if _, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if !checkedInGrace {
		t.Error("the check beside the .cfg files waited for the grace period")
	}
	kept := false
	for _, r := range res {
		switch {
		case r.Action == RemoveEntryAction && r.Status != Applied:
			t.Errorf("%s %s: %s %q", r.Action, r.Path, r.Status, r.Detail)
		case r.Action == DeleteFileAction && *r.SmsId == "ABC00001":
			kept = r.Status == Skipped && strings.Contains(r.Detail, "fresh request")
			if !kept {
				t.Errorf("ABC00001.cfg: %s %q, want Skipped for the fresh request in the replaced file", r.Status, r.Detail)
			}
		case r.Action == DeleteFileAction && r.Status != Applied:
			t.Errorf("%s %s: %s %q, want Applied", r.Action, r.Path, r.Status, r.Detail)
		}
	}
	if _, err := os.Stat(filepath.Join(sites[0].domain, "Invencfg.box", "ABC00001.cfg")); err != nil {
		t.Errorf("ABC00001.cfg: %v", err)
	}
	data, err := os.ReadFile(rp)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), string(fresh.Raw[:])); n != 1 {
		t.Errorf("the fresh request is in the Resync.cfg %d times, want 1", n)
	}
	if l := leftovers(t, sites[0].domain); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
}

// TestInterruptWaitsForRewritesUnderWay: a stop request that comes while
// several rewrites still watch their replaced files (their grace periods
// held by the test) stops the run before the next file, and Run returns
// only once those rewrites have ended: complete results, the rewritten
// files' rows Applied and the others not reached, nothing of dumpsync's
// left, and the undo file holding exactly the Applied rows.
func TestInterruptWaitsForRewritesUnderWay(t *testing.T) {
	sites, rows := overlapSite(t, 6)
	stop := make(chan struct{})
	var mu sync.Mutex
	sleeping, sleeps := 0, 0
	opt := Options{Now: agreeNow, Interrupt: stop, editSleep: func(time.Duration) {
		mu.Lock()
		sleeping++
		sleeps++
		if sleeps == 3 {
			close(stop)
		}
		mu.Unlock()
		<-stop
		time.Sleep(50 * time.Millisecond) // the commits end well after the run saw the request
		mu.Lock()
		sleeping--
		mu.Unlock()
	}}
	undo := filepath.Join(t.TempDir(), "undo.json")
	j := NewJournal(undo, nil)
	opt.Undo = j
	var res []Result
	sum, err := Run(rows, opt, func(r *Result) error { res = append(res, *r); return nil })
	mu.Lock()
	if sleeping != 0 {
		t.Errorf("Run returned while %d rewrites were still under way", sleeping)
	}
	mu.Unlock()
	if cerr := j.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	if !errors.Is(err, interrupt.ErrInterrupted) {
		t.Fatalf("Run: %v, want ErrInterrupted", err)
	}
	if len(res) != len(rows) {
		t.Fatalf("%d results for %d rows", len(res), len(rows))
	}
	applied := 0
	for _, r := range res {
		switch {
		case r.Status == Applied && r.Action == RemoveEntryAction:
			applied++
		case r.Status == Applied:
		case r.Status != Skipped || r.Detail != DetailInterrupted:
			t.Errorf("%s %s: %s %q, want Applied or not reached", r.Action, r.Path, r.Status, r.Detail)
		}
	}
	if applied == 0 || sum.NotReached == 0 {
		t.Errorf("summary %+v: want some rows applied and some not reached", sum)
	}
	for _, s := range sites {
		data, err := os.ReadFile(filepath.Join(s.domain, "Resync.cfg"))
		if err != nil {
			t.Fatal(err)
		}
		rewritten := len(data) == record.Size // the fresh request only
		for _, r := range res {
			if r.Action == RemoveEntryAction && strings.HasPrefix(r.Path, s.domain+string(filepath.Separator)) && (r.Status == Applied) != rewritten {
				t.Errorf("%s: %d records, but its row is %s", r.Path, len(data)/record.Size, r.Status)
			}
		}
	}
	if l := leftovers(t, filepath.Dir(filepath.Dir(sites[0].domain))); len(l) > 0 {
		t.Errorf("left behind: %v", l)
	}
	u, err := os.ReadFile(undo)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(u), `"RestoreEntry"`); n != applied {
		t.Errorf("undo file holds %d RestoreEntry rows, want %d", n, applied)
	}
}

// TestResultsWrittenDuringTheGrace: the results are written while the last
// rewrite's grace period runs (they do not depend on it), and Run returns
// only once it has ended.
func TestResultsWrittenDuringTheGrace(t *testing.T) {
	_, rows := overlapSite(t, 1)
	emitted := make(chan struct{})
	var mu sync.Mutex
	var graceEnded, emittedInGrace, timedOut bool
	first := true
	sleep := func(time.Duration) {
		mu.Lock()
		wait := first
		first = false
		mu.Unlock()
		if wait {
			select {
			case <-emitted:
			case <-time.After(10 * time.Second):
				timedOut = true
			}
		}
		mu.Lock()
		graceEnded = true
		mu.Unlock()
	}
	n := 0
	sum, err := Run(rows, Options{Now: agreeNow, editSleep: sleep}, func(r *Result) error {
		if n == 0 {
			mu.Lock()
			emittedInGrace = !graceEnded
			mu.Unlock()
			close(emitted)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if timedOut || !emittedInGrace {
		t.Fatalf("the results waited for the grace period (timed out %v)", timedOut)
	}
	if !graceEnded {
		t.Fatal("Run returned before the grace period ended")
	}
	if n != len(rows) || sum.Applied != len(rows) {
		t.Fatalf("%d results, summary %+v; want %d Applied", n, sum, len(rows))
	}
}
